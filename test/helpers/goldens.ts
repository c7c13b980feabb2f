/**
 * Replays a Keras golden fixture (test/fixtures/keras-goldens/, scripts/keras-goldens/README.md
 * FORMAT 1) through the simulator: the fixture's model, weights, inputs, masks, plan and backend
 * become a SimulationConfig and SimulateOptions, and hooks record every call as Keras's observation
 * records it (phase, rows' samples, each layer's start and final states, what the state variable
 * holds after it), every reset and every exception. Comparing the two is the test's job.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveLayers, type LayerSpecInput, type PlanStep, type SimulationConfig } from '../../src/keras/config.ts';
import type { LayerCall } from '../../src/keras/events.ts';
import type { StateHooks } from '../../src/sim/hooks.ts';
import { runSchedule } from '../../src/keras/schedule.ts';
import { simulate, type InputSource, type LayerWeightsOverride } from '../../src/sim/simulate.ts';
import type { SimulationResult } from '../../src/sim/result.ts';

/** The corpus (KERAS_GOLDENS_DIR replays another, e.g. a fresh `npm run goldens -- --out DIR`). */
export const goldensDir = process.env['KERAS_GOLDENS_DIR'] ?? join(import.meta.dirname, '..', 'fixtures', 'keras-goldens');

type Backend = 'jax' | 'tensorflow' | 'torch';

export interface RnnLayer {
  type: 'rnn';
  cell: 'lstm' | 'gru' | 'simple';
  units: number;
  stateful: boolean;
  return_sequences: boolean;
  bidirectional: boolean;
  activation: string;
  recurrent_activation: string | null;
  reset_after: boolean | null;
  weights: { direction: 'forward' | 'backward'; name: string; shape: number[]; value: unknown }[];
}

interface PlanOp {
  op: string;
  catch: boolean;
  samples?: number[];
  epochs?: number;
  batch_size?: number | null;
  shuffle?: boolean | 'batch';
  validation_split?: number | null;
  validation_data?: boolean;
  validation_batch_size?: number | null;
  callbacks?: { type: string; when: 'epoch_end' | 'batch_end'; every?: number }[];
  method?: string;
  layer?: number;
  initial_state?: number[][][] | null;
}

export interface Scenario {
  model: { api: string; input: { kind: string; batch_shape?: number[]; shape?: number[]; batch_size?: number }; layers: ({ type: 'masking'; mask_value: number } | RnnLayer)[] };
  compile: { run_eagerly: boolean; jit_compile: boolean | 'auto' };
  trainable: boolean;
  random_seed: number | null;
  data: { x: number[][][]; y: unknown; mask: boolean[][] | null; validation_data: { x: number[][][]; mask: boolean[][] | null } | null };
  plan: PlanOp[];
}

export interface LayerObservation {
  layer: number;
  start: string[] | null;
  written: string[] | null;
  broadcast: 'input' | 'state' | null;
  final: { direction: 'forward' | 'backward'; h: number[][]; c?: number[][] }[] | null;
}

export interface CallEvent {
  kind: 'call';
  step: number;
  op: string;
  phase: string;
  epoch: number | null;
  batch: number | null;
  data: 'x' | 'validation_data';
  order: 'fixed' | 'seeded' | 'unseeded';
  samples: number[] | null;
  observed_samples?: number[];
  rows: number;
  output_rows: number | null;
  raised: boolean;
  layers: LayerObservation[];
}

export interface ResetEventObs {
  kind: 'reset';
  step: number;
  source: 'plan' | 'callback';
  when: 'epoch_end' | 'batch_end' | null;
  epoch: number | null;
  after_batch: number | null;
}

export interface RaiseEvent {
  kind: 'raise';
  step: number | null;
  op: string | null;
  phase: string;
  epoch: number | null;
  batch: number | null;
  in_call: boolean;
  caught: boolean;
  class: string;
  message: string;
  state_changed: boolean | null;
}

export type GoldenEvent = CallEvent | ResetEventObs | RaiseEvent;

export interface Observation {
  backend: Backend;
  status: 'ok' | 'raised' | 'worker_crashed' | 'generator_error';
  resolved: { run_eagerly: boolean; jit_compile: boolean };
  layer_names: string[] | null;
  events: GoldenEvent[];
}

export interface Fixture {
  format: string;
  format_version: number;
  id: string;
  title: string;
  backends_applicable: Backend[];
  scenario: Scenario;
  observed: Partial<Record<Backend, Observation>>;
}

export function loadFixtures(): Fixture[] {
  const index = JSON.parse(readFileSync(join(goldensDir, 'index.json'), 'utf8')) as { fixtures: { file: string }[] };
  return index.fixtures.map((entry) => JSON.parse(readFileSync(join(goldensDir, entry.file), 'utf8')) as Fixture);
}

/** What the simulator did in one call, as the fixture records Keras's. */
export interface SimCall {
  readonly phase: string;
  readonly epoch: number;
  readonly batch: number;
  readonly planStep: number;
  /** Original sample indices (into data.x or validation_data.x) of the rows. */
  readonly samples: number[];
  readonly data: 'x' | 'validation_data';
  readonly rows: number;
  readonly layers: {
    /** The candidates the simulator's own start equals: zeros, previous, stored, initial_state, stored_at_step:K. */
    start: string[];
    /** What the state variable holds after the call: final (written) and/or unchanged. */
    written: string[];
    final: Float32Array[];
    stateful: boolean;
  }[];
}

export interface SimRaise {
  readonly className: string;
  readonly message: string;
  readonly phase: string;
  readonly epoch: number;
  readonly batch: number;
  readonly planStep: number;
  readonly caught: boolean;
  readonly code: string;
}

export interface Replay {
  readonly config: SimulationConfig;
  readonly result: SimulationResult;
  readonly calls: SimCall[];
  readonly resets: { planStep: number; phase: string; epoch: number; batch: number; timing: string }[];
  readonly raises: SimRaise[];
  /** plan step index (0-based, the fixture's) of each flat plan step (1-based, the simulator's) */
  readonly fixtureStep: (planStep: number) => number;
  /** The simulator's own order of each shuffled fit batch, by "fixture step:fit epoch:batch" (original sample indices). */
  readonly ownOrder: ReadonlyMap<string, number[]>;
}

const f32 = (values: unknown): Float32Array => Float32Array.from((values as number[]).flat(Infinity as 1) as number[]);

/** Samples [from, from + count) when `indices` are consecutive and ascending. */
function asRange(indices: readonly number[]): { from: number; samples: number } | undefined {
  for (let i = 1; i < indices.length; i++) if (indices[i] !== indices[0]! + i) return undefined;
  return indices.length > 0 ? { from: indices[0]!, samples: indices.length } : undefined;
}

/** Each sample's real steps, for masks that pad after them (every fixture's: pad={row: k} pads the last k steps). */
function postLengths(id: string, masks: readonly boolean[][]): number[] {
  return masks.map((mask) => {
    const length = mask.filter(Boolean).length;
    if (mask.some((kept, t) => kept !== t < length)) throw new Error(`${id}: a mask that is not post-padding`);
    return length;
  });
}

/** A fixture's scenario as the simulator's configuration and options, on one backend. */
export function replay(fixture: Fixture, backend: Backend): Replay {
  const { scenario } = fixture;
  const observation = fixture.observed[backend]!;
  const rnns = scenario.model.layers.filter((l): l is RnnLayer => l.type === 'rnn');
  const masking = scenario.model.layers.some((l) => l.type === 'masking');
  const x = scenario.data.x;
  const T = x[0]!.length;
  const D = x[0]![0]!.length;
  // the virtual data set: data.x, then validation_data.x, then any non-consecutive sample list of a step
  const rows: number[][][] = [...x];
  const maskRows: boolean[][] = scenario.data.mask ? [...scenario.data.mask] : x.map((s) => s.map(() => true));
  const origin: { data: 'x' | 'validation_data'; index: number }[] = x.map((_, index) => ({ data: 'x', index }));
  let validationStart = -1;
  if (scenario.data.validation_data) {
    validationStart = rows.length;
    scenario.data.validation_data.x.forEach((sample, index) => {
      rows.push(sample);
      maskRows.push(scenario.data.validation_data!.mask?.[index] ?? sample.map(() => true));
      origin.push({ data: 'validation_data', index });
    });
  }
  const rangeOf = (indices: readonly number[]): { from: number; samples: number } => {
    const range = asRange(indices);
    if (range) return range;
    const from = rows.length;
    for (const i of indices) {
      rows.push(x[i]!);
      maskRows.push(scenario.data.mask?.[i] ?? x[i]!.map(() => true));
      origin.push({ data: 'x', index: i });
    }
    return { from, samples: indices.length };
  };

  const input = scenario.model.input;
  const modelBatch = input.batch_shape?.[0] ?? input.batch_size;
  const initialStates = new Map<number, number[][][]>();
  const plan: PlanStep[] = [];
  const stepIndex: number[] = [];
  const fitBatches: number[] = [];
  scenario.plan.forEach((op, index) => {
    const caught = op.catch ? { catch: true } : {};
    let step: PlanStep;
    switch (op.op) {
      case 'fit': {
        const every = op.callbacks?.find((c) => c.type === 'reset_states');
        step = {
          type: 'fit',
          epochs: op.epochs!,
          ...(op.batch_size === null || op.batch_size === undefined ? {} : { batchSize: op.batch_size }),
          shuffle: op.shuffle!,
          ...(op.validation_split ? { validationSplit: op.validation_split } : {}),
          ...(op.validation_data ? { validationData: { from: validationStart, samples: scenario.data.validation_data!.x.length } } : {}),
          ...(op.validation_batch_size ? { validationBatchSize: op.validation_batch_size } : {}),
          ...(every ? { resetEvery: every.when === 'epoch_end' ? ('epoch' as const) : { everyBatches: every.every! } } : { resetEvery: 'never' as const }),
          ...rangeOf(op.samples!),
          ...caught,
        };
        if (op.batch_size) fitBatches.push(op.batch_size);
        break;
      }
      case 'evaluate':
      case 'predict':
        step = { type: op.op, ...(op.batch_size ? { batchSize: op.batch_size } : {}), ...rangeOf(op.samples!), ...caught };
        break;
      case 'train_on_batch':
      case 'predict_on_batch':
      case 'call':
        step = { type: op.op, indices: op.samples!, ...caught };
        break;
      case 'layer_call':
        // a recurrent layer called directly: the same as model(x) for a model of one recurrent layer and no Masking
        if (rnns.length !== 1 || masking) throw new Error(`${fixture.id}: layer_call replays only on a model of one recurrent layer without Masking`);
        if (op.initial_state) initialStates.set(plan.length + 1, op.initial_state);
        step = { type: 'call', indices: op.samples!, ...(op.initial_state ? { initialState: true } : {}), ...caught };
        break;
      case 'reset_state':
        step = { type: 'reset', method: op.method === 'reset_states' ? 'reset_states' : 'reset_state', ...caught };
        break;
      case 'model_reset_states':
        step = { type: 'reset', method: 'model.reset_states', ...caught };
        break;
      default:
        throw new Error(`${fixture.id}: plan op ${op.op} has no simulator step`);
    }
    plan.push(step);
    stepIndex.push(index);
  });

  const layers: LayerSpecInput[] = rnns.map((layer, i) => ({
    ...(observation.layer_names?.[i] ? { name: observation.layer_names[i] } : {}),
    cell: layer.cell,
    units: layer.units,
    stateful: layer.stateful,
    bidirectional: layer.bidirectional,
    recurrentActivation: layer.recurrent_activation === 'hard_sigmoid' ? 'hard_sigmoid' : 'sigmoid',
    ...(layer.cell === 'gru' ? { resetAfter: layer.reset_after ?? true } : {}),
    ...(layer.activation === 'relu' ? { activation: 'relu' as const } : {}),
    trainable: scenario.trainable,
  }));
  for (const layer of rnns) {
    if (layer.activation !== 'tanh' && layer.activation !== 'relu') throw new Error(`${fixture.id}: activation ${layer.activation} is not simulated`);
  }
  const batchSize = modelBatch ?? fitBatches[0] ?? 32;
  const config: SimulationConfig = {
    samples: rows.length,
    timesteps: T,
    features: D,
    batchSize,
    epochs: 1,
    stateful: false,
    shuffle: false,
    units: rnns[0]!.units,
    seed: 1,
    resetEvery: 'never',
    validationSplit: 0,
    keras: '3',
    recurrentActivation: 'sigmoid',
    layers,
    backend,
    plan,
    ...(scenario.compile.run_eagerly ? { runEagerly: true } : {}),
    ...(scenario.compile.jit_compile === 'auto' ? {} : { jitCompile: scenario.compile.jit_compile }),
    trainable: scenario.trainable,
    ...(scenario.random_seed === null ? {} : { setRandomSeed: true }),
    // Masking in front, as the command line says it: each sample's real steps, padded after them
    ...(masking ? { padding: { side: 'post' as const, lengths: { kind: 'list' as const, values: postLengths(fixture.id, maskRows) } } } : {}),
    ...(input.kind === 'shape' ? { unknownStateBatch: true } : input.kind === 'none' ? { builtByFirstCall: true } : { stateBatchSize: modelBatch! }),
  };

  // weights per layer and direction, as get_weights() gives them
  const weights: LayerWeightsOverride[] = rnns.map((layer) => {
    const of = (direction: 'forward' | 'backward') => {
      const w = (name: string) => layer.weights.find((entry) => entry.direction === direction && entry.name === name)!;
      return { kernel: f32(w('kernel').value), recurrentKernel: f32(w('recurrent_kernel').value), bias: f32(w('bias').value) };
    };
    return { forward: of('forward'), ...(layer.bidirectional ? { backward: of('backward') } : {}) };
  });
  const flatInputs = rows.map((sample) => f32(sample));
  const inputs: InputSource = {
    fill(buffer, samples) {
      samples.forEach((sample, r) => buffer.set(flatInputs[sample]!, r * T * D));
    },
  };
  const mask = masking
    ? {
        fill(buffer: Uint8Array, samples: Int32Array) {
          samples.forEach((sample, r) => maskRows[sample]!.forEach((kept, t) => (buffer[r * T + t] = kept ? 1 : 0)));
        },
      }
    : undefined;

  // Keras's own shuffled order (seeded or not) replaces the simulator's
  const fitCalls = observation.events.filter((e): e is CallEvent => e.kind === 'call' && e.phase === 'fit' && e.order !== 'fixed');
  const shuffled = new Map<string, number[]>(fitCalls.map((e) => [`${e.step}:${e.epoch}:${e.batch}`, e.samples ?? e.observed_samples!]));
  const samplesOf = (call: LayerCall) => {
    if (call.phase !== 'fit') return undefined;
    const order = shuffled.get(`${stepIndex[(call.planStep ?? 1) - 1]}:${call.epoch - epochBefore(call.planStep ?? 1)}:${call.batch}`);
    return order;
  };
  // fit epochs before each flat step (the fixture counts epochs per fit call)
  const epochsBefore: number[] = [];
  let epochs = 0;
  plan.forEach((step, i) => {
    epochsBefore[i + 1] = epochs;
    if (step.type === 'fit') epochs += step.epochs;
  });
  const epochBefore = (planStep: number) => epochsBefore[planStep] ?? 0;

  // the recorder: per layer, its previous final state and the state variable's history
  const calls: SimCall[] = [];
  const resets: Replay['resets'] = [];
  const stateful = rnns.map((l) => l.stateful);
  const firstStateful = stateful.indexOf(true);
  const lastFinal: (Float32Array[] | undefined)[] = rnns.map(() => undefined);
  const storedNow: (Float32Array[] | undefined)[] = rnns.map(() => undefined);
  const storedBefore: (Float32Array[] | undefined)[] = rnns.map(() => undefined);
  const storedAtStep: Map<number, Float32Array[]>[] = rnns.map(() => new Map());
  let current: SimCall | undefined;
  const names = resolveLayers(config).map((l) => l.name);
  const index = (name: string) => names.indexOf(name);
  const copy = (views: readonly Float32Array[]) => views.map((v) => v.slice());
  const zerosLike = (views: readonly Float32Array[]) => views.map((v) => new Float32Array(v.length));
  const near = (a: readonly Float32Array[] | undefined, b: readonly Float32Array[], tolerance: number) =>
    a !== undefined && a.length === b.length && a.every((v, k) => v.length === b[k]!.length && v.every((x, j) => Math.abs(x - b[k]![j]!) <= tolerance));
  /** The value the variable held when `planStep` began (the first event of a step sees it). */
  const noteStep = (i: number, planStep: number) => {
    if (!storedAtStep[i]!.has(planStep) && storedNow[i]) storedAtStep[i]!.set(planStep, storedNow[i]!);
  };
  const hooks: StateHooks = {
    onCallBegin(call, state) {
      const i = index(state.layer);
      storedNow[i] ??= zerosLike(state.states);
      noteStep(i, call.planStep ?? 1);
      storedBefore[i] = copy(state.stored!);
    },
    onReset(info, state) {
      const i = index(info.layer);
      if (info.reason === 'initial' || info.reason === 'reset-states') {
        noteStep(i, info.position.planStep ?? 1);
        storedNow[i] = zerosLike(state.states);
      }
      if (info.reason === 'reset-states' && i === firstStateful) {
        const { planStep = 1, phase, epoch, batch, timing } = info.position;
        resets.push({ planStep, phase, epoch, batch, timing });
      }
    },
    onBatchStart(call, state) {
      const i = index(state.layer);
      if (i === 0) {
        const samples = Array.from(call.samples).slice(0, Math.min(call.samples.length, call.rows));
        current = {
          phase: call.phase,
          epoch: call.epoch,
          batch: call.batch,
          planStep: call.planStep ?? 1,
          samples: samples.map((s) => origin[s]!.index),
          data: origin[samples[0] ?? 0]?.data ?? 'x',
          rows: samples.length,
          layers: [],
        };
        calls.push(current);
      }
      // which of Keras's candidates the simulator's own start equals
      const start = copy(state.states);
      const labels: string[] = [];
      if (start.every((v) => v.every((x) => x === 0))) labels.push('zeros');
      if (near(lastFinal[i], start, 1e-6)) labels.push('previous');
      if (stateful[i] && near(storedBefore[i], start, 1e-6)) labels.push('stored');
      if (stateful[i]) for (const [step, value] of storedAtStep[i]!) if (near(value, start, 1e-6)) labels.push(`stored_at_step:${stepIndex[step - 1]}`);
      if (call.initialState) labels.push('initial_state');
      current!.layers[i] = { start: labels, written: [], final: [], stateful: stateful[i]! };
    },
    onBatchEnd(_call, state) {
      const i = index(state.layer);
      const final = copy(state.states);
      const entry = current!.layers[i]!;
      entry.final = final;
      lastFinal[i] = final;
      if (stateful[i]) {
        const after = copy(state.stored!);
        if (near(after, final, 1e-7)) entry.written.push('final');
        if (near(after, storedBefore[i]!, 1e-7)) entry.written.push('unchanged');
        storedNow[i] = after;
      }
    },
  };

  const result = simulate(config, {
    hooks,
    inputs,
    weights,
    ...(mask ? { mask } : {}),
    samplesOf,
    initialState: (layer, call) => {
      const values = initialStates.get(call.planStep ?? 1);
      if (!values || layer !== 0) return undefined;
      // Keras order: per direction [h, c] (LSTM) or [h]; each (rows, units)
      const perDirection = rnns[0]!.cell === 'lstm' ? 2 : 1;
      const tensors = values.map((t) => f32(t));
      return rnns[0]!.bidirectional ? [tensors.slice(0, perDirection), tensors.slice(perDirection)] : [tensors];
    },
  });
  const raises: SimRaise[] = result.findings
    .filter((f) => f.severity === 'error' && f.message.includes('Keras says: '))
    .map((f) => {
      const said = f.message.slice(f.message.indexOf('Keras says: ') + 'Keras says: '.length);
      const colon = said.indexOf(': ');
      return {
        className: said.slice(0, colon),
        message: said.slice(colon + 2),
        phase: f.at!.phase,
        epoch: f.at!.epoch,
        batch: f.at!.batch,
        planStep: f.at!.planStep ?? 1,
        caught: false,
        code: f.code,
      };
    });
  // the simulator's own shuffled orders (before Keras's replace them), for the structure tests
  const ownOrder = new Map<string, number[]>();
  for (const step of runSchedule(config)) {
    if (step.kind !== 'call' || step.call.phase !== 'fit') continue;
    const planStep = step.call.planStep ?? 1;
    ownOrder.set(`${stepIndex[planStep - 1]}:${step.call.epoch - epochBefore(planStep)}:${step.call.batch}`, Array.from(step.call.samples, (v) => origin[v]!.index));
  }
  return { config, result, calls, resets, raises, fixtureStep: (planStep) => stepIndex[planStep - 1]!, ownOrder };
}
