/**
 * Runs a model's program (keras/graph.ts) for one model call: fills each model input for the call's
 * rows, computes the layers in front of the recurrent ones (Embedding, Masking, Dense, …) and every
 * recurrent call with its own input, mask and initial_state, as the model's wiring says.
 */
import type { PaddingLayout, SimulationConfig } from '../keras/config.ts';
import type { LayerCall } from '../keras/events.ts';
import type { FlowDecision } from '../keras/state-flow.ts';
import { autoMaskDropped, type ModelProgram, type ProgramStep, type TensorId } from '../keras/graph.ts';
import { applyActivation, dense, embeddingLookup } from '../nn/layers.ts';
import { deriveSeed, fillSynthetic, mix32, syntheticInput } from '../shared/random.ts';
import type { StateHooks } from './hooks.ts';
import type { RecurrentLayer } from './layer.ts';

/** Where the input values of a batch come from: synthetic by default, or a data file. */
export interface InputSource {
  /** Fills `buffer` with the (rows, timesteps, features) inputs of the given samples. */
  fill(buffer: Float32Array, samples: Int32Array): void;
}

/** A tensor between steps: (maxRows, timesteps, features), or (maxRows, features) when timesteps is null. */
interface Tensor {
  readonly timesteps: number | null;
  readonly features: number;
  readonly data: Float32Array;
  /** (maxRows, timesteps), 1 = real step; undefined without a mask. */
  mask: Uint8Array | undefined;
}

/** Seed tag of the synthetic values of model inputs after the first, and of uncomputed tensors. */
const extraInputSeedTag = 0x1b9;

/** Seed tag of the per-sample lengths of `--lengths MIN-MAX`. */
const lengthSeedTag = 0x1e6;

/** Real (unpadded) steps of `sample` under a padding layout, out of `timesteps`. */
export function realLength(layout: PaddingLayout, sample: number, timesteps: number, seed: number): number {
  const { lengths } = layout;
  let length: number;
  if (lengths.kind === 'list') length = lengths.values[sample % lengths.values.length]!;
  else length = lengths.min + (mix32(deriveSeed(seed, lengthSeedTag) ^ mix32(sample)) % (lengths.max - lengths.min + 1));
  return Math.max(0, Math.min(timesteps, length));
}

/**
 * The values of model input `index` for `samples`, (samples, timesteps or 1, features) row-major:
 * from its data source, else seeded (token ids in [1, vocabulary)), padded as `padding` says.
 * The runner and --trace fill inputs with it, so a trace records what the run computed on.
 */
export function fillProgramInput(
  out: Float32Array,
  program: ModelProgram,
  index: number,
  samples: Int32Array,
  seed: number,
  source: InputSource | undefined,
  padding: ((mask: Uint8Array, samples: Int32Array, timesteps: number) => void) | undefined,
  padMask: Uint8Array = new Uint8Array(samples.length * (program.inputs[index]!.timesteps ?? 1)),
): void {
  const input = program.inputs[index]!;
  const T = input.timesteps ?? 1;
  const D = input.features;
  if (source) {
    source.fill(out, samples);
    return;
  }
  const inputSeed = index === 0 ? deriveSeed(seed, 0x1a7) : deriveSeed(seed, extraInputSeedTag, index);
  if (input.vocabulary) {
    // token ids: whole numbers in [1, vocabulary); 0 is kept for padding
    let at = 0;
    for (let r = 0; r < samples.length; r++) {
      for (let t = 0; t < T; t++) {
        for (let d = 0; d < D; d++) out[at++] = 1 + Math.floor(((syntheticInput(inputSeed, samples[r]!, t, d) + 1) / 2) * (input.vocabulary - 1));
      }
    }
  } else {
    fillSynthetic(out, inputSeed, samples, T, D);
  }
  if (input.paddingValue !== null && padding && input.timesteps !== null) {
    padding(padMask, samples, T);
    for (let r = 0; r < samples.length; r++) {
      for (let t = 0; t < T; t++) if (padMask[r * T + t] === 0) out.fill(input.paddingValue, (r * T + t) * D, (r * T + t + 1) * D);
    }
  }
}

/** The mask of a call under a padding layout: (rows, timesteps), 0 on padded steps. */
export function fillLayoutMask(mask: Uint8Array, samples: Int32Array, timesteps: number, layout: PaddingLayout, seed: number): void {
  for (let r = 0; r < samples.length; r++) {
    const length = realLength(layout, samples[r]!, timesteps, seed);
    for (let t = 0; t < timesteps; t++) {
      const real = layout.side === 'post' ? t < length : t >= timesteps - length;
      mask[r * timesteps + t] = real ? 1 : 0;
    }
  }
}

export interface ProgramRunner {
  /**
   * Runs the program for one model call (`decision`: where its stateful layers start, keras/state-flow.ts);
   * returns the padded steps and fully padded rows its masks had.
   */
  run(call: LayerCall, hooks: StateHooks, decision?: FlowDecision): { maskedSteps: number; passThroughRows: number };
  /** The tensor a step wrote (tests and traces). */
  tensor(id: TensorId): { timesteps: number | null; features: number; data: Float32Array; mask: Uint8Array | undefined } | undefined;
}

export interface ProgramRunnerOptions {
  readonly program: ModelProgram;
  /** The layer object of each entry of resolveLayers(config) (a shared layer's entries share one). */
  readonly layers: readonly RecurrentLayer[];
  /** How each entry uses an initial_state from another layer (keras/config.ts wiredStart, §6). */
  readonly wiring: readonly ('always' | 'while-zero' | 'none')[];
  /** Entries that are a shared layer's later call. */
  readonly laterCall?: readonly boolean[];
  readonly config: SimulationConfig;
  readonly maxRows: number;
  readonly hardSigmoidSlope: number;
  /** Keras 3: a recurrent call given initial_state gets no mask (keras/graph.ts autoMaskDropped). */
  readonly keras3?: boolean;
  /** One source per model input (missing ones are synthetic). */
  readonly sources?: readonly (InputSource | undefined)[];
  /**
   * How synthetic inputs are padded (a mask-producing layer then masks those steps): the layout, or
   * the --mask-tail K of a seeded fraction of the samples.
   */
  readonly padding?: (mask: Uint8Array, samples: Int32Array, timesteps: number) => void;
}

/** Static shapes of every tensor of a program (inputs and step outputs). */
export function programShapes(
  program: ModelProgram,
  layers: readonly { readonly outputDim: number; readonly units: number }[],
): Map<TensorId, { timesteps: number | null; features: number }> {
  const shapes = new Map<TensorId, { timesteps: number | null; features: number }>();
  program.inputs.forEach((input) => shapes.set(`input:${input.name}`, { timesteps: input.timesteps, features: input.features }));
  const shapeOf = (id: TensorId) => {
    const shape = shapes.get(id);
    if (!shape) throw new Error(`the program reads ${id} before any step writes it`);
    return shape;
  };
  for (const step of program.steps) {
    switch (step.kind) {
      case 'recurrent': {
        const input = shapeOf(step.input);
        const layer = layers[step.layer]!;
        if (step.output) shapes.set(step.output, { timesteps: step.returnSequences ? input.timesteps : null, features: layer.outputDim });
        step.states?.forEach((id) => shapes.set(id, { timesteps: null, features: layer.units }));
        break;
      }
      case 'embedding':
        shapes.set(step.output, { timesteps: shapeOf(step.input).timesteps, features: step.outputDim });
        break;
      case 'masking':
      case 'activation':
      case 'identity':
      case 'scale':
        shapes.set(step.output, shapeOf(step.input));
        break;
      case 'dense':
        shapes.set(step.output, { timesteps: shapeOf(step.input).timesteps, features: step.units });
        break;
      case 'repeat':
        shapes.set(step.output, { timesteps: step.times, features: shapeOf(step.input).features });
        break;
      case 'conv1d':
        shapes.set(step.output, { timesteps: step.timesteps, features: step.filters });
        break;
      case 'reshape':
        shapes.set(step.output, { timesteps: step.timesteps, features: step.features });
        break;
      case 'transpose': {
        const input = shapeOf(step.input);
        shapes.set(step.output, { timesteps: input.features, features: input.timesteps ?? 1 });
        break;
      }
      case 'pool1d':
        shapes.set(step.output, { timesteps: step.timesteps, features: shapeOf(step.input).features });
        break;
      case 'merge': {
        const inputs = step.inputs.map(shapeOf);
        const features = step.mode === 'concat' ? inputs.reduce((sum, s) => sum + s.features, 0) : inputs[0]!.features;
        shapes.set(step.output, { timesteps: inputs[0]!.timesteps, features });
        break;
      }
      case 'synthetic':
        shapes.set(step.output, { timesteps: step.timesteps, features: step.features });
        break;
    }
  }
  return shapes;
}

export function createProgramRunner(options: ProgramRunnerOptions): ProgramRunner {
  const { program, layers, config, maxRows } = options;
  const shapes = programShapes(program, layers);
  const tensors = new Map<TensorId, Tensor>();
  for (const [id, shape] of shapes) {
    const steps = shape.timesteps ?? 1;
    tensors.set(id, { ...shape, data: new Float32Array(maxRows * steps * shape.features), mask: undefined });
  }
  const get = (id: TensorId) => tensors.get(id)!;
  const maskBuffers = new Map<TensorId, Uint8Array>();
  const maskFor = (id: TensorId, timesteps: number) => {
    let buffer = maskBuffers.get(id);
    if (!buffer) maskBuffers.set(id, (buffer = new Uint8Array(maxRows * timesteps)));
    return buffer;
  };
  const padMask = new Uint8Array(maxRows * Math.max(1, ...program.inputs.map((input) => input.timesteps ?? 1)));

  function fillInput(index: number, call: LayerCall): void {
    const input = program.inputs[index]!;
    const tensor = get(`input:${input.name}`);
    tensor.mask = undefined;
    const samples = call.samples.length > call.rows ? call.samples.subarray(0, call.rows) : call.samples;
    fillProgramInput(tensor.data, program, index, samples, config.seed, options.sources?.[index], options.padding, padMask);
  }

  const firstStateful = layers.findIndex((layer) => layer.stateful);

  function runStep(
    step: ProgramStep,
    call: LayerCall,
    hooks: StateHooks,
    counts: { maskedSteps: number; passThroughRows: number },
    decision: FlowDecision | undefined,
    counted: Set<Uint8Array>,
  ): void {
    const rows = call.rows;
    // a mask's padded steps count once per model call, when a recurrent call applies it
    const countMask = (mask: Uint8Array, T: number) => {
      if (counted.has(mask)) return;
      counted.add(mask);
      for (let r = 0; r < rows; r++) {
        let masked = 0;
        for (let t = 0; t < T; t++) masked += mask[r * T + t] === 0 ? 1 : 0;
        counts.maskedSteps += masked;
        if (masked === T) counts.passThroughRows++;
      }
    };
    switch (step.kind) {
      case 'recurrent': {
        const layer = layers[step.layer]!;
        const input = get(step.input);
        if (input.timesteps === null) throw new Error(`recurrent layer ${layer.name} reads a tensor without timesteps`);
        const initial = step.initialState?.map((id) => get(id).data);
        const from = step.initialStateFrom;
        const mode = options.wiring[step.layer] ?? 'none';
        const mask = autoMaskDropped(step, options.keras3 === true) ? undefined : input.mask;
        if (mask) countMask(mask, input.timesteps);
        layer.call(input.data, call, hooks, mask, {
          timesteps: input.timesteps,
          goBackwards: step.goBackwards,
          // a shared layer's later call continues its earlier one (no decision of its own)
          ...(layer.stateful && decision && !options.laterCall?.[step.layer] ? { decision, broadcastHere: step.layer === firstStateful } : {}),
          ...(initial && from !== undefined && mode !== 'none' ? { fromLayer: { from, states: initial, mode } } : {}),
        });
        if (step.output) {
          const out = get(step.output);
          if (step.returnSequences) {
            out.data.set(layer.outputs.subarray(0, rows * input.timesteps * layer.outputDim));
            out.mask = input.mask;
          } else {
            layer.lastOutput(out.data);
            out.mask = undefined;
          }
        }
        if (step.states) {
          const finals = layer.finalStates();
          step.states.forEach((id, i) => get(id).data.set(finals[i]!));
        }
        break;
      }
      case 'embedding': {
        const input = get(step.input);
        const out = get(step.output);
        const count = rows * (input.timesteps ?? 1);
        const bad = embeddingLookup(input.data, count, step.embeddings, step.inputDim, step.outputDim, out.data);
        if (bad >= 0) {
          throw new RangeError(`${step.layer}: token id ${input.data[bad]} is outside [0, ${step.inputDim}) (Embedding input_dim=${step.inputDim})`);
        }
        out.mask = input.mask;
        if (step.maskZero && input.timesteps !== null) {
          const mask = maskFor(step.output, input.timesteps);
          for (let i = 0; i < count; i++) mask[i] = input.data[i] === 0 ? 0 : 1;
          out.mask = mask;
        }
        break;
      }
      case 'masking': {
        const input = get(step.input);
        const out = get(step.output);
        const T = input.timesteps ?? 1;
        const D = input.features;
        const mask = maskFor(step.output, T);
        for (let i = 0; i < rows * T; i++) {
          let real = 0;
          for (let d = 0; d < D; d++) if (input.data[i * D + d] !== step.maskValue) real = 1;
          mask[i] = real;
          // Masking outputs inputs * mask (keras/src/layers/core/masking.py)
          for (let d = 0; d < D; d++) out.data[i * D + d] = real ? input.data[i * D + d]! : 0;
        }
        out.mask = mask;
        break;
      }
      case 'dense': {
        const input = get(step.input);
        const out = get(step.output);
        const count = rows * (input.timesteps ?? 1);
        dense(input.data, count, input.features, step.kernel, step.bias, step.units, out.data);
        applyActivation(out.data, count, step.units, step.activation, options.hardSigmoidSlope);
        out.mask = input.mask;
        break;
      }
      case 'activation': {
        const input = get(step.input);
        const out = get(step.output);
        const count = rows * (input.timesteps ?? 1);
        out.data.set(input.data.subarray(0, count * input.features));
        applyActivation(out.data, count, input.features, step.activation, options.hardSigmoidSlope);
        out.mask = input.mask;
        break;
      }
      case 'scale': {
        const input = get(step.input);
        const out = get(step.output);
        const D = input.features;
        const count = rows * (input.timesteps ?? 1);
        for (let i = 0; i < count; i++) {
          for (let d = 0; d < D; d++) out.data[i * D + d] = input.data[i * D + d]! * step.scale[d]! + step.shift[d]!;
        }
        out.mask = input.mask;
        break;
      }
      case 'identity': {
        const input = get(step.input);
        const out = get(step.output);
        out.data.set(input.data.subarray(0, rows * (input.timesteps ?? 1) * input.features));
        out.mask = input.mask;
        break;
      }
      case 'conv1d': {
        const input = get(step.input);
        const out = get(step.output);
        conv1d(input.data, rows, input.timesteps ?? 1, input.features, step, out.data);
        applyActivation(out.data, rows * step.timesteps, step.filters, step.activation, options.hardSigmoidSlope);
        out.mask = undefined;
        break;
      }
      case 'reshape': {
        const input = get(step.input);
        const out = get(step.output);
        out.data.set(input.data.subarray(0, rows * (input.timesteps ?? 1) * input.features));
        out.mask = undefined;
        break;
      }
      case 'transpose': {
        const input = get(step.input);
        const out = get(step.output);
        const T = input.timesteps ?? 1;
        const D = input.features;
        for (let r = 0; r < rows; r++) {
          for (let t = 0; t < T; t++) for (let d = 0; d < D; d++) out.data[(r * D + d) * T + t] = input.data[(r * T + t) * D + d]!;
        }
        out.mask = undefined;
        break;
      }
      case 'pool1d': {
        const input = get(step.input);
        const out = get(step.output);
        pool1d(input.data, rows, input.timesteps ?? 1, input.features, step, out.data);
        out.mask = undefined;
        break;
      }
      case 'repeat': {
        const input = get(step.input);
        const out = get(step.output);
        const D = input.features;
        for (let r = 0; r < rows; r++) {
          const row = input.data.subarray(r * D, (r + 1) * D);
          for (let t = 0; t < step.times; t++) out.data.set(row, (r * step.times + t) * D);
        }
        out.mask = undefined;
        break;
      }
      case 'merge': {
        const inputs = step.inputs.map(get);
        const out = get(step.output);
        const T = inputs[0]!.timesteps ?? 1;
        const positions = rows * T;
        if (step.mode === 'concat') {
          const width = out.features;
          let offset = 0;
          for (const input of inputs) {
            for (let i = 0; i < positions; i++) out.data.set(input.data.subarray(i * input.features, (i + 1) * input.features), i * width + offset);
            offset += input.features;
          }
        } else {
          const size = positions * out.features;
          out.data.set(inputs[0]!.data.subarray(0, size));
          for (const input of inputs.slice(1)) {
            for (let i = 0; i < size; i++) {
              const a = out.data[i]!;
              const b = input.data[i]!;
              out.data[i] =
                step.mode === 'add' || step.mode === 'average' ? a + b
                : step.mode === 'subtract' ? a - b
                : step.mode === 'multiply' ? a * b
                : step.mode === 'maximum' ? Math.max(a, b)
                : Math.min(a, b);
            }
          }
          if (step.mode === 'average') for (let i = 0; i < size; i++) out.data[i] = out.data[i]! / inputs.length;
        }
        // merged masks: a step is real only where every masked input has it real
        const masks = inputs.map((input) => input.mask).filter((mask): mask is Uint8Array => mask !== undefined);
        if (masks.length === 0 || inputs[0]!.timesteps === null) {
          out.mask = undefined;
        } else {
          const mask = maskFor(step.output, T);
          for (let i = 0; i < positions; i++) mask[i] = masks.every((m) => m[i] === 1) ? 1 : 0;
          out.mask = mask;
        }
        break;
      }
      case 'synthetic': {
        const out = get(step.output);
        const T = step.timesteps ?? 1;
        const seed = deriveSeed(config.seed, extraInputSeedTag, mix32(hashName(step.layer)));
        let at = 0;
        for (let r = 0; r < rows; r++) {
          for (let t = 0; t < T; t++) for (let d = 0; d < step.features; d++) out.data[at++] = syntheticInput(seed, call.samples[r]!, t, d);
        }
        out.mask = undefined;
        break;
      }
    }
  }

  return {
    run(call, hooks, decision) {
      const counts = { maskedSteps: 0, passThroughRows: 0 };
      const counted = new Set<Uint8Array>();
      program.inputs.forEach((_, index) => fillInput(index, call));
      for (const step of program.steps) runStep(step, call, hooks, counts, decision, counted);
      return counts;
    },
    tensor(id) {
      return tensors.get(id);
    },
  };
}

/** Conv1D over each row: out[r, o, f] = bias[f] + Σ_k Σ_d x[r, o·stride + k·dilation − padLeft, d] · kernel[k, d, f] (zeros outside). */
export function conv1d(
  x: Float32Array,
  rows: number,
  T: number,
  D: number,
  step: { readonly kernel: Float32Array; readonly bias: Float32Array | null; readonly kernelSize: number; readonly filters: number; readonly stride: number; readonly dilation: number; readonly padLeft: number; readonly timesteps: number },
  out: Float32Array,
): void {
  const { kernel, bias, kernelSize, filters: F, stride, dilation, padLeft, timesteps: O } = step;
  const acc = new Float64Array(F);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < O; o++) {
      for (let f = 0; f < F; f++) acc[f] = bias ? bias[f]! : 0;
      for (let k = 0; k < kernelSize; k++) {
        const t = o * stride + k * dilation - padLeft;
        if (t < 0 || t >= T) continue;
        const xAt = (r * T + t) * D;
        const kAt = k * D * F;
        for (let d = 0; d < D; d++) {
          const v = x[xAt + d]!;
          if (v === 0) continue;
          const row = kAt + d * F;
          for (let f = 0; f < F; f++) acc[f] = acc[f]! + v * kernel[row + f]!;
        }
      }
      out.set(acc, (r * O + o) * F);
    }
  }
}

/** MaxPooling1D / AveragePooling1D over each row; padded positions ('same') are left out of the max and the mean, as TensorFlow does. */
export function pool1d(
  x: Float32Array,
  rows: number,
  T: number,
  D: number,
  step: { readonly mode: 'max' | 'average'; readonly pool: number; readonly stride: number; readonly padLeft: number; readonly timesteps: number },
  out: Float32Array,
): void {
  const { mode, pool, stride, padLeft, timesteps: O } = step;
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < O; o++) {
      const start = Math.max(0, o * stride - padLeft);
      const end = Math.min(T, o * stride - padLeft + pool);
      const at = (r * O + o) * D;
      for (let d = 0; d < D; d++) {
        let value = mode === 'max' ? -Infinity : 0;
        for (let t = start; t < end; t++) {
          const v = x[(r * T + t) * D + d]!;
          value = mode === 'max' ? Math.max(value, v) : value + v;
        }
        out[at + d] = mode === 'max' ? value : value / Math.max(1, end - start);
      }
    }
  }
}

function hashName(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
