/**
 * The files a command writes besides standard output (--trace FILE, --html FILE), checked together
 * before any work: standard output named as a path means "-", and two outputs never name one file.
 */
import { posix } from 'node:path';
import type { Command } from 'commander';
import { UsageError, type CliIo } from './cli-io.ts';

/** Every option, of any command, whose value is a path the command writes (or - for stdout). */
export const outputFlags = [
  { key: 'html', flag: '--html' },
  { key: 'trace', flag: '--trace' },
] as const;

/** Paths that name the process's own standard output: the same as "-". */
const stdoutPath = /^\/(dev\/stdout|dev\/fd\/1|proc\/(self|thread-self)\/fd\/1)$/;

/** Whether `path` means standard output ("-", /dev/stdout, /dev/fd/1, /proc/self/fd/1). */
export function isStdoutPath(path: string): boolean {
  // //dev/./stdout is /dev/stdout too
  return path === '-' || (path.startsWith('/') && stdoutPath.test(posix.normalize(path)));
}

/**
 * Rewrites /dev/stdout and its aliases to "-" on `command` (so --html /dev/stdout prints the page
 * instead of the report, as --html - does) and throws a UsageError naming both flags when two
 * outputs would write the same file or both want standard output.
 */
export function checkOutputPaths(command: Command, io: CliIo): void {
  const options = command.opts() as Record<string, unknown>;
  const given = outputFlags.flatMap(({ key, flag }) => {
    const path = options[key];
    return typeof path === 'string' ? [{ key, flag, path }] : [];
  });
  for (const output of given) {
    if (output.path !== '-' && isStdoutPath(output.path)) command.setOptionValueWithSource(output.key, '-', 'cli');
  }
  const identities = given.map((output) => (isStdoutPath(output.path) ? 'stdout' : output.path === '' ? undefined : io.outputIdentity(output.path)));
  for (let i = 0; i < given.length; i++) {
    for (let j = i + 1; j < given.length; j++) {
      if (identities[i] === undefined || identities[i] !== identities[j]) continue;
      const [a, b] = [given[i]!, given[j]!];
      if (identities[i] === 'stdout') throw new UsageError(`${a.flag} ${a.path} and ${b.flag} ${b.path} both want stdout; write one of them to a file.`);
      throw new UsageError(
        a.path === b.path
          ? `${a.flag} and ${b.flag} both name ${a.path}; give them different files.`
          : `${a.flag} ${a.path} and ${b.flag} ${b.path} name the same file; give them different files.`,
      );
    }
  }
}
