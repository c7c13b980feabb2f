/** An in-memory CliIo: what main() writes to stdout and stderr, for in-process CLI tests. */
import { nodeFileReader, openRandomAccessFile } from '../../src/io/node-files.ts';
import { main, type CliIo } from '../../src/main.ts';

export interface CapturedRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Files written through io.writeFile, by path. */
  readonly files: ReadonlyMap<string, string>;
}

export async function run(
  argv: readonly string[],
  options: { env?: Record<string, string>; isTTY?: boolean; columns?: number; stderrTTY?: boolean; unwritable?: string; stdin?: string } = {},
): Promise<CapturedRun> {
  let stdout = '';
  let stderr = '';
  const files = new Map<string, string>();
  const decoder = new TextDecoder();
  const io: CliIo = {
    stdout: { write: (chunk) => void (stdout += typeof chunk === 'string' ? chunk : decoder.decode(chunk)), isTTY: options.isTTY ?? false, columns: options.columns },
    stderr: { write: (chunk) => void (stderr += typeof chunk === 'string' ? chunk : decoder.decode(chunk)), isTTY: options.stderrTTY ?? options.isTTY ?? false },
    env: options.env ?? {},
    writeFile: (path, text) => {
      if (path === options.unwritable) return 'no such directory';
      files.set(path, text);
      return true;
    },
    files: nodeFileReader,
    openFile: openRandomAccessFile,
    readStdin: async () => options.stdin ?? '',
  };
  const code = await main(argv, io);
  return { code, stdout, stderr, files };
}

/** Text with every run of whitespace (line breaks of wrapped prose included) as one space. */
export function flat(text: string): string {
  return text.replace(/\s+/g, ' ');
}
