/** An in-memory CliIo: what main() writes to stdout and stderr, for in-process CLI tests. */
import { main, type CliIo } from '../../src/main.ts';

export interface CapturedRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function run(
  argv: readonly string[],
  options: { env?: Record<string, string>; isTTY?: boolean } = {},
): Promise<CapturedRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (chunk) => void (stdout += chunk), isTTY: options.isTTY ?? false },
    stderr: { write: (chunk) => void (stderr += chunk), isTTY: options.isTTY ?? false },
    env: options.env ?? {},
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}
