/**
 * The answer and the totals' header describe the run that was simulated, and agree with its counts:
 * the mismatches issue 9 section 3 found, each held here (resets that break "one long sequence",
 * plans described by their own steps, every kind of call counted, no "epoch 0", no state rows for a
 * model Keras cannot build, --initial-state counted as Keras runs it, plan ranges past the data
 * refused, Keras 2's own layer names in its messages).
 */
import { describe, expect, it } from 'vitest';
import type { PlanStep, SimulationConfig } from '../../src/keras/config.ts';
import { simulate } from '../../src/sim/simulate.ts';
import { flat, run } from '../helpers/io.ts';

const base: SimulationConfig = {
  samples: 8,
  timesteps: 3,
  features: 1,
  batchSize: 4,
  epochs: 3,
  stateful: true,
  shuffle: false,
  units: 2,
  seed: 1,
  resetEvery: 'never',
  validationSplit: 0,
  keras: '3',
  recurrentActivation: 'sigmoid',
};

const answer = (config: Partial<SimulationConfig>) => simulate({ ...base, ...config }).answer.join(' ');

describe('the answer follows the counts', () => {
  it('a reset after every batch: no call continues another, not "one long sequence"', () => {
    const text = answer({ resetEvery: { everyBatches: 1 } });
    expect(text).toContain('no call continued another');
    expect(text).not.toContain('one long sequence');
    // without resets it is one long sequence of all 6 calls
    expect(answer({})).toContain('each of the 4 rows is one long sequence over all 6 calls');
    // a reset per epoch: 3 sequences of 2 calls
    expect(answer({ resetEvery: 'epoch' })).toContain('runs through 3 sequences of 2 consecutive calls each');
  });

  it('a model Keras cannot build creates no state rows', () => {
    for (const config of [{ unknownStateBatch: true }, { builtByFirstCall: true, backend: 'jax' as const }]) {
      const text = answer(config);
      expect(text).not.toMatch(/state rows? (is|are) created/);
      expect(text).toContain('Keras cannot create its state here, so no call runs');
    }
  });

  it('--initial-state under Keras 3 and 2: every call starts from the passed state, no call carries', () => {
    for (const keras of ['3', '2'] as const) {
      const result = simulate({ ...base, keras, initialStatePassed: true });
      expect(result.totals.carries).toBe(0);
      expect(result.totals.byReason['initial-state']).toBe(6);
      expect(result.answer.join(' ')).toContain('every call starts from the passed initial_state, never from the carried state');
      expect(result.answer.join(' ')).not.toMatch(/[1-9]\d* of 6 model calls .* started from the carried state/);
    }
  });

  it('JAX: the answer says the trainer stores nothing, and the counts show no carry', () => {
    const result = simulate({ ...base, backend: 'jax', trainable: false });
    expect(result.totals.carries).toBe(0);
    expect(result.totals.byReason['not-stored']).toBe(5);
    expect(result.answer.join(' ')).toContain('on JAX fit, evaluate, predict and *_on_batch never store the state');
    expect(result.findings.map((f) => f.code)).toContain('jax-stateful-no-effect');
  });
});

describe('a stateless layer given initial_state', () => {
  it('says every call starts from the passed state, never "0 reset events (one per batch)"', () => {
    for (const keras of ['tf', '3', '2'] as const) {
      const result = simulate({ ...base, stateful: false, initialStatePassed: true, keras, samples: 6, batchSize: 3, epochs: 1 });
      // 2 calls (6 samples in batches of 3), each from the passed state: no resets
      expect(result.totals.resetEvents).toBe(0);
      expect(result.totals.initialStateStarts).toBe(2);
      const text = result.answer.join(' ');
      expect(text, keras).toContain('given initial_state: every call starts from the passed initial_state instead of fresh zeros, so nothing is reset.');
      expect(text).toContain('2 layer calls started from the passed state (initial_state starts, not resets)');
      expect(text).not.toContain('reset events (one per batch');
    }
  });
});

describe('a run Keras stops', () => {
  it('a TensorFlow partial batch of 2 rows stops fit in epoch 1: the answer does not claim every sample as an independent sequence', () => {
    // 18 samples in batches of 4: batch 5 holds 2 rows, which the 4-row state cannot take (§R); 16 samples ran
    const result = simulate({ ...base, samples: 18, epochs: 2 });
    expect(result.completed).toBe(false);
    const text = result.answer.join(' ');
    expect(text).not.toContain('not 18 independent ones');
    expect(text).toContain('not independent samples (Keras stopped the run before every sample was seen)');
    // a run that completes keeps the count
    expect(answer({ samples: 16, epochs: 2 })).toContain('not 16 independent ones');
  });
});

describe('the totals describe the run, not the command line defaults', () => {
  const plan = JSON.stringify({
    steps: [{ type: 'repeat', times: 3, steps: [{ type: 'fit', epochs: 1, batchSize: 4, shuffle: false }] }, { type: 'predict', batchSize: 4 }, { type: 'evaluate', batchSize: 4 }],
  });

  it("a 3-epoch plan without shuffle says so, and counts its evaluate and predict batches", async () => {
    const { stdout } = await run(['--shape', '8,3,1', '--stateful', '--plan', '-', '--units', '2'], { stdin: plan });
    const totals = flat(stdout);
    expect(totals).toContain('a plan of 5 steps: 3 fit epochs without shuffle, predict, evaluate');
    expect(totals).not.toMatch(/\bshuffle; .*1 epoch\b/);
    expect(totals).toContain('batches 10 (fit 6, validation 0, evaluate 2, predict 2)');
  });

  it('calls before the first fit are "before the first fit", never "epoch 0"', async () => {
    const { stdout } = await run(['--shape', '8,3,1', '--stateful', '--units', '2', '--plan', '-'], {
      stdin: JSON.stringify([{ type: 'predict', batchSize: 4 }, { type: 'fit', epochs: 1, batchSize: 4, shuffle: false }]),
    });
    expect(flat(stdout)).toContain('before the first fit: 1 reset event');
    expect(stdout).not.toMatch(/epoch 0\b/);
  });

  it('plan samples past the data are refused with one line, never clamped', async () => {
    const steps: PlanStep[] = [{ type: 'predict', batchSize: 4, samples: 20 }];
    const refused = await run(['--shape', '8,3,1', '--stateful', '--plan', '-'], { stdin: JSON.stringify(steps) });
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toBe('error: --plan: steps[0] (predict) asks for 20 samples from 0, but the data has 8 samples; keep every step inside the data (or give more samples).\n');
    const call = await run(['--shape', '8,3,1', '--stateful', '--plan', '-'], { stdin: JSON.stringify([{ type: 'call', indices: [0, 9] }]) });
    expect(call.code).toBe(2);
    expect(call.stderr).toMatch(/^error: --plan: steps\[0\] \(call\) uses sample 9, but the data has 8 samples/);
  });
});

describe("Keras 2's own names in its messages", () => {
  it('layers are lstm_1, lstm_2 and the graph feed names lstm_1_input:0', () => {
    const result = simulate({ ...base, keras: '2', layers: [{ cell: 'lstm', units: 2 }, { cell: 'lstm', units: 2 }], plan: [{ type: 'predict', batchSize: 3, samples: 6 }] });
    expect(result.config.resolvedLayers.map((l) => l.name)).toEqual(['lstm_1', 'lstm_2']);
    const error = result.findings.find((f) => f.severity === 'error')!;
    expect(error.message).toContain("for Tensor 'lstm_1_input:0', which has shape '(4, 3, 1)'");
  });
});

describe('the answer counts each kind of start apart (by hand, §R1-§R3)', () => {
  it('tensorflow, 9 samples in batches of 4, 2 epochs: per epoch 4 + 4 + 1 rows; the 1-row batches are broadcasts, not carries', () => {
    // epoch 1: zeros (the build), carry, broadcast; epoch 2: carry, carry, broadcast
    const text = answer({ samples: 9, epochs: 2 });
    expect(text).toContain('3 of 6 model calls (6 training batches) started from the carried state.');
    expect(text).toContain('2 batches of 1 row were broadcast against all 4 carried rows');
  });

  it('JAX, 8 samples in batches of 4, 3 epochs: 1 call from the build\'s zeros, 5 restarts from the stored value, no carry, no reset but the build', () => {
    const result = simulate({ ...base, backend: 'jax', trainable: false });
    expect([result.totals.resetEvents, result.totals.rowResets, result.totals.carries, result.totals.storedRestarts]).toEqual([1, 4, 0, 5]);
    const text = result.answer.join(' ');
    expect(text).toContain('0 of 6 model calls (6 training batches) started from the carried state; 5 restarted instead');
    expect(text).toContain('not resets: nothing is zeroed');
  });

  it('torch, a trainable stateful LSTM: one call runs, then fit raises; the answer says so in the singular', () => {
    const text = answer({ backend: 'torch', trainable: true });
    expect(text).toContain('0 of 1 model call (1 training batch) started from the carried state.');
    expect(text).toContain('So only 1 call ran, and nothing was carried into another.');
    expect(text).not.toMatch(/\b1 calls\b|each of the 1 /);
  });
});

describe('masking in the answer (§4)', () => {
  it('every step padded: 2 epochs of 2 calls of 4 rows are 16 fully padded rows passing their state through, not resets', () => {
    const result = simulate({ ...base, epochs: 2, maskTail: 3 });
    expect([result.totals.passThroughRows, result.totals.resetEvents]).toEqual([16, 1]);
    expect(result.answer.join(' ')).toContain('16 fully padded rows passed their state through unchanged');
  });
});
