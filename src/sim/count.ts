/**
 * Counting without the forward pass (--count-only): the totals in closed form, O(plan steps × epochs)
 * however many samples there are, and the events generated lazily from the schedule (no samples,
 * no state buffers) for the outputs that list them.
 */
import { distinctLayers, resolveLayers, splitData, wiredStart, type SimulationConfig } from '../keras/config.ts';
import { expectedTotals } from '../keras/counter.ts';
import { explain } from './explain.ts';
import { batchSizeFailureFinding, configFindings } from '../keras/findings.ts';
import type { EventReason, RunPosition } from '../keras/events.ts';
import { runSchedule } from '../keras/schedule.ts';
import { StateFlow, initialStateMode } from '../keras/state-flow.ts';
import { resolveRunConfig } from './simulate.ts';
import type { ResetEvent, SimulationResult, Totals } from './result.ts';

/**
 * The run's events in order, as the forward pass would record them (discardedMeanAbsH null).
 * Lazy: a consumer that stops early costs only what it read.
 */
export function* countEvents(config: SimulationConfig): Generator<ResetEvent, void, undefined> {
  const layers = resolveLayers(config);
  // build and reset_states() zero each stateful layer once (a shared layer has one state)
  const stateful = distinctLayers(config).filter((layer) => layer.stateful);
  const firstStateful = layers.findIndex((layer) => layer.stateful);
  const wiring = layers.map((layer) => wiredStart(layer, config.keras));
  /** tf.keras: stateful layers whose stored state is still the zeros of a build or reset_states(). */
  const zeroed = new Set<string>();
  const flow = new StateFlow(initialStateMode(config));
  let stateRows = config.stateBatchSize ?? config.batchSize;
  let index = 0;
  const event = (reason: EventReason, position: RunPosition, layer: (typeof layers)[number], rows: number): ResetEvent => ({
    index: ++index,
    reason,
    phase: position.phase,
    epoch: position.epoch,
    batch: position.batch,
    timing: position.timing,
    planStep: position.planStep ?? 1,
    layer: layer.name,
    rows,
    stateTensors: layer.stateTensors,
    discardedMeanAbsH: null,
  });
  for (const step of runSchedule(config, false)) {
    if (step.kind === 'build') {
      stateRows = step.stateRows;
      flow.zero();
      for (const layer of stateful) {
        zeroed.add(layer.name);
        yield event('initial', step.position, layer, stateRows);
      }
    } else if (step.kind === 'call') {
      const { call } = step;
      const position: RunPosition = { phase: call.phase, epoch: call.epoch, batch: call.batch, timing: 'before-batch', planStep: call.planStep ?? 1 };
      const decision = firstStateful >= 0 ? flow.call(call) : undefined;
      // layer by layer, as the layers report them: stateless ones zero their rows; stateful ones
      // report a start that is not the carry, and the first of them a broadcast (§R2)
      let rows = call.rows;
      for (const [i, layer] of layers.entries()) {
        const wired = wiring[i]!;
        if (!layer.stateful) {
          // from another layer's final states (initial_state), the passed initial_state, or fresh zeros
          yield event(wired === 'always' ? 'from-layer' : call.initialState ? 'initial-state' : 'batch-start', position, layer, rows);
          continue;
        }
        const wasZero = zeroed.delete(layer.name);
        if (wired === 'always' || (wired === 'while-zero' && wasZero)) {
          yield event('from-layer', position, layer, stateRows);
          continue;
        }
        if (wired === 'while-zero' || layer.call) continue;
        if (decision!.outcome === 'not-stored' || decision!.outcome === 'initial-state') yield event(decision!.outcome, position, layer, stateRows);
        if (i === firstStateful && rows !== stateRows && decision!.writes) yield event('broadcast', position, layer, stateRows);
        rows = stateRows;
      }
    } else if (step.kind === 'reset-states') {
      flow.zero();
      for (const layer of stateful) {
        zeroed.add(layer.name);
        yield event('reset-states', step.position, layer, stateRows);
      }
    } else if (!step.failure.caught) {
      return;
    }
  }
}

/** The result of a run counted in closed form; `events` holds only what `keepEvents` asks for. */
export function countOnly(config: SimulationConfig, options: { keepEvents?: number; masksFromData?: boolean } = {}): SimulationResult {
  const expected = expectedTotals(config);
  const specs = distinctLayers(config);
  const { trainSamples, validationSamples } = splitData(config.samples, config.validationSplit);
  const events: ResetEvent[] = [];
  if ((options.keepEvents ?? 0) > 0) {
    for (const event of countEvents(config)) {
      events.push(event);
      if (events.length >= options.keepEvents!) break;
    }
  }
  // masking: every row of every call is padded at fraction 1; a seeded choice per sample, a layout or a model's own masks otherwise
  const maskTail = config.maskTail ?? 0;
  const maskCounted = !options.masksFromData && config.padding === undefined && (maskTail === 0 || (config.maskFraction ?? 1) >= 1);
  const totals: Totals = {
    batches: expected.batches,
    fitBatches: expected.fitBatches,
    validationBatches: expected.validationBatches,
    evaluateBatches: expected.evaluateBatches,
    predictBatches: expected.predictBatches,
    trainOnBatchBatches: expected.trainOnBatchBatches,
    predictOnBatchBatches: expected.predictOnBatchBatches,
    directCalls: expected.directCalls,
    resetEvents: expected.resetEvents,
    rowResets: expected.rowResets,
    carries: expected.carries,
    broadcastStarts: expected.broadcastStarts,
    storedRestarts: expected.storedRestarts,
    initialStateStarts: expected.initialStateStarts,
    fromLayerStarts: expected.fromLayerStarts,
    failedCalls: expected.failedCalls,
    byReason: expected.byReason,
    perEpoch: expected.perEpoch,
    epochsCompleted: expected.epochsCompleted,
    trainSamples,
    validationSamples,
    perLayer: specs.map((spec, i) => {
      const counts = expected.perLayer[i]!;
      return {
        ...spec,
        resetEvents: counts.resetEvents,
        rowResets: counts.rowResets,
        carries: counts.carries,
        broadcastStarts: counts.broadcastStarts,
        storedRestarts: counts.storedRestarts,
        initialStateStarts: counts.initialStateStarts,
        fromLayerStarts: counts.fromLayerStarts,
        byReason: counts.byReason,
      };
    }),
    // only the calls in which a layer applies the mask (Keras 3: not a layer given initial_state)
    maskedSteps: maskCounted ? expected.maskedRowsRun * maskTail : null,
    passThroughRows: maskCounted ? (maskTail > 0 && maskTail === config.timesteps ? expected.maskedRowsRun : 0) : null,
  };
  const findings = [...expected.failures.map((failure) => batchSizeFailureFinding(config, failure)), ...configFindings(config, expected.evidence, expected.failure?.position)];
  const result = {
    config: resolveRunConfig(config),
    events,
    totals,
    findings,
    completed: expected.completed,
    finalMeanAbsH: null,
    countOnly: true,
  };
  return { ...result, answer: explain(result) };
}
