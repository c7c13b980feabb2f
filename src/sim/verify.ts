/**
 * The continuity proof: is a stateful run over K consecutive windows the same computation as one
 * stateless run over the concatenated sequences? Keras lays the data out so that row i of batch k+1
 * continues row i of batch k (§2.2: sample j goes to batch floor(j/B), row j mod B, so sequence i is
 * data[i::B]). Pure: runs the layers and returns the differences.
 */
import type { SimulationConfig } from '../keras/config.ts';
import type { LayerCall } from '../keras/events.ts';
import type { StateHooks } from './hooks.ts';
import type { RecurrentLayer } from './layer.ts';
import { deriveSeed, permutation } from '../shared/random.ts';
import { plural } from '../shared/count.ts';
import { buildLayers, prepareLayers, fillConfigMask, fillSyntheticInputs, hasPadding } from './simulate.ts';

/** Agreement expected of float32 runs of the same arithmetic in a different order. */
export const verifyTolerance = 1e-5;

export interface Comparison {
  /** stateful | stateless-windows | shuffled-stateful */
  readonly name: string;
  readonly description: string;
  /** Largest |difference| of any final state tensor of any layer, against the long run. */
  readonly maxStateDifference: number;
  /** Largest |difference| of the last layer's output at any step, against the long run. */
  readonly maxOutputDifference: number;
  /** What Keras's semantics say: the stateful run must equal the long run; the others need not. */
  readonly expected: 'equal' | 'differ';
  /** Whether the differences are within the tolerance. */
  readonly equal: boolean;
}

export interface RowMapping {
  /** Row of every batch (and index of the long sequence). */
  readonly row: number;
  /** Samples in window order: row, row + B, row + 2B, … */
  readonly samples: readonly number[];
}

export interface VerifyResult {
  readonly config: SimulationConfig;
  /** K: windows per sequence (= batches). */
  readonly windows: number;
  /** B: sequences (= rows of each batch). */
  readonly sequences: number;
  /** K·T steps of each long sequence. */
  readonly stepsPerSequence: number;
  readonly mapping: readonly RowMapping[];
  readonly comparisons: readonly Comparison[];
  readonly tolerance: number;
  /** The stateful run equals the long run: what Keras promises holds. */
  readonly promiseHolds: boolean;
}

interface RunOutcome {
  /** Final state tensors of every layer, flattened, in layer order. */
  readonly states: Float32Array;
  /** The last layer's output (sequence, step, feature) over the long timeline. */
  readonly outputs: Float32Array;
}

/** Requirements of the proof, as one-line messages (empty when it can run). */
export function verifyProblems(config: SimulationConfig): string[] {
  const problems: string[] = [];
  if (config.samples % config.batchSize !== 0) {
    problems.push(`--shape/--batch: ${config.samples} windows do not divide into stateful batches of ${config.batchSize}; verify needs N to be a multiple of B: give e.g. --shape ${Math.max(2, Math.ceil(config.samples / config.batchSize)) * config.batchSize},${config.timesteps},${config.features}.`);
  } else if (config.samples / config.batchSize < 2) {
    problems.push(`--shape/--batch: ${config.samples} windows in batches of ${config.batchSize} make one batch; verify needs at least 2 windows per sequence (N ≥ 2B): give e.g. --shape ${2 * config.batchSize},${config.timesteps},${config.features}.`);
  }
  return problems;
}

export function verifyContinuity(config: SimulationConfig): VerifyResult {
  const steps = verifySteps(config);
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}

/** `verifyContinuity` one layer call at a time: yields between calls, so a caller can pause (Ctrl-C). */
export function* verifySteps(config: SimulationConfig): Generator<void, VerifyResult, undefined> {
  const B = config.batchSize;
  const K = config.samples / B;
  const T = config.timesteps;
  const inOrder = Int32Array.from({ length: config.samples }, (_, i) => i);
  // the four runs build the same seeded weights: made once here, a step at a time
  yield* prepareLayers(config);
  const long = yield* runLong(config, K);
  const stateful = yield* runWindows(config, inOrder, true, K);
  const stateless = yield* runWindows(config, inOrder, false, K);
  const shuffled = yield* runWindows(config, permutation(config.samples, deriveSeed(config.seed, 0x5f1e, 1)), true, K);
  const compare = (name: string, description: string, outcome: RunOutcome, expected: 'equal' | 'differ'): Comparison => {
    const maxStateDifference = maxAbsDifference(outcome.states, long.states);
    const maxOutputDifference = maxAbsDifference(outcome.outputs, long.outputs);
    return {
      name,
      description,
      maxStateDifference,
      maxOutputDifference,
      expected,
      equal: maxStateDifference <= verifyTolerance && maxOutputDifference <= verifyTolerance,
    };
  };
  const comparisons = [
    compare('stateful', `stateful, ${plural(K, 'batch', 'batches')} of ${plural(B, 'window')} in order (row i continues row i)`, stateful, 'equal'),
    compare('stateless-windows', `stateless, the same ${plural(K, 'batch', 'batches')} (every batch starts from zeros)`, stateless, 'differ'),
    compare('shuffled-stateful', `stateful, windows shuffled (shuffle=True): row i gets unrelated windows`, shuffled, 'differ'),
  ];
  const mapping = Array.from({ length: B }, (_, row) => ({ row, samples: Array.from({ length: K }, (_, k) => k * B + row) }));
  return {
    config,
    windows: K,
    sequences: B,
    stepsPerSequence: K * T,
    mapping,
    comparisons,
    tolerance: verifyTolerance,
    promiseHolds: comparisons[0]!.equal,
  };
}

function maxAbsDifference(a: Float32Array, b: Float32Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

function collectStates(layers: readonly RecurrentLayer[]): Float32Array {
  const tensors = layers.flatMap((layer) => layer.state().states);
  const all = new Float32Array(tensors.reduce((n, t) => n + t.length, 0));
  let offset = 0;
  for (const tensor of tensors) {
    all.set(tensor, offset);
    offset += tensor.length;
  }
  return all;
}

const noHooks: StateHooks = {};

/** The same model with every layer stateful (or every layer stateless). */
function withStateful(config: SimulationConfig, stateful: boolean): SimulationConfig {
  return config.layers ? { ...config, stateful, layers: config.layers.map((l) => ({ ...l, stateful })) } : { ...config, stateful };
}

/** K batches of B windows each, in the given sample order; the last layer's outputs placed on the long timeline of row i. */
function* runWindows(config: SimulationConfig, order: Int32Array, stateful: boolean, K: number): Generator<void, RunOutcome, undefined> {
  const B = config.batchSize;
  const T = config.timesteps;
  const D = config.features;
  const layers = buildLayers(withStateful(config, stateful), B, true);
  const last = layers[layers.length - 1]!;
  const outputs = new Float32Array(B * K * T * last.outputDim);
  const inputs = new Float32Array(B * T * D);
  const mask = hasPadding(config) ? new Uint8Array(B * T) : undefined;
  const position = { phase: 'fit', epoch: 1, batch: 1, timing: 'before-batch' } as const;
  for (const layer of layers) layer.build(position, noHooks);
  for (let k = 0; k < K; k++) {
    const samples = order.subarray(k * B, (k + 1) * B);
    const call: LayerCall = { phase: 'fit', epoch: 1, batch: k + 1, rows: B, samples };
    fillSyntheticInputs(inputs, samples, T, D, config.seed);
    if (mask) fillConfigMask(mask, samples, T, config);
    let layerInputs: Float32Array = inputs;
    for (const layer of layers) {
      layer.call(layerInputs, call, noHooks, mask);
      layerInputs = layer.outputs;
      yield;
    }
    const width = last.outputDim;
    for (let row = 0; row < B; row++) {
      outputs.set(last.outputs.subarray(row * T * width, (row + 1) * T * width), (row * K * T + k * T) * width);
    }
  }
  return { states: collectStates(layers), outputs };
}

/** One stateless call: B sequences of K·T steps, sequence i = windows i, i+B, …, i+(K-1)B. */
function* runLong(config: SimulationConfig, K: number): Generator<void, RunOutcome, undefined> {
  const B = config.batchSize;
  const T = config.timesteps;
  const D = config.features;
  const longConfig: SimulationConfig = { ...withStateful(config, false), timesteps: K * T };
  const layers = buildLayers(longConfig, B, true);
  const inputs = new Float32Array(B * K * T * D);
  const window = new Float32Array(T * D);
  const windowMask = new Uint8Array(T);
  const mask = hasPadding(config) ? new Uint8Array(B * K * T) : undefined;
  for (let row = 0; row < B; row++) {
    for (let k = 0; k < K; k++) {
      const sample = Int32Array.of(k * B + row);
      fillSyntheticInputs(window, sample, T, D, config.seed);
      inputs.set(window, (row * K * T + k * T) * D);
      if (mask) {
        fillConfigMask(windowMask, sample, T, config);
        mask.set(windowMask, row * K * T + k * T);
      }
    }
  }
  const call: LayerCall = { phase: 'fit', epoch: 1, batch: 1, rows: B, samples: Int32Array.from({ length: B }, (_, i) => i) };
  let layerInputs: Float32Array = inputs;
  for (const layer of layers) {
    yield;
    layer.call(layerInputs, call, noHooks, mask);
    layerInputs = layer.outputs;
  }
  return { states: collectStates(layers), outputs: layers[layers.length - 1]!.outputs.slice() };
}
