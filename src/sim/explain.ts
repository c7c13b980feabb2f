/**
 * The plain-language answer to "when is the state reset?", worded from the counted totals.
 */
import { cellClassNames } from '../keras/layers.ts';
import type { LayerSpec } from '../keras/config.ts';
import type { SimulationResult } from './result.ts';

/** "LSTM", "Bidirectional(GRU)". */
export function layerKind(layer: LayerSpec): string {
  const cell = cellClassNames[layer.cell];
  return layer.bidirectional ? `Bidirectional(${cell})` : cell;
}

/**
 * 15000 -> "15,000", independent of the machine's locale (written out: the first toLocaleString
 * call loads ICU's number formats, which costs a one-shot CLI about 15 ms).
 */
export function formatCount(n: number): string {
  if (!Number.isInteger(n)) return String(n);
  const digits = String(Math.abs(n));
  let grouped = '';
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) grouped += ',';
    grouped += digits[i];
  }
  return n < 0 ? `-${grouped}` : grouped;
}

function plural(n: number, word: string, many = `${word}s`): string {
  return `${formatCount(n)} ${n === 1 ? word : many}`;
}

export function explain(result: Omit<SimulationResult, 'answer'>): string[] {
  const layers = result.config.resolvedLayers;
  const lines = layers.length === 1 ? explainLayer(result, layers[0]!) : explainStack(result);
  if (!result.completed) {
    const error = result.findings.find((f) => f.severity === 'error');
    lines.push(`Keras would stop this run with an error${error?.at ? ` (epoch ${error.at.epoch}, ${error.at.phase} batch ${error.at.batch})` : ''}; the counts cover what ran before it.`);
  }
  return lines;
}

/** Stacked layers: one line per layer, each with its own state. */
function explainStack(result: Omit<SimulationResult, 'answer'>): string[] {
  const { config, totals } = result;
  const lines = [
    `${layersPhrase(config.resolvedLayers.length)} each keep their own state; a stateless layer starts every batch from zeros, a stateful one carries row i of each batch into row i of the next until reset_states().`,
  ];
  for (const layer of totals.perLayer) {
    const mode = layer.stateful ? 'stateful' : 'stateless';
    lines.push(
      `${layer.name} (${layerKind(layer)}, ${plural(layer.units, 'unit')}, ${mode}, ${plural(layer.stateTensors, 'state tensor')} per row): ${plural(layer.resetEvents, 'reset event')}, ${plural(layer.rowResets, 'row')} zeroed, ${plural(layer.carries, 'carried call')}.`,
    );
  }
  lines.push(
    `All layers over ${plural(config.epochs, 'epoch')}: ${plural(totals.resetEvents, 'reset event')} and ${plural(totals.rowResets, 'row reset')} in ${plural(totals.batches, 'batch', 'batches')}.`,
  );
  return lines;
}

function layersPhrase(count: number): string {
  return `The ${formatCount(count)} stacked recurrent layers`;
}

function explainLayer(result: Omit<SimulationResult, 'answer'>, layer: LayerSpec): string[] {
  const { config, totals } = result;
  const lines: string[] = [];
  const epochs = plural(config.epochs, 'epoch');
  const kind = layerKind(layer);
  const tensors = layer.stateTensors;
  if (!layer.stateful) {
    const first = totals.perEpoch[0];
    const fitPerEpoch = Math.ceil(totals.trainSamples / config.batchSize);
    const validationPerEpoch = Math.ceil(totals.validationSamples / config.batchSize);
    const eventsPerEpoch = first?.resetEvents ?? 0;
    const rowsPerEpoch = first?.rowResets ?? 0;
    const partial = totals.trainSamples % config.batchSize;
    lines.push(
      `Stateless ${kind} (stateful=False): every layer call starts from fresh zeros, so the state is reset at the start of every batch, for every sequence in it.`,
    );
    const batches =
      validationPerEpoch > 0
        ? `${plural(fitPerEpoch, 'training batch', 'training batches')} + ${plural(validationPerEpoch, 'validation batch', 'validation batches')}`
        : `${plural(fitPerEpoch, 'batch', 'batches')}`;
    const rowsEach =
      partial > 0 || totals.validationSamples % config.batchSize > 0
        ? `each zeroing up to ${formatCount(config.batchSize)} parallel states (partial batches have fewer rows)`
        : `each zeroing ${formatCount(config.batchSize)} parallel states`;
    lines.push(
      `Per epoch: ${plural(eventsPerEpoch, 'reset event')} (one per batch, at its start: ${batches}), ${rowsEach}, so ${plural(rowsPerEpoch, 'sequence start')} from zeros.`,
    );
    lines.push(
      `Over ${epochs}: ${plural(totals.resetEvents, 'reset event')} and ${plural(totals.rowResets, 'sequence start')}.`,
    );
    lines.push(
      `"${formatCount(eventsPerEpoch)} times" counts reset events (batches); "${formatCount(rowsPerEpoch)} times" counts sequences (rows, one state each of ${plural(tensors, 'tensor')}). Both count the same resets at two granularities.`,
    );
  } else {
    const stateRows = config.stateBatchSize ?? config.batchSize;
    lines.push(
      `Stateful ${kind}: ${plural(stateRows, 'state row')} ${stateRows === 1 ? 'is' : 'are'} created as zeros when the layer is built; after that, row i of each batch starts from the final state of row i of the previous batch (the data must be laid out so that sample i of batch k+1 continues sample i of batch k).`,
    );
    const resets = totals.byReason['reset-states'];
    if (config.resetEvery === 'never') {
      lines.push(
        `Keras never resets them on its own: ${formatCount(totals.carries)} of ${plural(totals.batches, 'layer call')} started from a carried state, through ${epochs}${totals.validationSamples > 0 ? ' and every validation pass' : ''}. The only zero state was the initial one.`,
      );
    } else {
      const when =
        config.resetEvery === 'epoch'
          ? 'after every epoch'
          : `after every ${plural(config.resetEvery.everyBatches, 'training batch', 'training batches')} of each epoch`;
      const zeroed = resets > 0 ? `zeroed ${stateRows === 1 ? 'the state row' : `all ${formatCount(stateRows)} rows`} ${plural(resets, 'time')}` : 'never ran';
      lines.push(
        `The reset_states() call ${when} ${zeroed}; with the initial zeros that is ${plural(totals.resetEvents, 'reset event')} and ${plural(totals.rowResets, 'row reset')}. ${formatCount(totals.carries)} of ${plural(totals.batches, 'layer call')} started from a carried state.`,
      );
    }
    lines.push(
      `So ${stateRows === 1 ? 'the row' : `each of the ${formatCount(stateRows)} rows`} is one long sequence between resets, not ${formatCount(config.samples)} independent ones; "per sequence" resets never happen in stateful mode.`,
    );
  }
  return lines;
}
