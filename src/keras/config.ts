/**
 * The configuration of a simulated training run: what a Keras user passes to the layer and to `fit`.
 */
import { cellLayerNames, stateTensorCount, type CellKind } from './layers.ts';
import { kerasProfiles, type Backend, type KerasVersion, type RecurrentActivation } from './profiles.ts';
import { formatCount, plural } from '../shared/count.ts';

/** When an explicit reset_states() is issued in a stateful run (Keras itself never issues one, §3). */
export type ResetPolicy =
  /** never: Keras's behaviour with no callback and a single fit() call. */
  | 'never'
  /** a callback's on_epoch_end, i.e. after the epoch's validation (or fit(epochs=1) in a loop). */
  | 'epoch'
  /** a callback resetting after every K-th training batch of each epoch (its batch index restarts per epoch). */
  | { readonly everyBatches: number };

export interface SimulationConfig {
  /** N: samples in the data given to fit (before validation_split). */
  readonly samples: number;
  /** T: timesteps per sample. */
  readonly timesteps: number;
  /** D: features per timestep. */
  readonly features: number;
  /** fit(batch_size=...); for a stateful model also its fixed batch size. */
  readonly batchSize: number;
  readonly epochs: number;
  /** stateful=True for every layer that does not say otherwise. */
  readonly stateful: boolean;
  /** fit(shuffle=...): reshuffles the training samples every epoch; 'batch' shuffles per version (§3). */
  readonly shuffle: ShuffleMode;
  /** Units of the single layer when `layers` is not given. */
  readonly units: number;
  /** Cell of the single layer when `layers` is not given (default lstm). */
  readonly cell?: CellKind;
  /** Wrap the single layer in Bidirectional when `layers` is not given. */
  readonly bidirectional?: boolean;
  /** Stacked recurrent layers, first to last (each returns sequences to the next). */
  readonly layers?: readonly LayerSpecInput[];
  /** Masking: the last `maskTail` steps of a padded sample are padding (mask False). */
  readonly maskTail?: number;
  /** The fraction of samples (seeded choice) that are padded; 1 = all. */
  readonly maskFraction?: number;
  /**
   * Padding as the user lays it out (--padding pre|post with --lengths or --mask-tail): which steps
   * of each synthetic sample are padding, before or after its real steps.
   */
  readonly padding?: PaddingLayout;
  readonly seed: number;
  readonly resetEvery: ResetPolicy;
  /** fit(validation_split=...): the last fraction of samples, taken before shuffling. */
  readonly validationSplit: number;
  readonly keras: KerasVersion;
  /** The version as the user gave it (--keras 3.15.1, 2.2.4), when it is not a profile name; `keras` is its profile. */
  readonly kerasVersion?: string;
  readonly recurrentActivation: RecurrentActivation;
  /**
   * The stateful layers' fixed batch size (batch_input_shape / Input(batch_shape=...)), when it
   * differs from the batch size given to fit; default `batchSize`.
   */
  readonly stateBatchSize?: number;
  /** The model is stateful but its batch size is not fixed (no batch_input_shape / batch_shape): Keras refuses it. */
  readonly unknownStateBatch?: boolean;
  /** A TF.js model.json whose config TF.js refuses before any recurrent layer (a Keras 3 InputLayer's batch_shape, …): the layer and TF.js's message. */
  readonly tfjsLoadError?: { readonly layer: string; readonly message: string };
  /** True when fit's batch_size was not given (Keras uses 32). */
  readonly batchSizeDefaulted?: boolean;
  /** The user's script as a training plan; without it, one fit() with the fields above. */
  readonly plan?: readonly PlanStep[];
  /**
   * initial_state is passed to the stateful layer(s) on every call (zeros unless a replay gives the
   * values): Keras 3 and 2.3 start every call from it; tf.keras only while the stored state is all
   * zeros (§6).
   */
  readonly initialStatePassed?: boolean;
  /** Keras 3's backend (KERAS_BACKEND); default tensorflow, Keras's own default (§R). */
  readonly backend?: Backend;
  /** model.compile(run_eagerly=True) (§R1: JAX then starts each batch from the variable's current value). */
  readonly runEagerly?: boolean;
  /** model.compile(jit_compile=...); absent is "auto" (True on JAX, False on CPU TensorFlow and torch). */
  readonly jitCompile?: boolean;
  /** The recurrent layers' weights are trainable (layer.trainable; Keras's default True; §R3 on torch). */
  readonly trainable?: boolean;
  /** The script called keras.utils.set_random_seed(...) (§R4: tensorflow then repeats one shuffle order). */
  readonly setRandomSeed?: boolean;
  /**
   * A Sequential without an Input: the stateful layers are built by the first call, from its batch
   * (tensorflow), or fail inside the trainer (JAX, torch: §R5).
   */
  readonly builtByFirstCall?: boolean;
}

export type ShuffleMode = boolean | 'batch';

/** Where padding sits in each sample and how long the real part is (Keras pad_sequences: padding='pre' or 'post'). */
export interface PaddingLayout {
  readonly side: 'pre' | 'post';
  /** Real steps per sample: a list cycled over the samples (sample i gets values[i % n]), or a seeded whole number in [min, max]. */
  readonly lengths: LengthSpec;
}

export type LengthSpec =
  | { readonly kind: 'list'; readonly values: readonly number[] }
  | { readonly kind: 'range'; readonly min: number; readonly max: number };

/**
 * Which samples of the data a call gets: `samples` of them from index `from` (default 0), all the
 * rest when `samples` is not given.
 */
export interface DataRange {
  readonly from?: number | undefined;
  readonly samples?: number | undefined;
}

/** The rows of a one-batch step: the sample of each row, or a range. */
export interface BatchRows extends DataRange {
  readonly indices?: readonly number[] | undefined;
}

/** Fields every step may have. */
export interface StepOptions {
  /** The script catches an exception from this call and goes on with the next (try/except). */
  readonly catch?: boolean | undefined;
}

/** One call of the user's script (repeat nests steps). */
export type PlanStep =
  | ({
      readonly type: 'fit';
      readonly epochs: number;
      /** fit(batch_size=...); absent: Keras's 32. */
      readonly batchSize?: number | undefined;
      readonly shuffle: ShuffleMode;
      readonly validationSplit?: number | undefined;
      /** fit(validation_data=...): samples of the data evaluated after each epoch (instead of a split). */
      readonly validationData?: DataRange | undefined;
      /** fit(validation_batch_size=...); absent: the fit's batch size. */
      readonly validationBatchSize?: number | undefined;
      /** A reset_states() callback of this fit (default: the configuration's --reset-every). */
      readonly resetEvery?: ResetPolicy | undefined;
    } & DataRange &
      StepOptions)
  | ({ readonly type: 'evaluate'; readonly batchSize?: number | undefined } & DataRange & StepOptions)
  | ({ readonly type: 'predict'; readonly batchSize?: number | undefined } & DataRange & StepOptions)
  /**
   * One batch: train_on_batch(x, y), predict_on_batch(x), or a direct model(x) call ('call'). Its rows
   * are the samples listed in `indices`, or `samples` of them from `from` (default: the model's batch size).
   */
  | ({ readonly type: 'train_on_batch' } & BatchRows & StepOptions)
  | ({ readonly type: 'predict_on_batch' } & BatchRows & StepOptions)
  | ({ readonly type: 'call'; readonly initialState?: boolean | undefined } & BatchRows & StepOptions)
  /**
   * layer.reset_state() / reset_states() on every stateful layer, or `method: 'model.reset_states'`:
   * the model's own, which Keras 3 does not have (AttributeError) (§2.1 "Reset API").
   */
  | ({ readonly type: 'reset'; readonly method?: 'reset_state' | 'reset_states' | 'model.reset_states' | undefined } & StepOptions)
  | { readonly type: 'repeat'; readonly times: number; readonly steps: readonly PlanStep[] };

/** The plan steps that run one batch. */
export type BatchStep = Extract<PlanStep, { readonly type: 'train_on_batch' | 'predict_on_batch' | 'call' }>;

export type FlatPlanStep = Exclude<PlanStep, { readonly type: 'repeat' }>;

/** The plan of a configuration: its own, or the single fit() its fields describe. */
export function planOf(config: SimulationConfig): readonly PlanStep[] {
  return (
    config.plan ?? [
      {
        type: 'fit',
        epochs: config.epochs,
        ...(config.batchSizeDefaulted ? {} : { batchSize: config.batchSize }),
        shuffle: config.shuffle,
        validationSplit: config.validationSplit,
      },
    ]
  );
}

/** The plan's calls in order, repeats unrolled lazily (a plan may expand to a million steps). */
export function* flatSteps(steps: readonly PlanStep[]): Generator<FlatPlanStep, void, undefined> {
  for (const step of steps) {
    if (step.type === 'repeat') {
      for (let i = 0; i < step.times; i++) yield* flatSteps(step.steps);
    } else {
      yield step;
    }
  }
}

/** Batch size of evaluate()/predict() when the script gives none (Keras's default). */
export const kerasDefaultBatchSize = 32;

/** Every distinct step of a plan (repeats visited once), for findings about the steps' settings. */
export function distinctSteps(steps: readonly PlanStep[]): FlatPlanStep[] {
  return steps.flatMap((step) => (step.type === 'repeat' ? distinctSteps(step.steps) : [step]));
}

/** Fit epochs over the whole plan (repeats multiplied out, without expanding them). */
export function planEpochs(steps: readonly PlanStep[]): number {
  return steps.reduce((sum, step) => sum + (step.type === 'fit' ? step.epochs : step.type === 'repeat' ? step.times * planEpochs(step.steps) : 0), 0);
}

/** A fit step's batch_size (Keras's 32 when the step gives none). */
export function fitBatchSize(step: Extract<PlanStep, { type: 'fit' }>): number {
  return step.batchSize ?? kerasDefaultBatchSize;
}

/** The samples [start, start + count) of a data range over N samples (not checked against N here). */
export function rangeOf(range: DataRange, samples: number): { readonly start: number; readonly count: number } {
  const start = range.from ?? 0;
  return { start, count: range.samples ?? Math.max(0, samples - start) };
}

/** The rows of a one-batch step: its indices, or `samples` from `from` (default the model's batch size). */
export function batchStepSamples(step: BatchStep, modelBatch: number): { readonly count: number; readonly sample: (row: number) => number } {
  if (step.indices) {
    const indices = step.indices;
    return { count: indices.length, sample: (row) => indices[row]! };
  }
  const start = step.from ?? 0;
  return { count: step.samples ?? modelBatch, sample: (row) => start + row };
}

/** The largest batch any call of the plan can have. */
export function planMaxBatch(config: SimulationConfig): number {
  const modelBatch = config.stateBatchSize ?? config.batchSize;
  const batches = distinctSteps(planOf(config)).map((step) => {
    if (step.type === 'reset') return 1;
    if (step.type === 'train_on_batch' || step.type === 'predict_on_batch' || step.type === 'call') return batchStepSamples(step, modelBatch).count;
    const batchSize = step.batchSize ?? kerasDefaultBatchSize;
    const samples = rangeOf(step, config.samples).count;
    if (step.type !== 'fit') return Math.min(samples, batchSize);
    // validation batches: of validation_batch_size, over validation_data or (at most) the fit's samples
    const validation = step.validationData ? rangeOf(step.validationData, config.samples).count : samples;
    return Math.max(Math.min(samples, batchSize), Math.min(validation, step.validationBatchSize ?? batchSize));
  });
  // a stateful layer always holds its fixed batch of rows (a broadcast call runs all of them)
  return Math.max(1, isStatefulModel(config) ? modelBatch : 1, ...batches);
}

/**
 * Every sample index the plan reads that lies outside the data (N samples), as "step K: ..." — plans
 * are refused for it, never clamped.
 */
export function planRangeProblems(steps: readonly PlanStep[], samples: number): string[] {
  const problems: string[] = [];
  const check = (where: string, range: DataRange) => {
    const start = range.from ?? 0;
    if (start >= samples) problems.push(`${where} starts at sample ${start}, but the data has ${samples} samples (indices 0–${samples - 1})`);
    else if (range.samples !== undefined && start + range.samples > samples) {
      problems.push(`${where} asks for ${range.samples} samples from ${start}, but the data has ${samples} samples`);
    }
  };
  const walk = (list: readonly PlanStep[], path: string) =>
    list.forEach((step, index) => {
      const where = `${path}[${index}] (${step.type})`;
      if (step.type === 'repeat') walk(step.steps, `${path}[${index}].steps`);
      else if (step.type === 'reset') return;
      else if ((step.type === 'train_on_batch' || step.type === 'predict_on_batch' || step.type === 'call') && step.indices) {
        const bad = step.indices.find((i) => i >= samples);
        if (bad !== undefined) problems.push(`${where} uses sample ${bad}, but the data has ${samples} samples (indices 0–${samples - 1})`);
      } else {
        check(where, step);
        if (step.type === 'fit' && step.validationData) check(`${where} validationData`, step.validationData);
      }
    });
  walk(steps, 'steps');
  return problems;
}

/** How fit() divides the data (§3: validation_split takes the last fraction, before shuffling). */
export interface DataSplit {
  readonly trainSamples: number;
  readonly validationSamples: number;
}

/** split_at = floor(N * (1 - validation_split)), as in every Keras version's train/validation split. */
export function splitData(samples: number, validationSplit: number): DataSplit {
  const trainSamples = validationSplit > 0 ? Math.floor(samples * (1 - validationSplit)) : samples;
  return { trainSamples, validationSamples: samples - trainSamples };
}

/**
 * The run in a phrase, as the totals' header says it: "stateful, reset-every epoch, no shuffle;
 * 1,000×20×1, batch 200, 15 epochs", or for a plan what its steps do ("a plan of 7 steps: 3 fit
 * epochs without shuffle, evaluate, predict; 8×5×3, model batch 2"), never the command line's
 * defaults that a plan overrides.
 */
export function describeTraining(config: SimulationConfig): string {
  const num = formatCount;
  const count = (n: number, word: string) => plural(n, word);
  const stateful = isStatefulModel(config);
  const mode = stateful ? `stateful, reset-every ${describeResetPolicy(config.resetEvery)}` : 'stateless';
  const shape = `${num(config.samples)}×${num(config.timesteps)}×${num(config.features)}`;
  if (!config.plan) {
    const shuffle = config.shuffle === 'batch' ? "shuffle='batch'" : config.shuffle ? 'shuffle' : 'no shuffle';
    return `${mode}, ${shuffle}; ${shape}, batch ${num(config.batchSize)}, ${count(config.epochs, 'epoch')}`;
  }
  const steps = distinctSteps(config.plan);
  const fits = steps.filter((step): step is Extract<FlatPlanStep, { type: 'fit' }> => step.type === 'fit');
  const modes = new Set(fits.map((fit) => fit.shuffle));
  const shuffle =
    modes.size === 0 ? '' : modes.size > 1 ? ' (mixed shuffle)' : modes.has(false) ? ' without shuffle' : modes.has('batch') ? " with shuffle='batch'" : ' with shuffle';
  const epochs = planEpochs(config.plan);
  const others = [...new Set(steps.filter((step) => step.type !== 'fit').map((step) => (step.type === 'call' ? 'model(x)' : step.type === 'reset' ? 'resets' : step.type)))];
  const what = [...(fits.length > 0 ? [`${count(epochs, 'fit epoch')}${shuffle}`] : []), ...others].join(', ');
  return `${mode}; ${shape}, a plan of ${count(flatLength(config.plan), 'step')}: ${what}; model batch ${num(config.stateBatchSize ?? config.batchSize)}`;
}

/** Steps of a plan with its repeats unrolled, counted without unrolling them. */
function flatLength(steps: readonly PlanStep[]): number {
  return steps.reduce((sum, step) => sum + (step.type === 'repeat' ? step.times * flatLength(step.steps) : 1), 0);
}

export function describeResetPolicy(policy: ResetPolicy): string {
  if (policy === 'never') return 'never';
  if (policy === 'epoch') return 'epoch';
  return String(policy.everyBatches);
}

/** A layer as the user describes it; unset fields follow the model-level flags. */
export interface LayerSpecInput {
  /** The layer's own name (a model file's); default Keras's automatic name. */
  readonly name?: string;
  readonly cell: CellKind;
  readonly units: number;
  readonly stateful?: boolean;
  readonly bidirectional?: boolean;
  /** The layer's own recurrent activation (a model file may mix them); default the config's. */
  readonly recurrentActivation?: RecurrentActivation;
  /** GRU: the layer's own reset_after; default the version profile's. */
  readonly resetAfter?: boolean;
  /** layer.trainable; default the config's `trainable` (True). */
  readonly trainable?: boolean;
  /** The layer's `activation` when it is not Keras's default tanh. */
  readonly activation?: 'tanh' | 'relu';
  /** The layer whose final states this call receives as initial_state (a seq2seq decoder's encoder). */
  readonly initialStateFrom?: string;
  /** A shared layer's second, third, … call in one model call (1-based count of earlier calls; its state is the same layer's). */
  readonly call?: number;
  /** The model file's class when it is not the plain cell's and that matters (CuDNNLSTM, CuDNNGRU: TF.js has no such class). */
  readonly className?: 'CuDNNLSTM' | 'CuDNNGRU';
  /**
   * The layer receives a Keras mask (a Masking or Embedding(mask_zero=True) layer in front of it, the
   * mask passed on to it: a model file's wiring). Default: the configuration pads its samples
   * (--lengths, --mask-tail), which stands for a Masking layer in front of the stack (§4).
   */
  readonly masked?: boolean;
  /**
   * False when the layer can never take Keras 3's fused LSTM/GRU kernel (backend.lstm/gru): the file
   * says recurrent_dropout > 0 (keras/src/layers/rnn/lstm.py inner_loop).
   */
  readonly fusedKernel?: boolean;
}

/** A layer with every field decided. */
export interface LayerSpec {
  /** Keras's automatic name: lstm, lstm_1, gru, simple_rnn, bidirectional, … */
  readonly name: string;
  readonly cell: CellKind;
  readonly units: number;
  readonly stateful: boolean;
  readonly bidirectional: boolean;
  /** State tensors per row: the cell's (LSTM 2, GRU 1, SimpleRNN 1), twice for Bidirectional. */
  readonly stateTensors: number;
  readonly recurrentActivation: RecurrentActivation;
  /** GRU only (null otherwise). */
  readonly resetAfter: boolean | null;
  /** layer.trainable: its weights get gradients in fit (§R3). */
  readonly trainable: boolean;
  /** The layer's `activation` when it is not tanh (absent: tanh). */
  readonly activation?: 'relu';
  /** The layer whose final states this call receives as initial_state. */
  readonly initialStateFrom?: string;
  /** A shared layer's later call (1, 2, …) within one model call; absent for the first. */
  readonly call?: number;
  /** The model file's class when it is not the plain cell's (CuDNNLSTM, CuDNNGRU). */
  readonly className?: 'CuDNNLSTM' | 'CuDNNGRU';
  /** The layer receives a Keras mask (§4): Keras 3 then runs its generic loop, never the fused kernel. */
  readonly masked?: true;
  /** The layer never takes the fused kernel (recurrent_dropout > 0). */
  readonly fusedKernel?: false;
}

/**
 * Whether the configuration's synthetic samples are padded (--lengths, --mask-tail), which puts a
 * Masking layer in front of the stack: every layer then receives the mask (an RNN with
 * return_sequences passes it on, §4).
 */
export function padsSamples(config: Pick<SimulationConfig, 'padding' | 'maskTail'>): boolean {
  return config.padding !== undefined || (config.maskTail ?? 0) > 0;
}

/**
 * Whether a layer of the synthetic stack applies the padded samples' mask on a call (the Masking layer
 * padsSamples stands for). Keras 3 passes no mask to a recurrent call given initial_state: its
 * `Layer.__call__` fills `mask` only for a call with one tensor argument (keras/src/layers/layer.py
 * `__call__`; keras/graph.ts autoMaskDropped does the same for model files), so a layer given the
 * passed initial_state (--initial-state, a plan call's initialState) or another layer's final states
 * runs its padded steps as data. Its output still carries the mask to the layers above. Keras 2.3,
 * tf.keras and TF.js pass the mask with initial_state. Run on Keras 3.15.1 (tensorflow, jax):
 * scripts/keras-goldens/probes/initial-state-mask.py.
 */
export function layerAppliesMask(layer: Pick<LayerSpec, 'initialStateFrom'>, keras: KerasVersion, callInitialState: boolean): boolean {
  return !(kerasProfiles[keras].keras3 && (callInitialState || layer.initialStateFrom !== undefined));
}

/** The layers of a configuration, named as Keras names them. */
export function resolveLayers(config: SimulationConfig): LayerSpec[] {
  const inputs: readonly LayerSpecInput[] = config.layers ?? [
    { cell: config.cell ?? 'lstm', units: config.units, bidirectional: config.bidirectional ?? false },
  ];
  const seen = new Map<string, number>();
  const profile = kerasProfiles[config.keras];
  return inputs.map((layer) => {
    const bidirectional = layer.bidirectional ?? config.bidirectional ?? false;
    const prefix = bidirectional ? 'bidirectional' : cellLayerNames[layer.cell];
    const count = seen.get(prefix) ?? 0;
    seen.set(prefix, count + 1);
    // Keras 2.3 numbers automatic names from 1 (lstm_1, lstm_2); tf.keras and Keras 3 from none (lstm, lstm_1)
    const automatic = profile.layerNamesFromOne ? `${prefix}_${count + 1}` : count === 0 ? prefix : `${prefix}_${count}`;
    return {
      ...(layer.initialStateFrom === undefined ? {} : { initialStateFrom: layer.initialStateFrom }),
      ...(layer.call ? { call: layer.call } : {}),
      ...(layer.className === undefined ? {} : { className: layer.className }),
      name: layer.name ?? automatic,
      cell: layer.cell,
      units: layer.units,
      stateful: layer.stateful ?? config.stateful,
      bidirectional,
      stateTensors: stateTensorCount[layer.cell] * (bidirectional ? 2 : 1),
      recurrentActivation: layer.recurrentActivation ?? config.recurrentActivation,
      resetAfter: layer.cell === 'gru' ? (layer.resetAfter ?? profile.gruResetAfter) : null,
      trainable: layer.trainable ?? config.trainable ?? true,
      ...(layer.activation === 'relu' ? { activation: 'relu' as const } : {}),
      ...((layer.masked ?? (padsSamples(config) && !(profile.keras3 && (config.initialStatePassed === true || layer.initialStateFrom !== undefined)))) ? { masked: true as const } : {}),
      ...(layer.fusedKernel === false ? { fusedKernel: false as const } : {}),
    };
  });
}

/** A model is stateful (fixed batch size, no automatic zeros) when any of its layers is. */
export function isStatefulModel(config: SimulationConfig): boolean {
  return resolveLayers(config).some((layer) => layer.stateful);
}

/** Recurrent classes tfjs-layers does not register: a model.json naming one does not deserialize. */
const tfjsUnknownClasses: ReadonlySet<string> = new Set<string>(['CuDNNLSTM', 'CuDNNGRU']);

/**
 * Why TF.js cannot load the model, for the first layer it stops at (TF.js deserializes the layers in
 * order, building each): a Keras 3 config it does not read (config.tfjsLoadError), an unregistered class ("Unknown layer", generic_utils.ts
 * deserializeKerasObject) or a GRU with reset_after=true (recurrent.ts GRUCell). Undefined when it
 * loads, and for every other profile.
 */
export function tfjsLoadFailure(
  config: SimulationConfig,
): { readonly check: 'tfjs-unknown-layer' | 'tfjs-gru-reset-after' | 'tfjs-keras3-config'; readonly layer: LayerSpec } | undefined {
  if (config.keras !== 'tfjs') return undefined;
  // the reader found an earlier refusal (model/tfjs.ts tfjsConfigError): a Keras 3 config TF.js does not read
  if (config.tfjsLoadError) return { check: 'tfjs-keras3-config', layer: resolveLayers(config)[0]! };
  for (const layer of distinctLayers(config)) {
    if (layer.className !== undefined && tfjsUnknownClasses.has(layer.className)) return { check: 'tfjs-unknown-layer', layer };
    if (layer.cell === 'gru' && layer.resetAfter === true) return { check: 'tfjs-gru-reset-after', layer };
  }
  return undefined;
}

/**
 * Whether every call of the stateful layers is given an initial_state: --initial-state, or a model
 * whose stateful layers all take another layer's final states (a stateful seq2seq decoder). The state
 * flow then applies the version's rule (§6: Keras 3 and 2.3 always start from it; tf.keras only while
 * the stored state is zeros) instead of counting carries that never happen.
 */
export function initialStateEveryCall(config: SimulationConfig): boolean {
  if (config.initialStatePassed === true) return true;
  const stateful = distinctLayers(config).filter((layer) => layer.stateful);
  return stateful.length > 0 && stateful.every((layer) => layer.initialStateFrom !== undefined);
}

/** Each layer once (a shared layer's later calls dropped), in order of first call. */
export function distinctLayers(config: SimulationConfig): LayerSpec[] {
  return resolveLayers(config).filter((layer) => !layer.call);
}

/**
 * How a call of a layer given another layer's final states as initial_state starts (§6): 'always'
 * from them (stateless layers; stateful ones in Keras 2.3, Keras 3 and TF.js, where the passed state
 * wins), 'while-zero' (tf.keras: only while the stored state is all zeros, tf_keras base_rnn.py
 * _process_inputs), or 'none' (not wired: zeros or its own state).
 */
export function wiredStart(layer: LayerSpec, keras: KerasVersion): 'always' | 'while-zero' | 'none' {
  if (layer.initialStateFrom === undefined) return 'none';
  if (!layer.stateful || keras !== 'tf') return 'always';
  return 'while-zero';
}
