/** Process glue: the only file that touches `process` (streams, signals, exit code). */
import { fstatSync, openSync, writeSync } from 'node:fs';
import { isatty } from 'node:tty';
import { nodeFileReader, openRandomAccessFile } from './io/node-files.ts';
import { avoidFile, openOutputFile, outputIdentity, recordInheritedDescriptors, type AvoidFile, type OutputFile } from './io/output-file.ts';
import { inputKind, readInputBytes } from './io/read-input.ts';
import { exitCodes, OutputWriteError, writeWholeFile, describeWriteError, type CliIo, type OutputOptions } from './commands/cli-io.ts';
import { enableRelaxedSimd } from './nn/kernels/relaxed-simd.ts';
import { isHdf5Chatter, removeHdf5Scratch } from './model/hdf5.ts';
import packageJson from '../package.json' with { type: 'json' };

// before this process opens anything: which descriptors the caller passed (--trace /dev/fd/N)
recordInheritedDescriptors();

async function readStdinBytes(maxBytes: number, head?: (bytes: Uint8Array) => void): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let total = 0;
  let headChecked = false;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > maxBytes) {
      throw Object.assign(new Error(`standard input sends more than ${Math.round(maxBytes / 2 ** 20)} MiB (save it to a file and give its path)`), { code: 'ETOOBIG' });
    }
    chunks.push(chunk);
    if (head && !headChecked && total >= 64) {
      headChecked = true;
      head(Buffer.concat(chunks));
    }
  }
  const all = Buffer.concat(chunks);
  if (head && !headChecked) head(all);
  return new Uint8Array(all.buffer, all.byteOffset, all.byteLength);
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * The descriptor stdout is written through. A pipe is opened afresh (/proc/self/fd/1): the
 * inherited descriptor may have been switched to non-blocking by a library touching
 * process.stdout, and a blocking one lets a full pipe simply make the run wait.
 */
function stdoutDescriptor(): number {
  try {
    if (fstatSync(1).isFIFO()) return openSync('/proc/self/fd/1', 'w');
  } catch {
    // not Linux, or no /proc: the inherited descriptor, with the EAGAIN retry below
  }
  return 1;
}
const stdoutFd = stdoutDescriptor();
let stdoutBroken = false;

/**
 * Writes all of `chunk` to stdout before returning. A pipe that is full makes the run wait (the
 * next events are not computed until the reader takes these), so memory stays flat however much
 * is printed; a pipe closed by the reader (`| head -1`) ends the run quietly, with no stack trace;
 * any other failure (disk full, I/O error) becomes an OutputWriteError: one line, exit code 4.
 */
function writeStdout(chunk: string | Uint8Array): void {
  if (stdoutBroken) return;
  const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(stdoutFd, bytes, offset, bytes.length - offset);
    } catch (error) {
      const { code } = error as NodeJS.ErrnoException;
      if (code === 'EAGAIN') Atomics.wait(pause, 0, 0, 5);
      else if (code === 'EPIPE') process.exit(exitCodes.ok);
      else {
        stdoutBroken = true;
        throw new OutputWriteError('standard output', code ?? 'EIO', describeWriteError(error));
      }
    }
  }
}

/** stderr: messages only; if it cannot be written (closed, full) there is nobody to tell, so carry on. */
function writeStderr(chunk: string | Uint8Array): void {
  const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
  let offset = 0;
  let retries = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(2, bytes, offset, bytes.length - offset);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN' || ++retries > 2000) return;
      Atomics.wait(pause, 0, 0, 5);
    }
  }
}

/** Output files being written: removed if the process ends before they are finished. */
const unfinished = new Set<OutputFile>();
const interruptCleanups = new Set<() => void>();

/** Standard output's file or pipe, which an output file must not be (the report would be lost). */
function stdoutIdentity(): AvoidFile[] {
  try {
    const stats = fstatSync(1);
    if (stats.isFile() || stats.isFIFO()) return [{ dev: stats.dev, ino: stats.ino, what: 'where standard output goes (the report would be lost)' }];
  } catch {
    // no stdout
  }
  return [];
}

function trackOutput(path: string, options: OutputOptions = {}): ReturnType<CliIo['openOutput']> {
  const inputs = (options.inputs ?? []).flatMap((input) => avoidFile(input.path, `the ${input.flag} file of this run (it would be overwritten)`) ?? []);
  const opened = openOutputFile(path, [...stdoutIdentity(), ...inputs]);
  if (!opened.ok) return opened;
  const file = opened.file;
  unfinished.add(file);
  const tracked: OutputFile = {
    target: file.target,
    streamed: file.streamed,
    write: (chunk) => file.write(chunk),
    commit() {
      unfinished.delete(file);
      file.commit();
    },
    abort() {
      unfinished.delete(file);
      file.abort();
    },
  };
  return { ok: true, file: tracked };
}

function abortUnfinished(): void {
  removeHdf5Scratch();
  for (const file of [...unfinished]) {
    unfinished.delete(file);
    try {
      file.abort();
    } catch {
      // best effort on the way out
    }
  }
}

let interrupted = false;
function onSignal(signal: 'SIGINT' | 'SIGTERM' | 'SIGHUP', code: number): void {
  if (interrupted) process.exit(code);
  interrupted = true;
  for (const cleanup of [...interruptCleanups].reverse()) {
    try {
      cleanup();
    } catch {
      // the other cleanups still run
    }
  }
  const files = [...unfinished].filter((file) => !file.streamed).map((file) => file.target);
  abortUnfinished();
  writeStderr(`interrupted (${signal})${files.length > 0 ? `; ${files.join(', ')} not written` : ''}\n`);
  process.exit(code);
}
// Emscripten's "Aborted(…)" (h5wasm on a damaged .h5) comes through console.error: the reader
// reports that failure in one line of its own (src/model/hdf5.ts), so the printout is dropped.
const libraryStderrWrite = process.stderr.write.bind(process.stderr);
process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
  if (isHdf5Chatter(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'))) {
    const done = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
    done?.();
    return true;
  }
  return (libraryStderrWrite as (...args: unknown[]) => boolean)(chunk, ...rest);
}) as typeof process.stderr.write;

process.on('SIGINT', () => onSignal('SIGINT', exitCodes.interruptedSigint));
process.on('SIGTERM', () => onSignal('SIGTERM', exitCodes.interruptedSigterm));
process.on('SIGHUP', () => onSignal('SIGHUP', 129));
process.on('exit', abortUnfinished);

const io: CliIo = {
  stdout: { write: writeStdout, isTTY: isatty(1), columns: isatty(1) ? process.stdout.columns : undefined },
  stderr: { write: writeStderr, isTTY: isatty(2) },
  env: process.env,
  writeFile: (path, text) => writeWholeFile(trackOutput, path, text),
  openOutput: trackOutput,
  outputIdentity,
  files: nodeFileReader,
  openFile: openRandomAccessFile,
  readInput: (path, maxBytes, head) => (path === '-' ? readStdinBytes(maxBytes, head) : readInputBytes(path, maxBytes, head ? { head } : {})),
  inputKind: (path) => inputKind(path).kind,
  readStdin: async () => new TextDecoder().decode(await readStdinBytes(64 * 1024 * 1024)),
  pause: () => new Promise((done) => setImmediate(done)),
  onInterrupt(cleanup) {
    interruptCleanups.add(cleanup);
    return () => void interruptCleanups.delete(cleanup);
  },
  now: Date.now,
};

// `--version` alone answers before the command line's modules load (commander prints the same for it)
const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  try {
    writeStdout(`${packageJson.version}\n`);
  } catch (error) {
    writeStderr(`error: ${(error as Error).message}\n`);
    process.exit(exitCodes.outputFailed);
  }
  process.exit(exitCodes.ok);
}

// fused multiply-add in the LSTM kernel: Node 20 has relaxed SIMD behind a V8 flag, turned on here
// before any module compiles (src/nn/kernels/relaxed-simd.ts); LSTM_RESET_NO_RELAXED_SIMD=1 keeps the
// plain-SIMD build
if (!process.env.LSTM_RESET_NO_RELAXED_SIMD) enableRelaxedSimd();

const { main } = await import('./main.ts');
process.exitCode = await main(argv, io);
