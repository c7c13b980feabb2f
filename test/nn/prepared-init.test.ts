/**
 * Weight initialisation made ahead a step at a time (so Ctrl-C is seen during a large --units) gives
 * exactly the weights made in one go, and verify builds them once for its four runs.
 */
import { describe, expect, it } from 'vitest';
import { orthogonal, prepareOrthogonal } from '../../src/nn/initializers.ts';
import { initFlopWeight, initFlops, passFlops, verifyFlops } from '../../src/sim/size.ts';
import type { SimulationConfig } from '../../src/keras/config.ts';

const drain = (steps: Generator<void, void, undefined>) => {
  let yields = 0;
  while (!steps.next().done) yields++;
  return yields;
};

describe('prepareOrthogonal', () => {
  it.each([
    [64, 256, 7],
    [48, 48, 3],
    [40, 30, 11],
  ])('(%i, %i) seed %i: the prepared matrix is the one orthogonal() makes without it', (rows, cols, seed) => {
    const direct = orthogonal(rows, cols, seed);
    drain(prepareOrthogonal(rows, cols, seed));
    expect(orthogonal(rows, cols, seed)).toEqual(direct);
    // a copy each time: a caller changing its weights does not change the next layer's
    const first = orthogonal(rows, cols, seed);
    first[0] = 42;
    expect(orthogonal(rows, cols, seed)[0]).toBe(direct[0]);
  });

  it('yields between columns of a large matrix (about every million multiply-adds)', () => {
    // 200 columns of 800: 800·(1+…+200) ≈ 16 M multiply-adds
    expect(drain(prepareOrthogonal(200, 800, 99))).toBeGreaterThanOrEqual(10);
  });
});

describe('verifyFlops', () => {
  it('counts four passes and one initialisation (the four runs share the seeded weights)', () => {
    const config: SimulationConfig = {
      samples: 20, timesteps: 7, features: 1, batchSize: 10, epochs: 1, stateful: true, shuffle: false, units: 1600,
      seed: 1, resetEvery: 'never', validationSplit: 0, keras: '3', recurrentActivation: 'sigmoid',
    };
    // independently: LSTM gate matmuls 2·4·U·(D+U) per step, Gram-Schmidt 2·4·U³
    const pass = 2 * 4 * 1600 * (1 + 1600) * 20 * 7;
    expect(passFlops(config)).toBe(pass);
    expect(initFlops(config)).toBe(2 * 4 * 1600 ** 3);
    expect(verifyFlops(config)).toBe(4 * pass + initFlopWeight * 2 * 4 * 1600 ** 3);
  });
});
