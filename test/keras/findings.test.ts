/**
 * The findings catalogue: every rule fires when it should and not otherwise, every emitted finding
 * is its catalogue entry (severity, Keras versions, source), and `lstm-reset findings` lists it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { findingCatalogue, lookupFinding } from '../../src/keras/catalogue.ts';
import type { PlanStep, SimulationConfig } from '../../src/keras/config.ts';
import type { Finding } from '../../src/keras/findings.ts';
import { kerasVersions } from '../../src/keras/profiles.ts';
import { simulate } from '../../src/sim/simulate.ts';
import { flat, run } from '../helpers/io.ts';

const ansi = /\u001b\[/;

/** 8 samples of 2 steps, a stateful LSTM of 2 units in batches of 4, no shuffle: no warning of its own. */
const base: SimulationConfig = {
  samples: 8,
  timesteps: 2,
  features: 1,
  batchSize: 4,
  epochs: 1,
  stateful: true,
  shuffle: false,
  units: 2,
  seed: 1,
  resetEvery: 'epoch',
  validationSplit: 0,
  keras: '3',
  recurrentActivation: 'sigmoid',
};

/** Every finding any test produced, checked against the catalogue at the end. */
const emitted: Finding[] = [];

function findingsOf(overrides: Partial<SimulationConfig>): readonly Finding[] {
  const findings = simulate({ ...base, ...overrides }).findings;
  emitted.push(...findings);
  return findings;
}

function codes(overrides: Partial<SimulationConfig>): string[] {
  return findingsOf(overrides).map((f) => f.code);
}

function find(overrides: Partial<SimulationConfig>, code: string): Finding | undefined {
  return findingsOf(overrides).find((f) => f.code === code);
}

const fit = (extra: Partial<Extract<PlanStep, { type: 'fit' }>> = {}): PlanStep => ({ type: 'fit', epochs: 1, batchSize: 4, shuffle: false, ...extra });
const reset: PlanStep = { type: 'reset' };
const predict: PlanStep = { type: 'predict', batchSize: 4 };
const evaluate: PlanStep = { type: 'evaluate', batchSize: 4 };

describe('the catalogue', () => {
  it('has unique codes, each with a severity, versions, a one-line title, a fix and a source', () => {
    const all = findingCatalogue.map((entry) => entry.code);
    expect(new Set(all).size).toBe(all.length);
    for (const entry of findingCatalogue) {
      expect(entry.code).toMatch(/^[a-z]+(-[a-z0-9]+)*$/);
      expect(['error', 'warning', 'info']).toContain(entry.severity);
      expect(entry.keras.length).toBeGreaterThan(0);
      for (const version of entry.keras) expect(kerasVersions).toContain(version);
      expect(entry.title).not.toContain('\n');
      expect(entry.title.length).toBeGreaterThan(20);
      expect(entry.fix.length).toBeGreaterThan(10);
      expect(entry.source).toMatch(/§(\d|R\d)|Keras callbacks/);
    }
  });

  it('keeps the existing codes and lists the new ones', () => {
    expect(findingCatalogue.map((entry) => entry.code)).toEqual(
      expect.arrayContaining([
        'stateful-partial-batch',
        'stateful-batch-size-mismatch',
        'stateful-unknown-batch-size',
        'default-batch-size',
        'stateful-shuffle',
        'stateful-shuffle-batch',
        'validation-contaminates-state',
        'inference-updates-state',
        'state-never-reset',
        'reset-every-never-fires',
        'no-model-reset-states',
        'initial-state-ignored',
        'initial-state-overrides-carry',
        'hard-sigmoid-formula',
        'stateful-bidirectional',
        'mixed-statefulness',
      ]),
    );
    expect(lookupFinding('initial-state-ignored')).toMatchObject({ severity: 'warning', keras: ['tf'] });
    expect(lookupFinding('initial-state-overrides-carry')).toMatchObject({ severity: 'info', keras: ['3', '3.0-3.11', '2'] });
  });
});

describe('the base configuration is clean', () => {
  it('a stateful run without shuffle, reset every epoch, has no finding in Keras 2 or tf.keras', () => {
    expect(codes({ keras: 'tf' })).toEqual([]);
    expect(codes({ keras: '2' })).toEqual([]);
    // Keras 3 only notes the missing model.reset_states()
    expect(codes({})).toEqual(['no-model-reset-states']);
  });
});

describe('batch-size errors', () => {
  it('stateful-partial-batch: 10 samples in batches of 4', () => {
    expect(find({ samples: 10 }, 'stateful-partial-batch')?.severity).toBe('error');
    expect(codes({ samples: 12 })).not.toContain('stateful-partial-batch');
  });

  it('stateful-batch-size-mismatch: fit(batch_size=2) on a model fixed at 4', () => {
    const finding = find({ batchSize: 2, stateBatchSize: 4 }, 'stateful-batch-size-mismatch');
    expect(finding?.message).toContain('fit() runs batches of 2 through stateful layers built for batches of 4');
    expect(finding?.fix).toContain('Pass batch_size=4 to fit()');
    expect(codes({ batchSize: 2, stateBatchSize: 4 })).not.toContain('default-batch-size');
  });

  it('default-batch-size instead of the mismatch when the 32 is the default', () => {
    const found = codes({ samples: 64, batchSize: 32, stateBatchSize: 4, batchSizeDefaulted: true });
    expect(found).toContain('default-batch-size');
    expect(found).not.toContain('stateful-batch-size-mismatch');
    const finding = find({ samples: 64, batchSize: 32, stateBatchSize: 4, batchSizeDefaulted: true }, 'default-batch-size')!;
    expect(finding.severity).toBe('error');
    expect(finding.message).toContain('batch_size not given: Keras uses 32');
    // a plan's predict() without batch_size
    const plan: PlanStep[] = [fit(), reset, { type: 'predict' }];
    expect(find({ samples: 64, plan }, 'default-batch-size')?.message).toMatch(/^predict\(\) runs batches of 32/);
  });

  it('stateful-unknown-batch-size: stateful without a fixed batch size', () => {
    expect(find({ unknownStateBatch: true }, 'stateful-unknown-batch-size')?.severity).toBe('error');
    expect(codes({ unknownStateBatch: true, stateful: false })).not.toContain('stateful-unknown-batch-size');
  });
});

describe('shuffle', () => {
  it('stateful-shuffle: stateful and shuffle=True, not otherwise', () => {
    expect(find({ shuffle: true }, 'stateful-shuffle')?.message).toContain('(the default)');
    expect(codes({ shuffle: false })).not.toContain('stateful-shuffle');
    expect(codes({ shuffle: true, stateful: false })).not.toContain('stateful-shuffle');
  });

  it("a plan's fit steps decide, not the configuration's own shuffle", () => {
    expect(codes({ shuffle: true, plan: [fit({ shuffle: false })] })).not.toContain('stateful-shuffle');
    expect(find({ shuffle: false, plan: [fit(), reset, fit({ shuffle: true })] }, 'stateful-shuffle')?.message).toContain('a fit step of the plan');
  });

  it("stateful-shuffle-batch: shuffle='batch', worded per version", () => {
    const plan = [fit({ shuffle: 'batch' })];
    expect(find({ plan, keras: '2' }, 'stateful-shuffle-batch')?.message).toContain('Keras 2.3 permutes whole batches');
    expect(find({ plan, keras: 'tf' }, 'stateful-shuffle-batch')?.message).toContain('tf.keras permutes the order of the batches (the partial one included) and the rows inside each batch');
    expect(find({ plan, keras: '3' }, 'stateful-shuffle-batch')?.message).toContain('Keras 3 keeps the batch order but permutes the rows inside each batch');
    expect(codes({ shuffle: 'batch' })).toContain('stateful-shuffle-batch');
    expect(codes({ shuffle: 'batch' })).not.toContain('stateful-shuffle');
    expect(codes({ plan, stateful: false })).not.toContain('stateful-shuffle-batch');
    expect(codes({ plan: [fit({ shuffle: true })] })).not.toContain('stateful-shuffle-batch');
  });
});

describe('state carried where it should not be', () => {
  it('validation-contaminates-state: only where a training batch did start from what validation left', () => {
    const never = { resetEvery: 'never' as const, epochs: 2 };
    expect(find({ ...never, validationSplit: 0.5 }, 'validation-contaminates-state')?.message).toContain(
      'training batch 1 of epoch 2 started from the state the last validation batch left',
    );
    expect(codes({ ...never, validationSplit: 0.5, stateful: false })).not.toContain('validation-contaminates-state');
    expect(codes({ ...never, plan: [fit({ validationSplit: 0.5 }), fit()] })).toContain('validation-contaminates-state');
    expect(codes({ ...never, validationSplit: 0.5, plan: [fit()] })).not.toContain('validation-contaminates-state');
    // a reset at every epoch end (after validation) removes the carry: nothing is contaminated
    expect(codes({ ...never, validationSplit: 0.5, resetEvery: 'epoch' })).not.toContain('validation-contaminates-state');
    // a single epoch has no training after its validation
    expect(codes({ resetEvery: 'never', validationSplit: 0.5 })).not.toContain('validation-contaminates-state');
    // §R1: on JAX validation never stores its state
    expect(codes({ ...never, validationSplit: 0.5, backend: 'jax', trainable: false })).not.toContain('validation-contaminates-state');
    expect(codes({ ...never, validationSplit: 0.5, backend: 'torch', trainable: false })).toContain('validation-contaminates-state');
  });

  it('inference-updates-state: predict/evaluate that start from what fit left, or a fit that starts from what they left', () => {
    const resetEvery = 'never' as const;
    expect(find({ resetEvery, plan: [fit(), predict] }, 'inference-updates-state')?.message).toBe(
      'predict() at plan step 2 (predict batch 1 of epoch 1) started from the state fit() at plan step 1 left, with no reset between, and overwrites it row by row.',
    );
    expect(find({ resetEvery, plan: [evaluate, fit()] }, 'inference-updates-state')?.message).toBe(
      'fit() at plan step 2 (training batch 1 of epoch 1) started from the state evaluate() at plan step 1 stored, with no reset between: inference updates the stored state, and training continued from it.',
    );
    expect(codes({ resetEvery, plan: [fit(), reset, predict] })).not.toContain('inference-updates-state');
    expect(codes({ resetEvery, plan: [predict, reset, fit()] })).not.toContain('inference-updates-state');
    expect(codes({ resetEvery, plan: [fit(), predict], stateful: false })).not.toContain('inference-updates-state');
    // the canonical loop of test/fixtures/plans/stateful-loop.json
    const loop: PlanStep[] = [{ type: 'repeat', times: 3, steps: [fit(), reset] }, evaluate, reset, predict];
    expect(codes({ resetEvery, plan: loop })).not.toContain('inference-updates-state');
    // a callback resetting at every epoch end separates fit from a following predict, not a predict from the next fit
    expect(codes({ resetEvery: 'epoch', plan: [fit(), predict] })).not.toContain('inference-updates-state');
    expect(codes({ resetEvery: 'epoch', plan: [predict, fit()] })).toContain('inference-updates-state');
    // without a plan there is no inference step
    expect(codes({ resetEvery })).not.toContain('inference-updates-state');
    // step numbers count unrolled repeats
    const repeated: PlanStep[] = [{ type: 'repeat', times: 4, steps: [reset, fit()] }, predict];
    expect(find({ resetEvery, plan: repeated }, 'inference-updates-state')?.message).toMatch(/^predict\(\) at plan step 9 .* fit\(\) at plan step 8 left/);
    const wrap: PlanStep[] = [{ type: 'repeat', times: 3, steps: [predict, reset, fit()] }];
    expect(find({ resetEvery, plan: wrap }, 'inference-updates-state')?.message).toMatch(/^predict\(\) at plan step 4 .* fit\(\) at plan step 3 left/);
  });

  it('inference-updates-state on JAX: only direct calls store a state, and only a trace taken after them reads it (§R1)', () => {
    const jax = { resetEvery: 'never' as const, backend: 'jax' as const, trainable: false };
    const call: PlanStep = { type: 'call' };
    // predict never sees fit's state (fit stores none)
    expect(codes({ ...jax, plan: [fit(), predict] })).not.toContain('inference-updates-state');
    // fit traced after a direct call starts every batch from the call's state
    expect(find({ ...jax, plan: [call, fit()] }, 'inference-updates-state')?.message).toContain('started from the state model(x) at plan step 1 stored');
    // fit traced before the call keeps its trace-time zeros; eagerly it reads the call's state
    expect(codes({ ...jax, plan: [fit(), call, fit()] })).not.toContain('inference-updates-state');
    expect(codes({ ...jax, runEagerly: true, plan: [fit(), call, fit()] })).toContain('inference-updates-state');
  });

  it('texts say what happens on the backend and version (§R1, §R2, §R6)', () => {
    const never = 'never' as const;
    // a single call is named once, with its plan step
    const onBatch = find({ resetEvery: never, plan: [fit(), { type: 'predict_on_batch' }] }, 'inference-updates-state')!;
    expect(onBatch.message).toMatch(/^predict_on_batch\(\) at plan step 2 started from the state fit\(\) at plan step 1 left/);
    expect(onBatch.message.match(/predict_on_batch/g)).toHaveLength(1);
    // the reset the version has: Keras 3 has no Model.reset_states (AttributeError), only the recurrent layers' reset_state()
    const inference = (keras: SimulationConfig['keras']) => find({ resetEvery: never, keras, plan: [fit(), predict] }, 'inference-updates-state')!.fix;
    expect(inference('3')).toContain('if getattr(layer, "stateful", False): layer.reset_state()');
    expect(inference('3')).not.toMatch(/reset the state: model\.reset_states/);
    expect(inference('tf')).toContain('reset the state: model.reset_states().');
    expect(inference('2')).toContain('reset the state: model.reset_states().');
    expect(inference('tfjs')).toContain('reset the state: model.resetStates().');
    // mixed statefulness on JAX: nothing carries inside fit either (§R1); on tensorflow the stateful layer carries
    const mixed = { resetEvery: never, epochs: 2, trainable: false, layers: [{ cell: 'lstm' as const, units: 2, stateful: true }, { cell: 'gru' as const, units: 2, stateful: false }] };
    const onJax = find({ ...mixed, backend: 'jax' }, 'mixed-statefulness')!.message;
    expect(onJax).toContain('the stateful ones carry nothing either: on JAX');
    expect(onJax).not.toContain('others carry');
    expect(find({ ...mixed, backend: 'tensorflow' }, 'mixed-statefulness')!.message).toContain('the stateful ones carry row i into the next call.');
    // a validation batch of the wrong size is validation's, with the argument that sets it (tf.keras and Keras 3 have validation_batch_size)
    const validation = (keras: SimulationConfig['keras']) =>
      find({ resetEvery: never, keras, plan: [fit({ validationSplit: 0.5, validationBatchSize: 2 })] }, 'stateful-batch-size-mismatch')!;
    expect(validation('3').message).toMatch(/^fit\(\)'s validation runs batches of 2 through stateful layers built for batches of 4; it fails at its first batch \(validation batch 1 of epoch 1\)/);
    expect(validation('3').fix).toContain('Pass validation_batch_size=4');
    expect(validation('tf').fix).toContain('Pass validation_batch_size=4');
    // a run that stops says how far it got: 10 samples in batches of 4, the 2-row third batch fails in the graph on tensorflow (§R2)
    const stopped = find({ resetEvery: never, samples: 10, epochs: 2 }, 'state-never-reset')!.message;
    expect(stopped).toContain('until Keras stops the run (at training batch 3 of epoch 1)');
    expect(stopped).not.toContain('all 2 epochs');
    // one row is "1 row": 9 samples in batches of 4 on JAX fail at the 1-row third batch (ValueError, §R2)
    expect(find({ resetEvery: never, samples: 9, backend: 'jax', trainable: false }, 'stateful-partial-batch')!.message).toContain('training batch 3 of epoch 1, which has 1 row:');
  });

  it('state-never-reset: no reset policy and no reset step', () => {
    expect(find({ resetEvery: 'never', epochs: 3 }, 'state-never-reset')?.message).toContain('all 3 epochs');
    expect(codes({ resetEvery: 'epoch' })).not.toContain('state-never-reset');
    expect(codes({ resetEvery: 'never', plan: [fit(), reset, fit()] })).not.toContain('state-never-reset');
    expect(find({ resetEvery: 'never', plan: [fit({ epochs: 2 }), fit()] }, 'state-never-reset')?.message).toContain('all 3 epochs');
    expect(codes({ resetEvery: 'never', stateful: false })).not.toContain('state-never-reset');
  });

  it('reset-every-never-fires: a period longer than an epoch', () => {
    // 8 samples in batches of 4: 2 batches per epoch
    expect(find({ resetEvery: { everyBatches: 3 } }, 'reset-every-never-fires')?.fix).toContain('at most 2 batches');
    expect(codes({ resetEvery: { everyBatches: 2 } })).not.toContain('reset-every-never-fires');
    expect(codes({ resetEvery: { everyBatches: 3 }, plan: [fit({ batchSize: 1 })], stateBatchSize: 1, batchSize: 1 })).not.toContain('reset-every-never-fires');
  });

  it('no-model-reset-states: Keras 3 and a reset', () => {
    expect(find({ keras: '3' }, 'no-model-reset-states')?.keras).toEqual(['3', '3.0-3.11']);
    expect(codes({ keras: 'tf' })).not.toContain('no-model-reset-states');
    expect(codes({ keras: '3', resetEvery: 'never' })).not.toContain('no-model-reset-states');
    expect(codes({ keras: '3', resetEvery: 'never', plan: [fit(), reset] })).toContain('no-model-reset-states');
  });
});

describe('initial_state with a stateful layer (§6)', () => {
  it('initial-state-ignored: not where a reset precedes every call (tf.keras then uses initial_state every time)', () => {
    expect(codes({ keras: 'tf', initialStatePassed: true, resetEvery: { everyBatches: 1 } })).not.toContain('initial-state-ignored');
    const plan: PlanStep[] = [{ type: 'repeat', times: 3, steps: [reset, { type: 'predict', batchSize: 4, samples: 4 }] }];
    expect(codes({ keras: 'tf', initialStatePassed: true, plan })).not.toContain('initial-state-ignored');
    const totals = simulate({ ...base, keras: 'tf', initialStatePassed: true, plan }).totals;
    expect(totals.byReason['initial-state']).toBe(3);
    expect(totals.carries).toBe(0);
  });

  it('initial-state-ignored: tf.keras only', () => {
    const finding = find({ keras: 'tf', initialStatePassed: true }, 'initial-state-ignored')!;
    expect(finding).toMatchObject({ severity: 'warning', keras: ['tf'] });
    expect(finding.message).toContain('only while the stored state is all zeros');
    expect(codes({ keras: 'tf', initialStatePassed: true })).not.toContain('initial-state-overrides-carry');
    expect(codes({ keras: 'tf', initialStatePassed: true, stateful: false })).not.toContain('initial-state-ignored');
    expect(codes({ keras: 'tf' })).not.toContain('initial-state-ignored');
  });

  it.each(['3', '2'] as const)('initial-state-overrides-carry: Keras %s starts every call from it, counted so (no carried calls)', (keras) => {
    const { totals, answer } = simulate({ ...base, keras, initialStatePassed: true, epochs: 3, resetEvery: 'never' });
    expect(totals.carries).toBe(0);
    expect(totals.byReason['initial-state']).toBe(6);
    expect(answer.join(' ')).toContain('every call starts from the passed initial_state');
    const found = codes({ keras, initialStatePassed: true });
    expect(found).toContain('initial-state-overrides-carry');
    expect(found).not.toContain('initial-state-ignored');
    expect(find({ keras, initialStatePassed: true }, 'initial-state-overrides-carry')?.severity).toBe('info');
    expect(codes({ keras, initialStatePassed: true, stateful: false })).not.toContain('initial-state-overrides-carry');
  });
});

describe('model findings', () => {
  it('hard-sigmoid-formula: a gated cell with hard_sigmoid', () => {
    expect(codes({ recurrentActivation: 'hard_sigmoid' })).toContain('hard-sigmoid-formula');
    expect(codes({ recurrentActivation: 'hard_sigmoid', cell: 'simple' })).not.toContain('hard-sigmoid-formula');
    expect(codes({ layers: [{ cell: 'gru', units: 2, recurrentActivation: 'hard_sigmoid' }] })).toContain('hard-sigmoid-formula');
  });

  it('stateful-bidirectional and mixed-statefulness', () => {
    expect(codes({ bidirectional: true })).toContain('stateful-bidirectional');
    expect(codes({ bidirectional: true, stateful: false })).not.toContain('stateful-bidirectional');
    const mixed = [
      { cell: 'lstm', units: 2 },
      { cell: 'gru', units: 2, stateful: false },
    ] as const;
    expect(codes({ layers: mixed })).toContain('mixed-statefulness');
    expect(codes({ layers: mixed.map((layer) => ({ ...layer, stateful: true })) })).not.toContain('mixed-statefulness');
  });
});

afterAll(() => {
  // every emitted finding is its catalogue entry: nothing is written twice
  expect(emitted.length).toBeGreaterThan(30);
  for (const finding of emitted) {
    const entry = lookupFinding(finding.code);
    expect(entry, finding.code).toBeDefined();
    expect({ severity: finding.severity, keras: finding.keras, source: finding.source }).toEqual({
      severity: entry!.severity,
      keras: entry!.keras,
      source: entry!.source,
    });
    expect(finding.message.length).toBeGreaterThan(0);
    expect(finding.fix.length).toBeGreaterThan(0);
  }
});

describe('lstm-reset findings', () => {
  it('lists the catalogue grouped by severity: exit 0, stdout only, no colour off a terminal', async () => {
    const { code, stdout, stderr } = await run(['findings']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).not.toMatch(ansi);
    // prose is wrapped to 80 columns: compared with the line breaks as spaces
    for (const line of stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    for (const entry of findingCatalogue) {
      expect(stdout).toContain(`  ${entry.code}  [`);
      expect(flat(stdout)).toContain(` ${entry.title} fix: ${entry.fix} source: ${entry.source} `);
    }
    const errors = stdout.indexOf('Errors');
    const warnings = stdout.indexOf('Warnings');
    const info = stdout.indexOf('Info');
    expect(errors).toBe(0);
    expect(warnings).toBeGreaterThan(errors);
    expect(info).toBeGreaterThan(warnings);
    expect(stdout.indexOf('  stateful-partial-batch  [Keras 3, tf.keras, Keras 2.3]')).toBeLessThan(warnings);
    expect(stdout.indexOf('  initial-state-ignored  [tf.keras]')).toBeGreaterThan(warnings);
    expect(stdout.indexOf('  mixed-statefulness  [')).toBeGreaterThan(info);
  });

  it('colours on a terminal, not with --no-color', async () => {
    expect((await run(['findings'], { isTTY: true })).stdout).toMatch(ansi);
    expect((await run(['findings', '--no-color'], { isTTY: true })).stdout).not.toMatch(ansi);
  });

  it('--json is { findings: [...] }, the catalogue itself', async () => {
    const { code, stdout, stderr } = await run(['findings', '--json']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const doc = JSON.parse(stdout);
    expect(Object.keys(doc)).toEqual(['findings']);
    expect(doc.findings).toEqual(findingCatalogue);
  });

  it('--keras keeps the findings that apply to that version', async () => {
    const tf = JSON.parse((await run(['findings', '--json', '--keras', 'tf'])).stdout).findings.map((f: { code: string }) => f.code);
    expect(tf).toContain('initial-state-ignored');
    expect(tf).not.toContain('no-model-reset-states');
    expect(tf).not.toContain('initial-state-overrides-carry');
    const text = (await run(['findings', '--keras', '3'])).stdout;
    expect(text).toContain('no-model-reset-states');
    expect(text).not.toContain('initial-state-ignored');
    const bad = await run(['findings', '--keras', '4']);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain('--keras');
  });
});

describe('--initial-state on the command line', () => {
  it('sets initialStatePassed and brings the finding of the version', async () => {
    const args = ['--shape', '8,2,1', '--batch', '4', '--units', '2', '--stateful', '--no-shuffle', '--reset-every', 'epoch', '--initial-state', '--json'];
    const tf = JSON.parse((await run([...args, '--keras', 'tf'])).stdout);
    expect(tf.config.initialStatePassed).toBe(true);
    expect(tf.findings.map((f: { code: string }) => f.code)).toEqual(['initial-state-ignored']);
    const k3 = JSON.parse((await run([...args, '--keras', '3'])).stdout);
    expect(k3.findings.map((f: { code: string }) => f.code)).toContain('initial-state-overrides-carry');
    const without = JSON.parse((await run(args.filter((a) => a !== '--initial-state'))).stdout);
    expect(without.config.initialStatePassed).toBeUndefined();
  });
});
