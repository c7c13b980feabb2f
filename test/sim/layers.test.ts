/**
 * Stacked, bidirectional and masked layers in the simulator: each layer keeps its own state and its
 * own events (§5); masked steps carry the state unchanged and never reset it (§4).
 */
import { describe, expect, it } from 'vitest';
import type { SimulationConfig } from '../../src/keras/config.ts';
import type { LayerCall } from '../../src/keras/events.ts';
import type { StateHooks } from '../../src/sim/hooks.ts';
import { isPaddedSample, simulate } from '../../src/sim/simulate.ts';
import { flat, run } from '../helpers/io.ts';

const base: SimulationConfig = {
  samples: 16,
  timesteps: 5,
  features: 2,
  batchSize: 4,
  epochs: 2,
  stateful: true,
  shuffle: false,
  units: 3,
  seed: 5,
  resetEvery: 'never',
  validationSplit: 0,
  keras: '3',
  recurrentActivation: 'sigmoid',
};

describe('stacked layers', () => {
  it('name layers as Keras does and give each its own events and state tensors', () => {
    const result = simulate({ ...base, layers: [{ cell: 'lstm', units: 4 }, { cell: 'lstm', units: 3 }, { cell: 'gru', units: 2, stateful: false }] });
    expect(result.config.resolvedLayers.map((l) => [l.name, l.stateful, l.stateTensors])).toEqual([
      ['lstm', true, 2],
      ['lstm_1', true, 2],
      ['gru', false, 1],
    ]);
    const byLayer = (name: string) => result.events.filter((e) => e.layer === name);
    expect(byLayer('lstm').map((e) => e.reason)).toEqual(['initial']);
    expect(byLayer('lstm_1').map((e) => e.reason)).toEqual(['initial']);
    // the stateless GRU zeroes its 4 rows at each of the 8 calls
    expect(byLayer('gru')).toHaveLength(8);
    expect(result.totals.perLayer.map((l) => [l.name, l.resetEvents, l.rowResets, l.carries])).toEqual([
      ['lstm', 1, 4, 7],
      ['lstm_1', 1, 4, 7],
      ['gru', 8, 32, 0],
    ]);
    expect(result.totals.resetEvents).toBe(10);
    expect(result.totals.batches).toBe(8);
  });

  it('reset_states() zeroes every stateful layer, and only those', () => {
    const result = simulate({ ...base, resetEvery: 'epoch', layers: [{ cell: 'simple', units: 2 }, { cell: 'lstm', units: 2, stateful: false }] });
    const resets = result.events.filter((e) => e.reason === 'reset-states');
    expect(resets.map((e) => [e.layer, e.epoch])).toEqual([
      ['simple_rnn', 1],
      ['simple_rnn', 2],
    ]);
  });

  it('the layer on top receives the sequence of the layer below (the outputs change with the lower layer)', () => {
    const one = simulate({ ...base, layers: [{ cell: 'lstm', units: 3 }, { cell: 'gru', units: 2 }] });
    const other = simulate({ ...base, layers: [{ cell: 'lstm', units: 4 }, { cell: 'gru', units: 2 }] });
    expect(one.finalMeanAbsH).not.toBe(other.finalMeanAbsH);
    expect(one.finalMeanAbsH).toBeGreaterThan(0);
  });
});

describe('Bidirectional', () => {
  it('zeroes forward and backward states together: LSTM 4 tensors, GRU and SimpleRNN 2', () => {
    for (const [cell, tensors] of [['lstm', 4], ['gru', 2], ['simple', 2]] as const) {
      const result = simulate({ ...base, stateful: false, cell, bidirectional: true, epochs: 1 });
      expect(result.events.every((e) => e.stateTensors === tensors && e.layer === 'bidirectional')).toBe(true);
      expect(result.events).toHaveLength(4);
    }
  });

  it('a stateful Bidirectional layer is flagged: its backward carry crosses the window the wrong way', () => {
    const result = simulate({ ...base, bidirectional: true });
    expect(result.findings.map((f) => f.code)).toContain('stateful-bidirectional');
    expect(result.findings.find((f) => f.code === 'stateful-bidirectional')!.severity).toBe('warning');
    expect(simulate({ ...base, bidirectional: true, stateful: false }).findings.map((f) => f.code)).not.toContain('stateful-bidirectional');
  });
});

describe('masking (§4)', () => {
  /** h of every row at the start and end of each call of the first layer. */
  function watch(config: SimulationConfig) {
    const starts: { call: LayerCall; h: number[] }[] = [];
    const ends: { call: LayerCall; h: number[] }[] = [];
    const hooks: StateHooks = {
      // the call's samples are valid only during the hook: copy them
      onBatchStart: (call, state) => void (state.layer === 'lstm' && starts.push({ call: { ...call, samples: call.samples.slice() }, h: [...state.h] })),
      onBatchEnd: (call, state) => void (state.layer === 'lstm' && ends.push({ call: { ...call, samples: call.samples.slice() }, h: [...state.h] })),
    };
    return { result: simulate(config, { hooks }), starts, ends };
  }

  it('fully padded rows pass their state through a call and carry it into the next stateful batch', () => {
    const config = { ...base, maskTail: 5, maskFraction: 0.5 };
    const { result, starts, ends } = watch(config);
    const units = base.units;
    let passThrough = 0;
    starts.forEach((start, k) => {
      const end = ends[k]!;
      start.call.samples.forEach((sample, row) => {
        const before = start.h.slice(row * units, (row + 1) * units);
        const after = end.h.slice(row * units, (row + 1) * units);
        if (isPaddedSample(config.seed, sample, 0.5)) {
          passThrough++;
          expect(after).toEqual(before);
        } else {
          expect(after).not.toEqual(before);
        }
      });
      // the next call starts from this call's end, padded rows included
      if (k + 1 < starts.length) expect(starts[k + 1]!.h).toEqual(end.h);
    });
    expect(passThrough).toBeGreaterThan(0);
    expect(passThrough).toBeLessThan(32);
    expect(result.totals.passThroughRows).toBe(passThrough);
    expect(result.totals.maskedSteps).toBe(passThrough * 5);
  });

  it('masking never adds or removes a reset event', () => {
    for (const stateful of [true, false]) {
      const plain = simulate({ ...base, stateful });
      const masked = simulate({ ...base, stateful, maskTail: 3 });
      expect(masked.events.map(({ discardedMeanAbsH: _, ...e }) => e)).toEqual(plain.events.map(({ discardedMeanAbsH: _, ...e }) => e));
      expect(masked.totals.maskedSteps).toBe(2 * 16 * 3);
      expect(masked.totals.passThroughRows).toBe(0);
    }
  });
});

describe('CLI flags for layers and masking', () => {
  it('--layers with per-layer statefulness shows per-layer totals in JSON', async () => {
    const { code, stdout } = await run(['--shape', '16,5,2', '--batch', '4', '--stateful', '--no-shuffle', '--layers', 'lstm:4,gru:3:stateless,simple:2:bidirectional', '--json']);
    expect(code).toBe(0);
    const doc = JSON.parse(stdout);
    expect(doc.totals.perLayer.map((l: { name: string; stateful: boolean; stateTensors: number }) => [l.name, l.stateful, l.stateTensors])).toEqual([
      ['lstm', true, 2],
      ['gru', false, 1],
      ['bidirectional', true, 2],
    ]);
    expect(doc.findings.map((f: { code: string }) => f.code)).toEqual(expect.arrayContaining(['stateful-bidirectional', 'mixed-statefulness']));
  });

  it('--layers 64,32 takes the --cell default', async () => {
    const doc = JSON.parse((await run(['--shape', '8,3', '--batch', '4', '--cell', 'gru', '--layers', '5,3', '--json'])).stdout);
    expect(doc.config.resolvedLayers.map((l: { name: string }) => l.name)).toEqual(['gru', 'gru_1']);
  });

  it('--mask-tail reports padded steps in the table', async () => {
    const { code, stdout } = await run(['--shape', '16,5,2', '--batch', '4', '--mask-tail', '5']);
    expect(code).toBe(0);
    expect(flat(stdout)).toContain('80 padded steps carried the state unchanged (never a reset); 16 fully padded rows passed their state through');
  });

  it.each([
    [['--shape', '8,3', '--layers', '4,x'], '--layers'],
    [['--shape', '8,3', '--layers', 'lstm:4:sideways'], 'Unknown flag "sideways"'],
    [['--shape', '8,3', '--layers', 'conv:4'], 'Unknown cell "conv"'],
    [['--shape', '8,3', '--layers', '4,2', '--units', '8'], '--units sets the single layer'],
    [['--shape', '8,3', '--mask-tail', '4'], '--mask-tail 4 pads more steps than the 3 timesteps'],
    [['--shape', '8,3', '--mask-fraction', '0.5'], '--mask-fraction needs --mask-tail'],
    [['--shape', '8,3', '--cell', 'transformer'], '--cell'],
    [['--shape', '8,3', '--layers', '4:stateless', '--reset-every', 'epoch'], '--reset-every needs --stateful'],
  ])('%j is rejected (exit 2, one line)', async (args, fragment) => {
    const { code, stdout, stderr } = await run(args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toContain(fragment);
  });
});
