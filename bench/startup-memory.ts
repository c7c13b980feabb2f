/**
 * Start-up and memory, measured as ratios in one run (npm run bench):
 * - start-up: the installed command (dist/, through bin/) against a bare `node -e 0`, median of 15;
 * - memory: peak RSS of a forward pass streaming NDJSON for N = 1e3 and N = 1e6 samples, side by
 *   side (inputs are generated per batch and events streamed, so it should not grow with N);
 * - counting: --count-only totals for 1e9 samples x 100 epochs, and NDJSON events per second into a pipe;
 * - many epochs: CPU seconds of 10x the epochs (a forward pass 1e4 -> 1e5 epochs, stateless and
 *   stateful; --count-only 1e5 -> 1e6), which a run linear in its epochs keeps under 10x (start-up
 *   included) and the quadratic per-epoch bookkeeping it once had took to ~56x.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const root = new URL('../', import.meta.url).pathname;
const bin = `${root}bin/lstm-reset.js`;
if (!existsSync(`${root}dist/cli.js`)) throw new Error('run `npm run build` first: the benchmark measures the installed (bundled) command');

function seconds(command: string, args: string[]): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'ignore'] });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}`);
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** CPU seconds (user + system) of one run, from GNU time: unlike wall time, barely moved by other load. */
function cpuSeconds(command: string, args: string[]): number {
  const result = spawnSync('/usr/bin/time', ['-f', '%U %S', command, ...args], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  const [user, system] = result.stderr.trim().split('\n').pop()!.split(' ').map(Number);
  return (user ?? NaN) + (system ?? NaN);
}

/** Peak RSS in MiB of a shell command, from GNU time's %M (KiB). */
function peakRss(shellCommand: string): { mib: number; seconds: number } {
  const start = process.hrtime.bigint();
  const result = spawnSync('bash', ['-c', `/usr/bin/time -f '%M' ${shellCommand} 2>&1 >/dev/null | tail -1`], { encoding: 'utf8' });
  const kib = Number(result.stdout.trim());
  if (!Number.isFinite(kib)) throw new Error(`no peak RSS for ${shellCommand}: ${result.stdout}${result.stderr}`);
  return { mib: kib / 1024, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}

/** The report's lines, and the two start-up ratios the bench checks against its targets. */
export function startupAndMemory(): { lines: string[]; versionRatio: number; smallRunRatio: number; epochScaling: { name: string; ratio: number }[] } {
  const lines: string[] = [];
  const runs = 15;
  // interleaved: one of each per round, so a busy moment of the machine falls on all three alike
  const commands = {
    bare: ['-e', '0'],
    version: [bin, '--version'],
    small: [bin, '--shape', '100,5', '--batch', '10', '-q', '--format', 'tsv'],
  };
  const times = { bare: [] as number[], version: [] as number[], small: [] as number[] };
  const cpu = { bare: [] as number[], version: [] as number[], small: [] as number[] };
  for (let round = 0; round < runs; round++) {
    for (const key of ['bare', 'version', 'small'] as const) times[key].push(seconds('node', commands[key]));
    for (const key of ['bare', 'version', 'small'] as const) cpu[key].push(cpuSeconds('node', commands[key]));
  }
  const bare = median(times.bare);
  const version = median(times.version);
  const small = median(times.small);
  const cpuOf = (key: keyof typeof cpu) => `${(median(cpu[key]) * 1000).toFixed(0).padStart(5)} ms   ${(median(cpu[key]) / median(cpu.bare)).toFixed(2)}x`;
  lines.push('Start-up (median of 15 interleaved rounds; wall time, and CPU time (user + system, 10 ms steps) beside it):');
  lines.push(`  node -e 0                                  ${(bare * 1000).toFixed(0).padStart(5)} ms   1.00x    cpu ${cpuOf('bare')}`);
  lines.push(`  lstm-reset --version                       ${(version * 1000).toFixed(0).padStart(5)} ms   ${(version / bare).toFixed(2)}x    cpu ${cpuOf('version')}`);
  lines.push(`  lstm-reset --shape 100,5 --batch 10 (tsv)  ${(small * 1000).toFixed(0).padStart(5)} ms   ${(small / bare).toFixed(2)}x    cpu ${cpuOf('small')}`);

  const memory = (n: number) =>
    peakRss(`node ${bin} --shape ${n},20,1 --batch 100 --units 4 --format ndjson -q --no-count-only`);
  const smallRun = memory(1_000);
  const largeRun = memory(1_000_000);
  lines.push('', 'Peak RSS, forward pass streaming NDJSON (T=20, D=1, U=4, batch 100):');
  lines.push(`  N = 1,000       ${smallRun.mib.toFixed(1).padStart(7)} MiB   (${smallRun.seconds.toFixed(2)} s)`);
  lines.push(`  N = 1,000,000   ${largeRun.mib.toFixed(1).padStart(7)} MiB   (${largeRun.seconds.toFixed(2)} s)   ratio ${(largeRun.mib / smallRun.mib).toFixed(2)}x`);

  const counting = seconds('node', [bin, '--shape', '1000000000,50,8', '--batch', '1000', '--epochs', '100', '--units', '64', '--count-only', '-q']);
  // the default listing keeps a huge run's --json small: totals, per-epoch, findings and the first events
  const json = seconds('node', [bin, '--shape', '1000000000,50,8', '--batch', '10', '--epochs', '100', '--json', '-q']);
  const trillion = seconds('node', [bin, '--shape', '1000000000000,10,1', '--batch', '1000', '--epochs', '1000', '--count-only', '--json', '-q']);
  const events = 5_000_000;
  const streamStart = process.hrtime.bigint();
  const stream = spawnSync('bash', ['-c', `node ${bin} --shape ${events},20,1 --batch 1 --count-only --format ndjson --events all -q | wc -l`], { encoding: 'utf8' });
  const streamSeconds = Number(process.hrtime.bigint() - streamStart) / 1e9;
  lines.push('', 'Counting without the forward pass (--count-only):');
  lines.push(`  totals, 1e9 samples x 100 epochs (1e8 events)   ${(counting * 1000).toFixed(0)} ms`);
  lines.push(`  --json, 1e9 samples x 100 epochs (1e10 events)  ${(json * 1000).toFixed(0)} ms`);
  lines.push(`  --json, 1e12 samples x 1e3 epochs (1e12 events) ${(trillion * 1000).toFixed(0)} ms`);
  lines.push(`  NDJSON into a pipe, ${Number(stream.stdout.trim()).toLocaleString('en-US')} events            ${(events / streamSeconds / 1e6).toFixed(2)} M events/s`);
  lines.push('', 'Many epochs (--shape 20,7,1 --batch 10), CPU seconds for 10x the epochs:');
  const epochScaling: { name: string; ratio: number }[] = [];
  for (const [name, flags, few, many] of [
    ['forward pass, stateless', [], 10_000, 100_000],
    ['forward pass, stateful', ['--stateful'], 10_000, 100_000],
    ['--count-only, stateful', ['--stateful', '--count-only'], 100_000, 1_000_000],
  ] as const) {
    const args = (epochs: number) => [bin, '--shape', '20,7,1', '--batch', '10', '--epochs', String(epochs), ...flags, '-q'];
    const fewCpu = cpuSeconds('node', args(few));
    const manyCpu = cpuSeconds('node', args(many));
    epochScaling.push({ name: `${name}: ${few.toLocaleString('en-US')} -> ${many.toLocaleString('en-US')} epochs`, ratio: manyCpu / fewCpu });
    lines.push(`  ${name.padEnd(24)} ${few.toLocaleString('en-US').padStart(9)} epochs ${fewCpu.toFixed(2).padStart(6)} s  ${many.toLocaleString('en-US').padStart(9)} epochs ${manyCpu.toFixed(2).padStart(6)} s  ratio ${(manyCpu / fewCpu).toFixed(2)}x`);
  }
  return { lines, versionRatio: version / bare, smallRunRatio: small / bare, epochScaling };
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(startupAndMemory().lines.join('\n'));
