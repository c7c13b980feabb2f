/**
 * The human report: a capped table of reset events (head and tail), the totals, the answer and the
 * findings. Colour comes only from the Chalk instance passed in.
 */
import type { ChalkInstance } from 'chalk';
import Table from 'cli-table3';
import { describeTraining, planEpochs, planOf } from '../keras/config.ts';
import { formatCount, layerKind } from '../sim/explain.ts';
import { noun, plural as count } from '../shared/count.ts';
import type { Finding } from '../keras/findings.ts';
import { zeroes, type ResetReason } from '../keras/events.ts';
import type { EpochTotals, ResetEvent, SimulationResult } from '../sim/result.ts';
import type { LayerSpec } from '../keras/config.ts';
import { eventColumns as allEventColumns } from './columns.ts';
import { wrap } from './text.ts';

export interface TableOptions {
  readonly chalk: ChalkInstance;
  /** Event rows shown at most (head and tail halves). */
  readonly maxRows: number;
  /** Columns the report must fit (the terminal's width; 80 in a pipe). */
  readonly width: number;
}

const noBorders = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
  bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
  left: '', 'left-mid': '', mid: '', 'mid-mid': '',
  right: '', 'right-mid': '', middle: '  ',
};

function cell(event: ResetEvent, key: keyof ResetEvent): string {
  const value = event[key];
  if (key === 'discardedMeanAbsH') return value === null ? '–' : (value as number).toFixed(6);
  if (typeof value === 'number') return formatCount(value);
  return String(value);
}

/** The events a table shows: some events of the run, `total` in all. */
export interface ShownEvents {
  readonly events: readonly ResetEvent[];
  readonly total: number;
  /** True when `events` are the first ones in a row (a counted run): the gap is at the end. */
  readonly contiguous: boolean;
}

/** A header on two lines when it is wider than its column's values ("rows zeroed" over "1,000"). */
function header(label: string, contentWidth: number): string {
  const space = label.indexOf(' ', Math.floor(label.length / 2) - 1);
  const split = space > 0 ? space : label.lastIndexOf(' ');
  return label.length > contentWidth && split > 0 ? `${label.slice(0, split)}\n${label.slice(split + 1)}` : label;
}

/** Width of a (possibly two-line) header. */
function headerWidth(text: string): number {
  return Math.max(...text.split('\n').map((line) => line.length));
}

/**
 * The event table, laid out to fit `options.width`: no borders, one line per event, two-line headers
 * where a label is wider than its values, and one space between columns when two do not fit. The
 * state tensors per row are in the totals (every column is in --json and the TSV). A terminal too
 * narrow for all columns loses, in this order, phase (when every call is a fit batch), when and
 * batch, with a note saying so.
 */
export function renderEventTable(result: SimulationResult, options: TableOptions, shown: ShownEvents = { events: result.events, total: result.events.length, contiguous: false }): string {
  const { chalk, maxRows } = options;
  const limit = Math.max(2, maxRows);
  const events = shown.events.length > limit ? [...shown.events.slice(0, Math.ceil(limit / 2)), ...shown.events.slice(shown.events.length - Math.floor(limit / 2))] : shown.events;
  const hidden = shown.total - events.length;
  const onlyFit = result.config.plan === undefined && result.totals.validationBatches === 0;
  let columns = allEventColumns.filter(
    (column) =>
      (!column.planOnly || result.config.plan !== undefined) && column.key !== 'stateTensors' && (column.key !== 'layer' || result.config.resolvedLayers.length > 1),
  );
  const layout = (gap: number) => {
    const widths = columns.map((column) => Math.max(1, ...events.map((event) => cell(event, column.key).length)));
    const heads = columns.map((column, i) => header(column.label, widths[i]!));
    const full = heads.map((head, i) => Math.max(widths[i]!, headerWidth(head)));
    return { heads, widths: full, total: full.reduce((a, b) => a + b, 0) + gap * (columns.length - 1) };
  };
  let gap = 2;
  let fitted = layout(gap);
  if (fitted.total > options.width) fitted = layout((gap = 1));
  const dropped: string[] = [];
  for (const key of ['phase', 'timing', 'batch'] as const) {
    if (fitted.total <= options.width) break;
    if (key === 'phase' && !onlyFit) continue;
    const column = columns.find((c) => c.key === key);
    if (!column) continue;
    columns = columns.filter((c) => c !== column);
    dropped.push(column.label);
    fitted = layout(gap);
  }
  const table = (head: boolean) =>
    new Table({
      head: head ? fitted.heads.map((text) => chalk.bold(text)) : [],
      colAligns: columns.map((column) => (column.numeric ? 'right' : 'left')),
      colWidths: fitted.widths,
      style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
      chars: { ...noBorders, middle: ' '.repeat(gap) },
    });
  const row = (event: ResetEvent) =>
    columns.map((column) => {
      const text = cell(event, column.key);
      return column.key === 'reason' ? reasonColor(chalk, event.reason)(text) : text;
    });
  const headCount = shown.contiguous ? events.length : Math.ceil(events.length / 2);
  // none listed (--events none) but some counted: no empty table, one line
  if (events.length === 0 && hidden > 0) return chalk.dim(wrap(`${count(hidden, 'event')} not listed (--events all lists them; the totals below count them)`, options.width, '', '  '));
  const first = table(true);
  for (const event of events.slice(0, hidden > 0 ? headCount : events.length)) first.push(row(event));
  const parts = [first.toString()];
  if (shown.total === 0) parts.push(chalk.dim('no reset events'));
  if (hidden > 0) {
    // past the listing limit --json and the streams list only a head too, unless --events all
    const more = shown.contiguous
      ? `… ${count(hidden, 'more event')} (--format ndjson or tsv with --events all streams every event)`
      : `… ${count(hidden, 'more event')} (--json or --format tsv with --events all lists every event)`;
    parts.push(chalk.dim(wrap(more, options.width, '', '  ')));
    if (!shown.contiguous && events.length > headCount) {
      const second = table(false);
      for (const event of events.slice(headCount)) second.push(row(event));
      parts.push(second.toString());
    }
  }
  if (dropped.length > 0) parts.push(chalk.dim(wrap(`(columns left out to fit ${options.width} columns: ${dropped.join(', ')}; --format tsv has them all)`, options.width)));
  return parts
    .join('\n')
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n');
}

function reasonColor(chalk: ChalkInstance, reason: ResetEvent['reason']): (text: string) => string {
  if (reason === 'batch-start') return chalk.cyan;
  if (reason === 'reset-states') return chalk.yellow;
  return chalk.green;
}

/** "1 layer call", "5 layer calls". */
/**
 * The totals' lines for the starts that are not resets nor carries, present ones only: label and
 * text, shared by the text totals and the HTML report.
 */
export function otherStartLines(totals: SimulationResult['totals']): [string, string][] {
  const lines: [string, string][] = [];
  if (totals.broadcastStarts > 0) lines.push(['broadcasts', `${layerCalls(totals.broadcastStarts)} ran a 1-row batch against every carried state row, overwriting all of them (neither resets nor carries)`]);
  if (totals.storedRestarts > 0) {
    lines.push([
      'restarts',
      `${layerCalls(totals.storedRestarts)} restarted from the state variable's stored value, not the previous call's final state (JAX never writes it inside fit, evaluate and predict); nothing is zeroed, so not resets`,
    ]);
  }
  if (totals.initialStateStarts > 0) lines.push(['initial_state', `${layerCalls(totals.initialStateStarts)} started from the passed initial_state (not resets)`]);
  if (totals.fromLayerStarts > 0) lines.push(['from a layer', `${layerCalls(totals.fromLayerStarts)} started from another layer's final states (not resets)`]);
  if (totals.failedCalls > 0) lines.push(['failed', `${count(totals.failedCalls, 'call')} at which Keras raises (nothing starts there; see the findings)`]);
  return lines;
}

function layerCalls(n: number): string {
  return count(n, 'layer call');
}

/** Consecutive epochs with the same counts, folded: "epochs 2–15: …". */
function epochLines(perEpoch: readonly EpochTotals[]): string[] {
  const lines: string[] = [];
  let start = 0;
  const same = (a: EpochTotals, b: EpochTotals) =>
    a.batches === b.batches &&
    a.resetEvents === b.resetEvents &&
    a.rowResets === b.rowResets &&
    a.carries === b.carries &&
    a.broadcastStarts === b.broadcastStarts &&
    a.storedRestarts === b.storedRestarts &&
    a.initialStateStarts === b.initialStateStarts;
  for (let i = 1; i <= perEpoch.length; i++) {
    if (i < perEpoch.length && same(perEpoch[i]!, perEpoch[start]!)) continue;
    const first = perEpoch[start]!;
    const last = perEpoch[i - 1]!;
    // epoch 0 holds a plan's calls before its first fit
    const label = first.epoch === last.epoch ? (first.epoch === 0 ? 'before the first fit' : `epoch ${first.epoch}`) : `epochs ${first.epoch}–${last.epoch}`;
    const each = first.epoch === last.epoch ? '' : ' each';
    lines.push(
      `${label}: ${count(first.resetEvents, 'reset event')}, ${count(first.rowResets, 'row')} zeroed, ${count(first.carries, 'carry', 'carries')}${otherStartsPhrase(first)}, ${count(first.batches, 'batch', 'batches')}${each}`,
    );
    start = i;
  }
  return lines;
}

/** ", 2 broadcasts, 5 stored restarts": the starts that are neither zeros nor a carry, where there are any. */
function otherStartsPhrase(counts: Pick<EpochTotals, 'broadcastStarts' | 'storedRestarts' | 'initialStateStarts'>): string {
  const parts = [
    counts.broadcastStarts > 0 ? count(counts.broadcastStarts, 'broadcast') : '',
    counts.storedRestarts > 0 ? count(counts.storedRestarts, 'stored restart') : '',
    counts.initialStateStarts > 0 ? count(counts.initialStateStarts, 'initial_state start') : '',
  ].filter((part) => part !== '');
  return parts.map((part) => `, ${part}`).join('');
}

/** The state tensors of one row of a layer, by name: "h and c", "forward h, c and backward h, c". */
export function stateTensorNames(layer: LayerSpec): string {
  const one = layer.cell === 'lstm' ? ['h', 'c'] : ['h'];
  if (layer.bidirectional) return `forward ${one.join(', ')} and backward ${one.join(', ')}`;
  return one.length === 1 ? one[0]! : `${one[0]} and ${one[1]}`;
}

/** "fit 6, validation 2, predict 3": the model calls by kind, the kinds that ran (fit and validation always). */
function batchesByCall(totals: SimulationResult['totals']): string {
  const parts: [string, number][] = [
    ['fit', totals.fitBatches],
    ['validation', totals.validationBatches],
    ['evaluate', totals.evaluateBatches],
    ['predict', totals.predictBatches],
    ['train_on_batch', totals.trainOnBatchBatches],
    ['predict_on_batch', totals.predictOnBatchBatches],
    ['direct calls', totals.directCalls],
  ];
  return parts
    .filter(([name, n]) => n > 0 || name === 'fit' || name === 'validation')
    .map(([name, n]) => `${name} ${formatCount(n)}`)
    .join(', ');
}

/**
 * What ran, in one line: the Keras profile and backend, the training (a plan's steps), the data, the
 * layers. The Totals line of the text output and the HTML report's subtitle.
 */
export function describeRun(result: SimulationResult): string {
  const { config, totals } = result;
  const several = config.resolvedLayers.length > 1;
  const layers = config.resolvedLayers
    // a shared layer once (its later calls are the same layer)
    .filter((layer) => !layer.call)
    .map((layer) => `${several ? `${layer.name} ` : ''}${layerKind(layer)}(${formatCount(layer.units)})${several ? (layer.stateful ? ' stateful' : ' stateless') : ''}`)
    // a model's graph (a decoder wired to its encoder, a shared layer) is not a stack
    .join(config.resolvedLayers.some((layer) => layer.initialStateFrom !== undefined || layer.call) ? ', ' : ' → ');
  const split = totals.validationSamples > 0 && !config.plan ? `, validation ${count(totals.validationSamples, 'sample')}` : '';
  return `${config.kerasLabel}${config.kerasLabel.startsWith('Keras 3') ? ` on ${config.backend}` : ''}; ${describeTraining(config)}, ${layers}${split}`;
}

/** The totals, each line wrapped to `width` under its value. */
export function renderTotals(result: SimulationResult, chalk: ChalkInstance, width: number): string {
  const { config, totals } = result;
  const several = config.resolvedLayers.length > 1;
  // the zeroing reasons only: the other listed reasons are starts of their own, on their own lines
  const reasons = Object.entries(totals.byReason)
    .filter(([reason, count]) => count > 0 && zeroes(reason as ResetReason))
    .map(([reason, count]) => `${reason} ${formatCount(count)}`)
    .join(', ');
  const only = config.resolvedLayers.length === 1 ? config.resolvedLayers[0]! : undefined;
  const perRow = only ? ` (${count(only.stateTensors, 'state tensor')} each: ${stateTensorNames(only)})` : '';
  const item = (key: string, value: string) => wrap(value, width, `  ${key.padEnd(15)}`, ' '.repeat(17));
  const lines = [
    wrap(
      chalk.bold(`Totals (${describeRun(result)})`),
      width,
      '',
      '  ',
    ),
    item('reset events', `${chalk.bold(formatCount(totals.resetEvents))}${reasons ? ` (${reasons})` : ''}`),
    item('rows zeroed', `${chalk.bold(formatCount(totals.rowResets))}${perRow}`),
    item('batches', `${formatCount(totals.batches)} (${batchesByCall(totals)})`),
    item('carries', `${layerCalls(totals.carries)} carried the previous call's final state`),
    ...otherStartLines(totals).map(([key, value]) => item(key, value)),
    ...epochLines(totals.perEpoch).map((line) => wrap(line, width, '  ', '    ')),
  ];
  if (several) {
    for (const layer of totals.perLayer) {
      lines.push(
        wrap(
          `layer ${layer.name}: ${count(layer.resetEvents, 'reset event')}, ${count(layer.rowResets, 'row')} zeroed, ${count(layer.carries, 'carry', 'carries')}${otherStartsPhrase(layer)}${layer.fromLayerStarts > 0 ? `, ${formatCount(layer.fromLayerStarts)} from ${layer.initialStateFrom ?? 'another layer'}'s states` : ''} (${layer.stateful ? 'stateful' : 'stateless'}, ${count(layer.stateTensors, 'state tensor')} per row: ${stateTensorNames(layer)})`,
          width,
          '  ',
          '    ',
        ),
      );
    }
  }
  const padded = config.maskTail !== undefined || config.padding !== undefined;
  if (padded && totals.maskedSteps === null) {
    lines.push(item('masking', "not counted in a --count-only run with --mask-fraction or --lengths (it needs every sample's padding)"));
  } else if (padded || (totals.maskedSteps ?? 0) > 0) {
    lines.push(
      item(
        'masking',
        `${count(totals.maskedSteps ?? 0, 'padded step')} carried the state unchanged (never a reset); ${count(totals.passThroughRows ?? 0, 'fully padded row')} passed ${noun(totals.passThroughRows ?? 0, 'its', 'their')} state through`,
      ),
    );
  }
  if (!result.completed) {
    const epochs = planEpochs(planOf(config));
    // a plan without fit epochs has none to count: say only that it stopped
    const done = epochs > 0 ? `${formatCount(totals.epochsCompleted)} of ${count(epochs, 'epoch')} completed` : 'Keras raises before the plan ends (see the findings)';
    lines.push(chalk.red(wrap(`stopped early: ${done}`, width, '  ')));
  }
  return lines.join('\n');
}

/** The findings, each with its fix, wrapped to `width`. */
export function renderFindings(findings: readonly Finding[], chalk: ChalkInstance, width: number): string {
  if (findings.length === 0) return chalk.dim('No findings.');
  const color = { error: chalk.red.bold, warning: chalk.yellow.bold, info: chalk.blue } as const;
  const lines = [chalk.bold('Findings')];
  for (const f of findings) {
    lines.push(wrap(`${f.code}: ${f.message}`, width, `  ${color[f.severity](f.severity.padEnd(7))} `, ' '.repeat(10)));
    lines.push(wrap(f.fix, width, `${' '.repeat(10)}fix: `, ' '.repeat(15)));
  }
  return lines.join('\n');
}

/** The plain-language answer, one paragraph per line of `answer`. */
export function renderAnswer(answer: readonly string[], chalk: ChalkInstance, width: number): string {
  return [chalk.bold('Answer'), ...answer.map((line) => wrap(line, width, '  ', '    '))].join('\n');
}

/** The whole human report. `picture` is drawn below the totals (the strip and sparkline), when given. */
export function renderReport(result: SimulationResult, options: TableOptions & { readonly picture?: string }, shown?: ShownEvents): string {
  const { chalk, width } = options;
  return [
    renderEventTable(result, options, shown),
    '',
    renderTotals(result, chalk, width),
    ...(options.picture ? ['', options.picture] : []),
    '',
    renderAnswer(result.answer, chalk, width),
    '',
    renderFindings(result.findings, chalk, width),
    '',
  ].join('\n');
}
