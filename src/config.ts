/**
 * The configuration of a simulated training run: what a Keras user passes to the layer and to `fit`.
 */
import { cellLayerNames, stateTensorCount, type CellKind } from './cells.ts';
import type { KerasVersion, RecurrentActivation } from './profiles.ts';

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
  /** fit(shuffle=...): reshuffles the training samples every epoch. */
  readonly shuffle: boolean;
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
  readonly cell: CellKind;
  readonly units: number;
  readonly stateful?: boolean;
  readonly bidirectional?: boolean;
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
      name: count === 0 ? prefix : `${prefix}_${count}`,
      cell: layer.cell,
      units: layer.units,
      stateful: layer.stateful ?? config.stateful,
      bidirectional,
      stateTensors: stateTensorCount[layer.cell] * (bidirectional ? 2 : 1),
    };
  });
}

/** A model is stateful (fixed batch size, no automatic zeros) when any of its layers is. */
export function isStatefulModel(config: SimulationConfig): boolean {
  return resolveLayers(config).some((layer) => layer.stateful);
}
