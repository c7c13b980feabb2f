/**
 * Replayable numbers: one JSON-ready document with the weights of every layer (Keras layout,
 * row-major), the inputs, and the initial and final states of every layer call, so a run can be
 * replayed in Keras or TF.js and give the same numbers. Pure: built from hooks, written elsewhere.
 */
import { cellClassNames } from '../keras/layers.ts';
import { resolveLayers, type SimulationConfig } from '../keras/config.ts';
import type { StateHooks } from './hooks.ts';
import { kerasProfiles } from '../keras/profiles.ts';
import type { ModelProgram } from '../keras/graph.ts';
import { fillProgramInput } from './program.ts';
import { buildLayers, fillConfigMask, fillSyntheticInputs, hasPadding, programLayerShapes, type InputSource, type LayerWeightsOverride } from './simulate.ts';

/** Inputs (N·T·D values) are included up to this many values; above it `inputs` is null. */
export const traceInputLimit = 1_000_000;
/** A trace holds at most this many state values (initial and final, all calls and layers). */
export const traceStateLimit = 5_000_000;

/** A row-major array with its shape. */
export interface TraceTensor {
  readonly shape: readonly number[];
  readonly values: number[];
}

export interface TraceLayer {
  readonly name: string;
  /** Keras class: LSTM, GRU, SimpleRNN. */
  readonly className: string;
  readonly units: number;
  readonly stateful: boolean;
  readonly bidirectional: boolean;
  /** "sigmoid" or "hard_sigmoid" (formula in `hardSigmoid`); SimpleRNN has none. */
  readonly recurrentActivation: string | null;
  /** GRU only. */
  readonly resetAfter: boolean | null;
  /** One entry per direction (forward, then backward for Bidirectional): [kernel, recurrent_kernel, bias] as get_weights(). */
  readonly weights: readonly { readonly kernel: TraceTensor; readonly recurrentKernel: TraceTensor; readonly bias: TraceTensor }[];
}

export interface TraceCall {
  readonly phase: string;
  readonly epoch: number;
  readonly batch: number;
  /** Sample index of each row (into `inputs`). */
  readonly samples: number[];
  /** Per layer, in layer order: the state tensors (Keras order) at the start and at the end of the call. */
  readonly layers: readonly { readonly layer: string; readonly initialStates: TraceTensor[]; readonly finalStates: TraceTensor[] }[];
}

export interface Trace {
  readonly format: 'lstm-reset-trace';
  readonly version: 1;
  readonly config: SimulationConfig;
  /** The recurrent activation's formula in the chosen Keras version. */
  readonly hardSigmoid: string;
  readonly layers: readonly TraceLayer[];
  /** (N, T, D) inputs (synthetic, or the --data file's), or null above `traceInputLimit` values. */
  readonly inputs: TraceTensor | null;
  /** (N, T) mask (1 = real step, 0 = padding), or null without masking. */
  readonly mask: TraceTensor | null;
  /**
   * A model file's inputs by name, each as the run fed it: (N, T, D), token ids (N, T, 1), or a
   * vector input (N, F); the input the run's shape describes first. Absent without a model; null above `traceInputLimit` values in all.
   */
  readonly modelInputs?: readonly (TraceTensor & { readonly name: string })[] | null;
  readonly calls: TraceCall[];
}

/** State values a trace of this run holds (to check against `traceStateLimit` before running). */
export function traceStateValues(config: SimulationConfig, layerCalls: number, rowsPerCall: number): number {
  const perRow = resolveLayers(config).reduce((sum, layer) => sum + layer.stateTensors * layer.units, 0);
  return 2 * layerCalls * rowsPerCall * perRow;
}

function tensor(shape: readonly number[], values: ArrayLike<number>): TraceTensor {
  return { shape, values: Array.from(values) };
}

/** The trace's static part (weights, inputs, mask) and a hook that records every layer call. */
export function createTraceRecorder(
  config: SimulationConfig,
  weights?: readonly (LayerWeightsOverride | undefined)[],
  source?: InputSource,
  program?: ModelProgram,
  moreSources: readonly (InputSource | undefined)[] = [],
): { trace: Trace; hooks: StateHooks } {
  const profile = kerasProfiles[config.keras];
  const specs = resolveLayers(config);
  const built = buildLayers(config, 1, false, weights, program ? programLayerShapes(config, program) : undefined);
  const layers: TraceLayer[] = built.map((layer, i) => {
    const spec = specs[i]!;
    const cell = layer.cells[0]!;
    return {
      name: spec.name,
      className: cellClassNames[spec.cell],
      units: spec.units,
      stateful: spec.stateful,
      bidirectional: spec.bidirectional,
      recurrentActivation: spec.cell === 'simple' ? null : spec.recurrentActivation,
      resetAfter: cell.resetAfter ?? null,
      weights: layer.cells.map((c) => ({
        kernel: tensor(c.weights.shapes.kernel, c.weights.kernel),
        recurrentKernel: tensor(c.weights.shapes.recurrentKernel, c.weights.recurrentKernel),
        bias: tensor(c.weights.shapes.bias, c.weights.bias),
      })),
    };
  });
  const { samples: N, timesteps: T, features: D } = config;
  let inputs: TraceTensor | null = null;
  let mask: TraceTensor | null = null;
  // a model with several inputs, token ids or padding: its inputs are not one (N, T, D) array
  const plainInput = !program || (program.inputs.length === 1 && !program.inputs[0]!.vocabulary && !hasPadding(config));
  if (plainInput && N * T * D <= traceInputLimit) {
    const all = Int32Array.from({ length: N }, (_, i) => i);
    const values = new Float32Array(N * T * D);
    if (source) source.fill(values, all);
    else fillSyntheticInputs(values, all, T, D, config.seed);
    inputs = tensor([N, T, D], values);
    if (hasPadding(config) && !program) {
      const maskValues = new Uint8Array(N * T);
      fillConfigMask(maskValues, all, T, config);
      mask = tensor([N, T], maskValues);
    }
  }
  // a model's inputs, each as the runner fills it (data, or the same seeded values and padding)
  let modelInputs: (TraceTensor & { name: string })[] | null | undefined;
  if (program) {
    const sizes = program.inputs.map((input) => N * (input.timesteps ?? 1) * input.features);
    if (sizes.reduce((a, b) => a + b, 0) <= traceInputLimit) {
      const all = Int32Array.from({ length: N }, (_, i) => i);
      const sources = [source, ...moreSources];
      const padding = hasPadding(config) ? (m: Uint8Array, samples: Int32Array, timesteps: number) => fillConfigMask(m, samples, timesteps, config) : undefined;
      modelInputs = program.inputs.map((input, index) => {
        const values = new Float32Array(sizes[index]!);
        fillProgramInput(values, program, index, all, config.seed, sources[index], padding);
        const shape = input.timesteps === null ? [N, input.features] : [N, input.timesteps, input.features];
        return { name: input.name, ...tensor(shape, values) };
      });
    } else {
      modelInputs = null;
    }
  }
  const trace: Trace = {
    format: 'lstm-reset-trace',
    version: 1,
    config,
    hardSigmoid: profile.hardSigmoidFormula,
    layers,
    inputs,
    mask,
    ...(modelInputs !== undefined ? { modelInputs } : {}),
    calls: [],
  };
  let current: { phase: string; epoch: number; batch: number; samples: number[]; layers: TraceCall['layers'][number][] } | undefined;
  const states = (state: { rows: number; units: number; states: readonly Float32Array[] }) =>
    state.states.map((s) => tensor([state.rows, state.units], s));
  let lastCall: unknown;
  const hooks: StateHooks = {
    onBatchStart(call, state) {
      // a model call starts with its first layer call (a shared layer may be called again in it)
      if (call !== lastCall) {
        lastCall = call;
        current = { phase: call.phase, epoch: call.epoch, batch: call.batch, samples: Array.from(call.samples), layers: [] };
        trace.calls.push(current);
      }
      current!.layers.push({ layer: state.layer, initialStates: states(state), finalStates: [] });
    },
    onBatchEnd(_call, state) {
      const entry = current!.layers[current!.layers.length - 1]!;
      entry.finalStates.push(...states(state));
    },
  };
  return { trace, hooks };
}
