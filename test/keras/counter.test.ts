/**
 * The totals recorded by the hooks from the running forward pass against (a) counts worked out by
 * hand from the spec and (b) the closed-form counter, over random configurations (fast-check).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PlanStep, ResetPolicy, SimulationConfig } from '../../src/keras/config.ts';
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
    expect(totals.byReason).toEqual({ initial: 0, 'batch-start': 75, 'reset-states': 0 });
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
    expect(totals.byReason).toEqual({ initial: 1, 'batch-start': 0, 'reset-states': 3 });
    expect(totals.rowResets).toBe(4);
    // 75 calls; the first of each epoch starts from zeros
    expect(totals.carries).toBe(72);
  });

  it('stateful Keras 3 with 1000 samples and batch 300 stops at the partial batch 4 of epoch 1', () => {
    const result = simulate({ ...base, batchSize: 300, stateful: true, shuffle: false });
    expect(result.completed).toBe(false);
    expect(result.totals.batches).toBe(3);
    expect(result.totals.epochsCompleted).toBe(0);
    const error = result.findings.find((f) => f.severity === 'error')!;
    expect(error.code).toBe('stateful-partial-batch');
    expect(error.at).toMatchObject({ phase: 'fit', epoch: 1, batch: 4 });
    expect(error.message).toContain('Expected batch size: 300 - Received batch size: 100');
  });
});

const policy: fc.Arbitrary<ResetPolicy> = fc.oneof(
  fc.constant<ResetPolicy>('never'),
  fc.constant<ResetPolicy>('epoch'),
  fc.integer({ min: 1, max: 6 }).map((everyBatches): ResetPolicy => ({ everyBatches })),
);

const config: fc.Arbitrary<SimulationConfig> = fc
  .record({
    samples: fc.integer({ min: 1, max: 60 }),
    batchSize: fc.integer({ min: 1, max: 25 }),
    epochs: fc.integer({ min: 1, max: 4 }),
    stateful: fc.boolean(),
    shuffle: fc.boolean(),
    resetEvery: policy,
    validationSplit: fc.constantFrom(0, 0, 0.1, 0.2, 0.25, 0.5, 0.3),
    keras: fc.constantFrom('3' as const, 'tf' as const, '2' as const),
    seed: fc.nat(),
    // stacked layers, each may override the model-level stateful flag
    layers: fc.option(
      fc.array(
        fc.record({
          cell: fc.constantFrom('lstm' as const, 'gru' as const, 'simple' as const),
          units: fc.integer({ min: 1, max: 3 }),
          stateful: fc.option(fc.boolean(), { nil: undefined }),
          bidirectional: fc.boolean(),
        }),
        { minLength: 1, maxLength: 3 },
      ),
      { nil: undefined },
    ),
    maskTail: fc.integer({ min: 0, max: 2 }),
  })
  .map((c): SimulationConfig => {
    const { layers, ...rest } = c;
    const stripped = layers?.map(({ stateful, ...layer }) => (stateful === undefined ? layer : { ...layer, stateful }));
    const anyStateful = c.stateful || (stripped ?? []).some((layer) => 'stateful' in layer && layer.stateful === true);
    return {
      ...base,
      ...rest,
      ...(stripped ? { layers: stripped } : {}),
      timesteps: 2,
      units: 2,
      resetEvery: anyStateful ? c.resetEvery : 'never',
    };
  })
  .filter((c) => {
    const train = Math.floor(c.samples * (1 - c.validationSplit));
    return c.validationSplit === 0 || (train > 0 && train < c.samples);
  });

describe('property: hook-recorded totals equal the closed-form counter', () => {
  it('for random configurations', () => {
    fc.assert(
      fc.property(config, (c) => {
        const { totals, completed, events } = simulate(c);
        // masking never resets: the counts are those of the same run without a mask
        expect(totals.perLayer.map((l) => ({ layer: l.name, resetEvents: l.resetEvents, rowResets: l.rowResets, carries: l.carries }))).toEqual(
          expectedTotals(c).perLayer,
        );
        const expected = expectedTotals(c);
        expect(completed).toBe(expected.completed);
        expect({
          batches: totals.batches,
          fitBatches: totals.fitBatches,
          validationBatches: totals.validationBatches,
          resetEvents: totals.resetEvents,
          rowResets: totals.rowResets,
          carries: totals.carries,
          byReason: totals.byReason,
          perEpoch: totals.perEpoch,
          epochsCompleted: totals.epochsCompleted,
        }).toEqual({
          batches: expected.batches,
          fitBatches: expected.fitBatches,
          validationBatches: expected.validationBatches,
          resetEvents: expected.resetEvents,
          rowResets: expected.rowResets,
          carries: expected.carries,
          byReason: expected.byReason,
          perEpoch: expected.perEpoch,
          epochsCompleted: expected.epochsCompleted,
        });
        // events are numbered in order and their rows add up
        expect(events.map((e) => e.index)).toEqual(events.map((_, i) => i + 1));
        // --count-only: the same events without the forward pass, and the same totals in closed form
        const counted = countOnly(c);
        expect([...countEvents(c)]).toEqual(events.map((e) => ({ ...e, discardedMeanAbsH: null })));
        expect(counted.totals).toEqual(totals);
        expect(counted.findings).toEqual(simulate(c).findings);
      }),
      { numRuns: 400, seed: 20261127 },
    );
  });
});

describe('property: training plans (fit/evaluate/predict/reset/repeat), hooks against the closed form', () => {
  const flatStep: fc.Arbitrary<PlanStep> = fc.oneof(
    fc.record({
      type: fc.constant('fit' as const),
      epochs: fc.integer({ min: 1, max: 3 }),
      batchSize: fc.integer({ min: 1, max: 8 }),
      shuffle: fc.constantFrom(true, false, 'batch' as const),
      validationSplit: fc.constantFrom(0, 0.25, 0.5),
    }),
    fc.record({
      type: fc.constant('evaluate' as const),
      batchSize: fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }),
      samples: fc.option(fc.integer({ min: 1, max: 20 }), { nil: undefined }),
    }),
    fc.record({
      type: fc.constant('predict' as const),
      batchSize: fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }),
      samples: fc.option(fc.integer({ min: 1, max: 20 }), { nil: undefined }),
    }),
    fc.constant<PlanStep>({ type: 'reset' }),
  );
  const plan = fc.array(
    fc.oneof(flatStep, fc.record({ type: fc.constant('repeat' as const), times: fc.integer({ min: 1, max: 3 }), steps: fc.array(flatStep, { minLength: 1, maxLength: 3 }) })),
    { minLength: 1, maxLength: 4 },
  );
  const planConfig = fc
    .record({
      samples: fc.integer({ min: 4, max: 16 }),
      batchSize: fc.integer({ min: 1, max: 8 }),
      stateful: fc.boolean(),
      keras: fc.constantFrom('3' as const, 'tf' as const, '2' as const),
      plan,
      resetEvery: policy,
      stateBatchSize: fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }),
    })
    .map(
      (c): SimulationConfig => ({
        ...base,
        samples: c.samples,
        batchSize: c.batchSize,
        stateful: c.stateful,
        keras: c.keras,
        plan: c.plan,
        timesteps: 2,
        units: 2,
        resetEvery: c.stateful ? c.resetEvery : 'never',
        ...(c.stateBatchSize === undefined ? {} : { stateBatchSize: c.stateBatchSize }),
      }),
    );

  it('for random plans, model batch sizes and Keras versions', () => {
    fc.assert(
      fc.property(planConfig, (c) => {
        const { totals, completed, events, findings } = simulate(c);
        const expected = expectedTotals(c);
        expect(completed).toBe(expected.completed);
        expect([...countEvents(c)]).toEqual(events.map((e) => ({ ...e, discardedMeanAbsH: null })));
        expect(countOnly(c).findings).toEqual(findings);
        expect({
          batches: [totals.fitBatches, totals.validationBatches, totals.evaluateBatches, totals.predictBatches],
          resetEvents: totals.resetEvents,
          rowResets: totals.rowResets,
          carries: totals.carries,
          byReason: totals.byReason,
          perEpoch: totals.perEpoch,
          epochsCompleted: totals.epochsCompleted,
        }).toEqual({
          batches: [expected.fitBatches, expected.validationBatches, expected.evaluateBatches, expected.predictBatches],
          resetEvents: expected.resetEvents,
          rowResets: expected.rowResets,
          carries: expected.carries,
          byReason: expected.byReason,
          perEpoch: expected.perEpoch,
          epochsCompleted: expected.epochsCompleted,
        });
      }),
      { numRuns: 500, seed: 20261128 },
    );
  });
});
