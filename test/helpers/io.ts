/** An in-memory CliIo: what main() writes to stdout and stderr, for in-process CLI tests. */
import { nodeFileReader, openRandomAccessFile } from '../../src/io/node-files.ts';
import { avoidFile, openOutputFile, outputIdentity } from '../../src/io/output-file.ts';
import { inputKind, readInputBytes } from '../../src/io/read-input.ts';
import { main, type CliIo } from '../../src/main.ts';
import { OutputWriteError, writeWholeFile } from '../../src/commands/cli-io.ts';

export interface CapturedRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Files written through io.writeFile / io.openOutput (unless `realFiles`), by path. */
  readonly files: ReadonlyMap<string, string>;
}

export interface RunOptions {
  env?: Record<string, string>;
  isTTY?: boolean;
  /** The terminal's width (with isTTY). */
  columns?: number;
  /** stderr is a terminal (default: isTTY). */
  stderrTTY?: boolean;
  /** A path whose io.openOutput is refused (as a missing directory would be). */
  unwritable?: string;
  /** Standard input ("-"). */
  stdin?: string | Uint8Array;
  /** Output files really written (through io/output-file.ts) instead of captured in `files`. */
  realFiles?: boolean;
  /** stdout fails with this errno code (ENOSPC, EIO) after `stdoutFailsAfter` bytes (default 0). */
  stdoutFails?: string;
  stdoutFailsAfter?: number;
  /** Output files fail with this errno code on write. */
  fileWriteFails?: string;
}

export async function run(argv: readonly string[], options: RunOptions = {}): Promise<CapturedRun> {
  let stdout = '';
  let stderr = '';
  const files = new Map<string, string>();
  const decoder = new TextDecoder();
  const stdinBytes = typeof options.stdin === 'string' ? new TextEncoder().encode(options.stdin) : (options.stdin ?? new Uint8Array(0));
  const openOutput: CliIo['openOutput'] = (path, outputOptions = {}) => {
    if (path === options.unwritable) return { ok: false, reason: 'no such directory' };
    if (options.realFiles) {
      const avoid = (outputOptions.inputs ?? []).flatMap((input) => avoidFile(input.path, `the ${input.flag} file of this run (it would be overwritten)`) ?? []);
      const opened = openOutputFile(path, avoid);
      if (!opened.ok || !options.fileWriteFails) return opened;
      const file = opened.file;
      return {
        ok: true,
        file: {
          ...file,
          write: () => {
            throw Object.assign(new Error(`${options.fileWriteFails}: write failed`), { code: options.fileWriteFails });
          },
          commit: () => file.commit(),
          abort: () => file.abort(),
        },
      };
    }
    let text = '';
    return {
      ok: true,
      file: {
        target: path,
        streamed: false,
        write(chunk) {
          if (options.fileWriteFails) throw Object.assign(new Error(`${options.fileWriteFails}: write failed`), { code: options.fileWriteFails });
          text += typeof chunk === 'string' ? chunk : decoder.decode(chunk);
        },
        commit: () => void files.set(path, text),
        abort: () => {},
      },
    };
  };
  const io: CliIo = {
    stdout: {
      write: (chunk) => {
        const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk);
        if (options.stdoutFails && stdout.length + text.length > (options.stdoutFailsAfter ?? 0)) {
          throw new OutputWriteError('standard output', options.stdoutFails, `${options.stdoutFails} (simulated)`);
        }
        stdout += text;
      },
      isTTY: options.isTTY ?? false,
      columns: options.columns,
    },
    stderr: { write: (chunk) => void (stderr += typeof chunk === 'string' ? chunk : decoder.decode(chunk)), isTTY: options.stderrTTY ?? options.isTTY ?? false },
    env: options.env ?? {},
    writeFile: (path, text) => writeWholeFile(openOutput, path, text),
    openOutput,
    outputIdentity,
    files: nodeFileReader,
    openFile: openRandomAccessFile,
    readInput: async (path, maxBytes, head) => {
      if (path !== '-') return readInputBytes(path, maxBytes, { graceMs: 200, ...(head ? { head } : {}) });
      if (stdinBytes.length > maxBytes) throw Object.assign(new Error(`standard input sends more than ${maxBytes} bytes`), { code: 'ETOOBIG' });
      head?.(stdinBytes.subarray(0, 64));
      return stdinBytes;
    },
    inputKind: (path) => inputKind(path).kind,
    readStdin: async () => decoder.decode(stdinBytes),
    pause: async () => {},
    onInterrupt: () => () => {},
    now: Date.now,
  };
  const code = await main(argv, io);
  return { code, stdout, stderr, files };
}

/** Text with every run of whitespace (line breaks of wrapped prose included) as one space. */
export function flat(text: string): string {
  return text.replace(/\s+/g, ' ');
}
