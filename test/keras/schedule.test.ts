/**
 * The fit schedule against the spec (shared/keras-semantics.md): batching, data layout, validation,
 * shuffling, reset policies and where each Keras version raises.
 */
import { describe, expect, it } from 'vitest';
import type { SimulationConfig } from '../../src/keras/config.ts';
import { lazyPermutation } from '../../src/shared/random.ts';
import { fitSchedule, partialBatchPosition, shuffleSeed, type ScheduleStep } from '../../src/keras/schedule.ts';
import type { PlanStep } from '../../src/keras/config.ts';

const base: SimulationConfig = {
  samples: 10,
  timesteps: 3,
  features: 1,
  batchSize: 4,
  epochs: 1,
  stateful: false,
  shuffle: false,
  units: 2,
  seed: 7,
  resetEvery: 'never',
  validationSplit: 0,
  keras: '3',
  recurrentActivation: 'sigmoid',
};

/** The steps with each call's samples copied (the schedule reuses one buffer, valid until the next step). */
function steps(overrides: Partial<SimulationConfig>): ScheduleStep[] {
  const out: ScheduleStep[] = [];
  for (const step of fitSchedule({ ...base, ...overrides })) {
    out.push(step.kind === 'call' ? { ...step, call: { ...step.call, samples: step.call.samples.slice() } } : step);
  }
  return out;
}

/** A compact trace: "fit1.2:4" = fit, epoch 1, batch 2, 4 rows; "reset@fit1.2" etc. */
function trace(overrides: Partial<SimulationConfig>): string[] {
  return steps(overrides).map((step) => {
    if (step.kind === 'call') return `${step.call.phase}${step.call.epoch}.${step.call.batch}:${step.call.rows}${step.call.broadcast ? '/broadcast' : ''}`;
    if (step.kind === 'build') return 'build';
    if (step.kind === 'reset-states') return `reset@${step.position.phase}${step.position.epoch}.${step.position.batch}/${step.position.timing}`;
    return `fail@${step.failure.position.phase}${step.failure.position.epoch}.${step.failure.position.batch}/${step.failure.check}`;
  });
}

describe('§1 stateless batching', () => {
  it('covers N samples in ceil(N/B) calls with a partial last batch, every epoch', () => {
    expect(trace({ epochs: 2 })).toEqual(['fit1.1:4', 'fit1.2:4', 'fit1.3:2', 'fit2.1:4', 'fit2.2:4', 'fit2.3:2']);
  });

  it('has no build step and ignores a reset policy (there is no stored state)', () => {
    expect(trace({ resetEvery: 'epoch' })).toEqual(['fit1.1:4', 'fit1.2:4', 'fit1.3:2']);
  });
});

describe('§2.2 data layout: sample j goes to batch floor(j/B), row j mod B', () => {
  it('without shuffle, row i of batch k holds sample k*B + i, so row i sees samples i, i+B, i+2B, …', () => {
    const calls = steps({ samples: 12, batchSize: 4, stateful: true }).filter((s) => s.kind === 'call');
    const rowZero = calls.map((s) => s.call.samples[0]);
    expect(rowZero).toEqual([0, 4, 8]);
    calls.forEach((s, k) => expect([...s.call.samples]).toEqual([0, 1, 2, 3].map((i) => k * 4 + i)));
  });
});

describe('§3 validation_split', () => {
  it('takes the last floor-complement of samples, in order, after each epoch of training', () => {
    // split_at = floor(10 * 0.7) = 7: training 0..6, validation 7..9
    const all = steps({ validationSplit: 0.3, epochs: 2, shuffle: true });
    expect(trace({ validationSplit: 0.3, epochs: 2 })).toEqual([
      'fit1.1:4', 'fit1.2:3', 'validate1.1:3',
      'fit2.1:4', 'fit2.2:3', 'validate2.1:3',
    ]);
    const validation = all.filter((s) => s.kind === 'call' && s.call.phase === 'validate');
    for (const step of validation) if (step.kind === 'call') expect([...step.call.samples]).toEqual([7, 8, 9]);
    const training = all.filter((s) => s.kind === 'call' && s.call.phase === 'fit' && s.call.epoch === 1);
    const seen = training.flatMap((s) => (s.kind === 'call' ? [...s.call.samples] : []));
    expect(seen.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });
});

describe('§3 shuffle', () => {
  it('visits every training sample once per epoch, in a different seeded order each epoch', () => {
    const calls = steps({ samples: 40, batchSize: 8, epochs: 3, shuffle: true }).filter((s) => s.kind === 'call');
    const orders = [1, 2, 3].map((epoch) => calls.filter((s) => s.call.epoch === epoch).flatMap((s) => [...s.call.samples]));
    for (const order of orders) expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(orders[0]).not.toEqual(orders[1]);
    expect(orders[1]).not.toEqual(orders[2]);
    // reproducible from the seed
    const again = steps({ samples: 40, batchSize: 8, epochs: 3, shuffle: true }).filter((s) => s.kind === 'call');
    expect(again.map((s) => [...s.call.samples])).toEqual(calls.map((s) => [...s.call.samples]));
  });
});

describe('§2 and §3 stateful runs and reset policies', () => {
  it('builds once, then only the policy resets: fit never resets by itself', () => {
    expect(trace({ samples: 8, stateful: true, epochs: 2 })).toEqual(['build', 'fit1.1:4', 'fit1.2:4', 'fit2.1:4', 'fit2.2:4']);
  });

  it('resets at epoch end after the validation batches (on_epoch_end follows validation)', () => {
    expect(trace({ samples: 12, stateful: true, epochs: 2, validationSplit: 1 / 3, resetEvery: 'epoch' })).toEqual([
      'build',
      'fit1.1:4', 'fit1.2:4', 'validate1.1:4', 'reset@fit1.2/epoch-end',
      'fit2.1:4', 'fit2.2:4', 'validate2.1:4', 'reset@fit2.2/epoch-end',
    ]);
  });

  it('resets after every K-th training batch, counting batches from 1 in each epoch', () => {
    expect(trace({ samples: 12, stateful: true, epochs: 2, resetEvery: { everyBatches: 2 } })).toEqual([
      'build',
      'fit1.1:4', 'fit1.2:4', 'reset@fit1.2/after-batch', 'fit1.3:4',
      'fit2.1:4', 'fit2.2:4', 'reset@fit2.2/after-batch', 'fit2.3:4',
    ]);
  });
});

describe('§2.1 a stateful batch of the wrong size, per Keras version', () => {
  it('Keras 2.3 checks all N samples before training', () => {
    expect(trace({ stateful: true, keras: '2' })).toEqual(['build', 'fail@fit1.1/fit-upfront']);
  });

  it.each(['3', 'tf'] as const)('Keras %s on tensorflow fails in the graph at the partial batch of 2 (unknown batch size), after the full ones ran', (keras) => {
    expect(trace({ stateful: true, keras })).toEqual(['build', 'fit1.1:4', 'fit1.2:4', 'fail@fit1.3/dynamic-shape']);
  });

  it('Keras 3 on JAX and torch raises the 3.12 ValueError at the partial batch (static shapes)', () => {
    for (const backend of ['jax', 'torch'] as const) {
      expect(trace({ stateful: true, backend, trainable: false })).toEqual(['build', 'fit1.1:4', 'fit1.2:4', 'fail@fit1.3/at-batch']);
    }
  });

  it('a divisible N whose validation part is not divisible fails at the validation batch (all versions)', () => {
    // N = 16 passes Keras 2's up-front check (16 % 4 == 0); split 0.375 leaves floor(16 * 0.625) = 10
    // training samples (4, 4, 2), split 0.25 leaves 12 and 4 (all full)
    for (const keras of ['3', 'tf', '2'] as const) {
      expect(trace({ samples: 16, stateful: true, keras, validationSplit: 0.375 })).toEqual([
        'build', 'fit1.1:4', 'fit1.2:4', `fail@fit1.3/${keras === '2' ? 'at-batch' : 'dynamic-shape'}`,
      ]);
      expect(trace({ samples: 16, stateful: true, keras, validationSplit: 0.25, epochs: 2 })).toEqual([
        'build', 'fit1.1:4', 'fit1.2:4', 'fit1.3:4', 'validate1.1:4',
        'fit2.1:4', 'fit2.2:4', 'fit2.3:4', 'validate2.1:4',
      ]);
    }
    // N = 22, split 0.27: floor(22 * 0.73) = 16 training (4 full batches), 6 validation (4, 2)
    expect(trace({ samples: 22, batchSize: 4, stateful: true, validationSplit: 0.27 })).toEqual([
      'build', 'fit1.1:4', 'fit1.2:4', 'fit1.3:4', 'fit1.4:4', 'validate1.1:4', 'fail@validate1.2/dynamic-shape',
    ]);
  });

  it('a stateless run never fails on a partial batch', () => {
    expect(trace({ keras: '2' }).some((t) => t.startsWith('fail'))).toBe(false);
  });
});

describe("§3 shuffle='batch', per version", () => {
  // 22 training samples in batches of 5: four full batches and a partial one of 2
  const batchesOf = (keras: '3' | 'tf' | '2') =>
    steps({ samples: 22, batchSize: 5, shuffle: 'batch', keras, seed: 11 })
      .filter((s) => s.kind === 'call')
      .map((s) => (s.kind === 'call' ? [...s.call.samples] : []));
  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
  const identity = [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9], [10, 11, 12, 13, 14], [15, 16, 17, 18, 19], [20, 21]];

  it('Keras 2.3 permutes whole batches; rows keep their order; the partial batch stays last', () => {
    const batches = batchesOf('2');
    expect(batches.map((b) => [...b].sort((x, y) => x - y))).not.toEqual(identity);
    for (const batch of batches) expect(batch).toEqual(sorted(batch));
    expect(batches.map((b) => sorted(b)).sort((a, b) => a[0]! - b[0]!)).toEqual(identity);
    expect(batches[4]).toEqual([20, 21]);
  });

  it('tf.keras permutes batches and the rows inside each', () => {
    const batches = batchesOf('tf');
    expect(batches.map((b) => sorted(b)).sort((a, b) => a[0]! - b[0]!)).toEqual(identity);
    expect(batches.map((b) => sorted(b))).not.toEqual(identity);
    expect(batches.some((b) => b.join() !== sorted(b).join())).toBe(true);
  });

  it('tf.keras shuffles the partial batch in with the full ones (flat_dataset.shuffle over all batches), where the closed form finds it', () => {
    // over seeds, the partial batch of 2 lands at every position, and partialBatchPosition says where
    const positions = new Set<number>();
    for (let seed = 0; seed < 40; seed++) {
      const batches = steps({ samples: 22, batchSize: 5, shuffle: 'batch', keras: 'tf', seed })
        .filter((s) => s.kind === 'call')
        .map((s) => (s.kind === 'call' ? s.call.rows : 0));
      const at = batches.indexOf(2);
      positions.add(at);
      expect(partialBatchPosition(22, 5, 'batch', 'tf', shuffleSeed({ ...base, seed }, 1))).toBe(at);
    }
    expect([...positions].sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it('Keras 3 keeps the batch order and permutes the rows inside each batch', () => {
    const batches = batchesOf('3');
    expect(batches.map((b) => sorted(b))).toEqual(identity);
    expect(batches.some((b) => b.join() !== sorted(b).join())).toBe(true);
  });
});

describe('lazyPermutation', () => {
  it.each([1, 2, 3, 7, 64, 1000, 4097])('is a bijection of 0..%i-1', (n) => {
    const permute = lazyPermutation(n, 99);
    const seen = new Set(Array.from({ length: n }, (_, i) => permute(i)));
    expect(seen.size).toBe(n);
    expect(Math.min(...seen)).toBe(0);
    expect(Math.max(...seen)).toBe(n - 1);
  });

  it('shuffles a billion indices without an array, reproducibly', () => {
    const permute = lazyPermutation(1_000_000_000, 5);
    const head = Array.from({ length: 5 }, (_, i) => permute(i));
    expect(head.every((x) => x >= 0 && x < 1e9)).toBe(true);
    expect(head).not.toEqual([0, 1, 2, 3, 4]);
    expect(Array.from({ length: 5 }, (_, i) => lazyPermutation(1_000_000_000, 5)(i))).toEqual(head);
  });
});

describe('§R what real Keras 3.15.1 does per backend (measured): broadcasts, failures, builds, shuffles', () => {
  const plan = (...steps: PlanStep[]) => ({ plan: steps, stateful: true, trainable: false });
  const fit = (extra: Partial<Extract<PlanStep, { type: 'fit' }>> = {}): PlanStep => ({ type: 'fit', epochs: 1, batchSize: 4, shuffle: false, ...extra });

  it('R2: a 1-row remainder on tensorflow is broadcast into all state rows, and the run goes on', () => {
    expect(trace({ samples: 9, stateful: true, epochs: 2 })).toEqual([
      'build', 'fit1.1:4', 'fit1.2:4', 'fit1.3:1/broadcast', 'fit2.1:4', 'fit2.2:4', 'fit2.3:1/broadcast',
    ]);
  });

  it('R2: a static batch of the wrong size raises the 3.12 ValueError on tensorflow too (N divisible by batch_size)', () => {
    expect(trace({ samples: 8, batchSize: 2, stateBatchSize: 4, stateful: true })).toEqual(['build', 'fail@fit1.1/at-batch']);
    // run_eagerly: every shape is static, a 1-row remainder included
    expect(trace({ samples: 9, stateful: true, runEagerly: true })).toEqual(['build', 'fit1.1:4', 'fit1.2:4', 'fail@fit1.3/at-batch']);
  });

  it("R2: tf.function's reduce_retracing relaxes a traced batch size: after fit on 9 samples, fit(batch_size=2) fails in the graph", () => {
    expect(trace(plan(fit({ samples: 9 }), fit({ batchSize: 2, samples: 8 })))).toEqual([
      'build', 'fit1.1:4', 'fit1.2:4', 'fit1.3:1/broadcast', 'fail@fit2.1/dynamic-shape',
    ]);
    // train_on_batch traces apart from fit: its first 1-row call is static (ValueError), after a 4-row one it broadcasts
    expect(trace({ ...plan(fit(), { type: 'train_on_batch', samples: 1 }), samples: 8 })).toEqual(['build', 'fit1.1:4', 'fit1.2:4', 'fail@train_on_batch1.1/at-batch']);
    expect(trace({ ...plan({ type: 'train_on_batch' }, { type: 'train_on_batch', samples: 1 }), samples: 8 })).toEqual([
      'build', 'train_on_batch0.1:4', 'train_on_batch0.1:1/broadcast',
    ]);
  });

  it('R2: before 3.12 a 1-row batch broadcasts on every backend; more rows fail in the backend (the first fit batch while building the loss)', () => {
    for (const backend of ['tensorflow', 'jax', 'torch'] as const) {
      expect(trace({ samples: 9, stateful: true, keras: '3.0-3.11', backend, trainable: false }).at(-1)).toBe('fit1.3:1/broadcast');
      expect(trace({ samples: 10, stateful: true, keras: '3.0-3.11', backend, trainable: false }).at(-1)).toBe(
        `fail@fit1.3/${backend === 'tensorflow' ? 'dynamic-shape' : 'backend-shape'}`,
      );
      expect(trace({ samples: 8, batchSize: 2, stateBatchSize: 4, stateful: true, keras: '3.0-3.11', backend, trainable: false })).toEqual([
        'build',
        `fail@fit1.1/${backend === 'tensorflow' ? 'backend-shape' : 'symbolic-build'}`,
      ]);
    }
  });

  it('R3: torch fails a trainable stateful LSTM or GRU(reset_after=True) after its first training batch; not SimpleRNN, masks, frozen weights or inference', () => {
    const torch = { samples: 8, stateful: true, backend: 'torch' as const };
    expect(trace(torch)).toEqual(['build', 'fit1.1:4', 'fail@fit1.1/torch-inplace']);
    expect(trace({ ...torch, cell: 'gru' })).toEqual(['build', 'fit1.1:4', 'fail@fit1.1/torch-inplace']);
    const runs = ['build', 'fit1.1:4', 'fit1.2:4'];
    expect(trace({ ...torch, layers: [{ cell: 'gru', units: 2, resetAfter: false }] })).toEqual(runs);
    expect(trace({ ...torch, cell: 'simple' })).toEqual(runs);
    expect(trace({ ...torch, maskTail: 1 })).toEqual(runs);
    expect(trace({ ...torch, trainable: false })).toEqual(runs);
    // a frozen LSTM above a trainable layer still needs the state in its backward pass
    expect(trace({ ...torch, layers: [{ cell: 'simple', units: 2 }, { cell: 'lstm', units: 2, trainable: false }] })).toEqual(['build', 'fit1.1:4', 'fail@fit1.1/torch-inplace']);
    expect(trace({ ...torch, plan: [{ type: 'predict', batchSize: 4 }, { type: 'train_on_batch' }] })).toEqual([
      'build', 'predict0.1:4', 'predict0.2:4', 'train_on_batch0.1:4', 'fail@train_on_batch0.1/torch-inplace',
    ]);
  });

  it('R3 + jit_compile=True: torch.compile fails the training step before its first batch runs (the state untouched); a caught failure lets the script go on', () => {
    // goldens lstm/gru-stateful-jit-true-trainable, lstm-stateful-jit-true-call-then-fit-trainable (Keras 3.15.1, torch 2.13)
    const compiled = { samples: 8, stateful: true, backend: 'torch' as const, jitCompile: true };
    expect(trace(compiled)).toEqual(['build', 'fail@fit1.1/torch-compile-inplace']);
    expect(trace({ ...compiled, cell: 'gru' })).toEqual(['build', 'fail@fit1.1/torch-compile-inplace']);
    // run_eagerly=True turns jit_compile off (trainer.py compile): the eager failure after the batch
    expect(trace({ ...compiled, runEagerly: true })).toEqual(['build', 'fit1.1:4', 'fail@fit1.1/torch-inplace']);
    // masked inputs, SimpleRNN and frozen weights compile and carry
    const runs = ['build', 'fit1.1:4', 'fit1.2:4'];
    expect(trace({ ...compiled, cell: 'simple' })).toEqual(runs);
    expect(trace({ ...compiled, maskTail: 1 })).toEqual(runs);
    expect(trace({ ...compiled, trainable: false })).toEqual(runs);
    expect(trace({ ...compiled, plan: [{ type: 'call' }, fit({ catch: true }), { type: 'predict', batchSize: 4 }] })).toEqual([
      'build', 'call0.1:4', 'fail@fit1.1/torch-compile-inplace', 'predict1.1:4', 'predict1.2:4',
    ]);
  });

  it('R5: a Sequential without Input is built by the first batch on tensorflow and fails in the trainer on JAX and torch; a direct call builds it anywhere', () => {
    expect(trace({ samples: 8, stateful: true, builtByFirstCall: true })).toEqual(['build', 'fit1.1:4', 'fit1.2:4']);
    expect(trace({ samples: 8, stateful: true, builtByFirstCall: true, backend: 'jax' })).toEqual(['fail@fit1.1/unbuilt-in-trainer']);
    expect(trace({ samples: 8, stateful: true, builtByFirstCall: true, backend: 'torch', plan: [{ type: 'call' }, fit()] })).toEqual([
      'build', 'call0.1:4', 'fit1.1:4', 'fail@fit1.1/torch-inplace',
    ]);
  });

  it('R1: JAX trainer calls never store the state and read the trace-time value (jit) or the current one (run_eagerly); direct calls store', () => {
    const rules = (extra: Partial<SimulationConfig>) =>
      steps({ samples: 8, stateful: true, backend: 'jax', plan: [fit(), { type: 'evaluate', batchSize: 4 }, { type: 'predict_on_batch' }, { type: 'call' }], ...extra })
        .flatMap((s) => (s.kind === 'call' ? [`${s.call.phase}:${s.call.state!.source}${s.call.state!.traceKey ? `(${s.call.state!.traceKey})` : ''}:${s.call.state!.writes ? 'stores' : 'drops'}`] : []));
    expect(rules({})).toEqual([
      'fit:trace(train:4):drops', 'fit:trace(train:4):drops', 'evaluate:trace(test:4):drops', 'evaluate:trace(test:4):drops',
      'predict_on_batch:trace(predict_on_batch:4):drops', 'call:stored:stores',
    ]);
    expect(rules({ runEagerly: true })).toEqual(rules({ jitCompile: false }));
    expect(rules({ runEagerly: true })).toEqual(['fit:stored:drops', 'fit:stored:drops', 'evaluate:stored:drops', 'evaluate:stored:drops', 'predict_on_batch:stored:drops', 'call:stored:stores']);
    // tensorflow and torch carry and store in every call
    expect(steps({ samples: 8, stateful: true, plan: [fit()] }).every((s) => s.kind !== 'call' || (s.call.state!.source === 'stored' && s.call.state!.writes))).toBe(true);
  });

  it('R4: with set_random_seed, tensorflow feeds every epoch of every fit in the first shuffled order; unseeded, and on jax and torch, each epoch reshuffles', () => {
    const orders = (extra: Partial<SimulationConfig>) => {
      const calls = steps({ samples: 12, batchSize: 4, epochs: 3, shuffle: true, ...extra }).filter((s) => s.kind === 'call');
      return [1, 2, 3].map((epoch) => calls.filter((s) => s.kind === 'call' && s.call.epoch === epoch).flatMap((s) => (s.kind === 'call' ? [...s.call.samples] : [])).join());
    };
    const seeded = orders({ setRandomSeed: true });
    expect(new Set(seeded).size).toBe(1);
    expect(new Set(orders({})).size).toBe(3);
    expect(new Set(orders({ setRandomSeed: true, backend: 'jax' })).size).toBe(3);
    expect(new Set(orders({ setRandomSeed: true, keras: 'tf' })).size).toBe(3);
  });
});
