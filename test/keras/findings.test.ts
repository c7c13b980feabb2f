/**
 * The findings catalogue: every rule fires when it should and not otherwise, every emitted finding
 * is its catalogue entry (severity, Keras versions, source), and `lstm-reset findings` lists it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { findingCatalogue, lookupFinding } from '../../src/keras/catalogue.ts';
import type { PlanStep, SimulationConfig } from '../../src/keras/config.ts';
import { inferenceContact, type Finding } from '../../src/keras/findings.ts';
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
      expect(entry.source).toMatch(/§\d|Keras callbacks/);
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
    expect(lookupFinding('initial-state-overrides-carry')).toMatchObject({ severity: 'info', keras: ['3', '2'] });
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
    expect(find({ plan, keras: 'tf' }, 'stateful-shuffle-batch')?.message).toContain('tf.keras permutes the order of the batches and the rows inside each batch');
    expect(find({ plan, keras: '3' }, 'stateful-shuffle-batch')?.message).toContain('Keras 3 keeps the batch order but permutes the rows inside each batch');
    expect(codes({ shuffle: 'batch' })).toContain('stateful-shuffle-batch');
    expect(codes({ shuffle: 'batch' })).not.toContain('stateful-shuffle');
    expect(codes({ plan, stateful: false })).not.toContain('stateful-shuffle-batch');
    expect(codes({ plan: [fit({ shuffle: true })] })).not.toContain('stateful-shuffle-batch');
  });
});

describe('state carried where it should not be', () => {
  it("validation-contaminates-state: from the plan's fit steps", () => {
    expect(codes({ validationSplit: 0.5 })).toContain('validation-contaminates-state');
    expect(codes({ validationSplit: 0.5, stateful: false })).not.toContain('validation-contaminates-state');
    expect(codes({ plan: [fit({ validationSplit: 0.5 })] })).toContain('validation-contaminates-state');
    expect(codes({ validationSplit: 0.5, plan: [fit()] })).not.toContain('validation-contaminates-state');
  });

  it('inference-updates-state: predict/evaluate right after a fit, or right before one, with no reset between', () => {
    const resetEvery = 'never' as const;
    expect(find({ resetEvery, plan: [fit(), predict] }, 'inference-updates-state')?.message).toBe(
      'predict() at plan step 2 runs after the fit() at step 1 with no reset between: it starts from the state training left and overwrites it, row by row.',
    );
    expect(find({ resetEvery, plan: [evaluate, fit()] }, 'inference-updates-state')?.message).toContain(
      'evaluate() at plan step 1 runs before the fit() at step 2 with no reset between',
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
  });

  it('inference-updates-state: step numbers count unrolled repeats; a million-step plan is read from its structure', () => {
    const repeated: PlanStep[] = [{ type: 'repeat', times: 4, steps: [reset, fit()] }, predict];
    expect(inferenceContact(repeated, false)).toEqual({ inference: 'predict', inferenceStep: 9, fitStep: 8, order: 'after-fit' });
    const inside: PlanStep[] = [{ type: 'repeat', times: 5, steps: [fit(), predict, reset] }];
    expect(inferenceContact(inside, false)).toEqual({ inference: 'predict', inferenceStep: 2, fitStep: 1, order: 'after-fit' });
    const wrap: PlanStep[] = [{ type: 'repeat', times: 3, steps: [predict, reset, fit()] }];
    // the fit of one iteration carries into the predict of the next
    expect(inferenceContact(wrap, false)).toEqual({ inference: 'predict', inferenceStep: 4, fitStep: 3, order: 'after-fit' });
    const huge: PlanStep[] = [
      { type: 'repeat', times: 100_000, steps: [{ type: 'repeat', times: 10, steps: [fit(), reset] }] },
      evaluate,
      reset,
      predict,
      reset,
      { type: 'repeat', times: 1000, steps: [fit(), reset] },
    ];
    const started = performance.now();
    expect(inferenceContact(huge, false)).toBeUndefined();
    // the same without the last reset: predict() leaves its state to the next fit()
    expect(inferenceContact(huge.filter((_, i) => i !== 4), false)).toEqual({ inference: 'predict', inferenceStep: 2_000_003, fitStep: 2_000_004, order: 'before-fit' });
    const withLeak: PlanStep[] = [...huge.slice(0, 1), { type: 'repeat', times: 7, steps: [reset, fit()] }, predict];
    expect(inferenceContact(withLeak, false)).toEqual({ inference: 'predict', inferenceStep: 2_000_015, fitStep: 2_000_014, order: 'after-fit' });
    expect(performance.now() - started).toBeLessThan(100);
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
    expect(find({ keras: '3' }, 'no-model-reset-states')?.keras).toEqual(['3']);
    expect(codes({ keras: 'tf' })).not.toContain('no-model-reset-states');
    expect(codes({ keras: '3', resetEvery: 'never' })).not.toContain('no-model-reset-states');
    expect(codes({ keras: '3', resetEvery: 'never', plan: [fit(), reset] })).toContain('no-model-reset-states');
  });
});

describe('initial_state with a stateful layer (§6)', () => {
  it('initial-state-ignored: tf.keras only', () => {
    const finding = find({ keras: 'tf', initialStatePassed: true }, 'initial-state-ignored')!;
    expect(finding).toMatchObject({ severity: 'warning', keras: ['tf'] });
    expect(finding.message).toContain('only while the stored state is all zeros');
    expect(codes({ keras: 'tf', initialStatePassed: true })).not.toContain('initial-state-overrides-carry');
    expect(codes({ keras: 'tf', initialStatePassed: true, stateful: false })).not.toContain('initial-state-ignored');
    expect(codes({ keras: 'tf' })).not.toContain('initial-state-ignored');
  });

  it.each(['3', '2'] as const)('initial-state-overrides-carry: Keras %s', (keras) => {
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
