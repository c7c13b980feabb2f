/**
 * The timeline of a run, per layer: every layer call (phase, epoch, batch), how its rows started
 * (zeros and why, carried from the same row of the previous call, broadcast, failed), which rows
 * passed their state through unchanged (every step padding), mean |h| at its start and end, and
 * the reset events around it; and the long sequences that carries build (row i holds samples
 * i, i+B, …: Keras's data[i::B]). Fed by the state hooks while the run goes, so it costs a few
 * numbers per call. Large runs are summarised: the first and last epochs in full, the epochs
 * between folded into one aggregate, and within a phase of one epoch the first and last calls in
 * full with the calls between aggregated, so memory (and any picture drawn from it) stays small
 * whatever the run's size. The pictures (the terminal strip, the HTML report) render this with the
 * result object.
 */
import { planMaxBatch, resolveLayers, splitData, type LayerSpec, type SimulationConfig } from '../keras/config.ts';
import { resetReasons, zeroByReason, zeroes, zeroingReasons, type EventTiming, type OtherStartReason, type Phase, type ResetReason } from '../keras/events.ts';
import type { BatchSizeFailure } from '../keras/schedule.ts';
import type { LayerState, StateHooks } from './hooks.ts';
import { meanAbs } from './layer.ts';

/**
 * How a call's rows start: from zeros (initial, batch start, reset_states(); see `startReason`),
 * carried (row i from row i of the previous call), broadcast (a 1-row batch run against every
 * carried row, all of them overwritten: §R2), not-stored (JAX: from the variable's stored or
 * trace-time value, not the previous call's final state: §R1), initial-state (from the
 * initial_state passed to the layer: §6), from-layer (from another layer's final states passed as
 * initial_state, e.g. a decoder from its encoder; not a reset), or failed (Keras raises at this call
 * and the run stops).
 */
export type StartKind = 'zeros' | 'carried' | 'broadcast' | 'not-stored' | 'initial-state' | 'from-layer' | 'failed';
export const startKinds: readonly StartKind[] = ['zeros', 'carried', 'broadcast', 'not-stored', 'initial-state', 'from-layer', 'failed'];

/** The start a reset event makes. */
export function startKindOf(reason: ResetReason): StartKind {
  if (reason === 'broadcast' || reason === 'not-stored' || reason === 'initial-state') return reason;
  return 'zeros';
}

/** Where a call or event is in the run. */
export interface TimelinePosition {
  readonly phase: Phase;
  readonly epoch: number;
  readonly batch: number;
  readonly planStep: number;
}

/** One reset event of a layer (the same as a row of the reset table). */
export interface ResetMark extends TimelinePosition {
  readonly reason: ResetReason;
  readonly timing: EventTiming;
  readonly rows: number;
  readonly discardedMeanAbsH: number;
}

/** One layer call, in full. */
export interface CallRecord extends TimelinePosition {
  readonly kind: 'call';
  /** The model call this is, 0-based over the run. */
  readonly call: number;
  readonly rows: number;
  readonly start: StartKind;
  /** The reset event that decided the start (null for a plain carry and a failed call). */
  readonly startReason: ResetReason | null;
  /** The call took over the previous call's final state (counted in totals.carries; a broadcast call does not: totals.broadcastStarts). */
  readonly carried: boolean;
  /** The layer whose final states the call starts from (start 'from-layer'; counted in totals.fromLayerStarts). */
  readonly fromLayer: string | null;
  /** Reset events just before this call (the initial zeros, a stateless call's batch-start). */
  readonly before: readonly ResetMark[];
  /** Reset events after it and before the next call (reset_states() from a callback or a plan). */
  after: readonly ResetMark[];
  /** Rows whose every step was padding (their state passed through unchanged), at most `listedRows` of them. */
  readonly passThrough: readonly number[];
  readonly passThroughRows: number;
  /** Timesteps that were not padding, over all rows. */
  readonly steps: number;
  /** Mean |h| the call starts from (0 for zeros) and ends with, over every direction's h. */
  readonly startMeanAbsH: number;
  endMeanAbsH: number;
  /** The sample in each of the first `listedRows` rows. */
  readonly samples: readonly number[];
}

/** Consecutive calls aggregated (a summarised stretch of a large run). */
export interface CallSpan {
  readonly kind: 'span';
  readonly first: TimelinePosition;
  last: TimelinePosition;
  calls: number;
  readonly phases: Partial<Record<Phase, number>>;
  readonly starts: Record<StartKind, number>;
  /** Calls that took over the previous call's final state. */
  carries: number;
  /** Events inside the stretch, by reason (the zeroing ones are its resets), and the rows the resets zeroed. */
  readonly resets: Record<ResetReason, number>;
  resetRows: number;
  passThroughRows: number;
  /** Mean |h| at the end of its calls: least, mean and most. */
  minEndMeanAbsH: number;
  maxEndMeanAbsH: number;
  sumEndMeanAbsH: number;
  /** The most state thrown away by one of its resets. */
  maxDiscardedMeanAbsH: number;
}

export type TimelineItem = CallRecord | CallSpan;

/** How many long sequences of each length the carries built. */
export interface SequenceLength {
  /** Windows (layer calls) the sequence ran through between two zeroings. */
  readonly windows: number;
  /** Timesteps that were not padding. */
  readonly steps: number;
  readonly count: number;
}

/** One sequence a row carried, as an example. */
export interface SequenceExample {
  readonly row: number;
  /** The first samples of the sequence (window by window), at most `exampleSamples`. */
  readonly samples: readonly number[];
  /** Validation samples among them are at or above this index. */
  readonly windows: number;
  readonly steps: number;
  /** True when each window is the sample B after the previous one (data[i::B] in order), or the row's first window again as an epoch starts. */
  readonly ordered: boolean;
  /** Sequences of this row with the same windows (the same data after every reset). */
  readonly count: number;
  /** Windows from validation (the state ran on through validation). */
  readonly validationWindows: number;
}

export interface SequenceSummary {
  readonly total: number;
  /** Sequences of each length, the most frequent first. */
  readonly lengths: readonly SequenceLength[];
  readonly examples: readonly SequenceExample[];
  /** Sequences of more than one window whose windows follow data[i::B]. */
  readonly ordered: number;
  /** Sequences of more than one window. */
  readonly multiWindow: number;
}

export interface LayerTimeline {
  readonly layer: LayerSpec;
  /** Calls and aggregated stretches, in run order. */
  readonly items: readonly TimelineItem[];
  /** Reset events when no call ran at all. */
  readonly orphanResets: readonly ResetMark[];
  readonly sequences: SequenceSummary;
}

export interface Timeline {
  readonly layers: readonly LayerTimeline[];
  /** Model calls over the run (a failed call included). */
  readonly calls: number;
  /** Calls shown in full (per layer); the rest are aggregated. */
  readonly detailedCalls: number;
  readonly summarised: boolean;
  /** Training samples: samples at or above this index are validation samples. */
  readonly trainSamples: number;
  /** Rows of the stateful state (the fixed batch size), or the largest batch. */
  readonly stateRows: number;
  readonly timesteps: number;
}

/** Size limits of a timeline. */
export interface TimelineLimits {
  /** Calls per layer kept in full over the run, before whole epochs are folded. */
  readonly detailedCalls: number;
  /** Calls kept in full at the start and at the end of one phase of one epoch. */
  readonly groupHead: number;
  readonly groupTail: number;
  /** Epochs always kept in full at the start, and at least at the end. */
  readonly headEpochs: number;
  readonly tailEpochs: number;
  /** Rows whose samples and pass-through are listed per call. */
  readonly listedRows: number;
  /** Sequence examples kept, and samples per example. */
  readonly examples: number;
  readonly exampleSamples: number;
}

export const defaultTimelineLimits: TimelineLimits = {
  detailedCalls: 1000,
  groupHead: 160,
  groupTail: 80,
  headEpochs: 2,
  tailEpochs: 1,
  listedRows: 16,
  examples: 12,
  exampleSamples: 8,
};

function emptySpan(first: TimelinePosition): CallSpan {
  return {
    kind: 'span',
    first,
    last: first,
    calls: 0,
    phases: {},
    starts: { zeros: 0, carried: 0, broadcast: 0, 'not-stored': 0, 'initial-state': 0, 'from-layer': 0, failed: 0 },
    carries: 0,
    resets: zeroByReason(),
    resetRows: 0,
    passThroughRows: 0,
    minEndMeanAbsH: Infinity,
    maxEndMeanAbsH: 0,
    sumEndMeanAbsH: 0,
    maxDiscardedMeanAbsH: 0,
  };
}

/** The empty list every call starts with (most calls never get a mark of their own after them). */
const none: readonly never[] = Object.freeze([]);

const positionOf = (p: TimelinePosition): TimelinePosition => ({ phase: p.phase, epoch: p.epoch, batch: p.batch, planStep: p.planStep });

/** Adds a call, or a whole span, to a span. */
function fold(span: CallSpan, item: TimelineItem): void {
  if (item.kind === 'span') {
    span.calls += item.calls;
    for (const [phase, n] of Object.entries(item.phases) as [Phase, number][]) span.phases[phase] = (span.phases[phase] ?? 0) + n;
    for (const kind of startKinds) span.starts[kind] += item.starts[kind];
    span.carries += item.carries;
    for (const reason of resetReasons) span.resets[reason] += item.resets[reason];
    span.resetRows += item.resetRows;
    span.passThroughRows += item.passThroughRows;
    span.minEndMeanAbsH = Math.min(span.minEndMeanAbsH, item.minEndMeanAbsH);
    span.maxEndMeanAbsH = Math.max(span.maxEndMeanAbsH, item.maxEndMeanAbsH);
    span.sumEndMeanAbsH += item.sumEndMeanAbsH;
    span.maxDiscardedMeanAbsH = Math.max(span.maxDiscardedMeanAbsH, item.maxDiscardedMeanAbsH);
    span.last = item.last;
    return;
  }
  span.calls++;
  span.phases[item.phase] = (span.phases[item.phase] ?? 0) + 1;
  span.starts[item.start]++;
  if (item.carried) span.carries++;
  for (const marks of [item.before, item.after]) {
    for (const mark of marks) {
      span.resets[mark.reason]++;
      if (zeroes(mark.reason)) span.resetRows += mark.rows;
      span.maxDiscardedMeanAbsH = Math.max(span.maxDiscardedMeanAbsH, mark.discardedMeanAbsH);
    }
  }
  span.passThroughRows += item.passThroughRows;
  if (item.start !== 'failed') {
    span.minEndMeanAbsH = Math.min(span.minEndMeanAbsH, item.endMeanAbsH);
    span.maxEndMeanAbsH = Math.max(span.maxEndMeanAbsH, item.endMeanAbsH);
    span.sumEndMeanAbsH += item.endMeanAbsH;
  }
  span.last = positionOf(item);
}

/** The calls of one phase of one epoch: the first ones, the last ones, the ones between aggregated. */
interface Group {
  readonly phase: Phase;
  readonly planStep: number;
  readonly head: CallRecord[];
  middle: CallSpan | null;
  readonly tail: CallRecord[];
}

interface Block {
  readonly epoch: number;
  readonly groups: Group[];
}

const recordsOf = (block: Block) => block.groups.reduce((n, g) => n + g.head.length + g.tail.length, 0);

/** Keeps one layer's calls within the limits as they arrive. */
class LayerCalls {
  private readonly blocks: Block[] = [];
  private folded: CallSpan | null = null;
  private detailed = 0;
  newest: CallRecord | null = null;
  private readonly limits: TimelineLimits;

  constructor(limits: TimelineLimits) {
    this.limits = limits;
  }

  add(record: CallRecord): void {
    let block = this.blocks[this.blocks.length - 1];
    if (!block || block.epoch !== record.epoch) this.blocks.push((block = { epoch: record.epoch, groups: [] }));
    let group = block.groups[block.groups.length - 1];
    if (!group || group.phase !== record.phase || group.planStep !== record.planStep) {
      block.groups.push((group = { phase: record.phase, planStep: record.planStep, head: [], middle: null, tail: [] }));
    }
    if (group.head.length < this.limits.groupHead) group.head.push(record);
    else {
      group.tail.push(record);
      if (group.tail.length > this.limits.groupTail) {
        const evicted = group.tail.shift()!;
        group.middle ??= emptySpan(positionOf(evicted));
        fold(group.middle, evicted);
        this.detailed--;
      }
    }
    this.detailed++;
    this.newest = record;
    // over budget: fold the oldest epoch that is neither one of the first nor one of the last
    while (this.detailed > this.limits.detailedCalls && this.blocks.length > this.limits.headEpochs + this.limits.tailEpochs) {
      const [victim] = this.blocks.splice(this.limits.headEpochs, 1);
      for (const g of victim!.groups) {
        for (const item of [...g.head, ...(g.middle ? [g.middle] : []), ...g.tail]) {
          this.folded ??= emptySpan(positionOf(item.kind === 'span' ? item.first : item));
          fold(this.folded, item);
        }
      }
      this.detailed -= recordsOf(victim!);
    }
  }

  get summarised(): boolean {
    return this.folded !== null || this.blocks.some((b) => b.groups.some((g) => g.middle !== null));
  }

  get detailedCalls(): number {
    return this.detailed;
  }

  items(): TimelineItem[] {
    const items: TimelineItem[] = [];
    this.blocks.forEach((block, i) => {
      if (i === this.limits.headEpochs && this.folded) items.push(this.folded);
      for (const g of block.groups) items.push(...g.head, ...(g.middle ? [g.middle] : []), ...g.tail);
    });
    if (this.folded && this.blocks.length <= this.limits.headEpochs) items.push(this.folded);
    return items;
  }
}

/** The sequences one layer's rows carry, tracked row by row. */
class Sequences {
  private readonly windows: Int32Array;
  private readonly steps: Float64Array;
  private readonly ordered: Uint8Array;
  private readonly validation: Int32Array;
  private readonly last: Float64Array;
  private readonly first: number[][];
  private readonly lengths = new Map<string, SequenceLength>();
  private readonly examples: { -readonly [K in keyof SequenceExample]: SequenceExample[K] }[] = [];
  private total = 0;
  private orderedCount = 0;
  private multiWindow = 0;

  private readonly stride: number;
  private readonly trainSamples: number;
  private readonly limits: TimelineLimits;

  constructor(rows: number, stride: number, trainSamples: number, limits: TimelineLimits) {
    this.stride = stride;
    this.trainSamples = trainSamples;
    this.limits = limits;
    this.windows = new Int32Array(rows);
    this.steps = new Float64Array(rows);
    this.ordered = new Uint8Array(rows);
    this.validation = new Int32Array(rows);
    this.last = new Float64Array(rows).fill(-1);
    this.first = Array.from({ length: rows }, () => []);
  }

  /** Row `row` takes window `sample` with `steps` unpadded steps; `fresh` when it starts from zeros. */
  add(row: number, sample: number, steps: number, fresh: boolean): void {
    if (row >= this.windows.length) return;
    if (fresh) this.close(row);
    const continues = this.windows[row]! > 0;
    // data[i::B] in order, or back to its start when the next epoch begins without a reset
    if (continues && sample !== this.last[row]! + this.stride && sample !== row) this.ordered[row] = 0;
    if (!continues) this.ordered[row] = 1;
    this.windows[row]!++;
    this.steps[row]! += steps;
    if (sample >= this.trainSamples) this.validation[row]!++;
    this.last[row] = sample;
    if (this.first[row]!.length < this.limits.exampleSamples) this.first[row]!.push(sample);
  }

  close(row: number): void {
    const windows = this.windows[row]!;
    if (windows === 0) return;
    const steps = this.steps[row]!;
    const key = `${windows}/${steps}`;
    const known = this.lengths.get(key);
    this.lengths.set(key, { windows, steps, count: (known?.count ?? 0) + 1 });
    this.total++;
    if (windows > 1) {
      this.multiWindow++;
      if (this.ordered[row]) this.orderedCount++;
    }
    const samples = this.first[row]!;
    const same = this.examples.find((e) => e.row === row && e.windows === windows && e.steps === steps && e.samples.length === samples.length && e.samples.every((v, i) => v === samples[i]));
    if (same) same.count++;
    else if (this.examples.length < this.limits.examples) {
      this.examples.push({ row, samples, windows, steps, ordered: this.ordered[row] === 1, validationWindows: this.validation[row]!, count: 1 });
    }
    this.windows[row] = 0;
    this.steps[row] = 0;
    this.validation[row] = 0;
    this.first[row] = [];
  }

  summary(): SequenceSummary {
    for (let row = 0; row < this.windows.length; row++) this.close(row);
    return {
      total: this.total,
      lengths: [...this.lengths.values()].sort((a, b) => b.count - a.count || b.steps - a.steps),
      examples: this.examples,
      ordered: this.orderedCount,
      multiWindow: this.multiWindow,
    };
  }
}

/** Mean |h| over the h tensors of every direction (h is each direction's first state tensor). */
function meanAbsH(state: LayerState, layer: LayerSpec): number {
  const perDirection = layer.stateTensors / (layer.bidirectional ? 2 : 1);
  const used = state.rows * state.units;
  let sum = 0;
  let directions = 0;
  for (let i = 0; i < state.states.length; i += perDirection) {
    sum += meanAbs(state.states[i]!, used);
    directions++;
  }
  return directions === 0 ? 0 : sum / directions;
}

/** A recorder of the timeline of a run of `config`: pass `hooks` to `simulate`, then call `finish()`. */
export function createTimelineRecorder(config: SimulationConfig, limits: TimelineLimits = defaultTimelineLimits): { hooks: StateHooks; finish: () => Timeline } {
  const layers = resolveLayers(config);
  const run = {
    trainSamples: splitData(config.samples, config.validationSplit).trainSamples,
    // as simulate sizes its state: the fixed batch size of a stateful model, else the largest batch
    stateRows: layers.some((layer) => layer.stateful) ? (config.stateBatchSize ?? config.batchSize) : planMaxBatch(config),
    timesteps: config.timesteps,
  };
  let calls = 0;
  let lastCall = '';
  const perLayer = new Map(
    layers.map((layer) => [
      layer.name,
      {
        layer,
        calls: new LayerCalls(limits),
        sequences: new Sequences(run.stateRows, run.stateRows, run.trainSamples, limits),
        pending: none as readonly ResetMark[],
        orphans: [] as ResetMark[],
        startReason: null as ResetReason | null,
        carried: false,
        fromLayer: null as string | null,
        current: null as CallRecord | null,
      },
    ]),
  );

  const hooks: StateHooks = {
    onReset(info) {
      const entry = perLayer.get(info.layer);
      if (!entry) return;
      const { position } = info;
      const mark: ResetMark = {
        reason: info.reason,
        timing: position.timing,
        phase: position.phase,
        epoch: position.epoch,
        batch: position.batch,
        planStep: position.planStep ?? 1,
        rows: info.rows,
        discardedMeanAbsH: info.discardedMeanAbsH,
      };
      if (position.timing === 'before-batch' || !entry.calls.newest) entry.pending = [...entry.pending, mark];
      else entry.calls.newest.after = [...entry.calls.newest.after, mark];
      // the last event before a call decides how it starts (a broadcast comes after its carry)
      entry.startReason = info.reason;
    },
    onCarry(info) {
      const entry = perLayer.get(info.layer);
      if (entry) entry.carried = true;
    },
    onFromLayer(info) {
      const entry = perLayer.get(info.layer);
      if (entry) entry.fromLayer = info.from;
    },
    onBatchStart(call, state, mask, timesteps) {
      const entry = perLayer.get(state.layer);
      if (!entry) return;
      // a model call is one batch position (a shared layer runs more than once in it)
      const key = `${call.planStep ?? 1}/${call.phase}/${call.epoch}/${call.batch}`;
      if (key !== lastCall) {
        lastCall = key;
        calls++;
      }
      const T = timesteps ?? run.timesteps;
      let passThrough: number[] | readonly number[] = none;
      let passThroughRows = 0;
      let steps = call.rows * T;
      const start: StartKind = entry.fromLayer !== null ? 'from-layer' : entry.startReason ? startKindOf(entry.startReason) : 'carried';
      // a new sequence begins unless the rows go on from the previous call's state
      const fresh = start !== 'carried' && start !== 'broadcast';
      for (let r = 0; r < call.rows; r++) {
        let rowSteps = T;
        if (mask) {
          for (let t = 0; t < T; t++) rowSteps -= mask[r * T + t] === 0 ? 1 : 0;
          steps -= T - rowSteps;
          if (rowSteps === 0) {
            passThroughRows++;
            if (passThrough.length < limits.listedRows) passThrough = [...passThrough, r];
          }
        }
        // a broadcast 1-row batch (call.rows state rows, one sample): every row runs that sample (§R2)
        entry.sequences.add(r, call.samples.length === 1 ? call.samples[0]! : call.samples[r]!, rowSteps, fresh);
      }
      entry.current = {
        kind: 'call',
        call: calls - 1,
        phase: call.phase,
        epoch: call.epoch,
        batch: call.batch,
        planStep: call.planStep ?? 1,
        rows: call.rows,
        start,
        startReason: entry.startReason,
        carried: entry.carried,
        fromLayer: entry.fromLayer,
        before: entry.pending,
        after: none,
        passThrough,
        passThroughRows,
        steps,
        startMeanAbsH: meanAbsH(state, entry.layer),
        endMeanAbsH: 0,
        samples: Array.from(call.samples.length === 1 ? new Int32Array(Math.min(call.rows, limits.listedRows)).fill(call.samples[0]!) : call.samples.subarray(0, Math.min(call.rows, limits.listedRows))),
      };
      entry.pending = none;
    },
    onBatchEnd(_call, state) {
      const entry = perLayer.get(state.layer);
      if (!entry?.current) return;
      entry.current.endMeanAbsH = meanAbsH(state, entry.layer);
      entry.calls.add(entry.current);
      entry.current = null;
      // the next call carries (onCarry says so) unless a reset event comes first
      entry.startReason = null;
      entry.carried = false;
      entry.fromLayer = null;
    },
    onFailure(failure: BatchSizeFailure) {
      calls++;
      for (const entry of perLayer.values()) {
        const { position } = failure;
        entry.calls.add({
          kind: 'call',
          call: calls - 1,
          phase: position.phase,
          epoch: position.epoch,
          batch: position.batch,
          planStep: position.planStep ?? 1,
          rows: failure.rows,
          start: 'failed',
          startReason: null,
          carried: false,
          fromLayer: null,
          before: entry.pending,
          after: none,
          passThrough: none,
          passThroughRows: 0,
          steps: 0,
          startMeanAbsH: 0,
          endMeanAbsH: 0,
          samples: none,
        });
        entry.pending = none;
      }
    },
  };

  let finished: Timeline | undefined;
  return {
    hooks,
    finish() {
      if (finished) return finished;
      const timelines = [...perLayer.values()].map((entry) => {
        const items = entry.calls.items();
        // resets with no call after them: on the last call, or alone when no call ran
        // (the last item is always a call: the newest call is never aggregated)
        const orphans: ResetMark[] = [];
        const last = items[items.length - 1];
        if (last?.kind === 'call') last.after = [...last.after, ...entry.pending];
        else orphans.push(...entry.pending);
        return { layer: entry.layer, items, orphanResets: orphans, sequences: entry.sequences.summary() };
      });
      const sample = [...perLayer.values()][0]?.calls;
      return (finished = {
        layers: timelines,
        calls,
        detailedCalls: sample?.detailedCalls ?? 0,
        summarised: sample?.summarised ?? false,
        trainSamples: run.trainSamples,
        stateRows: run.stateRows,
        timesteps: run.timesteps,
      });
    },
  };
}

/** Items (calls and stretches, in run order) aggregated into one stretch: every count kept. */
export function aggregate(items: readonly TimelineItem[]): CallSpan {
  const first = items[0]!;
  const span = emptySpan(positionOf(first.kind === 'span' ? first.first : first));
  for (const item of items) fold(span, item);
  return span;
}

/** Every reset mark of an item (events that zero the state), counted (a span's by its counts). */
export function resetCount(item: TimelineItem): number {
  if (item.kind === 'span') return zeroingReasons.reduce((n, reason) => n + item.resets[reason], 0);
  let n = 0;
  for (const mark of item.before) if (zeroes(mark.reason)) n++;
  for (const mark of item.after) if (zeroes(mark.reason)) n++;
  return n;
}

/** Marks of an item for a start that is neither zeros nor a carry (broadcast, not-stored, initial-state), counted. */
export function startMarkCount(item: TimelineItem, reason: OtherStartReason): number {
  if (item.kind === 'span') return item.resets[reason];
  let n = 0;
  for (const mark of item.before) if (mark.reason === reason) n++;
  for (const mark of item.after) if (mark.reason === reason) n++;
  return n;
}

/** Calls of an item that started from a carried state. */
export function carryCount(item: TimelineItem): number {
  return item.kind === 'call' ? (item.carried ? 1 : 0) : item.carries;
}

/** Calls of an item that started from another layer's final states. */
export function fromLayerCount(item: TimelineItem): number {
  return item.kind === 'call' ? (item.start === 'from-layer' ? 1 : 0) : item.starts['from-layer'];
}
