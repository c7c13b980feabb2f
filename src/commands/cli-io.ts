/** What the CLI writes to and reads from: injected, so commands never touch `process`. */
import type { FileReader, RandomAccessFile } from '../io/files.ts';
import type { OutputFile, OutputOpen } from '../io/output-file.ts';

export type { OutputFile, OutputOpen } from '../io/output-file.ts';

export interface OutputStream {
  /**
   * Text, or bytes already encoded as UTF-8 (the streaming outputs). On stdout, a failed write
   * (disk full, I/O error) throws an OutputWriteError, which main() turns into exit code 4.
   */
  write(chunk: string | Uint8Array): void;
  readonly isTTY: boolean;
  /** The terminal's width in columns (a terminal only). */
  readonly columns?: number | undefined;
}

/** What an output file must not be besides standard output's own file. */
export interface OutputOptions {
  /** The run's input files (--data, --plan, the model): writing over one would destroy it. */
  readonly inputs?: readonly { readonly path: string; readonly flag: string }[];
}

export interface CliIo {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Writes a whole file by the rules of openOutput; true, or the reason it could not. */
  writeFile(path: string, text: string): true | string;
  /**
   * Opens an output file (--trace FILE, --html FILE) by the rules of io/output-file.ts: a regular
   * file is replaced atomically at commit(), a device or FIFO is written through, nothing is
   * created or touched when it refuses. Open it before the long work, so a bad path fails early.
   */
  openOutput(path: string, options?: OutputOptions): OutputOpen;
  /**
   * A key that two output paths share exactly when they would write the same file (a symlink, a
   * hard link, `./F` and `F`); undefined for a device several outputs may share (/dev/null).
   */
  outputIdentity(path: string): string | undefined;
  /** Whole-file reads of regular files (model files, weight shards, plans, contracts). */
  readonly files: FileReader;
  /** Opens a regular file for streaming reads (.npy data); throws when it cannot. */
  openFile(path: string): RandomAccessFile;
  /**
   * The whole content of a file that may be a stream (FIFO, `<(…)`, a device), or standard input
   * for "-": at most `maxBytes`, never blocking forever. `head` sees a stream's first bytes and
   * throws when they cannot be the expected format. Throws errno-style errors with a `code`.
   */
  readInput(path: string, maxBytes: number, head?: (bytes: Uint8Array) => void): Promise<Uint8Array>;
  /** Whether `path` is a regular file ('file', random access) or a stream; throws errno errors. */
  inputKind(path: string): 'file' | 'stream';
  /** All of standard input as text (for `--plan -`). */
  readStdin(): Promise<string>;
  /**
   * Lets the process see signals during a long run: commands call it every few tens of
   * milliseconds of work (the core is synchronous; a Ctrl-C is handled between two calls).
   */
  pause(): Promise<void>;
  /**
   * Runs `cleanup` if the run is interrupted (Ctrl-C, SIGTERM) before the returned function is
   * called: erase the progress bar, flush complete lines, remove temporary files.
   */
  onInterrupt(cleanup: () => void): () => void;
  /** Milliseconds, for pacing output (flushes every 250 ms); Date.now in the CLI. */
  now(): number;
}

/** Exit codes, as documented in --help and the README. */
export const exitCodes = {
  ok: 0,
  /** an --expect / --expect-resets comparison failed, or `verify` found the promise broken */
  expectationFailed: 1,
  /** bad usage or input */
  usage: 2,
  /** Keras would raise for this configuration (an error finding the script does not catch), or --strict and a warning finding or a caught error */
  kerasWouldFail: 3,
  /** an output could not be written: stdout, or a --trace/--html file (disk full, I/O error) */
  outputFailed: 4,
  /** interrupted: 128 + the signal number (SIGHUP 129, SIGINT 130, SIGTERM 143) */
  interruptedSigint: 130,
  interruptedSigterm: 143,
  /** a bug in lstm-reset (an internal error, reported in one line; LSTM_RESET_DEBUG=1 shows the stack) */
  internalError: 70,
} as const;

/** A write to stdout failed (ENOSPC, EIO, …): the run stops with exit code 4 and one line on stderr. */
export class OutputWriteError extends Error {
  readonly code: string;
  readonly where: string;

  constructor(where: string, code: string, description: string) {
    super(`cannot write to ${where}: ${description}`);
    this.name = 'OutputWriteError';
    this.code = code;
    this.where = where;
  }
}

/** Bad usage found outside commander's own parsing (a hook, a flag check): exit 2 with this one line. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Writes `text` to `path` by the rules of openOutput (used by io.writeFile implementations). */
export function writeWholeFile(openOutput: CliIo['openOutput'], path: string, text: string): true | string {
  const opened = openOutput(path, {});
  if (!opened.ok) return opened.reason;
  return writeAndCommit(opened.file, text);
}

/** Writes and commits; on failure removes what was written and returns the reason. */
export function writeAndCommit(file: OutputFile, text: string | Uint8Array): true | string {
  try {
    file.write(text);
    file.commit();
    return true;
  } catch (error) {
    file.abort();
    return describeWriteError(error);
  }
}

/** A write error as plain words (no stack, no path repeated). */
export function describeWriteError(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  const words: Readonly<Record<string, string>> = {
    ENOSPC: 'no space left on device (ENOSPC)',
    EDQUOT: 'disk quota exceeded (EDQUOT)',
    EFBIG: 'file too large (EFBIG)',
    EIO: 'input/output error (EIO)',
    EPIPE: 'the reader closed the pipe (EPIPE)',
    EBADF: 'bad file descriptor (EBADF)',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EROFS: 'read-only file system',
  };
  return (code && words[code]) ?? (code ? `${code}` : message);
}
