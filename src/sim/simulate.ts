/**
 * Runs a training configuration through a real LSTM forward pass and records, through the state
 * hooks, every reset event. Pure: returns a result object; rendering and I/O live elsewhere.
 */
import { layerAppliesMask, planMaxBatch, resolveLayers, splitData, wiredStart, type SimulationConfig } from '../keras/config.ts';
import { otherStartFields, zeroByReason, zeroes, type LayerCall, type OtherStartField, type ResetReason, type RunPosition } from '../keras/events.ts';
import type { ModelProgram } from '../keras/graph.ts';
import { batchSizeFailureFinding, configFindings, type Finding } from '../keras/findings.ts';
import { executionOf } from '../keras/backends.ts';
import { kerasProfiles } from '../keras/profiles.ts';
import { runSchedule } from '../keras/schedule.ts';
import { StateFlow, initialStateMode } from '../keras/state-flow.ts';
import { createCell, prepareCell, gruCell, lstmCell, simpleRnnCell, type CellKind } from '../nn/cells.ts';
import type { GateActivation } from '../nn/lstm.ts';
import { deriveSeed, fillSynthetic, mix32 } from '../shared/random.ts';
import { explain } from './explain.ts';
import { combineHooks, type StateHooks } from './hooks.ts';
import { RecurrentLayer } from './layer.ts';
import { createProgramRunner, fillLayoutMask, programShapes, type InputSource } from './program.ts';
import type { EpochTotals, LayerTotals, ResetEvent, SimulationResult, Totals } from './result.ts';

export type { InputSource } from './program.ts';

/** Weights to use instead of the seeded Keras defaults (a model file's): per layer, per direction. */
export interface LayerWeightsOverride {
  readonly forward: { readonly kernel: Float32Array; readonly recurrentKernel: Float32Array; readonly bias: Float32Array | null };
  readonly backward?: { readonly kernel: Float32Array; readonly recurrentKernel: Float32Array; readonly bias: Float32Array | null };
}

export interface SimulateOptions {
  /** Extra observers of the running forward pass. */
  readonly hooks?: StateHooks;
  /** Input values (default: seeded synthetic values). */
  readonly inputs?: InputSource;
  /** Real weights per layer (default, or undefined for a layer: seeded Keras initialisers). */
  readonly weights?: readonly (LayerWeightsOverride | undefined)[];
  /**
   * A model file's wiring: each recurrent layer's input, mask and initial_state (instead of a plain
   * stack), with one input source per model input (`inputs` is the first's).
   */
  readonly program?: ModelProgram;
  /** Input sources of the program's inputs after the first. */
  readonly moreInputs?: readonly (InputSource | undefined)[];
  /** Receives every event as it happens (streaming outputs). */
  readonly onEvent?: (event: ResetEvent) => void;
  /** Keep the events in `result.events` (default true; false keeps memory flat for streams). */
  readonly keepEvents?: boolean;
  /**
   * The samples of a call's rows when they must differ from the schedule's (a replay of Keras's own
   * shuffled order); undefined keeps the schedule's.
   */
  readonly samplesOf?: (call: LayerCall) => ArrayLike<number> | undefined;
  /** The mask of the given samples, (rows, timesteps), 0 = padded (default: config.maskTail's synthetic one). */
  readonly mask?: { fill(mask: Uint8Array, samples: Int32Array): void };
  /**
   * The initial_state values a call passes to a stateful layer (per direction, per tensor: rows × units),
   * when config.initialStatePassed; default zeros.
   */
  readonly initialState?: (layer: number, call: LayerCall) => readonly (readonly Float32Array[])[] | undefined;
}

/** Seed tag of the synthetic inputs. */
const inputSeedTag = 0x1a7;

/** Fills `buffer` with the inputs of the given samples: (rows, timesteps, features). */
export function fillSyntheticInputs(
  buffer: Float32Array,
  samples: Int32Array,
  timesteps: number,
  features: number,
  seed: number,
): void {
  const inputSeed = deriveSeed(seed, inputSeedTag);
  fillSynthetic(buffer, inputSeed, samples, timesteps, features);
}

/** Seed tag of the choice of padded samples. */
const maskSeedTag = 0x3a5c;

/** Whether `sample` is padded: all samples at fraction 1, a seeded choice below. */
export function isPaddedSample(seed: number, sample: number, fraction: number): boolean {
  if (fraction >= 1) return true;
  return mix32(deriveSeed(seed, maskSeedTag) ^ mix32(sample)) / 4294967296 < fraction;
}

/** The mask of a call: (rows, timesteps), 0 on the last `maskTail` steps of padded samples. */
export function fillMask(mask: Uint8Array, samples: Int32Array, timesteps: number, maskTail: number, maskFraction: number, seed: number): void {
  for (let r = 0; r < samples.length; r++) {
    const padded = isPaddedSample(seed, samples[r]!, maskFraction);
    for (let t = 0; t < timesteps; t++) mask[r * timesteps + t] = padded && t >= timesteps - maskTail ? 0 : 1;
  }
}

/** The mask of a call from the configuration's padding: --padding/--lengths, or --mask-tail of a seeded fraction. */
export function fillConfigMask(mask: Uint8Array, samples: Int32Array, timesteps: number, config: SimulationConfig): void {
  if (config.padding) fillLayoutMask(mask, samples, timesteps, config.padding, config.seed);
  else fillMask(mask, samples, timesteps, config.maskTail ?? 0, config.maskFraction ?? 1, config.seed);
}

/** Whether the configuration pads its samples at all. */
export function hasPadding(config: SimulationConfig): boolean {
  return config.padding !== undefined || (config.maskTail ?? 0) > 0;
}

/** How a model file's layers are wired in: each layer's input features and timesteps. */
export interface LayerShapes {
  readonly inputDims: readonly number[];
  readonly timesteps: readonly number[];
}

/** Input features and timesteps of every layer entry of a program (shared layers: the largest). */
export function programLayerShapes(config: SimulationConfig, program: ModelProgram): LayerShapes {
  const specs = resolveLayers(config);
  const dims = specs.map((spec) => ({ units: spec.units, outputDim: spec.units * (spec.bidirectional ? 2 : 1) }));
  const merged = program.steps.map((step) => (step.kind === 'recurrent' && step.mergeMode !== 'concat' ? step.layer : -1));
  for (const index of merged) if (index >= 0) dims[index] = { units: dims[index]!.units, outputDim: dims[index]!.units };
  const shapes = programShapes(program, dims);
  const inputDims = specs.map(() => 0);
  const timesteps = specs.map(() => 1);
  for (const step of program.steps) {
    if (step.kind !== 'recurrent') continue;
    const shape = shapes.get(step.input)!;
    inputDims[step.layer] = shape.features;
    timesteps[step.layer] = Math.max(timesteps[step.layer]!, shape.timesteps ?? 1);
  }
  return { inputDims, timesteps };
}

/**
 * The layers of a configuration, built with Keras default initialisers from the seed (the weights
 * depend only on the seed and the layer stack). `keepLastOutputs` keeps the top layer's sequence too.
 * With `shapes` (a model file's wiring) each layer takes its own input features and timesteps, and a
 * shared layer's entries get the same layer object.
 */
export function buildLayers(
  config: SimulationConfig,
  maxRows: number,
  keepLastOutputs = false,
  weights?: readonly (LayerWeightsOverride | undefined)[],
  shapes?: LayerShapes & { readonly mergeModes?: readonly ('concat' | 'sum' | 'mul' | 'ave')[] },
): RecurrentLayer[] {
  const profile = kerasProfiles[config.keras];
  const specs = resolveLayers(config);
  let inputDim = config.features;
  const byName = new Map<string, RecurrentLayer>();
  return specs.map((spec, index) => {
    if (shapes) {
      const shared = byName.get(spec.name);
      if (shared) return shared;
      inputDim = shapes.inputDims[index]!;
    }
    const activation = { name: spec.recurrentActivation, hardSigmoidSlope: profile.hardSigmoidSlope, ...(spec.activation ? { candidate: spec.activation } : {}) };
    const resetAfter = spec.resetAfter ?? profile.gruResetAfter;
    const cellFor = (direction: number) => {
      const given = weights?.[index]?.[direction === 0 ? 'forward' : 'backward'];
      if (given) return cellFromWeights(spec.cell, inputDim, spec.units, given, activation, resetAfter);
      return createCell({
        kind: spec.cell,
        inputDim,
        units: spec.units,
        activation,
        resetAfter,
        // the first layer's forward cell keeps the seed's own weights (a single LSTM as before)
        seed: index === 0 && direction === 0 ? config.seed : deriveSeed(config.seed, 0x1a7e5, index, direction),
      });
    };
    const layer = new RecurrentLayer({
      name: spec.name,
      stateful: spec.stateful,
      maxRows,
      timesteps: shapes ? Math.max(...specs.map((other, i) => (other.name === spec.name ? shapes.timesteps[i]! : 1))) : config.timesteps,
      cells: spec.bidirectional ? [cellFor(0), cellFor(1)] : [cellFor(0)],
      keepOutputs: shapes !== undefined || keepLastOutputs || index < specs.length - 1,
      ...(shapes?.mergeModes?.[index] ? { mergeMode: shapes.mergeModes[index] } : {}),
    });
    byName.set(spec.name, layer);
    inputDim = layer.outputDim;
    return layer;
  });
}

/**
 * `buildLayers`'s seeded weight initialisation done ahead, yielding every few milliseconds (a large
 * `--units` takes seconds), so the caller can pause between steps and see Ctrl-C; the `buildLayers`
 * that follows (with the same config and weights) then finds the recurrent kernels made.
 */
export function* prepareLayers(config: SimulationConfig, weights?: readonly (LayerWeightsOverride | undefined)[]): Generator<void, void, undefined> {
  const specs = resolveLayers(config);
  for (const [index, spec] of specs.entries()) {
    for (let direction = 0; direction < (spec.bidirectional ? 2 : 1); direction++) {
      if (weights?.[index]?.[direction === 0 ? 'forward' : 'backward']) continue;
      yield* prepareCell(spec.cell, spec.units, index === 0 && direction === 0 ? config.seed : deriveSeed(config.seed, 0x1a7e5, index, direction));
    }
  }
}

/** A cell over given Keras-layout weights (a missing bias, use_bias=False, is zeros). */
function cellFromWeights(
  kind: CellKind,
  inputDim: number,
  units: number,
  given: NonNullable<LayerWeightsOverride['backward']>,
  activation: GateActivation,
  resetAfter: boolean,
) {
  const gates = { lstm: 4, gru: 3, simple: 1 }[kind];
  if (given.kernel.length !== inputDim * gates * units || given.recurrentKernel.length !== units * gates * units) {
    throw new Error(`weights of a ${kind} layer with ${units} units and input ${inputDim} have the wrong size`);
  }
  const biasLength = kind === 'gru' && resetAfter ? 2 * gates * units : gates * units;
  const bias = given.bias ?? new Float32Array(biasLength);
  const base = { inputDim, units, kernel: given.kernel, recurrentKernel: given.recurrentKernel, bias };
  if (kind === 'lstm') return lstmCell(base, activation);
  if (kind === 'gru') return gruCell({ ...base, resetAfter }, activation);
  return simpleRnnCell(base, activation);
}

export function simulate(config: SimulationConfig, options: SimulateOptions = {}): SimulationResult {
  const steps = simulateSteps(config, options);
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}

/**
 * `simulate` one model call at a time: yields after every call, so a caller can pause between
 * calls (let the process see Ctrl-C, flush output) and returns the result at the end.
 */
export function* simulateSteps(config: SimulationConfig, options: SimulateOptions = {}): Generator<void, SimulationResult, undefined> {
  // the layers' worker threads end with the run however it ends: returned, thrown, or abandoned by
  // its caller (a generator's return() runs this finally)
  const built: { close(): void }[] = [];
  try {
    return yield* runSteps(config, options, built);
  } finally {
    for (const layer of built) layer.close();
  }
}

function* runSteps(config: SimulationConfig, options: SimulateOptions, built: { close(): void }[]): Generator<void, SimulationResult, undefined> {
  const { trainSamples, validationSamples } = splitData(config.samples, config.validationSplit);
  const specs = resolveLayers(config);
  const statefulModel = specs.some((spec) => spec.stateful);
  const maxRows = planMaxBatch(config);
  const program = options.program;
  const mergeModes = program
    ? specs.map((_, i) => {
        const step = program.steps.find((s) => s.kind === 'recurrent' && s.layer === i);
        return step?.kind === 'recurrent' ? step.mergeMode : 'concat';
      })
    : undefined;
  yield* prepareLayers(config, options.weights);
  const layers = buildLayers(config, maxRows, false, options.weights, program ? { ...programLayerShapes(config, program), mergeModes: mergeModes! } : undefined);
  built.push(...layers);
  // a shared layer's calls share one layer object
  const distinct = layers.filter((layer, i) => layers.indexOf(layer) === i);
  const wiring = specs.map((spec) => wiredStart(spec, config.keras));
  const firstStateful = specs.findIndex((spec) => spec.stateful);
  // one provenance for the model: every stateful layer sees the same calls (keras/state-flow.ts)
  const flow = new StateFlow(initialStateMode(config));
  // a model call ends when the last recurrent call of the model does
  const lastLayer = layers[layers.length - 1]!;
  const callsOfLast = specs.filter((spec) => spec.name === lastLayer.name).length;

  const events: ResetEvent[] = [];
  const keepEvents = options.keepEvents ?? true;
  const byReason: Record<ResetReason, number> = zeroByReason();
  let eventCount = 0;
  let resetCount = 0;
  let rowResets = 0;
  let fromLayerStarts = 0;
  let failedCalls = 0;
  /** Starts that are neither zeros nor a carry, by totals field. */
  const otherStarts: Record<OtherStartField, number> = { broadcastStarts: 0, storedRestarts: 0, initialStateStarts: 0 };
  // per fit epoch (0: calls of a plan before its first fit)
  const perEpoch = new Map<number, Mutable<EpochTotals>>();
  const emptyEpoch = (epoch: number): Mutable<EpochTotals> => ({ epoch, batches: 0, resetEvents: 0, rowResets: 0, carries: 0, broadcastStarts: 0, storedRestarts: 0, initialStateStarts: 0 });
  // the current epoch's entry is kept at hand, and every fit epoch up to `filledThrough` has one:
  // an epoch only fills in the ones after that (each epoch is added once over the run: O(epochs) in all)
  let latestEpoch = -1;
  let latestTotals: Mutable<EpochTotals> | undefined;
  let filledThrough = 0;
  const epochTotals = (epoch: number) => {
    if (epoch === latestEpoch) return latestTotals!;
    if (epoch === 0 && !perEpoch.has(0)) perEpoch.set(0, emptyEpoch(0));
    for (let e = filledThrough + 1; e <= epoch; e++) {
      if (!perEpoch.has(e)) perEpoch.set(e, emptyEpoch(e));
    }
    filledThrough = Math.max(filledThrough, epoch);
    latestEpoch = epoch;
    return (latestTotals = perEpoch.get(epoch)!);
  };
  const perLayer = new Map<string, Mutable<LayerTotals> & { byReason: Record<ResetReason, number> }>();
  for (const spec of specs) {
    if (!perLayer.has(spec.name)) {
      perLayer.set(spec.name, { ...spec, resetEvents: 0, rowResets: 0, carries: 0, broadcastStarts: 0, storedRestarts: 0, initialStateStarts: 0, fromLayerStarts: 0, byReason: zeroByReason() });
    }
  }
  const batchesByPhase = { fit: 0, validate: 0, evaluate: 0, predict: 0, train_on_batch: 0, predict_on_batch: 0, call: 0, reset: 0 };
  let carries = 0;
  let finalMeanAbsH = 0;
  let lastLayerCalls = 0;
  // the recorder: the reset table is built from what the layers report while they run
  const recorder: StateHooks = {
    onReset(info) {
      const { position } = info;
      const event: ResetEvent = {
        index: ++eventCount,
        reason: info.reason,
        phase: position.phase,
        epoch: position.epoch,
        batch: position.batch,
        timing: position.timing,
        planStep: position.planStep ?? 1,
        layer: info.layer,
        rows: info.rows,
        stateTensors: info.stateTensors,
        discardedMeanAbsH: info.discardedMeanAbsH,
      };
      if (keepEvents) events.push(event);
      options.onEvent?.(event);
      byReason[info.reason]++;
      const epoch = epochTotals(position.epoch);
      const layer = perLayer.get(info.layer)!;
      layer.byReason[info.reason]++;
      if (zeroes(info.reason)) {
        resetCount++;
        rowResets += info.rows;
        epoch.resetEvents++;
        epoch.rowResets += info.rows;
        layer.resetEvents++;
        layer.rowResets += info.rows;
      } else {
        // a start from something else: its own kind, never a reset
        const field = otherStartFields[info.reason];
        otherStarts[field]++;
        epoch[field]++;
        layer[field]++;
      }
    },
    onFromLayer(info) {
      const { position } = info;
      const event: ResetEvent = {
        index: ++eventCount,
        reason: 'from-layer',
        phase: position.phase,
        epoch: position.epoch,
        batch: position.batch,
        timing: position.timing,
        planStep: position.planStep ?? 1,
        layer: info.layer,
        rows: info.rows,
        stateTensors: info.stateTensors,
        discardedMeanAbsH: info.discardedMeanAbsH,
      };
      if (keepEvents) events.push(event);
      options.onEvent?.(event);
      fromLayerStarts++;
      perLayer.get(info.layer)!.fromLayerStarts++;
    },
    onCarry(info) {
      carries++;
      epochTotals(info.position.epoch).carries++;
      perLayer.get(info.layer)!.carries++;
    },
    onBatchEnd(call, state) {
      // a model call ends when its last layer does (a shared last layer: at its last call)
      if (state.layer !== lastLayer.name) return;
      if (++lastLayerCalls % callsOfLast !== 0) return;
      batchesByPhase[call.phase]++;
      epochTotals(call.epoch).batches++;
      finalMeanAbsH = lastLayer.meanAbsH();
    },
  };
  const hooks = options.hooks ? combineHooks(recorder, options.hooks) : recorder;

  const findings: Finding[] = [];
  const profile = kerasProfiles[config.keras];
  const runner = program
    ? createProgramRunner({
        program,
        layers,
        wiring,
        laterCall: specs.map((spec) => spec.call !== undefined),
        config,
        maxRows,
        hardSigmoidSlope: profile.hardSigmoidSlope,
        keras3: profile.keras3,
        sources: [options.inputs, ...(options.moreInputs ?? [])],
        ...(hasPadding(config) ? { padding: (m: Uint8Array, samples: Int32Array, timesteps: number) => fillConfigMask(m, samples, timesteps, config) } : {}),
      })
    : undefined;
  const inputs = new Float32Array(runner ? 0 : maxRows * config.timesteps * config.features);
  const overridden = new Int32Array(maxRows);
  const mask = !runner && hasPadding(config) ? new Uint8Array(maxRows * config.timesteps) : undefined;
  let maskedSteps = 0;
  let passThroughRows = 0;
  let completed = true;
  /** Where an uncaught exception ended the run. */
  let stoppedAt: RunPosition | undefined;
  /** The last fit epoch the run reached, and the epochs a failure cut short. */
  let lastEpoch = 0;
  let abortedEpochs = 0;
  for (const step of runSchedule(config)) {
    if (step.kind === 'build') {
      for (const layer of distinct) layer.build(step.position, hooks, step.stateRows);
      flow.zero();
    } else if (step.kind === 'call') {
      let call = step.call;
      lastEpoch = Math.max(lastEpoch, call.epoch);
      const replaced = options.samplesOf?.(call);
      if (replaced) {
        overridden.set(Array.from(replaced).slice(0, call.rows));
        call = { ...call, samples: overridden.subarray(0, call.rows) };
      }
      if (runner) {
        const decision = statefulModel ? flow.call(call) : undefined;
        const counts = runner.run(call, hooks, decision);
        maskedSteps += counts.maskedSteps;
        passThroughRows += counts.passThroughRows;
        // a model file's program yields after every call too (the caller pauses for Ctrl-C)
        yield;
        continue;
      }
      if (options.inputs) options.inputs.fill(inputs, call.samples);
      else fillSyntheticInputs(inputs, call.samples, config.timesteps, config.features, config.seed);
      if (mask) {
        if (options.mask) options.mask.fill(mask, call.samples);
        else fillConfigMask(mask, call.samples, config.timesteps, config);
        // counted when a layer applies the mask (Keras 3: not a layer given initial_state)
        if (layers.some((_, index) => layerAppliesMask(specs[index]!, config.keras, call.initialState === true))) {
          for (let r = 0; r < call.rows; r++) {
            let masked = 0;
            for (let t = 0; t < config.timesteps; t++) masked += mask[r * config.timesteps + t] === 0 ? 1 : 0;
            maskedSteps += masked;
            if (masked === config.timesteps) passThroughRows++;
          }
        }
      }
      const decision = statefulModel ? flow.call(call) : undefined;
      let layerInputs: Float32Array = inputs;
      let layerMask: Uint8Array | undefined = mask;
      let rows = call.rows;
      layers.forEach((layer, index) => {
        const passed = layer.stateful ? decision?.from === 'initial-state' : call.initialState === true;
        const initialState = passed ? (options.initialState?.(index, call) ?? zeroState(layer, rows)) : undefined;
        // initial_state from an earlier layer of the stack: its final states of this call (§6)
        const from = specs[index]!.initialStateFrom;
        const source = from === undefined ? undefined : layers.find((other) => other.name === from);
        const mode = wiring[index]!;
        const applied = layerAppliesMask(specs[index]!, config.keras, call.initialState === true) ? layerMask : undefined;
        layer.call(layerInputs, call, hooks, applied, {
          rows,
          // a shared layer's later call continues its earlier one (no decision of its own)
          ...(layer.stateful && decision && !specs[index]!.call ? { decision, broadcastHere: index === firstStateful } : {}),
          ...(initialState ? { initialState } : {}),
          ...(source && mode !== 'none' ? { fromLayer: { from: source.name, states: source.finalStates(), mode } } : {}),
        });
        // a broadcast layer hands every state row to the layers above it (mask rows too)
        if (layer.stateful && rows !== layer.state().rows) {
          if (mask) layerMask = broadcastRows(mask, layer.state().rows, config.timesteps);
          rows = layer.state().rows;
        }
        layerInputs = layer.outputs;
      });
      yield;
    } else if (step.kind === 'reset-states') {
      lastEpoch = Math.max(lastEpoch, step.position.epoch);
      // model.reset_states() (or a loop over layers in Keras 3): every stateful layer
      for (const layer of distinct) if (layer.stateful) layer.resetStates(step.position, hooks);
      flow.zero();
    } else {
      // an uncaught exception ends the script; a caught one ends its step only
      if (!step.failure.caught) {
        completed = false;
        stoppedAt ??= step.failure.position;
      }
      const { phase, epoch } = step.failure.position;
      lastEpoch = Math.max(lastEpoch, epoch);
      if (phase === 'fit' || phase === 'validate') abortedEpochs++;
      epochTotals(step.failure.position.epoch);
      findings.push(batchSizeFailureFinding(config, step.failure));
      failedCalls++;
      hooks.onFailure?.(step.failure);
    }
  }
  // the fit epochs that ran to their end: those started, less those a failure cut short
  const epochsCompleted = lastEpoch - abortedEpochs;
  findings.push(...configFindings(config, flow.evidence, stoppedAt));

  const totals: Totals = {
    batches:
      batchesByPhase.fit +
      batchesByPhase.validate +
      batchesByPhase.evaluate +
      batchesByPhase.predict +
      batchesByPhase.train_on_batch +
      batchesByPhase.predict_on_batch +
      batchesByPhase.call,
    fitBatches: batchesByPhase.fit,
    validationBatches: batchesByPhase.validate,
    evaluateBatches: batchesByPhase.evaluate,
    predictBatches: batchesByPhase.predict,
    trainOnBatchBatches: batchesByPhase.train_on_batch,
    predictOnBatchBatches: batchesByPhase.predict_on_batch,
    directCalls: batchesByPhase.call,
    resetEvents: resetCount,
    rowResets,
    carries,
    ...otherStarts,
    fromLayerStarts,
    failedCalls,
    byReason,
    perEpoch: [...perEpoch.values()].sort((a, b) => a.epoch - b.epoch),
    epochsCompleted,
    trainSamples,
    validationSamples,
    perLayer: [...perLayer.values()],
    maskedSteps,
    passThroughRows,
  };
  const result = { config: resolveRunConfig(config), events, totals, findings, completed, finalMeanAbsH, countOnly: false };
  return { ...result, answer: explain(result) };
}

/** Zero initial states for a layer's `rows` rows (the command line's --initial-state passes zeros). */
function zeroState(layer: RecurrentLayer, rows: number): Float32Array[][] {
  return layer.cells.map((cell) => Array.from({ length: cell.stateTensors }, () => new Float32Array(rows * cell.units)));
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** A (rows, timesteps) mask whose first row is repeated over `rows` rows (a broadcast call). */
function broadcastRows(mask: Uint8Array, rows: number, timesteps: number): Uint8Array {
  const out = new Uint8Array(rows * timesteps);
  for (let r = 0; r < rows; r++) out.set(mask.subarray(0, timesteps), r * timesteps);
  return out;
}

/** The configuration as results report it: with the version's label, the backend and the resolved layers. */
export function resolveRunConfig(config: SimulationConfig): SimulationResult['config'] {
  const { backend } = executionOf(config);
  return { ...config, backend, kerasLabel: kerasProfiles[config.keras].label, resolvedLayers: resolveLayers(config) };
}
