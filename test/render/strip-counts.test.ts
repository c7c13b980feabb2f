/**
 * The terminal strip counts starts as the totals do: read back from the printed report (Z zeros,
 * C carried, B broadcast, N restarted from JAX's stored value, X Keras raises; "C×4" four calls,
 * "epochs 1–3" a line standing for three epochs), each symbol adds up to its total of the same
 * run's --json, and, for runs small enough to count by hand, to the hand count (§R1, §R2).
 */
import { describe, expect, it } from 'vitest';
import { run } from '../helpers/io.ts';

/** Calls per strip symbol, over every strip line of the report. */
function stripCounts(report: string): Record<string, number> {
  const lines = report.split('\n');
  const start = lines.findIndex((line) => line.startsWith('State at the start of each call'));
  expect(start, report).toBeGreaterThanOrEqual(0);
  const counts: Record<string, number> = {};
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith('  ')) break;
    const match = /^\s+(?:\S+\s+)?epochs? (\d+)(?:–(\d+))?\s{2,}(.*)$/.exec(line);
    if (!match) continue;
    const epochs = match[2] === undefined ? 1 : Number(match[2]) - Number(match[1]) + 1;
    for (const token of match[3]!.trim().split(/\s+/)) {
      const call = /^([ZCBNILXP])(?:×(\d+))?$/.exec(token);
      if (call) counts[call[1]!] = (counts[call[1]!] ?? 0) + epochs * Number(call[2] ?? 1);
      else expect(token, `a token the test cannot count: ${line}`).toMatch(/^\|(×\d+)?$/);
    }
  }
  return counts;
}

async function both(args: readonly string[]) {
  const table = await run([...args, '--units', '3'], { env: { NO_COLOR: '1' } });
  const json = JSON.parse((await run([...args, '--units', '3', '--json'])).stdout);
  return { strip: stripCounts(table.stdout), totals: json.totals };
}

describe('the strip agrees with the totals', () => {
  it('tensorflow: 9 samples in batches of 4, 2 epochs: Z C B, C C B (1 zeros, 3 carries, 2 broadcasts)', async () => {
    const { strip, totals } = await both(['--shape', '9,4,2', '--batch', '4', '--stateful', '--no-shuffle', '--epochs', '2']);
    expect(strip).toEqual({ Z: 1, C: 3, B: 2 });
    expect([strip.C, strip.B]).toEqual([totals.carries, totals.broadcastStarts]);
    expect(totals.resetEvents).toBe(1);
  });

  it('JAX: 16 samples in batches of 4, 2 epochs: the build\'s zeros, then 7 restarts from the stored value', async () => {
    const { strip, totals } = await both(['--shape', '16,4,2', '--batch', '4', '--stateful', '--no-shuffle', '--epochs', '2', '--backend', 'jax']);
    expect(strip).toEqual({ Z: 1, N: 7 });
    expect([strip.N, totals.carries, totals.resetEvents]).toEqual([totals.storedRestarts, 0, 1]);
  });

  it('JAX: 9 samples in batches of 4: Z N, then Keras raises at the 1-row batch', async () => {
    const { strip, totals } = await both(['--shape', '9,4,2', '--batch', '4', '--stateful', '--no-shuffle', '--epochs', '2', '--backend', 'jax']);
    expect(strip).toEqual({ Z: 1, N: 1, X: 1 });
    expect([strip.N, strip.X]).toEqual([totals.storedRestarts, totals.failedCalls]);
  });

  it('a reset after every epoch: 3 epochs of 10 batches, each Z then 9 carries', async () => {
    const { strip, totals } = await both(['--shape', '40,4,2', '--batch', '4', '--stateful', '--no-shuffle', '--epochs', '3', '--reset-every', 'epoch']);
    expect(strip).toEqual({ Z: 3, C: 27 });
    expect(strip.C).toBe(totals.carries);
  });
});
