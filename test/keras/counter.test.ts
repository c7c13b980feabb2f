/**
 * The totals recorded by the hooks from the running forward pass against (a) counts worked out by
 * hand from the spec and (b) the closed-form counter, over random configurations (fast-check).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PlanStep, ResetPolicy, SimulationConfig } from '../../src/keras/config.ts';
import { zeroByReason } from '../../src/keras/events.ts';
import { countEvents, countOnly } from '../../src/sim/count.ts';
import { expectedTotals } from '../../src/keras/counter.ts';
import { simulate } from '../../src/sim/simulate.ts';

const base: SimulationConfig = {
  samples: 1000,
  timesteps: 2,
  features: 1,
  batchSize: 200,
  epochs: 15,
  stateful: false,
  shuffle: true,
  units: 2,
  seed: 1,
  resetEvery: 'never',
  validationSplit: 0,
  keras: '3',
  recurrentActivation: 'sigmoid',
};

describe('hand-derived counts', () => {
  it('the seed question: 1000 samples, batch 200, 15 epochs, stateless', () => {
    // 1000 / 200 = 5 batches per epoch, each starting 200 rows from zeros
    const { totals, events } = simulate(base);
    expect(totals.perEpoch.map((e) => e.resetEvents)).toEqual(Array(15).fill(5));
    expect(totals.perEpoch.map((e) => e.rowResets)).toEqual(Array(15).fill(1000));
    expect(totals.resetEvents).toBe(75);
    expect(totals.rowResets).toBe(15_000);
    expect(totals.byReason).toEqual({ ...zeroByReason(), 'batch-start': 75 });
    expect(totals.carries).toBe(0);
    expect(events.every((e) => e.rows === 200 && e.stateTensors === 2)).toBe(true);
  });

  it('stateless with a partial batch and validation: 1000 samples, split 0.25, batch 300', () => {
    // 750 training -> 300, 300, 150; 250 validation -> 250
    const { totals, events } = simulate({ ...base, epochs: 2, batchSize: 300, validationSplit: 0.25 });
    expect(events.slice(0, 4).map((e) => [e.phase, e.batch, e.rows])).toEqual([
      ['fit', 1, 300],
      ['fit', 2, 300],
      ['fit', 3, 150],
      ['validate', 1, 250],
    ]);
    expect(totals.resetEvents).toBe(8);
    expect(totals.rowResets).toBe(2000);
  });

  it('stateful, never reset: one initial zeroing of B rows, then every call carries', () => {
    const { totals } = simulate({ ...base, stateful: true, shuffle: false });
    expect(totals.resetEvents).toBe(1);
    expect(totals.rowResets).toBe(200);
    expect(totals.batches).toBe(75);
    expect(totals.carries).toBe(74);
  });

  it('the "one char to one char" pattern: batch 1, stateful, reset after each epoch', () => {
    // for i in range(3): model.fit(X, y, epochs=1, batch_size=1, shuffle=False); model.reset_states()
    const { totals } = simulate({ ...base, samples: 25, batchSize: 1, epochs: 3, stateful: true, shuffle: false, resetEvery: 'epoch' });
    expect(totals.byReason).toEqual({ ...zeroByReason(), initial: 1, 'reset-states': 3 });
    expect(totals.rowResets).toBe(4);
    // 75 calls; the first of each epoch starts from zeros
    expect(totals.carries).toBe(72);
  });

  it.each([
    // §R2: a partial dataset batch has an unknown batch size on tensorflow, so the graph fails; JAX and torch check it
    ['tensorflow', 'InvalidArgumentError: Graph execution error: … Incompatible shapes: [100,…] vs. [300,…]'],
    ['jax', 'ValueError: Exception encountered when calling LSTM.call(). If an RNN is stateful, the batch size of the input sequences must be the same as the batch size of the initial state. - Expected batch size: 300 - Received batch size: 100'],
  ] as const)('stateful Keras 3 (%s) with 1000 samples and batch 300 stops at the partial batch 4 of epoch 1', (backend, says) => {
    const result = simulate({ ...base, batchSize: 300, stateful: true, shuffle: false, backend, trainable: false });
    expect(result.completed).toBe(false);
    expect(result.totals.batches).toBe(3);
    expect(result.totals.epochsCompleted).toBe(0);
    const error = result.findings.find((f) => f.severity === 'error' && f.code !== 'jax-stateful-no-effect')!;
    expect(error.code).toBe('stateful-partial-batch');
    expect(error.at).toMatchObject({ phase: 'fit', epoch: 1, batch: 4 });
    expect(error.message).toContain(`Keras says: ${says}`);
  });
});

const policy: fc.Arbitrary<ResetPolicy> = fc.oneof(
  fc.constant<ResetPolicy>('never'),
  fc.constant<ResetPolicy>('epoch'),
  fc.integer({ min: 1, max: 6 }).map((everyBatches): ResetPolicy => ({ everyBatches })),
);

/** Versions, backends and execution settings: every dimension that changes where a call starts or fails. */
const execution = fc.record({
  keras: fc.constantFrom('3' as const, '3.0-3.11' as const, 'tf' as const, '2' as const),
  backend: fc.constantFrom('tensorflow' as const, 'jax' as const, 'torch' as const),
  runEagerly: fc.boolean(),
  jitCompile: fc.option(fc.boolean(), { nil: undefined }),
  trainable: fc.constantFrom(true, true, true, false),
  setRandomSeed: fc.boolean(),
  initialStatePassed: fc.constantFrom(false, false, false, false, false, true),
  builtByFirstCall: fc.constantFrom(false, false, false, false, false, false, false, true),
});

/** A config with the execution fields that apply to its version (Keras 3 only for backends). */
type Execution = typeof execution extends fc.Arbitrary<infer T> ? T : never;

function withExecution(config: SimulationConfig, e: Execution): SimulationConfig {
  const keras3 = e.keras === '3' || e.keras === '3.0-3.11';
  return {
    ...config,
    keras: e.keras,
    ...(keras3 ? { backend: e.backend, ...(e.jitCompile === undefined ? {} : { jitCompile: e.jitCompile }) } : {}),
    ...(e.keras !== '2' && e.runEagerly ? { runEagerly: true } : {}),
    ...(e.trainable ? {} : { trainable: false }),
    ...(e.setRandomSeed ? { setRandomSeed: true } : {}),
    ...(e.initialStatePassed ? { initialStatePassed: true } : {}),
    ...(e.builtByFirstCall ? { builtByFirstCall: true } : {}),
  };
}

/** Mostly undefined (the model's batch is fit's), sometimes another fixed batch size. */
const stateBatch = fc.oneof({ arbitrary: fc.constant(undefined), weight: 4 }, { arbitrary: fc.integer({ min: 1, max: 8 }), weight: 1 });

const config: fc.Arbitrary<SimulationConfig> = fc
  .record({
    // mostly a multiple of the batch size, or one or two more (a 1-row or 2-row remainder)
    batchSize: fc.integer({ min: 1, max: 12 }),
    batchesPerEpoch: fc.integer({ min: 1, max: 5 }),
    remainder: fc.constantFrom(0, 0, 0, 1, 2),
    epochs: fc.integer({ min: 1, max: 4 }),
    stateful: fc.boolean(),
    shuffle: fc.constantFrom(true, false, false, 'batch' as const),
    resetEvery: policy,
    validationSplit: fc.constantFrom(0, 0, 0.1, 0.2, 0.25, 0.5, 0.3),
    execution,
    seed: fc.nat(),
    // stacked layers, each may override the model-level stateful flag
    layers: fc.option(
      fc.array(
        fc.record({
          cell: fc.constantFrom('lstm' as const, 'gru' as const, 'simple' as const),
          units: fc.integer({ min: 1, max: 3 }),
          stateful: fc.option(fc.boolean(), { nil: undefined }),
          bidirectional: fc.boolean(),
          resetAfter: fc.option(fc.boolean(), { nil: undefined }),
          // initial_state from the first layer (a seq2seq decoder's encoder), when their states fit
          fromFirst: fc.boolean(),
        }),
        { minLength: 1, maxLength: 3 },
      ),
      { nil: undefined },
    ),
    maskTail: fc.constantFrom(0, 0, 1, 2),
    stateBatchSize: stateBatch,
  })
  .map((c): SimulationConfig => {
    const { layers, execution: e, maskTail, stateBatchSize, batchesPerEpoch, remainder, ...rest } = c;
    const first = layers?.[0];
    const stripped = layers?.map(({ stateful, resetAfter, fromFirst, ...layer }, i) => ({
      ...layer,
      ...(stateful === undefined ? {} : { stateful }),
      ...(resetAfter === undefined || layer.cell !== 'gru' ? {} : { resetAfter }),
      name: `layer_${i}`,
      ...(i > 0 && fromFirst && first!.cell === layer.cell && first!.units === layer.units && first!.bidirectional === layer.bidirectional
        ? { initialStateFrom: 'layer_0' }
        : {}),
    }));
    const anyStateful = c.stateful || (stripped ?? []).some((layer) => 'stateful' in layer && layer.stateful === true);
    return withExecution(
      {
        ...base,
        ...rest,
        samples: c.batchSize * batchesPerEpoch + remainder,
        ...(stripped ? { layers: stripped } : {}),
        ...(maskTail > 0 ? { maskTail } : {}),
        ...(stateBatchSize === undefined ? {} : { stateBatchSize }),
        timesteps: 2,
        units: 2,
        resetEvery: anyStateful ? c.resetEvery : 'never',
      },
      e,
    );
  })
  .filter((c) => {
    const train = Math.floor(c.samples * (1 - c.validationSplit));
    return c.validationSplit === 0 || (train > 0 && train < c.samples);
  });

/** simulate() against the closed form and the counted events: totals, events, findings, completion. */
function agree(c: SimulationConfig): void {
  const simulated = simulate(c);
  const expected = expectedTotals(c);
  const counted = countOnly(c);
  const { totals, completed, events } = simulated;
  expect(completed).toBe(expected.completed);
  expect(
    totals.perLayer.map((l) => ({
      layer: l.name,
      resetEvents: l.resetEvents,
      rowResets: l.rowResets,
      carries: l.carries,
      broadcastStarts: l.broadcastStarts,
      storedRestarts: l.storedRestarts,
      initialStateStarts: l.initialStateStarts,
      fromLayerStarts: l.fromLayerStarts,
      byReason: l.byReason,
    })),
  ).toEqual(expected.perLayer);
  expect({
    batches: [totals.batches, totals.fitBatches, totals.validationBatches, totals.evaluateBatches, totals.predictBatches],
    onBatch: [totals.trainOnBatchBatches, totals.predictOnBatchBatches, totals.directCalls],
    resetEvents: totals.resetEvents,
    rowResets: totals.rowResets,
    carries: totals.carries,
    otherStarts: [totals.broadcastStarts, totals.storedRestarts, totals.initialStateStarts, totals.failedCalls],
    fromLayerStarts: totals.fromLayerStarts,
    byReason: totals.byReason,
    perEpoch: totals.perEpoch,
    epochsCompleted: totals.epochsCompleted,
  }).toEqual({
    batches: [expected.batches, expected.fitBatches, expected.validationBatches, expected.evaluateBatches, expected.predictBatches],
    onBatch: [expected.trainOnBatchBatches, expected.predictOnBatchBatches, expected.directCalls],
    resetEvents: expected.resetEvents,
    rowResets: expected.rowResets,
    carries: expected.carries,
    otherStarts: [expected.broadcastStarts, expected.storedRestarts, expected.initialStateStarts, expected.failedCalls],
    fromLayerStarts: expected.fromLayerStarts,
    byReason: expected.byReason,
    perEpoch: expected.perEpoch,
    epochsCompleted: expected.epochsCompleted,
  });
  // events are numbered in order
  expect(events.map((e) => e.index)).toEqual(events.map((_, i) => i + 1));
  // --count-only: the same events without the forward pass, the same totals and findings in closed form
  expect([...countEvents(c)]).toEqual(events.map((e) => ({ ...e, discardedMeanAbsH: null })));
  expect(counted.totals.maskedSteps === null ? { ...counted.totals, maskedSteps: totals.maskedSteps, passThroughRows: totals.passThroughRows } : counted.totals).toEqual(totals);
  expect(counted.findings).toEqual(simulated.findings);
}

describe("the quoted TensorFlow 'Incompatible shapes' comes from the configuration (scripts/keras-goldens/probes/incompatible-shapes.txt)", () => {
  const partial = { ...base, samples: 1000, batchSize: 300, stateful: true, shuffle: false as const, trainable: false };
  const says = (config: SimulationConfig) => simulate(config).findings.find((f) => f.code === 'stateful-partial-batch')!.message;
  it.each([
    ['lstm', 5, 20],
    ['gru', 5, 5],
    ['simple', 7, 7],
  ] as const)('predict and evaluate fail at the %s cell add: [b,W] vs. [B,W] with W from its %i units', (cell, units, width) => {
    for (const type of ['predict', 'evaluate'] as const) {
      const message = says({ ...partial, cell, units, plan: [{ type, batchSize: 300 }] });
      expect(message).toContain(`Incompatible shapes: [100,${width}] vs. [300,${width}]`);
    }
  });
  it('fit names whichever node fails first (the cell add or the loss gradient, whose width is the head\'s): only the rows are quoted', () => {
    const message = says({ ...partial, cell: 'lstm', units: 5 });
    expect(message).toContain('Incompatible shapes: [100,…] vs. [300,…]');
    expect(message).not.toMatch(/\[100,\d/);
  });
});

describe('property: hook-recorded totals equal the closed-form counter', () => {
  it('for random configurations, versions and backends', () => {
    fc.assert(fc.property(config, agree), { numRuns: 400, seed: 20261127 });
  });

  it('for stateful Keras 3 runs on every backend (JAX trace-time starts, torch failures, broadcasts)', () => {
    const keras3 = config.map(({ layers: _layers, ...c }): SimulationConfig => ({ ...c, stateful: true, keras: c.samples % 2 === 0 ? '3' : '3.0-3.11', backend: c.backend ?? 'jax' }));
    fc.assert(fc.property(keras3, agree), { numRuns: 300, seed: 20261129 });
  });
});

describe('property: training plans (fit/evaluate/predict/*_on_batch/call/reset/repeat), hooks against the closed form', () => {
  /** Steps whose sample ranges stay inside `samples` (plans reaching past the data are refused); batch sizes mostly the model's. */
  const flatStep = (samples: number, modelBatch: number): fc.Arbitrary<PlanStep> => {
    const batch = fc.oneof({ arbitrary: fc.constant(modelBatch), weight: 3 }, { arbitrary: fc.integer({ min: 1, max: 8 }), weight: 1 });
    const range = fc
      .record({
        from: fc.oneof({ arbitrary: fc.constant(undefined), weight: 2 }, { arbitrary: fc.integer({ min: 0, max: samples - 1 }), weight: 1 }),
        count: fc.oneof(
          { arbitrary: fc.constant(undefined), weight: 2 },
          { arbitrary: fc.integer({ min: 1, max: 3 }).map((k) => k * modelBatch), weight: 2 },
          { arbitrary: fc.integer({ min: 1, max: samples }), weight: 1 },
        ),
      })
      .map(({ from, count }) => ({
        ...(from === undefined ? {} : { from }),
        ...(count === undefined ? {} : { samples: Math.max(1, Math.min(count, samples - (from ?? 0))) }),
      }));
    const rows = fc.oneof(
      range,
      fc.constant({ from: 0, samples: modelBatch }),
      fc.array(fc.integer({ min: 0, max: samples - 1 }), { minLength: 1, maxLength: 9 }).map((indices) => ({ indices })),
    );
    const caught = fc.constantFrom(undefined, undefined, undefined, true);
    const withCatch = (step: PlanStep, c: boolean | undefined): PlanStep => (c ? ({ ...step, catch: true } as PlanStep) : step);
    const resetPolicyOf = fc.constantFrom<ResetPolicy | undefined>(undefined, undefined, undefined, 'epoch', { everyBatches: 1 }, { everyBatches: 2 });
    return fc.oneof(
      fc
        .record({
          epochs: fc.integer({ min: 1, max: 3 }),
          batchSize: fc.oneof({ arbitrary: batch, weight: 8 }, { arbitrary: fc.constant(undefined), weight: 1 }),
          shuffle: fc.constantFrom(true, false, false, 'batch' as const),
          validationSplit: fc.constantFrom(0, 0, 0.25, 0.5),
          resetEvery: resetPolicyOf,
          caught,
        })
        .map(({ caught: c, resetEvery, batchSize, ...fit }): PlanStep =>
          withCatch({ type: 'fit', ...fit, ...(batchSize === undefined ? {} : { batchSize }), ...(resetEvery === undefined ? {} : { resetEvery }) }, c),
        ),
      fc
        .record({ epochs: fc.integer({ min: 1, max: 2 }), batchSize: batch, validationBatchSize: fc.option(batch, { nil: undefined }), train: range, validation: range, caught })
        .map(({ epochs, batchSize, validationBatchSize, train, validation, caught: c }): PlanStep =>
          withCatch(
            { type: 'fit', epochs, batchSize, shuffle: false, ...train, validationData: validation, ...(validationBatchSize === undefined ? {} : { validationBatchSize }) },
            c,
          ),
        ),
      fc
        .record({ batchSize: fc.option(batch, { nil: undefined, freq: 6 }), range, caught })
        .map(({ batchSize, range, caught: c }): PlanStep => withCatch({ type: 'evaluate', batchSize, ...range }, c)),
      fc
        .record({ batchSize: fc.option(batch, { nil: undefined, freq: 6 }), range, caught })
        .map(({ batchSize, range, caught: c }): PlanStep => withCatch({ type: 'predict', batchSize, ...range }, c)),
      fc
        .record({ type: fc.constantFrom('train_on_batch' as const, 'predict_on_batch' as const), rows, caught })
        .map(({ type, rows, caught: c }): PlanStep => withCatch({ type, ...rows }, c)),
      fc
        .record({ rows, initialState: fc.boolean(), caught })
        .map(({ rows, initialState, caught: c }): PlanStep => withCatch({ type: 'call', ...rows, ...(initialState ? { initialState } : {}) }, c)),
      fc.constant<PlanStep>({ type: 'reset' }),
      fc.constantFrom<PlanStep>({ type: 'reset', method: 'model.reset_states', catch: true }, { type: 'reset', method: 'model.reset_states' }),
    );
  };
  const planConfig = fc
    .record({ modelBatch: fc.integer({ min: 1, max: 6 }), multiple: fc.integer({ min: 1, max: 4 }), remainder: fc.constantFrom(0, 0, 1, 2) })
    .chain(({ modelBatch, multiple, remainder }) => {
      const samples = Math.max(4, modelBatch * multiple + remainder);
      return fc
        .record({
          stateful: fc.constantFrom(true, true, false),
          execution,
          plan: fc.array(
            fc.oneof(
              flatStep(samples, modelBatch),
              fc.record({
                type: fc.constant('repeat' as const),
                times: fc.integer({ min: 1, max: 3 }),
                steps: fc.array(flatStep(samples, modelBatch), { minLength: 1, maxLength: 3 }),
              }),
            ),
            { minLength: 1, maxLength: 4 },
          ),
          resetEvery: policy,
          stateBatchSize: stateBatch,
          maskTail: fc.constantFrom(0, 0, 1, 2),
        })
        .map(
          (c): SimulationConfig =>
            withExecution(
              {
                ...base,
                samples,
                batchSize: modelBatch,
                stateful: c.stateful,
                plan: c.plan,
                timesteps: 2,
                units: 2,
                resetEvery: c.stateful ? c.resetEvery : 'never',
                ...(c.maskTail > 0 ? { maskTail: c.maskTail } : {}),
                ...(c.stateBatchSize === undefined ? {} : { stateBatchSize: c.stateBatchSize }),
              },
              c.execution,
            ),
        );
    });

  it('for random plans, model batch sizes, versions and backends', () => {
    fc.assert(fc.property(planConfig, agree), { numRuns: 500, seed: 20261128 });
  });
});
