/**
 * Runs a training configuration through a real LSTM forward pass and records, through the state
 * hooks, every reset event. Pure: returns a result object; rendering and I/O live elsewhere.
 */
import { splitData, type SimulationConfig } from './config.ts';
import { explain } from './explain.ts';
import { batchSizeFailureFinding, configFindings, type Finding } from './findings.ts';
import { combineHooks, type EventTiming, type Phase, type ResetReason, type StateHooks } from './hooks.ts';
import { initLstmWeights, LstmLayer } from './lstm.ts';
import { kerasProfiles } from './profiles.ts';
import { deriveSeed, syntheticInput } from './random.ts';
import { fitSchedule } from './schedule.ts';

/** One row of the reset table: a layer's state is zero at this point of the run. */
export interface ResetEvent {
  /** 1-based position in the run's event list. */
  readonly index: number;
  readonly reason: ResetReason;
  readonly phase: Phase;
  readonly epoch: number;
  /** The batch the event precedes (before-batch) or follows (after-batch, epoch-end: the epoch's last training batch). */
  readonly batch: number;
  readonly timing: EventTiming;
  readonly layer: string;
  /** Sequence rows zeroed: one independent state per row. */
  readonly rows: number;
  /** State tensors zeroed per row (LSTM: h and c). */
  readonly stateTensors: number;
  /** Mean |h| of the state thrown away (0 where there is none). */
  readonly discardedMeanAbsH: number;
}

export interface EpochTotals {
  readonly epoch: number;
  /** Layer calls in this epoch (training and validation batches). */
  readonly batches: number;
  readonly resetEvents: number;
  readonly rowResets: number;
  readonly carries: number;
}

export interface Totals {
  /** Layer calls that ran: training plus validation batches. */
  readonly batches: number;
  readonly fitBatches: number;
  readonly validationBatches: number;
  readonly resetEvents: number;
  /** Sequence rows zeroed, summed over reset events. */
  readonly rowResets: number;
  /** Layer calls that started from a carried (non-reset) state. */
  readonly carries: number;
  /** Reset events by reason (every reason present, 0 where none). */
  readonly byReason: Readonly<Record<ResetReason, number>>;
  readonly perEpoch: readonly EpochTotals[];
  /** Epochs that ran to their end (fewer than configured when Keras would stop). */
  readonly epochsCompleted: number;
  readonly trainSamples: number;
  readonly validationSamples: number;
}

export interface SimulationResult {
  readonly config: SimulationConfig & { readonly kerasLabel: string };
  readonly events: readonly ResetEvent[];
  readonly totals: Totals;
  readonly findings: readonly Finding[];
  /** False when Keras would raise and the run stops early (see the error finding). */
  readonly completed: boolean;
  /** The plain-language answer, one sentence per line. */
  readonly answer: readonly string[];
  /** Mean |h| of the final state of the last layer call (0 if none ran). */
  readonly finalMeanAbsH: number;
}

export interface SimulateOptions {
  /** Extra observers of the running forward pass. */
  readonly hooks?: StateHooks;
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
  let offset = 0;
  for (let r = 0; r < samples.length; r++) {
    const sample = samples[r]!;
    for (let t = 0; t < timesteps; t++) {
      for (let d = 0; d < features; d++) buffer[offset++] = syntheticInput(inputSeed, sample, t, d);
    }
  }
}

export function simulate(config: SimulationConfig, options: SimulateOptions = {}): SimulationResult {
  const profile = kerasProfiles[config.keras];
  const { trainSamples, validationSamples } = splitData(config.samples, config.validationSplit);
  const maxRows = Math.min(config.batchSize, Math.max(trainSamples, validationSamples, 1));
  const layer = new LstmLayer(initLstmWeights(config.features, config.units, config.seed), {
    stateful: config.stateful,
    maxRows: config.stateful ? config.batchSize : maxRows,
    timesteps: config.timesteps,
    activation: { name: config.recurrentActivation, hardSigmoidSlope: profile.hardSigmoidSlope },
  });

  const events: ResetEvent[] = [];
  const perEpoch: { epoch: number; batches: number; resetEvents: number; rowResets: number; carries: number }[] = [];
  const epochTotals = (epoch: number) => {
    while (perEpoch.length < epoch) {
      perEpoch.push({ epoch: perEpoch.length + 1, batches: 0, resetEvents: 0, rowResets: 0, carries: 0 });
    }
    return perEpoch[epoch - 1]!;
  };
  let fitBatches = 0;
  let validationBatches = 0;
  let carries = 0;
  let finalMeanAbsH = 0;
  // the recorder: the reset table is built from what the layer reports while it runs
  const recorder: StateHooks = {
    onReset(info) {
      const { position } = info;
      events.push({
        index: events.length + 1,
        reason: info.reason,
        phase: position.phase,
        epoch: position.epoch,
        batch: position.batch,
        timing: position.timing,
        layer: info.layer,
        rows: info.rows,
        stateTensors: info.stateTensors,
        discardedMeanAbsH: info.discardedMeanAbsH,
      });
      const epoch = epochTotals(position.epoch);
      epoch.resetEvents++;
      epoch.rowResets += info.rows;
    },
    onCarry(info) {
      carries++;
      epochTotals(info.position.epoch).carries++;
    },
    onBatchEnd(call, state) {
      if (call.phase === 'fit') fitBatches++;
      else validationBatches++;
      epochTotals(call.epoch).batches++;
      let sum = 0;
      for (let i = 0; i < state.h.length; i++) sum += Math.abs(state.h[i]!);
      finalMeanAbsH = state.h.length > 0 ? sum / state.h.length : 0;
    },
  };
  const hooks = options.hooks ? combineHooks(recorder, options.hooks) : recorder;

  const findings: Finding[] = [];
  const inputs = new Float32Array((config.stateful ? config.batchSize : maxRows) * config.timesteps * config.features);
  let completed = true;
  let epochsCompleted = config.epochs;
  for (const step of fitSchedule(config)) {
    if (step.kind === 'build') {
      layer.build(step.position, hooks);
    } else if (step.kind === 'call') {
      const { call } = step;
      fillSyntheticInputs(inputs, call.samples, config.timesteps, config.features, config.seed);
      layer.call(inputs, call, hooks);
    } else if (step.kind === 'reset-states') {
      layer.resetStates(step.position, hooks);
    } else {
      completed = false;
      epochsCompleted = step.failure.position.epoch - 1;
      epochTotals(step.failure.position.epoch);
      findings.push(batchSizeFailureFinding(config, step.failure));
    }
  }
  findings.push(...configFindings(config));

  const byReason: Record<ResetReason, number> = { initial: 0, 'batch-start': 0, 'reset-states': 0 };
  let rowResets = 0;
  for (const event of events) {
    byReason[event.reason]++;
    rowResets += event.rows;
  }
  const totals: Totals = {
    batches: fitBatches + validationBatches,
    fitBatches,
    validationBatches,
    resetEvents: events.length,
    rowResets,
    carries,
    byReason,
    perEpoch,
    epochsCompleted,
    trainSamples,
    validationSamples,
  };
  const resolvedConfig = { ...config, kerasLabel: profile.label };
  const result = { config: resolvedConfig, events, totals, findings, completed, finalMeanAbsH };
  return { ...result, answer: explain(result) };
}
