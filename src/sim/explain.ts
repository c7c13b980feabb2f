/**
 * The plain-language answer to "when is the state reset?", worded from the counted totals.
 */
import { cellClassNames } from '../keras/layers.ts';
import { layerAppliesMask, padsSamples, type LayerSpec } from '../keras/config.ts';
import { kerasProfiles } from '../keras/profiles.ts';
import type { SimulationResult } from './result.ts';
import { describePosition } from '../keras/findings.ts';
import { formatCount, plural } from '../shared/count.ts';

/** "LSTM", "Bidirectional(GRU)". */
export function layerKind(layer: LayerSpec): string {
  const cell = cellClassNames[layer.cell];
  return layer.bidirectional ? `Bidirectional(${cell})` : cell;
}

export { formatCount } from '../shared/count.ts';

export function explain(result: Omit<SimulationResult, 'answer'>): string[] {
  const layers = result.config.resolvedLayers;
  const lines = layers.length === 1 && layers[0]!.initialStateFrom === undefined ? explainLayer(result, layers[0]!) : explainStack(result);
  // masking: a fully padded row is its own kind of call start, neither a reset nor a new sequence (§4)
  const passThrough = result.totals.passThroughRows ?? 0;
  if (passThrough > 0) {
    lines.push(
      `${passThrough === 1 ? '1 fully padded row passed its' : `${formatCount(passThrough)} fully padded rows passed their`} state through unchanged (masking carries the state over padded steps; it never resets it).`,
    );
  }
  lines.push(...droppedMaskLines(result));
  if (!result.completed) {
    const error = result.findings.find((f) => f.severity === 'error' && f.at !== undefined && f.code !== 'jax-stateful-no-effect');
    lines.push(`Keras would stop this run with an error${error?.at ? ` (at ${describePosition(error.at)})` : ''}; the counts cover what ran before it.`);
  }
  return lines;
}

/** "3 training batches + 1 validation batch + 2 predict batches" for the calls that ran. */
function callsPhrase(totals: SimulationResult['totals']): string {
  const parts = [
    [totals.fitBatches, 'training batch', 'training batches'],
    [totals.validationBatches, 'validation batch', 'validation batches'],
    [totals.evaluateBatches, 'evaluate batch', 'evaluate batches'],
    [totals.predictBatches, 'predict batch', 'predict batches'],
    [totals.trainOnBatchBatches, 'train_on_batch call', 'train_on_batch calls'],
    [totals.predictOnBatchBatches, 'predict_on_batch call', 'predict_on_batch calls'],
    [totals.directCalls, 'direct model(x) call', 'direct model(x) calls'],
  ] as const;
  const shown = parts.filter(([n]) => n > 0).map(([n, one, many]) => plural(n, one, many));
  return shown.length === 0 ? 'no model call' : shown.join(' + ');
}

/** Stacked layers: one line per layer, each with its own state. */
function explainStack(result: Omit<SimulationResult, 'answer'>): string[] {
  const { config, totals } = result;
  const wired = config.resolvedLayers.some((layer) => layer.initialStateFrom !== undefined || layer.call);
  const lines = [
    `${wired ? `The ${formatCount(totals.perLayer.length)} recurrent layers` : layersPhrase(config.resolvedLayers.length)} each keep their own state; a stateless layer starts every batch from zeros${wired ? ' unless it is given initial_state' : ''}, a stateful one carries row i of each batch into row i of the next until reset_states()${config.backend === 'jax' ? ' (on JAX only in direct model(x) calls: the trainer never stores it)' : ''}.`,
  ];
  for (const layer of totals.perLayer) {
    const mode = layer.stateful ? 'stateful' : 'stateless';
    const calls = config.resolvedLayers.filter((spec) => spec.name === layer.name).length;
    const from =
      layer.fromLayerStarts > 0
        ? `, ${plural(layer.fromLayerStarts, 'call')} started from ${layer.initialStateFrom ?? 'another layer'}'s final states (initial_state, not zeros)`
        : '';
    const others = [
      layer.broadcastStarts > 0 ? `${plural(layer.broadcastStarts, 'call')} broadcast 1 row into every state row` : '',
      layer.storedRestarts > 0 ? `${plural(layer.storedRestarts, 'call')} restarted from the stored state (JAX never stores it inside the trainer)` : '',
      layer.initialStateStarts > 0 ? `${plural(layer.initialStateStarts, 'call')} started from the passed initial_state` : '',
    ]
      .filter((part) => part !== '')
      .map((part) => `, ${part}`)
      .join('');
    lines.push(
      `${layer.name} (${layerKind(layer)}, ${plural(layer.units, 'unit')}, ${mode}, ${plural(layer.stateTensors, 'state tensor')} per row${calls > 1 ? `, called ${calls} times per batch` : ''}): ${plural(layer.resetEvents, 'reset event')}, ${plural(layer.rowResets, 'row')} zeroed, ${plural(layer.carries, 'carried call')}${others}${from}.`,
    );
  }
  lines.push(`All layers over ${runPhrase(config, totals)}: ${plural(totals.resetEvents, 'reset event')} and ${plural(totals.rowResets, 'row reset')} in ${callsPhrase(totals)}.`);
  return lines;
}

function layersPhrase(count: number): string {
  return `The ${formatCount(count)} stacked recurrent layers`;
}

/** "15 epochs", or for a plan "a plan of 7 steps with 3 fit epochs". */
function runPhrase(config: SimulationResult['config'], totals: SimulationResult['totals']): string {
  if (!config.plan) return plural(config.epochs, 'epoch');
  const epochs = totals.perEpoch.filter((e) => e.epoch > 0).length;
  return `the plan (${plural(epochs, 'fit epoch')})`;
}

function explainLayer(result: Omit<SimulationResult, 'answer'>, layer: LayerSpec): string[] {
  return layer.stateful ? explainStateful(result, layer) : explainStateless(result, layer);
}

function explainStateless(result: Omit<SimulationResult, 'answer'>, layer: LayerSpec): string[] {
  const { config, totals } = result;
  const kind = layerKind(layer);
  // calls given initial_state start from the passed state, not from zeros: never resets
  const passed = totals.perLayer.find((l) => l.name === layer.name)?.initialStateStarts ?? 0;
  if (passed > 0) {
    const calls = plural(passed, 'layer call');
    return [
      `Stateless ${kind} (stateful=False) given initial_state: ${totals.resetEvents === 0 ? 'every' : 'each such'} call starts from the passed initial_state instead of fresh zeros, so ${totals.resetEvents === 0 ? 'nothing is reset' : 'those calls reset nothing'}.`,
      `Over ${runPhrase(config, totals)}: ${calls} started from the passed state (initial_state starts, not resets)${totals.resetEvents > 0 ? `; ${plural(totals.resetEvents, 'other call')} started from fresh zeros (${plural(totals.rowResets, 'sequence start')})` : ''}, and no call continued another.`,
    ];
  }
  const lines = [
    `Stateless ${kind} (stateful=False): every layer call starts from fresh zeros, so the state is reset at the start of every batch, for every sequence in it.`,
  ];
  const fitEpochs = totals.perEpoch.filter((e) => e.epoch > 0);
  const first = fitEpochs[0];
  const uniform = first !== undefined && fitEpochs.every((e) => e.batches === first.batches && e.rowResets === first.rowResets);
  if (!config.plan && uniform && first) {
    const batchSize = config.batchSize;
    const fitPerEpoch = Math.ceil(totals.trainSamples / batchSize);
    const validationPerEpoch = Math.ceil(totals.validationSamples / batchSize);
    const batches =
      validationPerEpoch > 0
        ? `${plural(fitPerEpoch, 'training batch', 'training batches')} + ${plural(validationPerEpoch, 'validation batch', 'validation batches')}`
        : `${plural(fitPerEpoch, 'batch', 'batches')}`;
    const partial = totals.trainSamples % batchSize > 0 || totals.validationSamples % batchSize > 0;
    const rowsEach = partial
      ? `each zeroing up to ${plural(batchSize, 'parallel state')} (partial batches have fewer rows)`
      : `each zeroing ${plural(batchSize, 'parallel state')}`;
    lines.push(`Per epoch: ${plural(first.resetEvents, 'reset event')} (one per batch, at its start: ${batches}), ${rowsEach}, so ${plural(first.rowResets, 'sequence start')} from zeros.`);
    lines.push(`Over ${plural(fitEpochs.length, 'epoch')}: ${plural(totals.resetEvents, 'reset event')} and ${plural(totals.rowResets, 'sequence start')}.`);
    lines.push(
      `"${plural(first.resetEvents, 'time')}" counts reset events (batches); "${plural(first.rowResets, 'time')}" counts sequences (rows, one state each of ${plural(layer.stateTensors, 'tensor')}). Both count the same resets at two granularities.`,
    );
  } else {
    lines.push(
      `Over ${runPhrase(config, totals)}: ${plural(totals.resetEvents, 'reset event')}, one per model call (${callsPhrase(totals)}), and ${plural(totals.rowResets, 'sequence start')} from zeros (one per row of each call).`,
    );
  }
  return lines;
}

function explainStateful(result: Omit<SimulationResult, 'answer'>, layer: LayerSpec): string[] {
  const { config, totals } = result;
  const kind = layerKind(layer);
  const counts = totals.perLayer.find((l) => l.name === layer.name) ?? totals.perLayer[0]!;
  const built = counts.byReason.initial > 0;
  const lines: string[] = [];
  if (!built) {
    lines.push(`Stateful ${kind}: Keras cannot create its state here, so no call runs (see the error finding).`);
    return lines;
  }
  const stateRows = counts.rowResets > 0 && counts.resetEvents > 0 ? Math.round(statefulRows(counts)) : (config.stateBatchSize ?? config.batchSize);
  const rowsWord = stateRows === 1 ? 'the state row' : `the ${formatCount(stateRows)} state rows`;
  lines.push(
    `Stateful ${kind}: ${plural(stateRows, 'state row')} ${stateRows === 1 ? 'is' : 'are'} created as zeros when the layer is built; a call that carries starts row i from the final state of row i of the previous call (so sample i of batch k+1 must continue sample i of batch k).`,
  );
  const calls = totals.batches;
  const parts: string[] = [`${formatCount(counts.carries)} of ${plural(calls, 'model call')} (${callsPhrase(totals)}) started from the carried state`];
  const notStored = counts.storedRestarts;
  const initialState = counts.initialStateStarts;
  const broadcast = counts.broadcastStarts;
  if (notStored > 0) {
    parts.push(
      `${formatCount(notStored)} restarted instead from the value the state variable held ${config.runEagerly || config.jitCompile === false ? 'at the time (JAX with run_eagerly / jit_compile=False)' : 'when their compiled function was traced (JAX jit)'}, because on JAX fit, evaluate, predict and *_on_batch never store the state (stored restarts, not resets: nothing is zeroed)`,
    );
  }
  if (initialState > 0) {
    parts.push(
      config.keras === 'tf'
        ? `${formatCount(initialState)} started from the passed initial_state (tf.keras uses it while the stored state is all zeros)`
        : `${formatCount(initialState)} started from the passed initial_state: every call starts from the passed initial_state, never from the carried state`,
    );
  }
  lines.push(`${parts.join('; ')}.`);
  if (broadcast > 0) {
    lines.push(
      `${broadcast === 1 ? '1 batch of 1 row was' : `${formatCount(broadcast)} batches of 1 row were`} broadcast against all ${formatCount(stateRows)} carried rows, overwriting every row with that one sample's result (counted as broadcasts: neither resets nor carries).`,
    );
  }
  const resets = counts.byReason['reset-states'];
  if (resets === 0) {
    lines.push(
      notStored + initialState > 0
        ? 'Keras never resets the state on its own, and nothing called reset_states().'
        : 'Keras never resets the state on its own, and nothing called reset_states(): the only zeros were the initial ones.',
    );
  } else {
    const policy =
      config.resetEvery === 'epoch'
        ? ' (after every epoch)'
        : typeof config.resetEvery === 'object'
          ? ` (after every ${plural(config.resetEvery.everyBatches, 'training batch', 'training batches')} of each epoch)`
          : '';
    lines.push(`reset_states()${policy} zeroed ${stateRows === 1 ? 'it' : stateRows === 2 ? 'both rows' : `all ${formatCount(stateRows)} rows`} ${plural(resets, 'time')}; with the initial zeros that is ${plural(counts.resetEvents, 'event')} and ${plural(counts.rowResets, 'row reset')}.`);
  }
  // a sequence is a run of calls that carry: it starts at every call that does not
  const starts = calls - counts.carries;
  // what a stateless layer would have seen instead: every sample its own sequence (a run Keras
  // stopped never reached all of them)
  const independent = result.completed ? `not ${formatCount(config.samples)} independent ones` : 'not independent samples (Keras stopped the run before every sample was seen)';
  if (calls === 0) return lines;
  if (broadcast > 0) {
    lines.push(
      `So ${stateRows === 1 ? 'the row carries its' : `each of the ${formatCount(stateRows)} rows carries its`} state from call to call, but after a broadcast batch every row continues that one sample, not its own sequence.`,
    );
  } else if (counts.carries === 0) {
    lines.push(
      calls === 1
        ? 'So only 1 call ran, and nothing was carried into another.'
        : `So no call continued another: each of the ${formatCount(calls)} calls is its own sequence, as if the layer were stateless.`,
    );
  } else if (starts <= 1) {
    lines.push(`So ${rowsWord === 'the state row' ? 'the row' : `each of the ${formatCount(stateRows)} rows`} is one long sequence over all ${plural(calls, 'call')}, ${independent}.`);
  } else {
    const average = calls / starts;
    lines.push(
      `So ${stateRows === 1 ? 'the row' : `each of the ${formatCount(stateRows)} rows`} runs through ${plural(starts, 'sequence')} of ${Number.isInteger(average) ? `${formatCount(average)} consecutive call${average === 1 ? '' : 's'} each` : `${average.toFixed(1)} consecutive calls on average`}, ${independent}.`,
    );
  }
  return lines;
}

/** Rows of a stateful layer's state: its build event's rows. */
function statefulRows(counts: SimulationResult['totals']['perLayer'][number]): number {
  const zeroings = counts.byReason.initial + counts.byReason['reset-states'];
  return zeroings > 0 ? counts.rowResets / zeroings : 0;
}

/**
 * Keras 3 passes no mask to a layer call given initial_state (keras/config.ts layerAppliesMask): the
 * padded samples' steps run as data in those layers. One line naming them, as `audit` notes it for a
 * model file.
 */
function droppedMaskLines(result: Omit<SimulationResult, 'answer'>): string[] {
  const { config } = result;
  // a model file's layers say whether their wiring masks them (audit notes its own dropped masks)
  if (!padsSamples(config) || !kerasProfiles[config.keras].keras3 || config.layers?.some((layer) => layer.masked !== undefined)) return [];
  const always = config.resolvedLayers.filter((layer) => !layerAppliesMask(layer, config.keras, config.initialStatePassed === true)).map((layer) => layer.name);
  const someCalls = (config.plan ?? []).some((step) => step.type === 'call' && step.initialState === true);
  const names = [...new Set(always)];
  const fix = "Keras 2, tf.keras and TF.js skip them (pass mask= to the call to skip them in Keras 3)";
  if (names.length > 0) {
    const list = names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} and ${names.at(-1)!}`;
    return [
      `${list} ${names.length === 1 ? 'is' : 'are'} given initial_state, so Keras 3 passes ${names.length === 1 ? 'it' : 'them'} no mask (Layer.__call__ fills mask only for a one-tensor call): ${names.length === 1 ? 'its' : 'their'} padded steps run as data; ${fix}.`,
    ];
  }
  if (someCalls) {
    return [`The model(x) calls given initial_state pass no mask in Keras 3 (Layer.__call__ fills mask only for a one-tensor call): their padded steps run as data; ${fix}.`];
  }
  return [];
}
