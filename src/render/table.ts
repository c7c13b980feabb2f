/**
 * The human report: a capped table of reset events (head and tail), the totals, the answer and the
 * findings. Colour comes only from the Chalk instance passed in.
 */
import type { ChalkInstance } from 'chalk';
import Table from 'cli-table3';
import { describeResetPolicy, isStatefulModel } from '../keras/config.ts';
import { formatCount, layerKind } from '../sim/explain.ts';
import type { Finding } from '../keras/findings.ts';
import type { EpochTotals, ResetEvent, SimulationResult } from '../sim/result.ts';
import { eventColumns as allEventColumns } from './columns.ts';

export interface TableOptions {
  readonly chalk: ChalkInstance;
  /** Event rows shown at most (head and tail halves). */
  readonly maxRows: number;
  /** Box borders (a terminal) or plain aligned columns (a pipe). */
  readonly borders: boolean;
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

export function renderEventTable(result: SimulationResult, options: TableOptions, shown: ShownEvents = { events: result.events, total: result.events.length, contiguous: false }): string {
  const { chalk, maxRows } = options;
  const eventColumns = allEventColumns.filter((column) => !column.planOnly || result.config.plan !== undefined);
  const table = new Table({
    head: eventColumns.map((column) => chalk.bold(column.label)),
    colAligns: eventColumns.map((column) => (column.numeric ? 'right' : 'left')),
    style: { head: [], border: [], 'padding-left': options.borders ? 1 : 0, 'padding-right': options.borders ? 1 : 0 },
    ...(options.borders ? {} : { chars: noBorders }),
  });
  const row = (event: ResetEvent) =>
    eventColumns.map((column) => {
      const text = cell(event, column.key);
      return column.key === 'reason' ? reasonColor(chalk, event.reason)(text) : text;
    });
  const limit = Math.max(2, maxRows);
  const events = shown.events.length > limit ? [...shown.events.slice(0, Math.ceil(limit / 2)), ...shown.events.slice(shown.events.length - Math.floor(limit / 2))] : shown.events;
  const hidden = shown.total - events.length;
  const gap = [
    {
      colSpan: eventColumns.length,
      content: chalk.dim(
        shown.contiguous
          ? `… ${formatCount(hidden)} more events (use --format ndjson or tsv to stream them all)`
          : `… ${formatCount(hidden)} more events (use --json or --format tsv for all)`,
      ),
    },
  ];
  const headCount = shown.contiguous ? events.length : Math.ceil(events.length / 2);
  for (const event of events.slice(0, hidden > 0 ? headCount : events.length)) table.push(row(event));
  if (hidden > 0) {
    table.push(gap);
    if (!shown.contiguous) for (const event of events.slice(headCount)) table.push(row(event));
  }
  if (shown.total === 0) {
    table.push([{ colSpan: eventColumns.length, content: chalk.dim('no reset events') }]);
  }
  return table.toString();
}

function reasonColor(chalk: ChalkInstance, reason: ResetEvent['reason']): (text: string) => string {
  if (reason === 'batch-start') return chalk.cyan;
  if (reason === 'reset-states') return chalk.yellow;
  return chalk.green;
}

/** "1 carry", "3 carries". */
function count(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/** Consecutive epochs with the same counts, folded: "epochs 2–15: …". */
function epochLines(perEpoch: readonly EpochTotals[]): string[] {
  const lines: string[] = [];
  let start = 0;
  const same = (a: EpochTotals, b: EpochTotals) =>
    a.batches === b.batches && a.resetEvents === b.resetEvents && a.rowResets === b.rowResets && a.carries === b.carries;
  for (let i = 1; i <= perEpoch.length; i++) {
    if (i < perEpoch.length && same(perEpoch[i]!, perEpoch[start]!)) continue;
    const first = perEpoch[start]!;
    const last = perEpoch[i - 1]!;
    const label = first.epoch === last.epoch ? `epoch ${first.epoch}` : `epochs ${first.epoch}–${last.epoch}`;
    const each = first.epoch === last.epoch ? '' : ' each';
    lines.push(
      `${label}: ${count(first.resetEvents, 'reset event')}, ${count(first.rowResets, 'row')} zeroed, ${count(first.carries, 'carry', 'carries')}, ${count(first.batches, 'batch', 'batches')}${each}`,
    );
    start = i;
  }
  return lines;
}

export function renderTotals(result: SimulationResult, chalk: ChalkInstance): string {
  const { config, totals } = result;
  const mode = isStatefulModel(config) ? `stateful, reset-every ${describeResetPolicy(config.resetEvery)}` : 'stateless';
  const layers = config.resolvedLayers
    .map((layer) => `${config.resolvedLayers.length > 1 ? `${layer.name} ` : ''}${layerKind(layer)}(${formatCount(layer.units)})${config.resolvedLayers.length > 1 ? (layer.stateful ? ' stateful' : ' stateless') : ''}`)
    .join(' → ');
  const shuffle = config.shuffle ? 'shuffle' : 'no shuffle';
  const split = config.validationSplit > 0 ? `, validation ${formatCount(totals.validationSamples)} samples` : '';
  const reasons = Object.entries(totals.byReason)
    .filter(([, count]) => count > 0)
    .map(([reason, count]) => `${reason} ${formatCount(count)}`)
    .join(', ');
  const lines = [
    chalk.bold(
      `Totals (${config.kerasLabel}; ${mode}, ${shuffle}; ${formatCount(config.samples)}×${formatCount(config.timesteps)}×${formatCount(config.features)}, batch ${formatCount(config.batchSize)}, ${count(config.epochs, "epoch")}, ${layers}${split})`,
    ),
    `  reset events   ${chalk.bold(formatCount(totals.resetEvents))}${reasons ? ` (${reasons})` : ''}`,
    `  rows zeroed    ${chalk.bold(formatCount(totals.rowResets))}`,
    `  batches        ${formatCount(totals.batches)} (fit ${formatCount(totals.fitBatches)}, validation ${formatCount(totals.validationBatches)})`,
    `  carries        ${formatCount(totals.carries)} layer calls started from a carried state`,
    ...epochLines(totals.perEpoch).map((line) => `  ${line}`),
  ];
  if (totals.perLayer.length > 1) {
    for (const layer of totals.perLayer) {
      lines.push(
        `  layer ${layer.name}: ${count(layer.resetEvents, 'reset event')}, ${count(layer.rowResets, 'row')} zeroed, ${count(layer.carries, 'carry', 'carries')} (${layer.stateful ? 'stateful' : 'stateless'}, ${formatCount(layer.stateTensors)} state tensor${layer.stateTensors === 1 ? "" : "s"} per row)`,
      );
    }
  }
  if (config.maskTail !== undefined && totals.maskedSteps === null) {
    lines.push('  masking        not counted in a --count-only run with --mask-fraction (it needs every sample\'s seeded choice)');
  } else if (config.maskTail !== undefined) {
    lines.push(
      `  masking        ${formatCount(totals.maskedSteps ?? 0)} padded steps carried the state unchanged (never a reset); ${formatCount(totals.passThroughRows ?? 0)} fully padded rows passed their state through`,
    );
  }
  if (!result.completed) lines.push(chalk.red(`  stopped early: ${formatCount(totals.epochsCompleted)} of ${formatCount(config.epochs)} epochs completed`));
  return lines.join('\n');
}

export function renderFindings(findings: readonly Finding[], chalk: ChalkInstance): string {
  if (findings.length === 0) return chalk.dim('No findings.');
  const color = { error: chalk.red.bold, warning: chalk.yellow.bold, info: chalk.blue } as const;
  return [
    chalk.bold('Findings'),
    ...findings.map((f) => `  ${color[f.severity](f.severity.padEnd(7))} ${f.code}: ${f.message}\n          fix: ${f.fix}`),
  ].join('\n');
}

/** The whole human report. */
export function renderReport(result: SimulationResult, options: TableOptions, shown?: ShownEvents): string {
  const { chalk } = options;
  return [
    renderEventTable(result, options, shown),
    '',
    renderTotals(result, chalk),
    '',
    chalk.bold('Answer'),
    ...result.answer.map((line) => `  ${line}`),
    '',
    renderFindings(result.findings, chalk),
    '',
  ].join('\n');
}
