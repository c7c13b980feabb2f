/**
 * Findings: what the auditor tells a user about a configuration. Every finding is built from its
 * entry in the catalogue (src/keras/catalogue.ts: code, severity, Keras versions, fix, source; § =
 * shared/keras-semantics.md); the message adds the run's own numbers.
 */
import { catalogueEntry, type FindingCode, type Severity } from './catalogue.ts';
import { distinctSteps, isStatefulModel, planEpochs, planOf, resolveLayers, splitData, type PlanStep, type SimulationConfig } from './config.ts';
import type { RunPosition } from './events.ts';
import { kerasProfiles, partialBatchError, type KerasVersion } from './profiles.ts';
import { batchCount, type BatchSizeFailure } from './schedule.ts';

export type { FindingCode, Severity } from './catalogue.ts';

export interface Finding {
  /** Stable identifier, for CI contracts and `--strict`: always a catalogue code (a FindingCode). */
  readonly code: string;
  /** error: Keras would raise; warning: runs but likely not what you meant; info: worth knowing. */
  readonly severity: Severity;
  readonly message: string;
  readonly fix: string;
  /** Keras version profiles the finding applies to. */
  readonly keras: readonly KerasVersion[];
  /** The spec section and Keras source the finding rests on. */
  readonly source: string;
  /** Where in the run it happens, when it happens at one point. */
  readonly at?: RunPosition;
}

/** A finding from its catalogue entry: the message (and optionally a concrete fix) is the run's own. */
function finding(code: FindingCode, message: string, options: { fix?: string; at?: RunPosition } = {}): Finding {
  const entry = catalogueEntry(code);
  return {
    code,
    severity: entry.severity,
    message,
    fix: options.fix ?? entry.fix,
    keras: entry.keras,
    source: entry.source,
    ...(options.at ? { at: options.at } : {}),
  };
}

/** The error finding of a stateful run that meets a batch of the wrong size. */
export function batchSizeFailureFinding(config: SimulationConfig, failure: BatchSizeFailure): Finding {
  if (failure.check === 'unknown-batch') {
    const message =
      config.keras === '3'
        ? 'ValueError: When using `stateful=True` in a RNN, the batch size must be static. Found dynamic batch size: sequence.shape=(None, …)'
        : 'ValueError: If a RNN is stateful, it needs to know its batch size. Specify the batch size of your input tensors: …';
    return finding(
      'stateful-unknown-batch-size',
      `The model has stateful layers but no fixed batch size, so Keras cannot create their state; nothing runs. Keras says: ${message}`,
      {
        fix:
          config.keras === '3'
            ? 'Build the model on keras.Input(batch_shape=(B, T, F)) (or Input(shape=(T, F), batch_size=B)); batch_input_shape= is rejected in Keras 3.'
            : 'Give the first layer batch_input_shape=(B, T, F), or build on Input(batch_shape=(B, T, F)).',
        at: failure.position,
      },
    );
  }
  const error = partialBatchError(config.keras, {
    samples: failure.samples,
    batchSize: failure.batchSize,
    rows: failure.rows,
    stateRows: failure.stateRows,
    timesteps: config.timesteps,
    features: config.features,
    check: failure.check as Exclude<BatchSizeFailure['check'], 'unknown-batch'>,
    layerName: resolveLayers(config).find((layer) => layer.stateful)?.name ?? 'lstm',
  });
  const { phase, batch, epoch } = failure.position;
  const call = phase === 'fit' || phase === 'validate' ? 'fit' : `${phase}`;
  if (failure.batchSize !== failure.stateRows) {
    // every batch has the wrong size: the call's batch_size is not the model's (32 when not given)
    return finding(
      failure.batchSizeDefaulted ? 'default-batch-size' : 'stateful-batch-size-mismatch',
      `${call}() runs batches of ${failure.batchSize}${failure.batchSizeDefaulted ? ' (batch_size not given: Keras uses 32)' : ''} through stateful layers built for batches of ${failure.stateRows}; it fails ${failure.check === 'at-batch' ? `at its first batch (${phase} batch ${batch}${epoch > 0 ? ` of epoch ${epoch}` : ''})` : 'before any batch'}. Keras says: ${error}`,
      {
        fix: `Pass batch_size=${failure.stateRows} to ${call}()${failure.stateRows > 1 ? `, and give it a number of samples divisible by ${failure.stateRows}` : ''}.`,
        at: failure.position,
      },
    );
  }
  const where =
    failure.check !== 'at-batch'
      ? `before any batch (${call}() checks its ${failure.samples} samples up front)`
      : `at ${phase === 'fit' ? 'training' : phase} batch ${batch}${epoch > 0 ? ` of epoch ${epoch}` : ''}, which has ${failure.rows} rows`;
  return finding(
    'stateful-partial-batch',
    `Stateful model with batch size ${failure.stateRows} fails ${where}: ${failure.samples} ${phase === 'validate' ? 'validation ' : ''}samples do not divide into batches of ${failure.stateRows}. Keras says: ${error}`,
    {
      fix: `Make every sample count a multiple of ${failure.stateRows} (trim or pad the data, or choose a batch size that divides it; the training and validation parts of validation_split too).`,
      at: failure.position,
    },
  );
}

/** What shuffle='batch' does to a stateful model's rows, per version (§3 table). */
const shuffleBatchEffect: Readonly<Record<KerasVersion, string>> = {
  '2': 'Keras 2.3 permutes whole batches, so row i of a batch continues row i of another, earlier-or-later batch instead of the previous one',
  tf: 'tf.keras permutes the order of the batches and the rows inside each batch, so row i continues an unrelated row of an unrelated batch',
  '3': 'Keras 3 keeps the batch order but permutes the rows inside each batch, so row i continues the sequence of another row',
};

/** An evaluate()/predict() step of a plan that shares state with a fit() (no reset between them). */
export interface InferenceContact {
  readonly inference: 'evaluate' | 'predict';
  /** 1-based flat plan steps (repeats unrolled). */
  readonly inferenceStep: number;
  readonly fitStep: number;
  /** after-fit: it starts from the fit's state; before-fit: the fit starts from its state. */
  readonly order: 'after-fit' | 'before-fit';
}

function flatLength(steps: readonly PlanStep[]): number {
  return steps.reduce((sum, step) => sum + (step.type === 'repeat' ? step.times * flatLength(step.steps) : 1), 0);
}

/**
 * The first evaluate()/predict() of a plan that runs after a fit() or before a later fit() with no
 * reset between them (§3: inference updates stored state). A repeat is walked at most twice: a
 * body's effect on "fit / inference since the last reset" is idempotent, so a third iteration can
 * meet nothing the second did not, and a million-step plan costs no more than its structure.
 * `resetAfterFit`: a callback resets at the end of every epoch (--reset-every epoch).
 */
export function inferenceContact(steps: readonly PlanStep[], resetAfterFit: boolean): InferenceContact | undefined {
  let index = 0;
  let lastFit: number | undefined;
  let pending: { readonly type: 'evaluate' | 'predict'; readonly step: number } | undefined;
  const walk = (list: readonly PlanStep[]): InferenceContact | undefined => {
    for (const step of list) {
      if (step.type === 'repeat') {
        const start = index;
        const body = flatLength(step.steps);
        for (let i = 0; i < Math.min(step.times, 2); i++) {
          const hit = walk(step.steps);
          if (hit) return hit;
        }
        // what the second iteration recorded happened again in the last one
        const shift = step.times > 2 ? (step.times - 2) * body : 0;
        if (lastFit !== undefined && lastFit > start + body) lastFit += shift;
        if (pending !== undefined && pending.step > start + body) pending = { type: pending.type, step: pending.step + shift };
        index = start + step.times * body;
        continue;
      }
      index++;
      if (step.type === 'reset') {
        lastFit = undefined;
        pending = undefined;
      } else if (step.type === 'fit') {
        if (pending) return { inference: pending.type, inferenceStep: pending.step, fitStep: index, order: 'before-fit' };
        lastFit = resetAfterFit ? undefined : index;
      } else {
        if (lastFit !== undefined) return { inference: step.type, inferenceStep: index, fitStep: lastFit, order: 'after-fit' };
        pending ??= { type: step.type, step: index };
      }
    }
    return undefined;
  };
  return walk(steps);
}

/** Findings that follow from the configuration itself (with a plan: from its fit steps). */
export function configFindings(config: SimulationConfig): Finding[] {
  const findings: Finding[] = [];
  const profile = kerasProfiles[config.keras];
  const plan = planOf(config);
  const steps = distinctSteps(plan);
  const fits = steps.flatMap((step) => (step.type === 'fit' ? [step] : []));
  const hasResetStep = steps.some((step) => step.type === 'reset');
  const validated = fits.some((fit) => splitData(config.samples, fit.validationSplit ?? 0).validationSamples > 0);
  const layers = resolveLayers(config);
  const stateful = isStatefulModel(config);
  const inPlan = config.plan !== undefined;
  for (const layer of layers.filter((l) => l.stateful && l.bidirectional)) {
    findings.push(
      finding(
        'stateful-bidirectional',
        `${layer.name} is a stateful Bidirectional layer: its backward direction ends each window at the window's first step, and that state is carried into the next window's backward pass, which starts at its last step. Only the forward direction continues the sequence.`,
      ),
    );
  }
  if (stateful && layers.some((l) => !l.stateful)) {
    findings.push(
      finding(
        'mixed-statefulness',
        `Some layers are stateful and some are not (${layers.map((l) => `${l.name}: ${l.stateful ? 'stateful' : 'stateless'}`).join(', ')}): the stateless ones start every batch from zeros while the others carry.`,
      ),
    );
  }
  if (stateful && fits.some((fit) => fit.shuffle === true)) {
    findings.push(
      finding(
        'stateful-shuffle',
        `fit(shuffle=True)${inPlan ? ' (a fit step of the plan)' : ' (the default)'} reorders the samples every epoch, so row i of a batch no longer continues row i of the previous batch: the carried state belongs to an unrelated sequence. Keras does not warn.`,
        { fix: inPlan ? 'Set "shuffle": false in the plan\'s fit steps (shuffle=False in fit()).' : 'Pass shuffle=False to fit() (--no-shuffle).' },
      ),
    );
  }
  if (stateful && fits.some((fit) => fit.shuffle === 'batch')) {
    findings.push(
      finding(
        'stateful-shuffle-batch',
        `fit(shuffle='batch') does not keep a stateful model's rows in sequence: ${shuffleBatchEffect[config.keras]}. Keras does not warn.`,
      ),
    );
  }
  if (stateful && validated) {
    findings.push(
      finding(
        'validation-contaminates-state',
        "Validation runs through the same stateful layer after each epoch's training batches: it starts from the training state and overwrites it, so the next epoch starts from the state the last validation batch left.",
      ),
    );
  }
  if (stateful && inPlan) {
    const contact = inferenceContact(plan, config.resetEvery === 'epoch');
    if (contact) {
      const { inference, inferenceStep, fitStep } = contact;
      findings.push(
        finding(
          'inference-updates-state',
          contact.order === 'after-fit'
            ? `${inference}() at plan step ${inferenceStep} runs after the fit() at step ${fitStep} with no reset between: it starts from the state training left and overwrites it, row by row.`
            : `${inference}() at plan step ${inferenceStep} runs before the fit() at step ${fitStep} with no reset between: ${inference}() updates the stored state, and training starts from it.`,
        ),
      );
    }
  }
  if (stateful && config.resetEvery === 'never' && !hasResetStep) {
    const epochs = planEpochs(plan);
    findings.push(
      finding(
        'state-never-reset',
        `Keras never resets state by itself: row i of every batch continues row i of the previous one, through ${epochs === 1 ? 'the epoch' : `all ${epochs} epochs`}${validated ? ' and validation' : ''}. Only reset_states() zeroes it.`,
        { fix: `If each epoch should start fresh, call ${profile.resetCall} in a callback's on_epoch_end (--reset-every epoch).` },
      ),
    );
  }
  if (stateful && typeof config.resetEvery === 'object' && fits.length > 0) {
    const fitBatches = Math.max(...fits.map((fit) => batchCount(splitData(config.samples, fit.validationSplit ?? 0).trainSamples, fit.batchSize)));
    if (config.resetEvery.everyBatches > fitBatches) {
      findings.push(
        finding(
          'reset-every-never-fires',
          `A reset after every ${config.resetEvery.everyBatches} batches never fires: an epoch has ${fits.length > 1 ? 'at most ' : ''}${fitBatches} training batch(es), and the batch index Keras passes to callbacks restarts every epoch.`,
          { fix: `Use a period of at most ${fitBatches} batches, or count batches across epochs in the callback.` },
        ),
      );
    }
  }
  if (stateful && (config.resetEvery !== 'never' || hasResetStep) && !profile.hasModelResetStates) {
    findings.push(finding('no-model-reset-states', 'Keras 3 has no model.reset_states(); the reset has to loop over the stateful layers.'));
  }
  if (stateful && config.initialStatePassed) {
    findings.push(
      config.keras === 'tf'
        ? finding(
            'initial-state-ignored',
            'initial_state is passed to a stateful layer: tf.keras uses it only while the stored state is all zeros (the first call after build or reset_states()); from then on it carries the stored state and silently ignores initial_state.',
          )
        : finding(
            'initial-state-overrides-carry',
            `initial_state is passed to a stateful layer: ${config.keras === '3' ? 'Keras 3' : 'Keras 2.3'} starts every call from it, so the carried state is replaced on every call and stateful=True only stores the final state (the simulated events assume the carry).`,
          ),
    );
  }
  if (layers.some((l) => l.cell !== 'simple' && l.recurrentActivation === 'hard_sigmoid')) {
    findings.push(
      finding(
        'hard-sigmoid-formula',
        `hard_sigmoid in ${profile.label} is ${profile.hardSigmoidFormula}; Keras 2, tf.keras and TF.js use clip(0.2x + 0.5, 0, 1) and Keras 3 uses clip(x/6 + 0.5, 0, 1), so the same weights give different numbers.`,
      ),
    );
  }
  return findings;
}

/** Whether findings make the run fail: any error, or with `strict` any warning. */
export function failingFindings(findings: readonly Finding[], strict: boolean): Finding[] {
  return findings.filter((f) => f.severity === 'error' || (strict && f.severity === 'warning'));
}
