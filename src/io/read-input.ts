/**
 * Reading an input file that may be a stream: a FIFO (mkfifo), process substitution (`<(…)`, which
 * the shell passes as /dev/fd/N), a character device. Regular files are read directly; a stream is
 * read to its end, up to a size limit, without ever blocking the process:
 *
 * - the open does not wait for a writer (O_NONBLOCK), and a FIFO nobody writes to is given a grace
 *   period, then reported instead of waited on forever;
 * - while a writer is connected but has not written yet, reading waits for it (asynchronously, so
 *   Ctrl-C still works): `<(python make_data.py)` may take its time;
 * - a terminal, a directory, a socket and a block device are refused.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { isatty } from 'node:tty';

/** How long a FIFO with no writer at all is waited for before it is reported. */
export const fifoGraceMs = 2000;

export interface InputKind {
  /** 'file': random access is possible; 'stream': it must be read whole, once. */
  readonly kind: 'file' | 'stream';
  readonly size: number;
}

/** An error with an errno-like code and a message for the user. */
export function inputError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

/** What `path` is, without opening it (stat never blocks). Throws errno errors, or ones made by inputError. */
export function inputKind(path: string): InputKind {
  const stats = statSync(path);
  if (stats.isFile()) return { kind: 'file', size: stats.size };
  if (stats.isDirectory()) throw inputError('EISDIR', 'it is a directory');
  if (stats.isBlockDevice()) throw inputError('EBLOCK', 'it is a block device (a disk), not a file');
  if (stats.isSocket()) throw inputError('ESOCKET', 'it is a socket, not a file');
  return { kind: 'stream', size: 0 };
}

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/**
 * The whole content of `path` (a regular file or a stream), at most `maxBytes`. Throws errno
 * errors (ENOENT, EACCES, …) or inputError ones (ETOOBIG, ETTY, ENOWRITER, …) with a plain message.
 */
export interface ReadInputOptions {
  /** How long a FIFO nobody writes to is waited for (default fifoGraceMs). */
  readonly graceMs?: number;
  /**
   * Looks at the first bytes of a stream (at least 64, or all of a shorter one) and throws when
   * they cannot be the expected format, so /dev/zero or a wrong pipe is refused at once rather
   * than read up to the limit.
   */
  readonly head?: (bytes: Uint8Array) => void;
}

/** Bytes as "1 GiB", "32 MiB" for messages. */
function mebibytes(bytes: number): string {
  return bytes >= 1024 ** 3 && bytes % 1024 ** 3 === 0 ? `${bytes / 1024 ** 3} GiB` : `${Math.round(bytes / 1024 ** 2)} MiB`;
}

export async function readInputBytes(path: string, maxBytes: number, options: ReadInputOptions = {}): Promise<Uint8Array> {
  const kind = inputKind(path);
  if (kind.kind === 'file') {
    if (kind.size > maxBytes) throw inputError('ETOOBIG', `it is ${kind.size} bytes, more than the ${mebibytes(maxBytes)} allowed`);
    const buffer = readFileSync(path);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    if (isatty(fd)) throw inputError('ETTY', 'it is a terminal (pipe the file in, or give its path)');
    return await readStream(fd, fstatSync(fd).isFIFO(), maxBytes, options.graceMs ?? fifoGraceMs, options.head);
  } finally {
    closeSync(fd);
  }
}

/** Reads a non-blocking descriptor to its end. */
async function readStream(fd: number, fifo: boolean, maxBytes: number, graceMs: number, head?: (bytes: Uint8Array) => void): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  let waitedWithoutWriter = 0;
  const buffer = Buffer.allocUnsafe(1 << 16);
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, buffer, 0, buffer.length, null);
    } catch (error) {
      // a writer is connected but has not written yet: wait for it
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') {
        await sleep(10);
        continue;
      }
      throw error;
    }
    if (n > 0) {
      const before = total;
      total += n;
      if (total > maxBytes) throw inputError('ETOOBIG', `a stream of more than ${mebibytes(maxBytes)} (save it to a file and give its path)`);
      chunks.push(Uint8Array.from(buffer.subarray(0, n)));
      if (head && before < 64 && total >= 64) head(concat(chunks, total));
      continue;
    }
    // end of data; a FIFO that no writer has opened yet looks the same, so give it a moment
    if (fifo && total === 0 && waitedWithoutWriter < graceMs) {
      await sleep(25);
      waitedWithoutWriter += 25;
      continue;
    }
    if (fifo && total === 0) throw inputError('ENOWRITER', `nothing was written to it within ${graceMs / 1000} s (an empty stream, or a FIFO whose writer has not started)`);
    break;
  }
  const all = concat(chunks, total);
  if (head && total < 64) head(all);
  return all;
}

function concat(chunks: readonly Uint8Array[], total: number): Uint8Array {
  const all = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.length;
  }
  return all;
}
