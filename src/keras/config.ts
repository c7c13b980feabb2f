/**
 * The configuration of a simulated training run: what a Keras user passes to the layer and to `fit`.
 */
import { cellLayerNames, stateTensorCount, type CellKind } from './layers.ts';
import { kerasProfiles, type KerasVersion, type RecurrentActivation } from './profiles.ts';

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
  readonly seed: number;
  readonly resetEvery: ResetPolicy;
  /** fit(validation_split=...): the last fraction of samples, taken before shuffling. */
  readonly validationSplit: number;
  readonly keras: KerasVersion;
  readonly recurrentActivation: RecurrentActivation;
  /**
   * The stateful layers' fixed batch size (batch_input_shape / Input(batch_shape=...)), when it
   * differs from the batch size given to fit; default `batchSize`.
   */
  readonly stateBatchSize?: number;
  /** The model is stateful but its batch size is not fixed (no batch_input_shape / batch_shape): Keras refuses it. */
  readonly unknownStateBatch?: boolean;
  /** True when fit's batch_size was not given (Keras uses 32). */
  readonly batchSizeDefaulted?: boolean;
  /** The user's script as a training plan; without it, one fit() with the fields above. */
  readonly plan?: readonly PlanStep[];
  /** tf.keras only: initial_state is passed to a stateful layer (it is ignored once the state is non-zero, §6). */
  readonly initialStatePassed?: boolean;
}

export type ShuffleMode = boolean | 'batch';

/** One call of the user's script (repeat nests steps). */
export type PlanStep =
  | { readonly type: 'fit'; readonly epochs: number; readonly batchSize: number; readonly shuffle: ShuffleMode; readonly validationSplit?: number | undefined }
  | { readonly type: 'evaluate'; readonly batchSize?: number | undefined; readonly samples?: number | undefined }
  | { readonly type: 'predict'; readonly batchSize?: number | undefined; readonly samples?: number | undefined }
  | { readonly type: 'reset' }
  | { readonly type: 'repeat'; readonly times: number; readonly steps: readonly PlanStep[] };

export type FlatPlanStep = Exclude<PlanStep, { readonly type: 'repeat' }>;

/** The plan of a configuration: its own, or the single fit() its fields describe. */
export function planOf(config: SimulationConfig): readonly PlanStep[] {
  return (
    config.plan ?? [
      { type: 'fit', epochs: config.epochs, batchSize: config.batchSize, shuffle: config.shuffle, validationSplit: config.validationSplit },
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

/** The largest batch any call of the plan can have. */
export function planMaxBatch(config: SimulationConfig): number {
  const batches = distinctSteps(planOf(config)).map((step) =>
    step.type === 'fit' ? step.batchSize : step.type === 'reset' ? 1 : (step.batchSize ?? kerasDefaultBatchSize),
  );
  return Math.min(config.samples, Math.max(1, ...batches));
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
}

/** The layers of a configuration, named as Keras names them. */
export function resolveLayers(config: SimulationConfig): LayerSpec[] {
  const inputs: readonly LayerSpecInput[] = config.layers ?? [
    { cell: config.cell ?? 'lstm', units: config.units, bidirectional: config.bidirectional ?? false },
  ];
  const seen = new Map<string, number>();
  return inputs.map((layer) => {
    const bidirectional = layer.bidirectional ?? config.bidirectional ?? false;
    const prefix = bidirectional ? 'bidirectional' : cellLayerNames[layer.cell];
    const count = seen.get(prefix) ?? 0;
    seen.set(prefix, count + 1);
    return {
      name: layer.name ?? (count === 0 ? prefix : `${prefix}_${count}`),
      cell: layer.cell,
      units: layer.units,
      stateful: layer.stateful ?? config.stateful,
      bidirectional,
      stateTensors: stateTensorCount[layer.cell] * (bidirectional ? 2 : 1),
      recurrentActivation: layer.recurrentActivation ?? config.recurrentActivation,
      resetAfter: layer.cell === 'gru' ? (layer.resetAfter ?? kerasProfiles[config.keras].gruResetAfter) : null,
    };
  });
}

/** A model is stateful (fixed batch size, no automatic zeros) when any of its layers is. */
export function isStatefulModel(config: SimulationConfig): boolean {
  return resolveLayers(config).some((layer) => layer.stateful);
}
