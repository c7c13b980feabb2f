/**
 * Writing an output file (--trace FILE, --html FILE) without ever damaging what the path names:
 *
 * - a regular file (new or existing, or the target of a symlink) is written to a temporary file
 *   beside it and renamed over it at the end, so it is either the old file or the whole new one,
 *   never half-written; an existing file keeps its permissions, a symlink stays a symlink;
 * - anything else is written through, never replaced: a character device (/dev/null, /dev/tty),
 *   a FIFO (which must already have a reader, or the open is refused rather than waiting), a
 *   descriptor alias (/dev/stdout, /dev/fd/N, /proc/self/fd/N);
 * - refused: a directory, a block device, a socket, files under /proc and /sys (kernel interfaces).
 *
 * `openOutputFile` does every check and creates the temporary file before any work, so an
 * unwritable path is reported before a long run, not after it. `abort()` removes the temporary file
 * (the CLI calls it on Ctrl-C, SIGTERM and exit).
 */
import { randomBytes } from 'node:crypto';
import {
  accessSync,
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  fsyncSync,
  lstatSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';

/** An output being written; every method is synchronous. */
export interface OutputFile {
  /** The path the bytes end up at (a symlink's target for a link), for messages. */
  readonly target: string;
  /** True when the path is written through (device, FIFO, descriptor) rather than replaced. */
  readonly streamed: boolean;
  /** Appends bytes; throws an Error with an errno `code` (ENOSPC, EIO, …) when the write fails. */
  write(chunk: string | Uint8Array): void;
  /** Finishes: renames the temporary file over the target, or closes the stream. Throws like write. */
  commit(): void;
  /** Gives up: removes the temporary file (or closes the stream). Safe to call more than once. */
  abort(): void;
}

export type OutputOpen = { readonly ok: true; readonly file: OutputFile } | { readonly ok: false; readonly reason: string };

/** Paths that name an already open descriptor: written through, never replaced. */
const descriptorAlias = /^\/(dev\/(stdout|stderr|fd\/\d+)|proc\/(self|thread-self|\d+)\/fd\/\d+)$/;

/** A path naming descriptor N of this process (after normalising `//` and `.`), or undefined. */
function descriptorNumber(path: string): number | undefined {
  const match = /^\/(?:dev\/(stdin|stdout|stderr|fd\/(\d+))|proc\/(?:self|thread-self|(\d+))\/fd\/(\d+))$/.exec(resolve(path));
  if (!match) return undefined;
  if (match[3] !== undefined && Number(match[3]) !== selfPid) return undefined;
  if (match[1] === 'stdin') return 0;
  if (match[1] === 'stdout') return 1;
  if (match[1] === 'stderr') return 2;
  return Number(match[2] ?? match[4]);
}

/**
 * The descriptors this process inherited from its caller and may write to, recorded by
 * `recordInheritedDescriptors()` at start-up; undefined where /proc cannot tell (then every
 * descriptor path is written through as before).
 */
let inherited: ReadonlySet<number> | undefined;
let selfPid: number | undefined;

/**
 * Records which open descriptors are the caller's (`3>file`, `>(cat)`), before the run opens any:
 * Node and libuv open their own at start-up (an epoll, eventfds, self-pipes whose both ends this
 * process holds, a read-only /dev/null), and writing into one of those (`--trace /dev/fd/7`) would
 * lose the output or crash the process. Kept: descriptors open for writing that are not an
 * anonymous inode and not one end of a pipe whose other end this process also holds.
 * Linux only (reads /proc/self/fd and /proc/self/fdinfo); elsewhere it records nothing.
 */
export function recordInheritedDescriptors(): void {
  let names: string[];
  try {
    names = readdirSync('/proc/self/fd');
    selfPid = Number(readlinkSync('/proc/self'));
  } catch {
    return;
  }
  const open: { fd: number; link: string; mode: number }[] = [];
  for (const name of names) {
    const fd = Number(name);
    try {
      const link = readlinkSync(`/proc/self/fd/${fd}`);
      const flags = /^flags:\s*([0-7]+)/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
      open.push({ fd, link, mode: flags ? parseInt(flags[1]!, 8) & 3 : 1 });
    } catch {
      // the descriptor readdir itself used, closed by now
    }
  }
  const pipeModes = new Map<string, Set<number>>();
  for (const { link, mode } of open) if (link.startsWith('pipe:')) pipeModes.set(link, (pipeModes.get(link) ?? new Set()).add(mode));
  const selfPipe = (link: string) => {
    const modes = pipeModes.get(link);
    return modes !== undefined && modes.has(constants.O_RDONLY) && (modes.has(constants.O_WRONLY) || modes.has(constants.O_RDWR));
  };
  inherited = new Set(
    open.filter(({ fd, link, mode }) => fd <= 2 || (mode !== constants.O_RDONLY && !link.startsWith('anon_inode:') && !selfPipe(link))).map(({ fd }) => fd),
  );
}

/** Plain words for the errno codes a user can act on. */
export function describeErrno(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    case 'EISDIR':
      return 'it is a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'read-only file system';
    case 'ENOSPC':
      return 'no space left on device (ENOSPC)';
    case 'EDQUOT':
      return 'disk quota exceeded (EDQUOT)';
    case 'EFBIG':
      return 'file too large (EFBIG)';
    case 'EIO':
      return 'input/output error (EIO)';
    case 'ENAMETOOLONG':
      return 'file name too long';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    case 'ENXIO':
      return 'no reader at the other end (ENXIO)';
    case 'EBADF':
      return 'bad file descriptor (EBADF)';
    default:
      return code ? `${code}: ${message.replace(/^[A-Z]+: /, '').replace(/, \w+ .*$/, '')}` : message;
  }
}

/** Follows symlinks one hop at a time (the last one may dangle); the final path and whether it exists. */
function resolveLinks(path: string): { path: string; stats: Stats | undefined } {
  let current = resolve(path);
  for (let hop = 0; hop < 40; hop++) {
    let stats: Stats;
    try {
      stats = lstatSync(current);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { path: current, stats: undefined };
      throw error;
    }
    if (!stats.isSymbolicLink()) return { path: realpathOf(current), stats };
    const link = readlinkSync(current);
    current = isAbsolute(link) ? link : resolve(dirname(current), link);
  }
  throw Object.assign(new Error('too many levels of symbolic links'), { code: 'ELOOP' });
}

function realpathOf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** Writes all of `bytes` to `fd`, waiting briefly while a non-blocking descriptor is full. */
export function writeAll(fd: number, bytes: Uint8Array): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(fd, bytes, offset, bytes.length - offset);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      Atomics.wait(pause, 0, 0, 5);
    }
  }
}

function toBytes(chunk: string | Uint8Array): Uint8Array {
  return typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
}

/** A file the output must not be (standard output's file, an input of the run), by device and inode. */
export interface AvoidFile {
  readonly dev: number;
  readonly ino: number;
  /** What it is, for the message: "the file standard output goes to", "the --data file". */
  readonly what: string;
}

/** The identity of `path` to avoid, or undefined when it does not exist. */
export function avoidFile(path: string, what: string): AvoidFile | undefined {
  try {
    const stats = statSync(path);
    return { dev: stats.dev, ino: stats.ino, what };
  } catch {
    return undefined;
  }
}

/**
 * Opens `path` for writing by the rules above; nothing is created or touched when it refuses.
 * `avoid`: files the output must not be (`--trace out.json > out.json` would lose the report,
 * `--trace x.npy --data x.npy` the data).
 */
export function openOutputFile(path: string, avoid: readonly AvoidFile[] = []): OutputOpen {
  if (path === '') return { ok: false, reason: 'the path is empty' };
  if (/\/\.?$/.test(path) && !descriptorAlias.test(path)) return { ok: false, reason: 'the path ends in "/", which names a folder (give a file name, e.g. out.json)' };
  const fd = descriptorNumber(path);
  if (fd !== undefined && inherited && !inherited.has(fd)) {
    return { ok: false, reason: `descriptor ${fd} was not passed open for writing by the caller (open it first, e.g. ${fd}>out.json)` };
  }
  let resolved: { path: string; stats: Stats | undefined };
  try {
    resolved = resolveLinks(path);
  } catch (error) {
    return { ok: false, reason: describeErrno(error) };
  }
  const { stats } = resolved;
  const target = resolved.path;
  let identity: Stats | undefined = stats;
  if (descriptorAlias.test(path)) {
    try {
      identity = statSync(path);
    } catch {
      identity = undefined;
    }
  }
  const same = identity && avoid.find((file) => file.dev === identity!.dev && file.ino === identity!.ino);
  if (same) return { ok: false, reason: `it is ${same.what}` };
  if (descriptorAlias.test(path) || (stats && !stats.isFile() && !stats.isDirectory())) {
    if (stats?.isBlockDevice()) return { ok: false, reason: 'it is a block device (a disk)' };
    if (stats?.isSocket()) return { ok: false, reason: 'it is a socket' };
    return openStream(path, stats?.isFIFO() ?? false);
  }
  if (stats?.isDirectory()) return { ok: false, reason: 'it is a directory' };
  if (/^\/(proc|sys)(\/|$)/.test(target)) return { ok: false, reason: `it is a kernel interface (${target}), not a file` };
  return openReplacing(target, stats);
}

/** Writes through an existing device, FIFO or descriptor. */
function openStream(path: string, fifo: boolean): OutputOpen {
  let fd: number;
  try {
    // a FIFO without a reader would block the open forever: ask without waiting
    fd = openSync(path, constants.O_WRONLY | (fifo ? constants.O_NONBLOCK : 0) | (descriptorAlias.test(path) ? constants.O_APPEND : 0));
  } catch (error) {
    const { code } = error as NodeJS.ErrnoException;
    if (code === 'ENXIO' && fifo) return { ok: false, reason: 'it is a FIFO that nobody reads yet (start its reader first, e.g. cat FIFO &)' };
    return { ok: false, reason: describeErrno(error) };
  }
  let open = true;
  const close = () => {
    if (!open) return;
    open = false;
    try {
      closeSync(fd);
    } catch {
      // already gone
    }
  };
  return {
    ok: true,
    file: {
      target: path,
      streamed: true,
      write: (chunk) => writeAll(fd, toBytes(chunk)),
      commit: close,
      abort: close,
    },
  };
}

/** A temporary file beside the target, renamed over it by commit(). */
function openReplacing(target: string, existing: Stats | undefined): OutputOpen {
  const folder = dirname(target);
  try {
    const folderStats = statSync(folder);
    if (!folderStats.isDirectory()) return { ok: false, reason: `${folder} is not a directory` };
    // a file the user protected (chmod a-w) is not replaced behind their back
    if (existing) accessSync(target, constants.W_OK);
  } catch (error) {
    const { code } = error as NodeJS.ErrnoException;
    return { ok: false, reason: code === 'ENOENT' ? `no such directory: ${folder}` : describeErrno(error) };
  }
  const temporary = join(folder, `.${basename(target)}.${randomBytes(4).toString('hex')}.tmp`);
  let fd: number;
  try {
    fd = openSync(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, existing ? existing.mode & 0o7777 : 0o666);
    if (existing) fchmodSync(fd, existing.mode & 0o7777);
  } catch (error) {
    return { ok: false, reason: describeErrno(error) };
  }
  let state: 'open' | 'done' = 'open';
  const removeTemporary = () => {
    if (state === 'done') return;
    state = 'done';
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    rmSync(temporary, { force: true });
  };
  return {
    ok: true,
    file: {
      target,
      streamed: false,
      write(chunk) {
        if (state === 'done') throw new Error(`${target}: already finished`);
        writeAll(fd, toBytes(chunk));
      },
      commit() {
        if (state === 'done') throw new Error(`${target}: already finished`);
        try {
          fsyncSync(fd);
          if (fstatSync(fd).nlink === 0) throw Object.assign(new Error('the temporary file was removed'), { code: 'ENOENT' });
          closeSync(fd);
          state = 'done';
          renameSync(temporary, target);
        } catch (error) {
          state = 'open';
          removeTemporary();
          throw error;
        }
      },
      abort: removeTemporary,
    },
  };
}

/**
 * What writing `path` would overwrite, as a key two paths share exactly when they name the same
 * file: an existing regular file or FIFO by device and inode (so a symlink, a hard link, `./F` and
 * `F` agree), a new file by the real path of its folder and its name. Undefined for a character
 * device (/dev/null, /dev/tty), which several outputs may share.
 */
export function outputIdentity(path: string): string | undefined {
  try {
    const stats = statSync(path);
    if (stats.isCharacterDevice()) return undefined;
    return `inode:${stats.dev}:${stats.ino}`;
  } catch {
    // a new file (or a dangling symlink, which the write would create at its target)
  }
  let target: string;
  try {
    target = resolveLinks(path).path;
  } catch {
    target = resolve(path);
  }
  return `path:${join(realpathOf(dirname(target)), basename(target))}`;
}
