/**
 * Where each call of a stateful layer starts, by provenance rather than by value: every state the
 * run produces gets an identity (the zeros of a build or reset share one), so a call "carries" when
 * it starts from the identity the previous call ended with, and otherwise says why not (JAX never
 * stores the state inside the trainer; initial_state replaces it). The simulator's layers follow
 * these decisions with real numbers; the event counter and the closed form follow them without.
 * It also collects the evidence findings rest on (which call started from whose state).
 * Sources: shared/keras-semantics.md §R1 (JAX), §6 (initial_state), §3 (inference and validation
 * update the stored state).
 */
import type { LayerCall, Phase, RunPosition } from './events.ts';
import type { KerasVersion } from './profiles.ts';

/** How a call starts. */
export type StartOutcome =
  /** from zeros that a build or reset_states() just made (that event already counted them) */
  | 'fresh'
  /** from the final state of the previous call: the carry Keras documents */
  | 'carried'
  /** JAX: from the variable's value at trace time or now, which the previous call did not update (§R1) */
  | 'not-stored'
  /** from the initial_state passed to the layer (§6) */
  | 'initial-state';

/** What a layer does with its buffers for one call. */
export interface FlowDecision {
  readonly outcome: StartOutcome;
  /**
   * Where the start values are: `last` the previous call's final state (already in the layer's
   * buffer), `stored` the state variable, `trace` the variable's value captured by `traceKey`,
   * `initial-state` the passed initial state.
   */
  readonly from: 'last' | 'stored' | 'trace' | 'initial-state';
  readonly traceKey?: string;
  /** This call's compiled function is traced now: it captures the variable's current value. */
  readonly captureTrace: boolean;
  /** The final state is assigned to the variable. */
  readonly writes: boolean;
  /** A 1-row batch broadcast into every state row (§R2). */
  readonly broadcast: boolean;
}

/**
 * How a call that passes initial_state meets the stored state: K3 and K2.3 use it on every call
 * ('always'); tf.keras only while the stored state is all zeros ('while-zero') (§6).
 */
export type InitialStateMode = 'never' | 'always' | 'while-zero';

/** A call that started from a state another kind of call produced (for findings). */
export interface Contact {
  readonly at: RunPosition;
  /** The phase and plan step of the call that produced the start state. */
  readonly fromPhase: Phase;
  readonly fromStep: number;
}

/** What the run showed, for the findings that must rest on it. */
export interface FlowEvidence {
  /** Calls that carried the previous call's final state. */
  carries: number;
  /** Of them, fit's training batches. */
  fitCarries: number;
  /** JAX: calls that started from a state their predecessor did not store. */
  notStored: number;
  notStoredAt?: RunPosition;
  /** 1-row batches broadcast into every state row. */
  broadcasts: number;
  broadcastAt?: RunPosition;
  /** Calls that started from the passed initial_state. */
  initialStateStarts: number;
  /** tf.keras: the first call that carried the stored state although initial_state was passed. */
  initialStateIgnoredAt?: RunPosition;
  /** The first training batch that started from a state left by validation. */
  validationIntoFit?: Contact;
  /** The first evaluate/predict/direct call that started from a state left by training, or the reverse. */
  inferenceContact?: Contact;
}

const trainingPhases: ReadonlySet<Phase> = new Set(['fit', 'train_on_batch']);
const inferencePhases: ReadonlySet<Phase> = new Set(['evaluate', 'predict', 'predict_on_batch', 'call']);

/** The identity of the zeros a build or reset makes. */
const zeros = 0;
/** The identity of the passed initial_state. */
const initialStateId = -1;

export class StateFlow {
  readonly evidence: FlowEvidence = { carries: 0, fitCarries: 0, notStored: 0, broadcasts: 0, initialStateStarts: 0 };
  private storedId = zeros;
  private lastId = zeros;
  private fresh = true;
  private nextId = 1;
  private readonly traces = new Map<string, number>();
  /** Which call produced each state identity. */
  private readonly origins = new Map<number, { phase: Phase; step: number }>();

  private readonly initialState: InitialStateMode;
  constructor(initialState: InitialStateMode = 'never') {
    this.initialState = initialState;
  }

  /** A build or reset_states(): the variable and the continuity become zeros. */
  zero(): void {
    this.storedId = zeros;
    this.lastId = zeros;
    this.fresh = true;
  }

  /** Decides how `call` starts and records what it leaves. */
  call(call: LayerCall): FlowDecision {
    const rule = call.state ?? { source: 'stored' as const, writes: true };
    const broadcast = call.broadcast === true;
    let captureTrace = false;
    let startId: number;
    let from: FlowDecision['from'];
    // §6: Keras 3 and 2.3 always use a passed initial_state; tf.keras only while the stored state is all zeros
    const mode: InitialStateMode = call.initialState ? (this.initialState === 'while-zero' ? 'while-zero' : 'always') : 'never';
    const useInitial = mode === 'always' || (mode === 'while-zero' && this.storedId === zeros);
    if (rule.source === 'trace' && rule.traceKey !== undefined && !this.traces.has(rule.traceKey)) {
      // jax.jit reads the untracked state variable as a constant when it traces
      this.traces.set(rule.traceKey, this.storedId);
      captureTrace = true;
    }
    if (useInitial) {
      startId = initialStateId;
      from = 'initial-state';
    } else {
      startId = rule.source === 'trace' && rule.traceKey !== undefined ? this.traces.get(rule.traceKey)! : this.storedId;
      from = startId === this.lastId ? 'last' : rule.source === 'trace' ? 'trace' : 'stored';
    }
    const outcome: StartOutcome = useInitial ? 'initial-state' : startId === this.lastId ? (this.fresh ? 'fresh' : 'carried') : 'not-stored';
    this.observe(call, outcome, startId, broadcast);
    const finalId = this.nextId++;
    this.origins.set(finalId, { phase: call.phase, step: call.planStep ?? 1 });
    this.lastId = finalId;
    this.fresh = false;
    if (rule.writes) this.storedId = finalId;
    return { outcome, from, ...(rule.traceKey === undefined ? {} : { traceKey: rule.traceKey }), captureTrace, writes: rule.writes, broadcast };
  }

  /**
   * `count` consecutive calls with the same rule (`make(k)` is the k-th, 0-based), counted by outcome
   * in O(1): from the second call on, every call starts the way the second did (each starts from
   * what its predecessor left, or from the same stored, traced or initial value), so the third
   * repeats the second and the rest are tallied without running.
   */
  callMany(make: (k: number) => LayerCall, count: number): Record<StartOutcome, number> {
    const counts: Record<StartOutcome, number> = { fresh: 0, carried: 0, 'not-stored': 0, 'initial-state': 0 };
    const ran = Math.min(count, 3);
    let last: FlowDecision | undefined;
    let lastCall: LayerCall | undefined;
    for (let k = 0; k < ran; k++) {
      lastCall = make(k);
      last = this.call(lastCall);
      counts[last.outcome]++;
    }
    const rest = count - ran;
    if (rest > 0 && last && lastCall) {
      counts[last.outcome] += rest;
      const evidence = this.evidence;
      if (last.outcome === 'carried') {
        evidence.carries += rest;
        if (lastCall.phase === 'fit') evidence.fitCarries += rest;
      } else if (last.outcome === 'not-stored') evidence.notStored += rest;
      else if (last.outcome === 'initial-state') evidence.initialStateStarts += rest;
      if (last.broadcast && last.writes) evidence.broadcasts += rest;
    }
    return counts;
  }

  private observe(call: LayerCall, outcome: StartOutcome, startId: number, broadcast: boolean): void {
    const at: RunPosition = { phase: call.phase, epoch: call.epoch, batch: call.batch, timing: 'before-batch', planStep: call.planStep ?? 1 };
    const evidence = this.evidence;
    if (outcome === 'carried') {
      evidence.carries++;
      if (call.phase === 'fit') evidence.fitCarries++;
      if (call.initialState && this.initialState === 'while-zero') evidence.initialStateIgnoredAt ??= at;
    } else if (outcome === 'not-stored') {
      evidence.notStored++;
      evidence.notStoredAt ??= at;
    } else if (outcome === 'initial-state') {
      evidence.initialStateStarts++;
    }
    if (broadcast && (call.state?.writes ?? true)) {
      evidence.broadcasts++;
      evidence.broadcastAt ??= at;
    }
    const origin = this.origins.get(startId);
    if (origin === undefined) return;
    const contact: Contact = { at, fromPhase: origin.phase, fromStep: origin.step };
    if (call.phase === 'fit' && origin.phase === 'validate') evidence.validationIntoFit ??= contact;
    if ((inferencePhases.has(call.phase) && trainingPhases.has(origin.phase)) || (trainingPhases.has(call.phase) && inferencePhases.has(origin.phase))) {
      evidence.inferenceContact ??= contact;
    }
  }
}

/** How a passed initial_state meets the stored state in this version (§6); calls say whether they pass one. */
export function initialStateMode(config: { readonly keras: KerasVersion }): InitialStateMode {
  return config.keras === 'tf' ? 'while-zero' : 'always';
}
