/**
 * The configuration of a simulated training run: what a Keras user passes to the layer and to `fit`.
 */
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
  /** fit(batch_size=...); for a stateful layer also its fixed batch size. */
  readonly batchSize: number;
  readonly epochs: number;
  readonly stateful: boolean;
  /** fit(shuffle=...): reshuffles the training samples every epoch. */
  readonly shuffle: boolean;
  readonly units: number;
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
