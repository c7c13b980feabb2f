/**
 * Many-epoch runs cost O(epochs): the per-epoch bookkeeping of the forward pass and of the count
 * touch each epoch a bounded number of times. Measured as operations, not time: the Map
 * reads and writes (where the per-epoch totals live) made while a run goes, at 2,000 and 20,000
 * epochs. Linear work grows 10x; filling in every earlier epoch at each new one (the quadratic
 * bug: 100,000 epochs took 73 s) grows ~100x.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { SimulationConfig } from '../../src/keras/config.ts';
import { countOnly } from '../../src/sim/count.ts';
import { simulate } from '../../src/sim/simulate.ts';
import { createTimelineRecorder } from '../../src/sim/timeline.ts';

const base: SimulationConfig = {
  samples: 2,
  timesteps: 1,
  features: 1,
  batchSize: 1,
  epochs: 1,
  stateful: false,
  shuffle: false,
  units: 1,
  seed: 1,
  resetEvery: 'never',
  validationSplit: 0,
  keras: '3',
  recurrentActivation: 'sigmoid',
};

const originals = { has: Map.prototype.has, get: Map.prototype.get, set: Map.prototype.set };
afterEach(() => Object.assign(Map.prototype, originals));

/** Map.has/get/set calls made by `work`. */
function mapOperations(work: () => void): number {
  let n = 0;
  Map.prototype.has = function (this: Map<unknown, unknown>, key: unknown) {
    n++;
    return originals.has.call(this, key);
  };
  Map.prototype.get = function (this: Map<unknown, unknown>, key: unknown) {
    n++;
    return originals.get.call(this, key);
  };
  Map.prototype.set = function (this: Map<unknown, unknown>, key: unknown, value: unknown) {
    n++;
    return originals.set.call(this, key, value);
  };
  try {
    work();
  } finally {
    Object.assign(Map.prototype, originals);
  }
  return n;
}

describe('many epochs cost O(epochs) operations', () => {
  for (const [name, extra] of [
    ['stateless', {}],
    ['stateful, reset every epoch', { stateful: true, resetEvery: 'epoch' }],
  ] as const) {
    it(`the forward pass with its timeline, ${name}: 10x the epochs, at most 12x the Map operations`, () => {
      const ops = (epochs: number) =>
        mapOperations(() => {
          const config = { ...base, ...extra, epochs };
          const timeline = createTimelineRecorder(config);
          const result = simulate(config, { hooks: timeline.hooks, keepEvents: false });
          expect(result.totals.perEpoch.filter((e) => e.epoch > 0)).toHaveLength(epochs);
          expect(result.totals.batches).toBe(2 * epochs);
          timeline.finish();
        });
      const small = ops(2_000);
      const large = ops(20_000);
      expect(large / small).toBeLessThan(12);
    });
  }

  it('--count-only: 100,000 epochs in at most 30 Map operations per epoch', () => {
    const epochs = 100_000;
    const n = mapOperations(() => {
      const result = countOnly({ ...base, stateful: true, resetEvery: 'epoch', epochs });
      expect(result.totals.batches).toBe(2 * epochs);
    });
    // per epoch: its totals entry and a few lookups (quadratic filling-in would be ~epochs/2 each)
    expect(n / epochs).toBeLessThan(30);
  });
});
