/** What the CLI writes to and reads from: injected, so commands never touch `process`. */
import type { FileReader, RandomAccessFile } from '../io/files.ts';

export interface OutputStream {
  /** Text, or bytes already encoded as UTF-8 (the streaming outputs). */
  write(chunk: string | Uint8Array): void;
  readonly isTTY: boolean;
  /** The terminal's width in columns (a terminal only). */
  readonly columns?: number | undefined;
}

export interface CliIo {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Writes a whole file atomically (never half-written); true, or the reason it could not. */
  writeFile(path: string, text: string): true | string;
  /** Whole-file reads (model files, plans, contracts). */
  readonly files: FileReader;
  /** Opens a file for streaming reads (.npy data); throws when it cannot. */
  openFile(path: string): RandomAccessFile;
  /** All of standard input (for `--plan -`). */
  readStdin(): Promise<string>;
}

/** Exit codes, as documented in --help and the README. */
export const exitCodes = {
  ok: 0,
  /** an --expect / --expect-resets comparison failed, or `verify` found the promise broken */
  expectationFailed: 1,
  /** bad usage or input */
  usage: 2,
  /** Keras would raise for this configuration (an error finding), or --strict and a warning finding */
  kerasWouldFail: 3,
} as const;
