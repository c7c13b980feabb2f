/**
 * The hooks see the live state of the running forward pass: stateless calls start from zeros (§1),
 * stateful calls start from the previous call's final state, row i to row i (§2.2).
 */
import { describe, expect, it } from 'vitest';
import type { SimulationConfig } from '../../src/keras/config.ts';
import type { LayerCall } from '../../src/keras/events.ts';
import type { StateHooks } from '../../src/sim/hooks.ts';
import { simulate } from '../../src/sim/simulate.ts';

const base: SimulationConfig = {
  samples: 12,
  timesteps: 4,
  features: 2,
  batchSize: 4,
  epochs: 2,
  stateful: false,
  shuffle: false,
  units: 3,
  seed: 3,
  resetEvery: 'never',
  validationSplit: 0,
  keras: '3',
  recurrentActivation: 'sigmoid',
};

/** Records the h at the start and end of every call. */
function watch(config: SimulationConfig) {
  const starts: { call: LayerCall; h: number[] }[] = [];
  const ends: { call: LayerCall; h: number[] }[] = [];
  let steps = 0;
  const hooks: StateHooks = {
    onBatchStart: (call, state) => starts.push({ call, h: [...state.h] }),
    onBatchEnd: (call, state) => ends.push({ call, h: [...state.h] }),
    onStep: () => steps++,
  };
  const result = simulate(config, { hooks });
  return { starts, ends, steps, result };
}

describe('state hooks', () => {
  it('stateless: every call starts from zeros, and the final state of a call is not zero', () => {
    const { starts, ends } = watch(base);
    expect(starts).toHaveLength(6);
    for (const start of starts) expect(start.h.every((v) => v === 0)).toBe(true);
    for (const end of ends) expect(end.h.some((v) => v !== 0)).toBe(true);
  });

  it('stateful: each call starts from the previous final state, row for row, across epochs', () => {
    const { starts, ends } = watch({ ...base, stateful: true });
    expect(starts[0]!.h.every((v) => v === 0)).toBe(true);
    for (let k = 1; k < starts.length; k++) expect(starts[k]!.h).toEqual(ends[k - 1]!.h);
  });

  it('stateful with a reset after each epoch: the first call of each epoch starts from zeros', () => {
    const { starts, ends } = watch({ ...base, stateful: true, resetEvery: 'epoch' });
    starts.forEach((start, k) => {
      if (start.call.batch === 1) expect(start.h.every((v) => v === 0)).toBe(true);
      else expect(start.h).toEqual(ends[k - 1]!.h);
    });
  });

  it('onStep runs once per timestep of every call', () => {
    expect(watch(base).steps).toBe(6 * base.timesteps);
  });

  it('reset events record the mean |h| of the state they discard', () => {
    const { result, ends } = watch({ ...base, stateful: true, resetEvery: 'epoch' });
    const resets = result.events.filter((e) => e.reason === 'reset-states');
    expect(resets).toHaveLength(2);
    // the epoch-1 reset discards the state left by epoch 1's last call (call 3)
    const last = ends[2]!.h;
    const mean = last.reduce((a, v) => a + Math.abs(v), 0) / last.length;
    expect(resets[0]!.discardedMeanAbsH).toBeCloseTo(mean, 12);
    expect(result.events[0]!.reason).toBe('initial');
    expect(result.events[0]!.discardedMeanAbsH).toBe(0);
  });

  it('the same seed reproduces every number; another seed changes them', () => {
    const a = simulate({ ...base, shuffle: true });
    const b = simulate({ ...base, shuffle: true });
    const c = simulate({ ...base, shuffle: true, seed: 4 });
    expect(b).toEqual(a);
    expect(c.finalMeanAbsH).not.toBe(a.finalMeanAbsH);
  });
});
