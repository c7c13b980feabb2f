/**
 * Findings: what the auditor tells a user about a configuration. Every finding is built from its
 * entry in the catalogue (src/keras/catalogue.ts: code, severity, Keras versions, fix, source; § =
 * shared/keras-semantics.md); the message adds the run's own numbers.
 */
import { catalogueEntry, type FindingCode, type Severity } from './catalogue.ts';
import { distinctSteps, isStatefulModel, planEpochs, planOf, resolveLayers, splitData, tfjsLoadFailure, type PlanStep, type SimulationConfig } from './config.ts';
import type { Phase, RunPosition } from './events.ts';
import { executionOf, kerasError } from './backends.ts';
import { kerasProfiles, type Backend, type KerasVersion } from './profiles.ts';
import { batchCount, torchInplaceLayers, type RunFailure } from './schedule.ts';
import type { FlowEvidence } from './state-flow.ts';

export type { FindingCode, Severity } from './catalogue.ts';

export interface Finding {
  /** Stable identifier, for CI contracts and `--strict`: always a catalogue code (a FindingCode). */
  readonly code: string;
  /** error: Keras would raise, or the setup silently does not do what it says; warning: runs but likely not what you meant; info: worth knowing. */
  readonly severity: Severity;
  readonly message: string;
  readonly fix: string;
  /** Keras version profiles the finding applies to. */
  readonly keras: readonly KerasVersion[];
  /** Keras 3 backends the finding applies to (absent: every backend). */
  readonly backends?: readonly Backend[];
  /** The spec section and Keras source the finding rests on. */
  readonly source: string;
  /** Where in the run it happens, when it happens at one point. */
  readonly at?: RunPosition;
  /**
   * The user's script catches this exception (a plan step with catch: true) and goes on: reported,
   * but it fails a run (exit 3) only with --strict.
   */
  readonly caught?: true;
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
    ...(entry.backends ? { backends: entry.backends } : {}),
    source: entry.source,
    ...(options.at ? { at: options.at } : {}),
  };
}

/** "fit batch 3 of epoch 2", "predict batch 1 (before the first fit)", "train_on_batch() at plan step 4". */
export function describePosition(position: RunPosition): string {
  const { phase, batch, epoch } = position;
  const step = position.planStep ?? 1;
  if (phase === 'train_on_batch' || phase === 'predict_on_batch' || phase === 'call') {
    return `${phase === 'call' ? 'the direct model(x) call' : `${phase}()`} at plan step ${step}`;
  }
  if (phase === 'reset') return `the reset at plan step ${step}`;
  const what = phase === 'fit' ? 'training batch' : phase === 'validate' ? 'validation batch' : `${phase} batch`;
  return `${what} ${batch}${epoch > 0 ? ` of epoch ${epoch}` : phase === 'fit' || phase === 'validate' ? '' : ' (before the first fit)'}`;
}

/**
 * A call and where it is, said once: "predict_on_batch() at plan step 3", "predict() at plan step 2
 * (predict batch 1)".
 */
function describeCall(at: RunPosition): string {
  const where = describePosition(at);
  if (at.phase === 'train_on_batch' || at.phase === 'predict_on_batch' || at.phase === 'call' || at.phase === 'reset') return where;
  return `${callName(at.phase)} at plan step ${at.planStep ?? 1} (${where})`;
}

/** "1 row", "3 rows". */
function count(n: number, one: string, many = `${one}s`): string {
  return `${formatNumber(n)} ${n === 1 ? one : many}`;
}

/** The name Keras code uses for the call a phase belongs to. */
function callName(phase: Phase): string {
  if (phase === 'validate') return 'fit() validation';
  if (phase === 'call') return 'model(x)';
  return `${phase}()`;
}

/** Python Keras API names and their TF.js Layers spellings, for findings about a TF.js model. */
const tfjsSpellings: readonly (readonly [RegExp, string])[] = [
  [/batch_size=(\w+) to (fit|evaluate|predict)\(\)/g, '{batchSize: $1} to model.$2()'],
  [/\bbatch_size=/g, 'batchSize: '],
  [/\bbatch_size\b/g, 'batchSize'],
  [/keras\.Input\(batch_shape=\(B, T, F\)\)|Input\(batch_shape=\(B, T, F\)\)/g, 'tf.input({batchShape: [B, T, F]})'],
  [/batch_input_shape=\(B, T, F\)/g, 'batchInputShape: [B, T, F]'],
  [/\bbatch_input_shape\b/g, 'batchInputShape'],
  [/model\.reset_states\(\)/g, 'model.resetStates()'],
  [/layer\.reset_states?\(\)/g, 'layer.resetStates()'],
  [/\breset_states\(\)/g, 'resetStates()'],
  [/\bpredict_on_batch\(\)/g, 'predictOnBatch()'],
  [/\btrain_on_batch\(\)/g, 'trainOnBatch()'],
  [/\b\*_on_batch\(\)/g, 'trainOnBatch()/predictOnBatch()'],
  [/\bon_epoch_end\b/g, 'onEpochEnd'],
  [/\bon_train_batch_end\b/g, 'onBatchEnd'],
  [/shuffle=False/g, 'shuffle: false'],
  [/shuffle=True/g, 'shuffle: true'],
  [/shuffle='batch'/g, "shuffle: 'batch'"],
  [/\bvalidation_split\b/g, 'validationSplit'],
  [/\bvalidation_data\b/g, 'validationData'],
  [/\binitial_state\b/g, 'initialState'],
  [/return_state=True/g, 'returnState: true'],
  [/stateful=True/g, 'stateful: true'],
  [/stateful=False/g, 'stateful: false'],
  [/\bKeras (says|never|does not warn|uses 32|cannot|would)\b/g, 'TF.js $1'],
];

/** A finding about a TF.js model in TF.js's own terms (model.resetStates(), onEpochEnd, batchSize). */
export function inTfjsTerms(f: Finding): Finding {
  const spell = (text: string) => tfjsSpellings.reduce((out, [pattern, replacement]) => out.replace(pattern, replacement), text);
  return { ...f, message: spell(f.message), fix: spell(f.fix) };
}

/** The error finding of a run that Keras stops (a batch of the wrong size, a layer it cannot build, torch's backward). */
export function batchSizeFailureFinding(config: SimulationConfig, failure: RunFailure): Finding {
  const found = failureFinding(config, failure);
  const f = failure.caught ? { ...found, message: `Caught by the plan step (catch: true), so the script goes on. ${found.message}`, caught: true as const } : found;
  return config.keras === 'tfjs' ? inTfjsTerms(f) : f;
}

function failureFinding(config: SimulationConfig, failure: RunFailure): Finding {
  const execution = executionOf(config);
  const layers = resolveLayers(config);
  // torch's backward meets the top stateful LSTM/GRU first; every other check the first stateful layer
  const layer =
    (failure.check === 'torch-inplace' || failure.check === 'torch-compile-inplace' ? torchInplaceLayers(config).at(-1) : layers.find((l) => l.stateful)) ?? layers[0]!;
  const error = kerasError({
    check: failure.check,
    execution,
    samples: failure.samples,
    batchSize: failure.batchSize,
    rows: failure.rows,
    stateRows: failure.stateRows,
    timesteps: config.timesteps,
    features: config.features,
    layerName: layer.name,
    cell: layer.cell,
    units: layer.units,
    phase: failure.position.phase,
    ...(failure.check === 'tfjs-unknown-layer' && tfjsLoadFailure(config)?.layer.className ? { layerClass: tfjsLoadFailure(config)!.layer.className! } : {}),
    ...(config.tfjsLoadError ? { tfjsMessage: config.tfjsLoadError.message } : {}),
  });
  const says = `Keras says: ${error.className}: ${error.message}`;
  const keras3 = kerasProfiles[config.keras].keras3;
  const where = describePosition(failure.position);
  const call = failure.position.phase === 'fit' || failure.position.phase === 'validate' ? 'fit' : failure.position.phase;
  switch (failure.check) {
    case 'tfjs-shuffle-batch':
      return finding(
        'tfjs-shuffle-batch',
        `TF.js model.fit() with shuffle: 'batch' stops as its first epoch begins (after its up-front checks, before any batch): TF.js has no batch shuffling, so nothing is trained. TF.js says: ${error.className}: ${error.message}`,
        { at: failure.position },
      );
    case 'tfjs-unknown-layer': {
      const unknown = tfjsLoadFailure(config)?.layer;
      return finding(
        'tfjs-unknown-layer',
        `TF.js cannot load this model: ${unknown ? `${unknown.name} is a ${unknown.className}, a class` : 'a layer class'} TF.js Layers does not have (Keras's GPU-only layers were never ported), so the model.json does not deserialize and nothing runs. TF.js says: ${error.className}: ${error.message}`,
        { at: failure.position },
      );
    }
    case 'tfjs-keras3-config':
      return finding(
        'tfjs-keras3-config',
        `TF.js cannot load this model: it was converted from a Keras 3 save, whose config TF.js Layers does not read; it stops at ${config.tfjsLoadError?.layer ?? 'the first layer'}, so the model.json does not deserialize and nothing runs. TF.js says: ${error.className}: ${error.message}`,
        { at: failure.position },
      );
    case 'tfjs-gru-reset-after': {
      const grus = layers.filter((l) => l.cell === 'gru' && l.resetAfter === true).map((l) => l.name);
      return finding(
        'tfjs-gru-reset-after',
        `TF.js cannot load this model: ${grus.join(', ')} ${grus.length === 1 ? 'is a GRU' : 'are GRUs'} with reset_after=True (the tf.keras and Keras 3 default), which TF.js Layers rejects when it builds the layer, so nothing runs. TF.js says: ${error.className}: ${error.message}`,
        { at: failure.position },
      );
    }
    case 'unknown-batch':
      return finding('stateful-unknown-batch-size', `The model has stateful layers but no fixed batch size, so Keras cannot create their state; nothing runs. ${says}`, {
        fix: keras3
          ? 'Build the model on keras.Input(batch_shape=(B, T, F)) (or Input(shape=(T, F), batch_size=B)); batch_input_shape= is rejected in Keras 3.'
          : 'Give the first layer batch_input_shape=(B, T, F), or build on Input(batch_shape=(B, T, F)).',
        at: failure.position,
      });
    case 'unbuilt-in-trainer':
      return finding(
        'stateful-built-in-trainer',
        `A Sequential without an Input builds its stateful layers at their first call; on ${execution.backend} that call is ${where}, inside the trainer's stateless scope, where Keras cannot create the state variables, so nothing runs. ${says}`,
        { at: failure.position },
      );
    case 'torch-inplace':
      return finding(
        'torch-stateful-training',
        `On the torch backend a stateful ${torchInplaceLayers(config).map((l) => l.name).join(', ')} with trainable weights cannot be trained: ${where} ran and overwrote the state, then its backward pass raised. ${says}`,
        { at: failure.position },
      );
    case 'no-model-reset-states':
      return finding('model-reset-states-raises', `The script calls model.reset_states() (${where}), which Keras 3 does not have, so nothing is reset there. ${says}`, { at: failure.position });
    case 'torch-compile-inplace':
      return finding(
        'torch-stateful-training',
        `On the torch backend a stateful ${torchInplaceLayers(config).map((l) => l.name).join(', ')} with trainable weights cannot be trained: with jit_compile=True, torch.compile fails compiling the training step before ${where} runs, so that batch never runs and the state is left as it was. ${says}`,
        { at: failure.position },
      );
    default:
      break;
  }
  const upfront = failure.check === 'fit-upfront' || failure.check === 'predict-upfront';
  if (failure.batchSize !== failure.stateRows && (upfront || failure.position.batch === 1)) {
    // every batch has the wrong size: the call's batch_size is not the model's (32 when not given)
    const rows = !upfront && failure.rows !== failure.batchSize ? ` (this one has ${count(failure.rows, 'row')}: all the samples there are)` : '';
    // fit()'s validation runs its own batches: validation_batch_size, else fit's batch_size (32 when neither is given)
    const validation = failure.position.phase === 'validate';
    const runs = validation
      ? `fit()'s validation runs batches of ${failure.batchSize}${failure.batchSizeDefaulted ? ' (neither validation_batch_size nor batch_size given: Keras uses 32)' : ''}`
      : `${call}() runs batches of ${failure.batchSize}${failure.batchSizeDefaulted ? ' (batch_size not given: Keras uses 32)' : ''}`;
    const divisible = failure.stateRows > 1 ? `, and give it a number of ${validation ? 'validation ' : ''}samples divisible by ${failure.stateRows}` : '';
    return finding(
      failure.batchSizeDefaulted ? 'default-batch-size' : 'stateful-batch-size-mismatch',
      `${runs} through stateful layers built for batches of ${failure.stateRows}; it fails ${upfront ? 'before any batch' : `at its first batch (${where})${rows}`}. ${says}`,
      {
        // validation_batch_size exists in tf.keras and Keras 3 only; Keras 2.3 and TF.js validate with batch_size
        fix:
          validation && (keras3 || config.keras === 'tf')
            ? `Pass validation_batch_size=${failure.stateRows} (or batch_size=${failure.stateRows}, which validation uses when validation_batch_size is not given) to fit()${divisible}.`
            : `Pass batch_size=${failure.stateRows} to ${call}()${divisible}.`,
        at: failure.position,
      },
    );
  }
  const place =
    upfront
      ? `before any batch (${call}() checks its ${count(failure.samples, 'sample')} up front)`
      : `at ${where}, which has ${count(failure.rows, 'row')}`;
  return finding(
    'stateful-partial-batch',
    `Stateful model with batch size ${failure.stateRows} fails ${place}: ${count(failure.samples, `${failure.position.phase === 'validate' ? 'validation ' : ''}sample`)} ${failure.samples === 1 ? 'does' : 'do'} not divide into batches of ${failure.stateRows}. ${says}`,
    {
      fix: `Make every sample count a multiple of ${failure.stateRows} (trim or pad the data, or choose a batch size that divides it; the training and validation parts of validation_split too).`,
      at: failure.position,
    },
  );
}

/** What shuffle='batch' does to a stateful model's rows, per version (§3 table). */
const shuffleBatchEffect: Readonly<Record<KerasVersion, string>> = {
  '2': 'Keras 2.3 permutes whole batches, so row i of a batch continues row i of another, earlier-or-later batch instead of the previous one',
  tf: 'tf.keras permutes the order of the batches (the partial one included) and the rows inside each batch, so row i continues an unrelated row of an unrelated batch',
  '3': 'Keras 3 keeps the batch order but permutes the rows inside each batch, so row i continues the sequence of another row',
  '3.0-3.11': 'Keras 3 keeps the batch order but permutes the rows inside each batch, so row i continues the sequence of another row',
  // tfjs-layers engine/training.ts fitLoop: shuffle === 'batch' throws NotImplementedError (the tfjs-shuffle-batch error; nothing carries)
  tfjs: "TF.js does not implement it: model.fit() throws NotImplementedError('batch shuffling is not implemneted yet') at its first epoch",
};

/**
 * Findings that follow from the configuration and from what the run showed (`evidence`, collected
 * by the StateFlow of the simulator or of the closed form): a finding about a carry is raised only
 * where a call did carry, one about contamination only where a call started from the state another
 * kind of call left (§R: on JAX the trainer never stores it, so those findings are false there).
 * `stoppedAt`: where an uncaught exception ended the run, if one did (the findings say how far it got).
 */
export function configFindings(config: SimulationConfig, evidence: FlowEvidence, stoppedAt?: RunPosition): Finding[] {
  const findings: Finding[] = [];
  const profile = kerasProfiles[config.keras];
  const execution = executionOf(config);
  const plan = planOf(config);
  const steps = distinctSteps(plan);
  const fits = steps.flatMap((step) => (step.type === 'fit' ? [step] : []));
  const hasResetStep = steps.some((step) => step.type === 'reset');
  const validated = fits.some((fit) => fit.validationData !== undefined || splitData(config.samples, fit.validationSplit ?? 0).validationSamples > 0);
  const layers = resolveLayers(config);
  const stateful = isStatefulModel(config);
  const inPlan = config.plan !== undefined;
  if (stateful && execution.backend === 'jax' && evidence.notStored > 0) {
    findings.push(
      finding(
        'jax-stateful-no-effect',
        `On the JAX backend fit(), evaluate(), predict() and *_on_batch() never store a stateful layer's state: ${formatNumber(evidence.notStored)} call${evidence.notStored === 1 ? '' : 's'} (first: ${describePosition(evidence.notStoredAt!)}) started ${execution.jaxJit ? 'from the value the state variable held when the compiled function was traced' : "from the state variable's current value"} instead of the previous batch's final state. stateful=True has no effect there, and Keras prints no warning.`,
        { at: evidence.notStoredAt! },
      ),
    );
  }
  if (evidence.broadcasts > 0) {
    const stateRows = config.stateBatchSize ?? config.batchSize;
    findings.push(
      finding(
        'one-row-broadcast',
        `A 1-row batch (${describePosition(evidence.broadcastAt!)}) met stateful layers holding ${stateRows} state rows: its one sample was broadcast against every row, and all ${stateRows} rows were overwritten with its result; Keras raises nothing${evidence.broadcasts > 1 ? ` (${formatNumber(evidence.broadcasts)} such batches)` : ''}.`,
        { fix: `Give every call a multiple of ${stateRows} samples (trim or pad the remainder), so no batch has 1 row.`, at: evidence.broadcastAt! },
      ),
    );
  }
  for (const layer of layers.filter((l) => l.stateful && l.bidirectional)) {
    if (evidence.carries === 0) break;
    findings.push(
      finding(
        'stateful-bidirectional',
        `${layer.name} is a stateful Bidirectional layer: its backward direction ends each window at the window's first step, and that state is carried into the next window's backward pass, which starts at its last step. Only the forward direction continues the sequence.`,
      ),
    );
  }
  // a stateful layer that starts every call from a passed initial_state carries nothing (§6)
  if (stateful && layers.some((l) => !l.stateful) && !(evidence.carries === 0 && evidence.initialStateStarts > 0)) {
    const which = layers.map((l) => `${l.name}: ${l.stateful ? 'stateful' : 'stateless'}`).join(', ');
    // what the stateful ones really do here: carry, or (JAX inside the trainer, §R1) restart from the stored value
    const statefulOnes =
      evidence.carries > 0
        ? `the stateful ones carry row i into the next call${evidence.notStored > 0 ? ' where Keras stores their state (on JAX: direct model(x) calls only; fit(), evaluate() and predict() restart them from the stored value)' : ''}`
        : evidence.notStored > 0
          ? "the stateful ones carry nothing either: on JAX fit(), evaluate(), predict() and *_on_batch() never store their state, so each batch starts them from the stored value instead of the previous batch's final state (only direct model(x) calls would carry)"
          : 'the stateful ones would carry row i into the next call, but no call here did';
    findings.push(finding('mixed-statefulness', `Some layers are stateful and some are not (${which}): the stateless ones start every batch from zeros; ${statefulOnes}.`));
  }
  if (stateful && evidence.fitCarries > 0 && fits.some((fit) => fit.shuffle === true)) {
    findings.push(
      finding(
        'stateful-shuffle',
        `fit(shuffle=True)${inPlan ? ' (a fit step of the plan)' : ' (the default)'} reorders the samples every epoch, so row i of a batch no longer continues row i of the previous batch: the carried state belongs to an unrelated sequence. Keras does not warn.`,
        { fix: inPlan ? 'Set "shuffle": false in the plan\'s fit steps (shuffle=False in fit()).' : 'Pass shuffle=False to fit() (--no-shuffle).' },
      ),
    );
  }
  if (stateful && evidence.fitCarries > 0 && fits.some((fit) => fit.shuffle === 'batch')) {
    findings.push(
      finding(
        'stateful-shuffle-batch',
        `fit(shuffle='batch') does not keep a stateful model's rows in sequence: ${shuffleBatchEffect[config.keras]}. Keras does not warn.`,
      ),
    );
  }
  if (profile.keras3 && execution.backend === 'tensorflow' && config.setRandomSeed && shuffledEpochs(plan) > 1) {
    findings.push(
      finding(
        'seeded-shuffle-repeats',
        'keras.utils.set_random_seed() was called and fit shuffles on the tensorflow backend: every epoch (of every fit() call) is fed in the same shuffled order, not a new one; jax and torch reshuffle each epoch.',
      ),
    );
  }
  if (stateful && validated && evidence.validationIntoFit) {
    const { at } = evidence.validationIntoFit;
    findings.push(
      finding(
        'validation-contaminates-state',
        `Validation runs through the same stateful layers after each epoch's training batches and stores its state: ${describePosition(at)} started from the state the last validation batch left, not from training's.`,
        { at },
      ),
    );
  }
  if (stateful && evidence.inferenceContact) {
    const { at, fromPhase, fromStep } = evidence.inferenceContact;
    const training = at.phase === 'fit' || at.phase === 'train_on_batch';
    findings.push(
      finding(
        'inference-updates-state',
        training
          ? `${describeCall(at)} started from the state ${callName(fromPhase)} at plan step ${fromStep} stored, with no reset between: inference updates the stored state, and training continued from it.`
          : `${describeCall(at)} started from the state ${callName(fromPhase)} at plan step ${fromStep} left, with no reset between, and overwrites it row by row.`,
        { at, fix: `Between training and evaluate()/predict() calls (in both directions), reset the state: ${profile.resetCall}.` },
      ),
    );
  }
  if (stateful && config.resetEvery === 'never' && !hasResetStep && evidence.carries > 0) {
    const epochs = planEpochs(plan);
    findings.push(
      finding(
        'state-never-reset',
        `Keras never resets state by itself: row i of every batch continues row i of the previous one, through ${
          stoppedAt
            ? `every call${validated ? ', validation included,' : ''} until Keras stops the run (at ${describePosition(stoppedAt)})`
            : `${epochs <= 1 ? 'the run' : `all ${epochs} epochs`}${validated ? ' and validation' : ''}`
        }. Only reset_states() zeroes it.`,
        { fix: `If each epoch should start fresh, call ${profile.resetCall} in a callback's on_epoch_end (--reset-every epoch).` },
      ),
    );
  }
  if (stateful && typeof config.resetEvery === 'object' && fits.length > 0) {
    const fitBatches = Math.max(
      ...fits.map((fit) => batchCount(splitData(config.samples, fit.validationSplit ?? 0).trainSamples, fit.batchSize ?? 32)),
    );
    if (config.resetEvery.everyBatches > fitBatches) {
      findings.push(
        finding(
          'reset-every-never-fires',
          `A reset after every ${config.resetEvery.everyBatches} batches never fires: an epoch has ${fits.length > 1 ? 'at most ' : ''}${count(fitBatches, 'training batch', 'training batches')}, and the batch index Keras passes to callbacks restarts every epoch.`,
          { fix: `Use a period of at most ${count(fitBatches, 'batch', 'batches')}, or count batches across epochs in the callback.` },
        ),
      );
    }
  }
  if (stateful && (config.resetEvery !== 'never' || hasResetStep) && !profile.hasModelResetStates) {
    findings.push(finding('no-model-reset-states', 'Keras 3 has no model.reset_states(); the reset has to loop over the stateful layers.'));
  }
  if (stateful && config.initialStatePassed) {
    if (config.keras === 'tf') {
      if (evidence.initialStateIgnoredAt) {
        findings.push(
          finding(
            'initial-state-ignored',
            `initial_state is passed to a stateful layer: tf.keras uses it only while the stored state is all zeros (the first call after build or reset_states()); ${describePosition(evidence.initialStateIgnoredAt)} carried the stored state instead and silently ignored it.`,
            { at: evidence.initialStateIgnoredAt },
          ),
        );
      }
    } else if (evidence.initialStateStarts > 0) {
      findings.push(
        finding(
          'initial-state-overrides-carry',
          `initial_state is passed to a stateful layer: ${profile.keras3 ? 'Keras 3' : 'Keras 2.3'} starts every call from it (${formatNumber(evidence.initialStateStarts)} call${evidence.initialStateStarts === 1 ? '' : 's'} here), so nothing is carried between calls and stateful=True only stores the final state.`,
        ),
      );
    }
  }
  // a model file's stateful layer given another layer's final states (a stateful decoder, §6)
  const wiredStateful = layers.filter((l) => l.stateful && l.initialStateFrom !== undefined && !l.call);
  if (wiredStateful.length > 0 && !config.initialStatePassed) {
    const which = wiredStateful.map((l) => `${l.name} (from ${l.initialStateFrom})`).join(', ');
    findings.push(
      config.keras === 'tf'
        ? finding(
            'initial-state-ignored',
            `${which}: initial_state is passed to a stateful layer; tf.keras uses it only while the stored state is all zeros (the first call after build or reset_states()), then carries the stored state and silently ignores it.`,
          )
        : finding(
            'initial-state-overrides-carry',
            `${which}: initial_state is passed to a stateful layer; ${profile.keras3 ? 'Keras 3' : 'Keras 2.3'} starts every call from it, so nothing is carried between calls and stateful=True only stores the final state.`,
          ),
    );
  }
  if (layers.some((l) => l.cell !== 'simple' && l.recurrentActivation === 'hard_sigmoid')) {
    findings.push(
      finding(
        'hard-sigmoid-formula',
        profile.keras3
          ? `hard_sigmoid in ${profile.label} is ${profile.hardSigmoidFormula}; Keras 2, tf.keras and TF.js use clip(0.2x + 0.5, 0, 1), so the same weights give different numbers.`
          : `hard_sigmoid in ${profile.label} is ${profile.hardSigmoidFormula}, as in Keras 2, tf.keras and TF.js; Keras 3 uses clip(x/6 + 0.5, 0, 1), so the same weights give different numbers there.`,
      ),
    );
  }
  return config.keras === 'tfjs' ? findings.map(inTfjsTerms) : findings;
}

/** Epochs of shuffled fit() calls over the whole plan (repeats multiplied out). */
function shuffledEpochs(steps: readonly PlanStep[]): number {
  return steps.reduce(
    (sum, step) => sum + (step.type === 'fit' && step.shuffle !== false ? step.epochs : step.type === 'repeat' ? step.times * shuffledEpochs(step.steps) : 0),
    0,
  );
}

/** 15000 -> "15,000" (no locale). */
function formatNumber(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Whether findings make the run fail: any error, or with `strict` any warning. */
export function failingFindings(findings: readonly Finding[], strict: boolean): Finding[] {
  // an error the script catches (plan catch: true) was expected by it: only --strict fails on it
  return findings.filter((f) => (f.severity === 'error' && (!f.caught || strict)) || (strict && f.severity === 'warning'));
}
