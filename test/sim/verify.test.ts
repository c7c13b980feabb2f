/**
 * The continuity proof (§2.2): a stateful run over K windows equals one stateless run over the
 * concatenated sequences data[i::B]; the stateless windows and the shuffled stateful run differ.
 */
import { describe, expect, it } from 'vitest';
import type { SimulationConfig } from '../../src/keras/config.ts';
import { verifyContinuity, verifyProblems } from '../../src/sim/verify.ts';
import { flat, run } from '../helpers/io.ts';

const base: SimulationConfig = {
  samples: 20,
  timesteps: 7,
  features: 1,
  batchSize: 10,
  epochs: 1,
  stateful: true,
  shuffle: false,
  units: 8,
  seed: 1,
  resetEvery: 'never',
  validationSplit: 0,
  keras: '3',
  recurrentActivation: 'sigmoid',
};

describe('verifyContinuity', () => {
  it.each([
    ['LSTM', {}],
    ['GRU (reset_after=True)', { cell: 'gru' }],
    ['GRU (reset_after=False, Keras 2)', { cell: 'gru', keras: '2' }],
    ['SimpleRNN', { cell: 'simple' }],
    ['stacked LSTM -> GRU', { layers: [{ cell: 'lstm', units: 6 }, { cell: 'gru', units: 4 }] }],
    ['masked windows', { maskTail: 3, maskFraction: 0.5 }],
    ['3 windows, D = 3, hard_sigmoid', { samples: 12, batchSize: 4, features: 3, recurrentActivation: 'hard_sigmoid' }],
  ] as const)('%s: stateful equals the long run; stateless and shuffled differ', (_, overrides) => {
    const result = verifyContinuity({ ...base, ...overrides } as SimulationConfig);
    const [stateful, stateless, shuffled] = result.comparisons;
    expect(result.promiseHolds).toBe(true);
    expect(stateful!.maxStateDifference).toBeLessThanOrEqual(1e-5);
    expect(stateful!.maxOutputDifference).toBeLessThanOrEqual(1e-5);
    expect(stateless!.equal).toBe(false);
    expect(shuffled!.equal).toBe(false);
    expect(stateless!.maxStateDifference).toBeGreaterThan(1e-4);
  });

  it('maps row i to windows i, i+B, … (data[i::B])', () => {
    const result = verifyContinuity({ ...base, samples: 30 });
    expect(result.windows).toBe(3);
    expect(result.stepsPerSequence).toBe(21);
    expect(result.mapping[0]).toEqual({ row: 0, samples: [0, 10, 20] });
    expect(result.mapping[9]).toEqual({ row: 9, samples: [9, 19, 29] });
  });

  it('a stateful Bidirectional layer breaks the promise (its backward carry runs the wrong way)', () => {
    expect(verifyContinuity({ ...base, bidirectional: true }).promiseHolds).toBe(false);
  });

  it('needs N to be a multiple of B with at least two windows per row', () => {
    expect(verifyProblems({ ...base, samples: 21 })[0]).toContain('multiple of B');
    expect(verifyProblems({ ...base, samples: 10 })[0]).toContain('at least 2 windows');
    expect(verifyProblems(base)).toEqual([]);
  });
});

describe('lstm-reset verify', () => {
  it('prints the three comparisons and the mapping; exit 0 when the promise holds', async () => {
    const { code, stdout, stderr } = await run(['verify', '--shape', '20,7,1', '--batch', '10']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    for (const line of stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    expect(flat(stdout)).toContain('20 windows of 7 steps in 2 stateful batches of 10 rows = 10 sequences of 14 steps.');
    expect(stdout).toContain('row 0: windows 0, 10 → sequence 0 (steps 0–13)');
    expect(stdout).toMatch(/in order \(row i continues row i\)\s+states max \|Δ\| 0, outputs max \|Δ\| 0: equal, as Keras promises/);
    expect(stdout).toContain('Holds:');
  });

  it('--json carries the same numbers; exit 1 for a stateful Bidirectional layer', async () => {
    const { code, stdout } = await run(['verify', '--shape', '20,7,1', '--batch', '10', '--bidirectional', '--json']);
    expect(code).toBe(1);
    const doc = JSON.parse(stdout);
    expect(doc.promiseHolds).toBe(false);
    expect(doc.comparisons.map((c: { name: string }) => c.name)).toEqual(['stateful', 'stateless-windows', 'shuffled-stateful']);
  });

  it('bad input is exit 2 with one line', async () => {
    const { code, stdout, stderr } = await run(['verify', '--shape', '21,7,1', '--batch', '10']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe('error: --shape/--batch: 21 windows do not divide into stateful batches of 10; verify needs N to be a multiple of B: give e.g. --shape 30,7,1.\n');
  });
});
