/**
 * Keras 3 passes no mask to a recurrent call given initial_state (Layer.__call__ fills `mask` only for
 * a one-tensor call): with --initial-state and padded samples, the layers run their padded steps as
 * data. The expected states come from real Keras 3.15.1 (tensorflow and jax agreed to 1.2e-7):
 * scripts/keras-goldens/probes/initial-state-mask.py wrote test/fixtures/initial-state-mask.json,
 * Masking -> LSTM(3, return_sequences) -> LSTM(2), both given initial_state=[zeros, zeros], lengths
 * 5, 3, 0, 2 of 5 (post). Its "masked" states are the same layers given mask= explicitly: what
 * tf.keras, Keras 2 and TF.js compute (their RNN.__call__ passes the mask with initial_state).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { simulate, type LayerWeightsOverride } from '../../src/sim/simulate.ts';
import { countOnly } from '../../src/sim/count.ts';
import type { KerasVersion } from '../../src/keras/profiles.ts';
import type { SimulationConfig } from '../../src/keras/config.ts';
import type { StateHooks } from '../../src/sim/hooks.ts';

interface Golden {
  keras: string;
  timesteps: number;
  features: number;
  lengths: number[];
  units: number[];
  x: number[][][];
  weights: Record<string, { kernel: number[][]; recurrent_kernel: number[][]; bias: number[] }>;
  nomask: Record<string, number[][][]>;
  masked: Record<string, number[][][]>;
}
const golden = JSON.parse(readFileSync(new URL('../fixtures/initial-state-mask.json', import.meta.url), 'utf8')) as Golden;
const f32 = (values: unknown): Float32Array => Float32Array.from((values as number[]).flat(Infinity as 1) as number[]);
const names = ['lstm', 'lstm_1'];
const N = golden.x.length;

function config(keras: KerasVersion, initialStatePassed: boolean): SimulationConfig {
  return {
    samples: N,
    timesteps: golden.timesteps,
    features: golden.features,
    batchSize: N,
    epochs: 1,
    stateful: false,
    shuffle: false,
    units: golden.units[0]!,
    seed: 1,
    resetEvery: 'never',
    validationSplit: 0,
    keras,
    recurrentActivation: 'sigmoid',
    layers: golden.units.map((units) => ({ cell: 'lstm' as const, units })),
    plan: [{ type: 'predict' }],
    padding: { side: 'post', lengths: { kind: 'list', values: golden.lengths } },
    ...(initialStatePassed ? { initialStatePassed: true } : {}),
  };
}

/**
 * The final [h, c] of each layer in the run's one predict call, with the probe's weights and inputs,
 * by the probe's layer names (Keras 2 numbers its own from 1: lstm_1, lstm_2).
 */
function finalStates(keras: KerasVersion, initialStatePassed = true) {
  const finals = new Map<string, Float32Array[]>();
  const hooks: StateHooks = {
    onBatchEnd(_call, state) {
      finals.set(names[finals.size]!, state.states.map((v) => v.slice()));
    },
  };
  const weights: LayerWeightsOverride[] = names.map((name) => {
    const w = golden.weights[name]!;
    return { forward: { kernel: f32(w.kernel), recurrentKernel: f32(w.recurrent_kernel), bias: f32(w.bias) } };
  });
  const flat = golden.x.map((sample) => f32(sample));
  const result = simulate(config(keras, initialStatePassed), {
    hooks,
    weights,
    inputs: { fill: (buffer, samples) => samples.forEach((s, r) => buffer.set(flat[s]!, r * golden.timesteps * golden.features)) },
  });
  return { finals, result };
}

function maxDifference(finals: Map<string, Float32Array[]>, expected: Record<string, number[][][]>): number {
  let max = 0;
  for (const name of names) {
    const got = finals.get(name)!;
    expected[name]!.forEach((tensor, k) => f32(tensor).forEach((v, i) => (max = Math.max(max, Math.abs(v - got[k]![i]!)))));
  }
  return max;
}

describe('--initial-state with padded samples: Keras 3 passes the layers no mask', () => {
  it('the golden itself: the two rules differ on these samples', () => {
    expect(golden.keras).toBe('3.15.1');
    const a = f32(golden.nomask['lstm_1']![0]);
    const b = f32(golden.masked['lstm_1']![0]);
    expect(Math.max(...a.map((v, i) => Math.abs(v - b[i]!)))).toBeGreaterThan(1e-2);
  });

  for (const keras of ['3', '3.0-3.11'] as const) {
    it(`--keras ${keras}: both layers run their padded steps (Keras 3.15.1's states to 1e-5), no step counted as masked`, () => {
      const { finals, result } = finalStates(keras);
      expect(maxDifference(finals, golden.nomask)).toBeLessThanOrEqual(1e-5);
      expect(maxDifference(finals, golden.masked)).toBeGreaterThan(1e-3);
      expect(result.totals).toMatchObject({ maskedSteps: 0, passThroughRows: 0 });
      expect(result.totals.perLayer.map((l) => l.masked ?? false)).toEqual([false, false]);
      expect(result.answer.join(' ')).toContain('lstm and lstm_1 are given initial_state, so Keras 3 passes them no mask');
    });
  }

  for (const keras of ['tf', '2', 'tfjs'] as const) {
    it(`--keras ${keras}: the mask reaches the layers (Keras 3 given mask= explicitly, to 1e-5)`, () => {
      const { finals, result } = finalStates(keras);
      expect(maxDifference(finals, golden.masked)).toBeLessThanOrEqual(1e-5);
      // lengths 5, 3, 0, 2 of 5: 0 + 2 + 5 + 3 padded steps, one fully padded row
      expect(result.totals).toMatchObject({ maskedSteps: 10, passThroughRows: 1 });
      expect(result.answer.join(' ')).not.toContain('passes them no mask');
    });
  }

  it('without initial_state Keras 3 applies the mask (the probe asserted it): the masked states', () => {
    const { finals, result } = finalStates('3', false);
    expect(maxDifference(finals, golden.masked)).toBeLessThanOrEqual(1e-5);
    expect(result.totals).toMatchObject({ maskedSteps: 10, passThroughRows: 1 });
  });

  it('--count-only agrees with the forward pass (--mask-tail, every row padded)', () => {
    for (const keras of ['3', 'tf'] as const) {
      for (const initialStatePassed of [true, false]) {
        const { padding: _, plan: __, ...base } = config(keras, initialStatePassed);
        const c: SimulationConfig = { ...base, maskTail: 2, samples: 6, batchSize: 3, epochs: 2 };
        const counted = countOnly(c).totals;
        const run = simulate(c).totals;
        expect(counted.maskedSteps).toBe(run.maskedSteps);
        expect(counted.passThroughRows).toBe(run.passThroughRows);
        expect(run.maskedSteps).toBe(keras === '3' && initialStatePassed ? 0 : 6 * 2 * 2);
      }
    }
  });
});
