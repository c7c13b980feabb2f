/** Process glue: the only file that touches `process` and the file system. */
import { fstatSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { isatty } from 'node:tty';
import { nodeFileReader, openRandomAccessFile } from './io/node-files.ts';
import { enableRelaxedSimd } from './nn/kernels/relaxed-simd.ts';
import packageJson from '../package.json' with { type: 'json' };

async function readStdin(): Promise<string> {
  let text = '';
  process.stdin.setEncoding('utf8');
  for await (const chunk of process.stdin) text += chunk;
  return text;
}

/** Write to a temporary file beside the target, then rename: a failed run leaves nothing half-written. */
function writeFileAtomically(path: string, text: string): true | string {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(temporary, text);
    renameSync(temporary, path);
    return true;
  } catch (error) {
    rmSync(temporary, { force: true });
    const { code, message } = error as NodeJS.ErrnoException;
    return code === 'ENOENT' ? 'no such directory' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : message;
  }
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

/**
 * Writes all of `chunk` to stdout before returning. A pipe that is full makes the run wait (the
 * next events are not computed until the reader takes these), so memory stays flat however much
 * is printed; a pipe closed by the reader (`| head -1`) ends the run quietly, with no stack trace.
 */
function writeStdout(chunk: string | Uint8Array): void {
  const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(stdoutFd, bytes, offset, bytes.length - offset);
    } catch (error) {
      const { code } = error as NodeJS.ErrnoException;
      if (code === 'EAGAIN') Atomics.wait(pause, 0, 0, 0.05);
      else if (code === 'EPIPE') process.exit(0);
      else throw error;
    }
  }
}

process.stderr.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

// `--version` alone answers before the command line's modules load (commander prints the same for it)
const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  writeStdout(`${packageJson.version}\n`);
  process.exit(0);
}

// fused multiply-add in the LSTM kernel: Node 20 has relaxed SIMD behind a V8 flag, turned on here
// before any module compiles (src/nn/kernels/relaxed-simd.ts); LSTM_RESET_NO_RELAXED_SIMD=1 keeps the
// plain-SIMD build
if (!process.env.LSTM_RESET_NO_RELAXED_SIMD) enableRelaxedSimd();

const { main } = await import('./main.ts');
process.exitCode = await main(argv, {
  stdout: { write: writeStdout, isTTY: isatty(1), columns: isatty(1) ? process.stdout.columns : undefined },
  stderr: { write: (chunk) => void process.stderr.write(chunk), isTTY: process.stderr.isTTY === true },
  env: process.env,
  writeFile: writeFileAtomically,
  files: nodeFileReader,
  openFile: openRandomAccessFile,
  readStdin,
});
