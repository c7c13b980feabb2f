/**
 * Findings: what the auditor tells a user about a configuration, each with a stable code, the Keras
 * versions it applies to, a fix and the source it rests on (§ = shared/keras-semantics.md).
 */
import { isStatefulModel, resolveLayers, splitData, type SimulationConfig } from './config.ts';
import type { RunPosition } from './hooks.ts';
import { kerasProfiles, partialBatchError, type KerasVersion } from './profiles.ts';
import { batchCount, type BatchSizeFailure } from './schedule.ts';

export type Severity = 'error' | 'warning' | 'info';

export interface Finding {
  /** Stable identifier, for CI contracts and `--strict`. */
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

const allVersions: readonly KerasVersion[] = ['3', 'tf', '2'];

/** The error finding of a stateful run that meets a batch of the wrong size. */
export function batchSizeFailureFinding(config: SimulationConfig, failure: BatchSizeFailure): Finding {
  if (failure.check === 'unknown-batch') {
    const message =
      config.keras === '3'
        ? 'ValueError: When using `stateful=True` in a RNN, the batch size must be static. Found dynamic batch size: sequence.shape=(None, …)'
        : 'ValueError: If a RNN is stateful, it needs to know its batch size. Specify the batch size of your input tensors: …';
    return {
      code: 'stateful-unknown-batch-size',
      severity: 'error',
      message: `The model has stateful layers but no fixed batch size, so Keras cannot create their state; nothing runs. Keras says: ${message}`,
      fix:
        config.keras === '3'
          ? 'Build the model on keras.Input(batch_shape=(B, T, F)) (or Input(shape=(T, F), batch_size=B)); batch_input_shape= is rejected in Keras 3.'
          : 'Give the first layer batch_input_shape=(B, T, F), or build on Input(batch_shape=(B, T, F)).',
      keras: [config.keras],
      source: '§2.1 "Error if the batch size is unknown": Keras 3 rnn.py RNN.build; tf-keras base_rnn.py reset_states; Keras 2.3.1 recurrent.py reset_states',
      at: failure.position,
    };
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
  const source =
    '§2.1 Batch-size mismatch: K2mb training.py _standardize_user_data and predict; tf_keras engine/input_spec.py; Keras 3 rnn.py RNN.call (>= 3.12, PR keras#21742)';
  if (failure.batchSize !== failure.stateRows) {
    // every batch has the wrong size: the call's batch_size is not the model's
    return {
      code: 'stateful-batch-size-mismatch',
      severity: 'error',
      message: `${call}() runs batches of ${failure.batchSize}${failure.batchSizeDefaulted ? ' (batch_size not given: Keras uses 32)' : ''} through stateful layers built for batches of ${failure.stateRows}; it fails ${failure.check === 'at-batch' ? `at its first batch (${phase} batch ${batch}${epoch > 0 ? ` of epoch ${epoch}` : ''})` : 'before any batch'}. Keras says: ${error}`,
      fix: `Pass batch_size=${failure.stateRows} to ${call}()${failure.stateRows > 1 ? `, and give it a number of samples divisible by ${failure.stateRows}` : ''}.`,
      keras: [config.keras],
      source: `${source}; default batch_size 32 (keras#20327)`,
      at: failure.position,
    };
  }
  const where =
    failure.check !== 'at-batch'
      ? `before any batch (${call}() checks its ${failure.samples} samples up front)`
      : `at ${phase === 'fit' ? 'training' : phase} batch ${batch}${epoch > 0 ? ` of epoch ${epoch}` : ''}, which has ${failure.rows} rows`;
  return {
    code: 'stateful-partial-batch',
    severity: 'error',
    message: `Stateful model with batch size ${failure.stateRows} fails ${where}: ${failure.samples} ${phase === 'validate' ? 'validation ' : ''}samples do not divide into batches of ${failure.stateRows}. Keras says: ${error}`,
    fix: `Make every sample count a multiple of ${failure.stateRows} (trim or pad the data, or choose a batch size that divides it; the training and validation parts of validation_split too).`,
    keras: [config.keras],
    source,
    at: failure.position,
  };
}

/** Findings that follow from the configuration itself. */
export function configFindings(config: SimulationConfig): Finding[] {
  const findings: Finding[] = [];
  const profile = kerasProfiles[config.keras];
  const { trainSamples, validationSamples } = splitData(config.samples, config.validationSplit);
  const layers = resolveLayers(config);
  const stateful = isStatefulModel(config);
  for (const layer of layers.filter((l) => l.stateful && l.bidirectional)) {
    findings.push({
      code: 'stateful-bidirectional',
      severity: 'warning',
      message: `${layer.name} is a stateful Bidirectional layer: its backward direction ends each window at the window's first step, and that state is carried into the next window's backward pass, which starts at its last step. Only the forward direction continues the sequence.`,
      fix: 'Make the Bidirectional layer stateless, or feed whole sequences (no carry) to it.',
      keras: allVersions,
      source: '§5 auditor note: Bidirectional states are [forward, backward]; the backward carry crosses the window in the wrong direction',
    });
  }
  const mixed = stateful && layers.some((l) => !l.stateful);
  if (mixed) {
    findings.push({
      code: 'mixed-statefulness',
      severity: 'info',
      message: `Some layers are stateful and some are not (${layers.map((l) => `${l.name}: ${l.stateful ? 'stateful' : 'stateless'}`).join(', ')}): the stateless ones start every batch from zeros while the others carry.`,
      fix: 'Make every recurrent layer of a windowed model stateful, unless a stateless one is intended.',
      keras: allVersions,
      source: '§5: stacked layers each hold their own states and are stateful or not on their own',
    });
  }
  if (stateful && config.shuffle) {
    findings.push({
      code: 'stateful-shuffle',
      severity: 'warning',
      message:
        'fit(shuffle=True) (the default) reorders the samples every epoch, so row i of a batch no longer continues row i of the previous batch: the carried state belongs to an unrelated sequence. Keras does not warn.',
      fix: 'Pass shuffle=False to fit() (--no-shuffle).',
      keras: allVersions,
      source: '§3 shuffle: default True in every version, no warning; Keras 3 rnn.py docstring "Specify shuffle=False"',
    });
  }
  if (stateful && validationSamples > 0) {
    findings.push({
      code: 'validation-contaminates-state',
      severity: 'warning',
      message:
        "Validation runs through the same stateful layer after each epoch's training batches: it starts from the training state and overwrites it, so the next epoch starts from the state the last validation batch left.",
      fix: 'Reset the state before and after validation (a callback), or validate with a separate stateless copy of the model.',
      keras: allVersions,
      source: '§3 "Validation contaminates state": fit runs evaluate() inside the epoch loop; evaluate updates stored state',
    });
  }
  if (stateful && config.resetEvery === 'never') {
    findings.push({
      code: 'state-never-reset',
      severity: 'info',
      message: `Keras never resets state by itself: row i of every batch continues row i of the previous one, through ${config.epochs === 1 ? 'the epoch' : `all ${config.epochs} epochs`}${validationSamples > 0 ? ' and validation' : ''}. Only reset_states() zeroes it.`,
      fix: `If each epoch should start fresh, call ${profile.resetCall} in a callback's on_epoch_end (--reset-every epoch).`,
      keras: allVersions,
      source: '§3: no fit/evaluate/predict loop calls reset_states; §2.1 Reset API',
    });
  }
  if (stateful && typeof config.resetEvery === 'object') {
    const fitBatches = batchCount(trainSamples, config.batchSize);
    if (config.resetEvery.everyBatches > fitBatches) {
      findings.push({
        code: 'reset-every-never-fires',
        severity: 'warning',
        message: `A reset after every ${config.resetEvery.everyBatches} batches never fires: an epoch has ${fitBatches} training batch(es), and the batch index Keras passes to callbacks restarts every epoch.`,
        fix: `Use a period of at most ${fitBatches} batches, or count batches across epochs in the callback.`,
        keras: allVersions,
        source: 'Keras callbacks: on_train_batch_end(batch) receives the batch index within the epoch',
      });
    }
  }
  if (stateful && config.resetEvery !== 'never' && !profile.hasModelResetStates) {
    findings.push({
      code: 'no-model-reset-states',
      severity: 'info',
      message: 'Keras 3 has no model.reset_states(); the reset has to loop over the stateful layers.',
      fix: 'for layer in model.layers: if getattr(layer, "stateful", False): layer.reset_state()',
      keras: ['3'],
      source: '§2.1 Reset API: no Model.reset_state(s) in keras/src/models (v3.0.0-v3.15.1)',
    });
  }
  if (config.recurrentActivation === 'hard_sigmoid' && layers.some((l) => l.cell !== 'simple')) {
    findings.push({
      code: 'hard-sigmoid-formula',
      severity: 'info',
      message: `hard_sigmoid in ${profile.label} is ${profile.hardSigmoidFormula}; Keras 2, tf.keras and TF.js use clip(0.2x + 0.5, 0, 1) and Keras 3 uses clip(x/6 + 0.5, 0, 1), so the same weights give different numbers.`,
      fix: 'Keep the Keras version a model was trained with, or retrain after moving it.',
      keras: allVersions,
      source: '§8 "hard_sigmoid changed its formula": tf_keras backend.py hard_sigmoid; Keras 3 activations.py',
    });
  }
  return findings;
}

/** Whether findings make the run fail: any error, or with `strict` any warning. */
export function failingFindings(findings: readonly Finding[], strict: boolean): Finding[] {
  return findings.filter((f) => f.severity === 'error' || (strict && f.severity === 'warning'));
}
