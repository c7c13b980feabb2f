/** What main gives a command file: the I/O, a way to set the exit code, and the CLI itself. */
import type { Command } from 'commander';
import type { CliIo } from './cli-io.ts';

export interface CommandContext {
  readonly io: CliIo;
  /** Records the exit code of the action that ran. */
  readonly setExitCode: (code: number) => void;
  /** A subcommand configured like the program (errors on one line, output through io). */
  readonly subcommand: (name: string) => Command;
  /** The whole command line, run in-process (check runs its scenarios through it). */
  readonly runCli: (argv: readonly string[], io: CliIo) => Promise<number>;
}
