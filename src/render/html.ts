/**
 * --html FILE: one self-contained HTML page (inline SVG, CSS and a few lines of JS; nothing from
 * the network) drawn from the result object every format renders, plus the run's timeline
 * (sim/timeline.ts): per layer, a grid of state rows (y) by layer calls (x, grouped by epoch and
 * phase) marking zeros (and why), carries, rows passed through, broadcast and failure, with
 * reset_states() as vertical marks, and under it mean |h| per call with the state thrown away at
 * each reset; the sequences the carries build (data[i::B]); the totals, the answer and the
 * findings with their fixes; optionally the same run stateless (or stateful) side by side.
 *
 * Every reset event (one that zeroes the state) is one element of class `reset-mark`, every other
 * start event (broadcast, not-stored, initial-state) one of class `start-mark` with `data-reason`,
 * and every carried call one of class `carry`, each with `data-count` (1, or the number an
 * aggregated stretch of a summarised run stands for), inside an element with `data-run` (`main`,
 * or `counterpart` for the side-by-side run), so the DOM can be checked against
 * `totals.resetEvents`, `totals.broadcastStarts`, `totals.storedRestarts`,
 * `totals.initialStateStarts` and `totals.carries`.
 */
import { isStatefulModel } from '../keras/config.ts';
import { formatCount, layerKind } from '../sim/explain.ts';
import { noun, plural } from '../shared/count.ts';
import type { SimulationResult } from '../sim/result.ts';
import { zeroes } from '../keras/events.ts';
import { aggregate, carryCount, fromLayerCount, resetCount, startKinds, startMarkCount, type CallRecord, type CallSpan, type LayerTimeline, type ResetMark, type StartKind, type Timeline, type TimelineItem } from '../sim/timeline.ts';
import { byEpoch, callSymbol } from './strip.ts';
import { describeRun, otherStartLines, stateTensorNames } from './table.ts';

/** A run to draw: its result and timeline. */
export interface HtmlRun {
  readonly result: SimulationResult;
  readonly timeline: Timeline;
}

export interface HtmlOptions {
  /** The command line that produced the run, shown for reproduction. */
  readonly commandLine?: string;
  /** The same run with statefulness flipped, drawn side by side. */
  readonly counterpart?: HtmlRun;
  readonly version: string;
  /** Extra header lines (audit: the model). */
  readonly header?: readonly string[];
}

const esc = (text: string | number): string =>
  String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const fixed = (value: number, digits = 4) => (Number.isFinite(value) ? value.toFixed(digits) : '–');
const px = (value: number) => Math.round(value * 10) / 10;

/**
 * How each start kind is drawn: its colour and its words in the legend and the call's details. A kind
 * not listed here (a newer result's) is still drawn, in a colour of its own, under its name.
 */
const startStyles: Readonly<Record<string, { readonly color: string; readonly legend: string; readonly detail: string }>> = {
  zeros: { color: 'var(--batch-start)', legend: 'zeros', detail: 'every row starts from zeros' },
  carried: { color: 'var(--carried)', legend: 'carried from the same row of the previous call', detail: 'every row starts from the final state of the same row of the previous call (carried)' },
  broadcast: { color: 'var(--broadcast)', legend: 'broadcast: a 1-row batch run against every row', detail: 'a 1-row batch is run against every carried state row, and all of them are overwritten with its result (broadcast)' },
  'not-stored': { color: 'var(--not-stored)', legend: "from the stored value, not the last call's (JAX)", detail: "the rows start from the state variable's stored (or trace-time) value, not from the previous call's final state, which JAX does not store" },
  'initial-state': { color: 'var(--initial-state)', legend: 'from initial_state', detail: 'the rows start from the initial_state passed to the layer' },
  'from-layer': { color: 'var(--from-layer)', legend: "from another layer's final states (not a reset)", detail: "the rows start from another layer's final states (passed as initial_state; not a reset)" },
  failed: { color: 'var(--failed)', legend: 'Keras raises here', detail: 'Keras raises at this call (see the findings); nothing runs after it' },
};
const spareColors = ['#00695c', '#5d4037', '#37474f', '#9e9d24', '#4527a0'];

/** The style of a start kind, a listed one or any other. */
function startStyle(kind: string): { readonly color: string; readonly legend: string; readonly detail: string } {
  const index = startKinds.indexOf(kind as StartKind);
  return startStyles[kind] ?? { color: spareColors[Math.max(0, index) % spareColors.length]!, legend: `starts: ${kind}`, detail: `the rows start: ${kind}` };
}

/** A fill per start kind the timeline knows (the zeros by reason, below, override theirs). */
const startCss = startKinds.map((kind) => `.cell.${kind}, rect.start-mark.${kind} { fill: ${startStyle(kind).color}; }`).join(' ');

const css = `
:root { --initial: #2e7d32; --batch-start: #1565c0; --reset-states: #ef6c00; --carried: #b0bec5; --broadcast: #6a1b9a; --not-stored: #00838f; --initial-state: #8d6e63; --from-layer: #d81b60;
  --failed: #c62828; --pass: #fff59d; --ink: #1f2933; --muted: #667085; --line: #d0d5dd; --bg: #fff; --panel: #f8fafc; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); margin: 0; }
main { max-width: 1200px; margin: 0 auto; padding: 20px 24px 48px; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 19px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 16px 0 6px; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
.command { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 6px 10px 6px 26px; text-indent: -16px; white-space: pre-wrap; overflow-x: auto; }
.command span { white-space: nowrap; }
.muted { color: var(--muted); }
.answer p { margin: 4px 0; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; margin: 8px 0; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 8px 12px; min-width: 130px; background: var(--panel); }
.card b { display: block; font-size: 22px; }
table.totals { border-collapse: collapse; margin: 8px 0; } table.totals td, table.totals th { padding: 3px 10px; border-bottom: 1px solid var(--line); text-align: left; }
table.totals td.n { text-align: right; font-variant-numeric: tabular-nums; }
.legend { display: flex; flex-wrap: wrap; gap: 14px; margin: 6px 0 10px; font-size: 13px; }
.legend span::before { content: ""; display: inline-block; width: 12px; height: 12px; margin-right: 5px; vertical-align: -1px; border-radius: 2px; background: var(--swatch); }
.scroll { overflow-x: auto; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
svg { display: block; } svg text { font: 11px system-ui, sans-serif; fill: var(--muted); }
${startCss}
.cell.zeros.initial { fill: var(--initial); } .cell.zeros.batch-start { fill: var(--batch-start); } .cell.zeros.reset-states { fill: var(--reset-states); }
.from-layer-mark { fill: var(--from-layer); }
.pass { fill: url(#hatch); }
line.reset-mark, .reset-line { stroke: var(--reset-states); stroke-width: 2; }
rect.reset-mark.initial { fill: var(--initial); } rect.reset-mark.batch-start { fill: var(--batch-start); } rect.reset-mark.reset-states { fill: var(--reset-states); }
.phase-band { fill: #fff3e0; } .phase-band.evaluate, .phase-band.predict { fill: #e8f5e9; }
.link { stroke: #78909c; stroke-width: 1; fill: none; }
.span-block { fill: url(#agg); stroke: var(--muted); stroke-dasharray: 3 2; }
.col:hover .cell, .col:focus .cell { stroke: #000; stroke-width: 1; }
.h-end { fill: none; stroke: #37474f; stroke-width: 1.4; } .h-start { fill: #37474f; }
.discard { stroke: var(--failed); stroke-width: 1.2; } .discard-dot { fill: var(--failed); }
.band { fill: #cfd8dc; }
.findings li { margin: 8px 0; list-style: none; } .sev { display: inline-block; min-width: 64px; font-weight: 600; }
.sev.error { color: var(--failed); } .sev.warning { color: var(--reset-states); } .sev.info { color: var(--batch-start); }
.fix { margin-left: 68px; } .source { margin-left: 68px; font-size: 12px; }
.seq { display: flex; align-items: center; gap: 3px; margin: 3px 0; flex-wrap: wrap; }
.seq .w { border: 1px solid var(--line); border-radius: 3px; padding: 0 5px; background: #eceff1; font-size: 12px; }
.seq .w.v { background: #fff3e0; } .seq .label { min-width: 70px; font-size: 12px; color: var(--muted); }
.side { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 16px; } .side > div { min-width: 0; border: 1px solid var(--line); border-radius: 8px; padding: 8px 12px; }
main.wide { max-width: 1320px; }
@media (max-width: 900px) { .side { grid-template-columns: minmax(0, 1fr); } }
#detail { background: #fffde7; border: 1px solid var(--line); border-radius: 6px; padding: 6px 12px; font-size: 13px; min-height: 2.2em; white-space: pre-wrap; margin: 0 0 10px; }
footer { margin-top: 32px; font-size: 12px; }
`;

/** Horizontal layout of a layer's items: x and width of each, and the epoch/phase groups above them. */
interface Layout {
  readonly x: number[];
  readonly w: number[];
  readonly width: number;
  readonly groups: { x0: number; x1: number; label: string; phase: string }[];
  readonly call: number;
}

const left = 64;
const spanWidth = 84;

/** Room for the columns of a grid on a page 1,200 pixels wide, and in one of two columns side by side. */
const fullRoom = 1090;
const sideRoom = 560;

/** Epochs drawn call by call at the start and at the end of a run with more epochs than a grid can label. */
const headEpochs = 2;
const tailEpochs = 2;

/** Pixels an epoch needs for its label ("epoch 100" at 11 px). */
const labelRoom = 64;

/**
 * A layer's items as a grid of `room` pixels can show them: with more epochs than it can label
 * (`labelRoom` pixels each), the first and last epochs call by call and every epoch between
 * them aggregated into one stretch (whose counts keep every call, reset and carry).
 */
export function fitToPage(items: readonly TimelineItem[], room: number): readonly TimelineItem[] {
  const epochs = byEpoch(items);
  if (epochs.length <= headEpochs + tailEpochs + 1 || room / epochs.length >= labelRoom) return items;
  const middle = epochs.slice(headEpochs, epochs.length - tailEpochs).flatMap((e) => e.items);
  return [...epochs.slice(0, headEpochs).flatMap((e) => e.items), aggregate(middle), ...epochs.slice(epochs.length - tailEpochs).flatMap((e) => e.items)];
}

function layoutItems(items: readonly TimelineItem[], room: number): Layout {
  const calls = items.filter((i) => i.kind === 'call').length;
  const epochs = byEpoch(items);
  const phases = epochs.reduce((n, e) => n + new Set(e.items.map((i) => (i.kind === 'span' ? i.first.phase : i.phase))).size, 0);
  const marks = items.filter((i) => i.kind === 'call' && i.after.some((m) => m.reason === 'reset-states')).length;
  // an aggregated stretch is wide enough for its label ("epochs 3–19998")
  const widthOf = (span: CallSpan) => Math.max(spanWidth, Math.ceil((span.first.epoch === span.last.epoch ? 0 : `epochs ${formatCount(span.first.epoch)}–${formatCount(span.last.epoch)}`.length) * 6.5 + 8));
  const fixedWidth = left + 16 + epochs.length * 8 + phases * 4 + marks * 4 + items.reduce((n, item) => n + (item.kind === 'span' ? widthOf(item) : 0), 0);
  const free = (room - fixedWidth) / Math.max(1, calls);
  // whole pixels while they fit; a large run's columns get thinner (down to a quarter pixel) rather than scroll
  const call = free >= 3 ? Math.min(40, Math.floor(free - 1)) : Math.max(0.25, Math.floor(free * 100) / 100);
  const x: number[] = [];
  const w: number[] = [];
  const groups: Layout['groups'] = [];
  let at = left;
  let previous = '';
  for (const epoch of byEpoch(items)) {
    at += 8;
    let phase = '';
    for (const item of epoch.items) {
      const itemPhase = item.kind === 'span' ? item.first.phase : item.phase;
      if (itemPhase !== phase) {
        if (phase !== '') at += 4;
        const label = epoch.folded ? `epochs ${formatCount((item as CallSpan).first.epoch)}–${formatCount((item as CallSpan).last.epoch)}` : epoch.epoch === 0 ? 'before fit' : `epoch ${formatCount(epoch.epoch)}`;
        groups.push({ x0: at, x1: at, label: `${label}${label === previous ? '' : ''}`, phase: itemPhase });
        previous = label;
        phase = itemPhase;
      }
      x.push(at);
      const width = item.kind === 'span' ? widthOf(item) : call;
      w.push(width);
      at += width + (item.kind === 'call' && item.after.some((m) => m.reason === 'reset-states') ? 4 : call > 3 ? 1 : 0);
      groups[groups.length - 1]!.x1 = at;
    }
  }
  return { x, w, width: at + 16, groups, call };
}

/** The start kinds marked apart from resets (they zero nothing). */
const otherStartReasons = ['broadcast', 'not-stored', 'initial-state'] as const;

/** Where a call or mark is, in words: fit and its validation by epoch and batch; the other phases by their batch and the fit epochs before them (a reset has no batch). */
function placeOf(phase: string, epoch: number, batch: number): string {
  if (phase === 'fit' || phase === 'validate') return `${phase} epoch ${formatCount(epoch)} batch ${formatCount(batch)}`;
  const after = epoch > 0 ? `after fit epoch ${formatCount(epoch)}` : 'before the first fit';
  return phase === 'reset' || batch === 0 ? `${phase} (${after})` : `${phase} batch ${formatCount(batch)} (${after})`;
}

/** `reset-mark` for an event that zeroes the state, `start-mark` for a start from something else. */
function markClass(mark: ResetMark): string {
  return zeroes(mark.reason) ? 'reset-mark' : 'start-mark';
}

function markTitle(mark: ResetMark): string {
  const rows = `${plural(mark.rows, 'row')} ${zeroes(mark.reason) ? 'zeroed' : 'started from something other than their carry (not a reset)'}`;
  return `${mark.reason} (${mark.timing}) in ${placeOf(mark.phase, mark.epoch, mark.batch)}: ${rows}, discarded mean |h| ${fixed(mark.discardedMeanAbsH)}`;
}

function callTitle(call: CallRecord, layer: LayerTimeline): string {
  const where = `${layer.layer.name}: call ${call.call + 1}, ${placeOf(call.phase, call.epoch, call.batch)}${call.planStep > 1 ? ` (plan step ${call.planStep})` : ''}, ${plural(call.rows, 'row')}`;
  const start =
    call.start === 'zeros' ? `every row starts from zeros (${call.startReason ?? 'reset'})`
    : call.start === 'from-layer' ? `the rows start from the final states of ${call.fromLayer ?? 'another layer'} (passed as initial_state; not a reset)`
    : startStyle(call.start).detail;
  const samples = call.samples.length > 0 ? `\nsamples: rows 0–${call.samples.length - 1} hold ${call.samples.join(', ')}${call.rows > call.samples.length ? ', …' : ''}` : '';
  const pass = call.passThroughRows > 0 ? `\n${plural(call.passThroughRows, 'row')} fully padded: ${noun(call.passThroughRows, 'its', 'their')} state passed through unchanged` : '';
  const h = call.start === 'failed' ? '' : `\nmean |h|: ${fixed(call.startMeanAbsH)} at the start, ${fixed(call.endMeanAbsH)} at the end`;
  const marks = [...call.before, ...call.after].map((m) => `\n${zeroes(m.reason) ? 'reset' : 'start'}: ${markTitle(m)}`).join('');
  return `${where}\n${start}${samples}${pass}${h}${marks}`;
}

function spanTitle(span: CallSpan, layer: LayerTimeline): string {
  const resets = resetCount(span);
  const byReason = Object.entries(span.resets).filter(([reason, n]) => n > 0 && zeroes(reason as ResetMark['reason'])).map(([reason, n]) => `${reason} ${formatCount(n)}`).join(', ');
  const starts = Object.entries(span.starts).filter(([, n]) => n > 0).map(([kind, n]) => `${formatCount(n)} ${kind === 'zeros' ? 'from zeros' : kind}`).join(', ');
  return (
    `${layer.layer.name}: ${formatCount(span.calls)} calls aggregated (summarised run), from ${placeOf(span.first.phase, span.first.epoch, span.first.batch)} to ${placeOf(span.last.phase, span.last.epoch, span.last.batch)}\n` +
    `starts: ${starts}\n` +
    `reset events: ${formatCount(resets)}${byReason ? ` (${byReason})` : ''}, ${plural(span.resetRows, 'row')}\n` +
    `mean |h| at the end of its calls: ${fixed(span.minEndMeanAbsH)} to ${fixed(span.maxEndMeanAbsH)} (mean ${fixed(span.sumEndMeanAbsH / Math.max(1, span.calls))})`
  );
}

/** The state grid and the mean |h| plot of one layer. */
function layerFigure(layer: LayerTimeline, run: 'main' | 'counterpart', room: number): string {
  const items = fitToPage(layer.items, room);
  const layout = layoutItems(items, room);
  const maxRows = Math.max(1, ...items.map((i) => (i.kind === 'call' ? i.rows : 0)));
  const rowH = Math.max(0.25, Math.min(14, 200 / maxRows));
  const top = 40;
  const gridH = maxRows * rowH;
  const height = top + gridH + 22;
  const parts: string[] = [];
  // epoch and phase labels
  // a label is left out where it would run into the one before it (~6.5 px a character at 11 px)
  let lastLabel = '';
  let epochEnd = -Infinity;
  let phaseEnd = -Infinity;
  for (const group of layout.groups) {
    const text = group.label === lastLabel ? '' : group.label;
    lastLabel = group.label;
    if (text && group.x0 >= epochEnd) {
      parts.push(`<text class="epoch-label" x="${px(group.x0)}" y="13">${esc(text)}</text>`);
      epochEnd = group.x0 + text.length * 6.5 + 6;
    }
    const phase = group.phase === 'validate' ? 'val' : group.phase;
    if (group.x0 >= phaseEnd) {
      parts.push(`<text x="${px(group.x0)}" y="27" class="phase">${esc(phase)}</text>`);
      phaseEnd = group.x0 + phase.length * 6.5 + 6;
    }
    if (group.phase !== 'fit') parts.push(`<rect class="phase-band ${group.phase}" x="${px(group.x0 - 2)}" y="33" width="${px(group.x1 - group.x0 + 2)}" height="${px(gridH + 12)}"/>`);
    parts.push(`<line x1="${px(group.x0)}" x2="${px(group.x1 - 1)}" y1="31" y2="31" stroke="#98a2b3"/>`);
  }
  // row axis
  parts.push(`<text x="6" y="${px(top + 10)}">row 0</text>`);
  if (maxRows > 1) parts.push(`<text x="6" y="${px(top + gridH)}">row ${maxRows - 1}</text>`);
  const rowLinks = maxRows <= 32;
  items.forEach((item, i) => {
    const x = layout.x[i]!;
    const w = layout.w[i]!;
    if (item.kind === 'span') {
      const resets = resetCount(item);
      const carries = carryCount(item);
      parts.push(
        `<g class="col span" tabindex="0" data-starts="${esc(startKinds.filter((kind) => item.starts[kind] > 0).map((kind) => `${kind}:${item.starts[kind]}`).join(' '))}"><title>${esc(spanTitle(item, layer))}</title>` +
          `<rect class="span-block" x="${px(x)}" y="${top}" width="${w}" height="${px(gridH)}"/>` +
          `<text x="${px(x + 4)}" y="${px(top + Math.min(gridH, 60) / 2 + 4)}">${esc(`${formatCount(item.calls)} calls`)}</text>` +
          (resets > 0 ? `<g class="reset-mark agg" data-count="${resets}" data-run="${run}"><rect x="${px(x)}" y="${top - 6}" width="${w}" height="4" fill="var(--reset-states)"/></g>` : '') +
          (carries > 0 ? `<g class="carry agg" data-count="${carries}" data-run="${run}"><rect x="${px(x)}" y="${px(top + gridH + 3)}" width="${w}" height="3" fill="var(--carried)"/></g>` : '') +
          otherStartReasons
            .map((reason) => [reason, startMarkCount(item, reason)] as const)
            .filter(([, n]) => n > 0)
            .map(([reason, n]) => `<g class="start-mark agg ${reason}" data-count="${n}" data-run="${run}" data-reason="${reason}"><rect x="${px(x)}" y="${top - 9}" width="${w}" height="2" fill="var(--${reason})"/></g>`)
            .join('') +
          (fromLayerCount(item) > 0 ? `<g class="from-layer-mark agg" data-count="${fromLayerCount(item)}" data-run="${run}"><rect x="${px(x)}" y="${top - 12}" width="${w}" height="3"/></g>` : '') +
          `</g>`,
      );
      return;
    }
    const h = item.rows * rowH;
    const kind = item.start;
    const reason = item.startReason ?? '';
    const cls = `cell ${kind}${kind === 'zeros' ? ` ${reason}` : ''}${item.carried ? ' carry' : ''}`;
    const counted = item.carried ? ` data-count="1" data-run="${run}"` : '';
    let col = `<g class="col" tabindex="0" data-symbol="${callSymbol(item)}" data-start="${kind}"><title>${esc(callTitle(item, layer))}</title>`;
    col += `<rect class="${cls}"${counted} x="${px(x)}" y="${top}" width="${w}" height="${px(Math.max(h, kind === 'failed' ? gridH : 0.5))}"/>`;
    if (kind === 'from-layer') {
      col += `<rect class="from-layer-mark" data-count="1" data-run="${run}" data-from="${esc(item.fromLayer ?? '')}" x="${px(x)}" y="${top - 7}" width="${w}" height="5"/>`;
    }
    if (kind === 'failed') col += `<text x="${px(x + w / 2 - 3)}" y="${px(top + Math.min(gridH, 24) / 2 + 4)}" fill="#fff">×</text>`;
    for (const row of item.passThrough) col += `<rect class="pass" x="${px(x)}" y="${px(top + row * rowH)}" width="${w}" height="${px(rowH)}"/>`;
    // carried: a link from each row of the previous call into the same row of this one
    if (item.carried && i > 0) {
      const from = layout.x[i - 1]! + layout.w[i - 1]!;
      if (rowLinks) {
        let d = '';
        for (let r = 0; r < item.rows; r++) d += `M${px(from)} ${px(top + (r + 0.5) * rowH)}H${px(x)}`;
        col += `<path class="link" d="${d}"/>`;
      }
    }
    item.before.forEach((mark, k) => {
      col += `<rect class="${markClass(mark)} ${mark.reason}" data-count="1" data-run="${run}" data-reason="${mark.reason}" x="${px(x)}" y="${top - 7 + k * 0}" width="${w}" height="5"><title>${esc(markTitle(mark))}</title></rect>`;
    });
    item.after.forEach((mark, k) => {
      const lx = x + w + 2 + k * 2;
      col += `<line class="${markClass(mark)} ${mark.reason}" data-count="1" data-run="${run}" data-reason="${mark.reason}" x1="${px(lx)}" x2="${px(lx)}" y1="${top - 9}" y2="${px(top + gridH + 6)}"><title>${esc(markTitle(mark))}</title></line>`;
    });
    col += '</g>';
    parts.push(col);
  });
  // orphan resets (no call ran)
  layer.orphanResets.forEach((mark, k) => {
    parts.push(`<line class="${markClass(mark)} ${mark.reason}" data-count="1" data-run="${run}" data-reason="${mark.reason}" x1="${left + 4 + k * 3}" x2="${left + 4 + k * 3}" y1="${top - 9}" y2="${px(top + gridH + 6)}"><title>${esc(markTitle(mark))}</title></line>`);
  });
  const grid = `<svg class="grid" width="${px(layout.width)}" height="${px(height)}" role="img" aria-label="${esc(`state of each row of ${layer.layer.name} at each call`)}">${parts.join('')}</svg>`;
  return grid + meanPlot(layer, items, layout);
}

const defs =
  '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff59d"/><line x1="0" y1="0" x2="0" y2="6" stroke="#b58900" stroke-width="2"/></pattern>' +
  '<pattern id="agg" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(-45)"><rect width="8" height="8" fill="#f2f4f7"/><line x1="0" y1="0" x2="0" y2="8" stroke="#d0d5dd" stroke-width="3"/></pattern></defs>';

/** mean |h| at the start and end of each call (a sawtooth when every call starts from zeros), the state discarded at each reset. */
function meanPlot(layer: LayerTimeline, items: readonly TimelineItem[], layout: Layout): string {
  const values: number[] = [];
  for (const item of items) {
    if (item.kind === 'span') values.push(item.maxEndMeanAbsH, item.maxDiscardedMeanAbsH);
    else {
      values.push(item.startMeanAbsH, item.endMeanAbsH);
      for (const m of [...item.before, ...item.after]) values.push(m.discardedMeanAbsH);
    }
  }
  const max = Math.max(1e-9, ...values.filter(Number.isFinite));
  const top = 10;
  const h = 110;
  const y = (v: number) => px(top + h - (v / max) * h);
  const parts: string[] = [
    `<text x="4" y="${top + 8}">${esc(fixed(max, 3))}</text>`,
    `<text x="4" y="${top + h / 2 + 4}">mean |h|</text>`,
    `<text x="4" y="${top + h}">0</text>`,
    `<line x1="${left}" x2="${px(layout.width - 8)}" y1="${top + h}" y2="${top + h}" stroke="#d0d5dd"/>`,
  ];
  let path = '';
  let open = false;
  items.forEach((item, i) => {
    const x = layout.x[i]!;
    const w = layout.w[i]!;
    if (item.kind === 'span') {
      open = false;
      const low = Number.isFinite(item.minEndMeanAbsH) ? item.minEndMeanAbsH : 0;
      parts.push(`<rect class="band" x="${px(x)}" y="${y(item.maxEndMeanAbsH)}" width="${w}" height="${px(Math.max(1, (item.maxEndMeanAbsH - low) / max * h))}"><title>${esc(spanTitle(item, layer))}</title></rect>`);
      return;
    }
    if (item.start === 'failed') {
      open = false;
      return;
    }
    for (const mark of item.before) {
      if (mark.discardedMeanAbsH > 0) {
        parts.push(`<line class="discard" x1="${px(x)}" x2="${px(x)}" y1="${y(mark.discardedMeanAbsH)}" y2="${y(0)}"/><circle class="discard-dot" cx="${px(x)}" cy="${y(mark.discardedMeanAbsH)}" r="2.2"><title>${esc(`discarded by ${markTitle(mark)}`)}</title></circle>`);
      }
    }
    path += `${open && item.start === 'carried' ? 'L' : 'M'}${px(x)} ${y(item.startMeanAbsH)}L${px(x + w)} ${y(item.endMeanAbsH)}`;
    open = true;
    for (const mark of item.after) {
      const lx = x + w + 2;
      parts.push(`<line class="discard" x1="${px(lx)}" x2="${px(lx)}" y1="${y(mark.discardedMeanAbsH)}" y2="${y(0)}"/><circle class="discard-dot" cx="${px(lx)}" cy="${y(mark.discardedMeanAbsH)}" r="2.2"><title>${esc(`discarded by ${markTitle(mark)}`)}</title></circle>`);
      open = false;
    }
  });
  parts.push(`<path class="h-end" d="${path}"/>`);
  return `<svg class="meanh" width="${px(layout.width)}" height="${top + h + 14}" role="img" aria-label="${esc(`mean |h| of ${layer.layer.name} per call`)}">${parts.join('')}</svg>`;
}

/** The legend entries, each with the test that says whether a run shows it. */
const legendEntries: readonly { swatch: string; text: string; shown: (items: readonly TimelineItem[]) => boolean }[] = [
  { swatch: 'var(--initial)', text: 'zeros: initial (a stateful layer is built)', shown: (items) => items.some((i) => startsWith(i, 'initial')) },
  { swatch: 'var(--batch-start)', text: 'zeros: batch start (stateless: every call)', shown: (items) => items.some((i) => startsWith(i, 'batch-start')) },
  { swatch: 'var(--reset-states)', text: 'zeros after reset_states() (the orange line)', shown: (items) => items.some((i) => startsWith(i, 'reset-states')) },
  { swatch: 'repeating-linear-gradient(45deg,#fff59d 0 3px,#b58900 3px 5px)', text: 'row fully padded: state passed through', shown: (items) => items.some((i) => i.passThroughRows > 0) },
  // every other start kind the timeline has, listed or not
  ...startKinds
    .filter((kind) => kind !== 'zeros')
    .map((kind) => ({ swatch: startStyle(kind).color, text: startStyle(kind).legend, shown: (items: readonly TimelineItem[]) => items.some((i) => startCount(i, kind) > 0) })),
  { swatch: 'repeating-linear-gradient(-45deg,#f2f4f7 0 4px,#d0d5dd 4px 6px)', text: 'calls aggregated (summarised)', shown: (items) => items.some((i) => i.kind === 'span') },
];

/** Calls of an item that start as `kind`. */
function startCount(item: TimelineItem, kind: StartKind): number {
  return item.kind === 'call' ? (item.start === kind ? 1 : 0) : (item.starts[kind] ?? 0);
}

/** Whether an item has (or, aggregated, holds) a reset event of this reason. */
function startsWith(item: TimelineItem, reason: ResetMark['reason']): boolean {
  return item.kind === 'call' ? [...item.before, ...item.after].some((m) => m.reason === reason) : item.resets[reason] > 0;
}

/** The legend of what the runs drawn show. */
function legendFor(runs: readonly HtmlRun[], room: number): string {
  const items = runs.flatMap((r) => r.timeline.layers.flatMap((layer) => fitToPage(layer.items, room)));
  return `<div class="legend">${legendEntries
    .filter((entry) => entry.shown(items))
    .map((entry) => `<span style="--swatch: ${entry.swatch}">${esc(entry.text)}</span>`)
    .join('')}</div>`;
}

function cards(result: SimulationResult): string {
  const { totals } = result;
  const card = (value: number, label: string) => `<div class="card"><b>${esc(formatCount(value))}</b>${esc(label)}</div>`;
  return `<div class="cards">${card(totals.resetEvents, noun(totals.resetEvents, 'reset event'))}${card(totals.rowResets, `${noun(totals.rowResets, 'row')} zeroed`)}${card(totals.carries, noun(totals.carries, 'carried call'))}${card(totals.batches, `${noun(totals.batches, 'layer call')} (${noun(totals.batches, 'batch', 'batches')})`)}${card(totals.epochsCompleted, `${noun(totals.epochsCompleted, 'epoch')} completed`)}</div>`;
}

function totalsTable(result: SimulationResult): string {
  const { totals } = result;
  const rows: [string, string][] = [
    // the zeroing reasons only, as the text totals: the other starts have rows of their own
    ['reset events', `${formatCount(totals.resetEvents)} (${Object.entries(totals.byReason).filter(([r, n]) => n > 0 && zeroes(r as ResetMark['reason'])).map(([r, n]) => `${r} ${formatCount(n)}`).join(', ') || 'none'})`],
    ['rows zeroed', formatCount(totals.rowResets)],
    ['batches', `${formatCount(totals.batches)} (fit ${formatCount(totals.fitBatches)}, validation ${formatCount(totals.validationBatches)}, evaluate ${formatCount(totals.evaluateBatches)}, predict ${formatCount(totals.predictBatches)})`],
    ['carries', `${plural(totals.carries, 'layer call')} started from a carried state`],
  ];
  // the other starts: the same lines as the text totals
  rows.push(...otherStartLines(totals));
  if (totals.maskedSteps !== null && result.config.maskTail !== undefined) rows.push(['masking', `${plural(totals.maskedSteps, 'padded step')}; ${plural(totals.passThroughRows ?? 0, 'fully padded row')} passed ${noun(totals.passThroughRows ?? 0, 'its', 'their')} state through`]);
  const layerRows = totals.perLayer
    .map((l) => `<tr><td>${esc(l.name)}</td><td>${esc(layerKind(l))}(${l.units})</td><td>${l.stateful ? 'stateful' : 'stateless'}</td><td>${esc(stateTensorNames(l))}</td><td class="n">${formatCount(l.resetEvents)}</td><td class="n">${formatCount(l.rowResets)}</td><td class="n">${formatCount(l.carries)}</td></tr>`)
    .join('');
  return (
    `<table class="totals">${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>` +
    `<table class="totals"><tr><th>layer</th><th>kind</th><th>state</th><th>tensors per row</th><th>reset events</th><th>rows zeroed</th><th>carried calls</th></tr>${layerRows}</table>`
  );
}

/** The sequences of one layer, in words and as rows of windows. */
function sequencesBlock(layer: LayerTimeline, timeline: Timeline): string {
  const s = layer.sequences;
  const T = timeline.timesteps;
  const lengths = s.lengths
    .slice(0, 4)
    .map((l) => `${plural(l.count, 'sequence')} of ${plural(l.steps, 'step')}${l.windows > 1 ? ` (${formatCount(l.windows)} windows)` : ''}`)
    .join(', ');
  const more = s.lengths.length > 4 ? `, and ${formatCount(s.lengths.slice(4).reduce((n, l) => n + l.count, 0))} of other lengths` : '';
  const fromLayers = [...new Set(layer.items.flatMap((i) => (i.kind === 'call' && i.fromLayer ? [i.fromLayer] : [])))];
  const intro = fromLayers.length > 0
    ? `<b>${esc(layer.layer.name)}</b> starts every call from the final states of <b>${esc(fromLayers.join(', '))}</b> (passed as initial_state; not a reset), so each of its windows continues, row by row, the window that layer has just read: <b>${esc(lengths)}</b>${esc(more)} of its own.`
    : layer.layer.stateful
    ? `From windows of ${plural(T, 'step')}, the carries of <b>${esc(layer.layer.name)}</b> built <b>${esc(lengths)}</b>${esc(more)}: row i carries on from row i of the previous batch, so with batch size B, row i holds samples i, i+B, i+2B, … (<code>data[i::B]</code> in Keras's words) until something zeroes it.`
    : `<b>${esc(layer.layer.name)}</b> is stateless: every call starts every row from zeros, so each window is a sequence of its own: <b>${esc(lengths)}</b>${esc(more)}.`;
  const order =
    s.multiWindow > 0
      ? `<p>${formatCount(s.ordered)} of the ${formatCount(s.multiWindow)} multi-window sequences follow <code>data[i::${timeline.stateRows}]</code> in order (starting over at the first window when an epoch begins without a reset)${s.ordered < s.multiWindow ? '; the others string together unrelated windows (shuffled data, or a plan calling fit, evaluate and predict on other data), which is rarely what was meant' : ''}.</p>`
      : '';
  const examples = s.examples
    .slice(0, layer.layer.stateful ? 10 : 4)
    .map((e) => {
      const windows = e.samples.map((sample) => `<span class="w${sample >= timeline.trainSamples ? ' v' : ''}" title="${sample >= timeline.trainSamples ? 'validation sample' : 'training sample'} ${sample}">${sample}</span>`).join('<span class="muted">→</span>');
      const rest = e.windows > e.samples.length ? `<span class="muted">→ … ${formatCount(e.windows - e.samples.length)} more</span>` : '';
      const times = e.count > 1 ? ` (×${formatCount(e.count)}${layer.layer.stateful ? ': the same windows after every reset' : ''})` : '';
      return `<div class="seq"><span class="label">row ${e.row}</span>${windows}${rest}<span class="muted">= ${plural(e.steps, 'step')}${e.validationWindows > 0 ? `, ${formatCount(e.validationWindows)} of them validation windows` : ''}${times}</span></div>`;
    })
    .join('');
  return `<h3>${esc(layer.layer.name)}</h3><p>${intro}</p>${order}<div class="examples">${examples}</div>`;
}

function findingsBlock(result: SimulationResult): string {
  if (result.findings.length === 0) return '<p class="muted">No findings.</p>';
  return `<ul class="findings">${result.findings
    .map(
      (f) =>
        `<li class="finding ${f.severity}" data-code="${esc(f.code)}"><span class="sev ${f.severity}">${esc(f.severity)}</span> <code>${esc(f.code)}</code>: ${esc(f.message)}<div class="fix"><b>Fix:</b> ${esc(f.fix)}</div><div class="source muted">${esc(f.source)}</div></li>`,
    )
    .join('')}</ul>`;
}

function runTimelines(run: HtmlRun, which: 'main' | 'counterpart', room: number): string {
  return run.timeline.layers
    .map((layer) => {
      const l = layer.layer;
      const rows = Math.max(1, ...layer.items.map((i) => (i.kind === 'call' ? i.rows : 0)));
      const title = `${l.name}: ${layerKind(l)}(${l.units}), ${l.stateful ? 'stateful' : 'stateless'}, ${formatCount(rows)} state row${rows === 1 ? '' : 's'} of ${stateTensorNames(l)}`;
      return `<figure class="layer" data-layer="${esc(l.name)}" data-run="${which}"><figcaption><b>${esc(title)}</b></figcaption><div class="scroll">${layerFigure(layer, which, room)}</div></figure>`;
    })
    .join('');
}

const script = `
const detail = document.getElementById('detail');
function show(el) { const t = el.querySelector('title'); if (t) detail.textContent = t.textContent; }
for (const col of document.querySelectorAll('.col')) {
  col.addEventListener('mouseenter', () => show(col));
  col.addEventListener('focus', () => show(col));
  col.addEventListener('click', () => show(col));
}
`;

/** The whole page. */
export function renderHtml(run: HtmlRun, options: HtmlOptions): string {
  const { result, timeline } = run;
  const title = `lstm-reset: ${result.config.resolvedLayers.some((l) => l.stateful) ? 'stateful' : 'stateless'} run, ${plural(result.totals.resetEvents, 'reset event')}`;
  const runs = options.counterpart ? [{ run, which: 'main' as const }, { run: options.counterpart, which: 'counterpart' as const }] : [{ run, which: 'main' as const }];
  const room = options.counterpart ? sideRoom : fullRoom;
  const folded = runs.some(({ run: r }) => r.timeline.summarised || r.timeline.layers.some((layer) => fitToPage(layer.items, room) !== layer.items));
  const summarised = folded
    ? `<p class="muted">A long run (${runs.map(({ run: r }) => `${plural(r.timeline.calls, 'call')} over ${plural(r.result.totals.epochsCompleted, 'epoch')}`).join('; flipped: ')}): the first and last epochs are drawn call by call; the hatched blocks aggregate the calls between them (hover them for their counts). Every count on this page covers all calls.</p>`
    : '';
  const statefulness = (r: HtmlRun) => (r.result.config.resolvedLayers.some((l) => l.stateful) ? 'stateful' : 'stateless');
  const sideName = (r: HtmlRun, which: 'main' | 'counterpart') => `${which === 'main' ? 'this run' : 'flipped'}: ${statefulness(r)}`;
  // side by side: each run's timeline in a column of its own (stacked on a narrow screen), so each column's marks count that run
  const timelines = options.counterpart
    ? `<div class="side">${runs.map(({ run: r, which }) => `<div class="run" data-side="${which}" data-run="${which}"><h3>${esc(sideName(r, which))}</h3>${cards(r.result)}${runTimelines(r, which, room)}</div>`).join('')}</div>`
    : `<div class="run" data-side="main" data-run="main">${runTimelines(run, 'main', room)}</div>`;
  const compare = options.counterpart
    ? `<section id="compare"><h2>Side by side: ${isStatefulModel(result.config) ? 'stateful (this run) and stateless' : 'stateless (this run) and stateful'}</h2>
<p>The same data, batches and weights with every layer's <code>stateful</code> flipped; their timelines are side by side above.</p>
<div class="side">${runs.map(({ run: r, which }) => `<div data-answer="${which}"><h3>${esc(sideName(r, which))}</h3>${r.result.answer.map((line) => `<p>${esc(line)}</p>`).join('')}${findingsBlock(r.result)}</div>`).join('')}</div></section>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><style>${css}</style></head>
<body><svg width="0" height="0" style="position:absolute" aria-hidden="true">${defs}</svg><main${options.counterpart ? ' class="wide"' : ''}>
<header><h1>When is the state reset?</h1>
${options.commandLine ? `<div class="command mono">${esc(options.commandLine).split(' ').map((word) => `<span>${word}</span>`).join(' ')}</div>` : ''}
<p class="muted subtitle">${esc(describeRun(result))}</p>
${(options.header ?? []).map((line) => `<div class="mono muted">${esc(line)}</div>`).join('')}
</header>
<section id="answer" class="answer"><h2>Answer</h2>${cards(result)}${result.answer.map((line) => `<p>${esc(line)}</p>`).join('')}</section>
<section id="timeline"><h2>Timeline: every row of every layer, call by call</h2>
<p>Layer calls run left to right, grouped by epoch and phase (fit, val = validation, evaluate, predict); each column is one call (one batch) and each horizontal line one state row. Under each grid, mean |h| at the start and end of every call; red drops mark the state a reset threw away.</p>
${legendFor(runs.map((r) => r.run), room)}${summarised}
<div id="detail" aria-live="polite">Hover over, tap or tab to a call for its details.</div>
${timelines}
</section>
<section id="sequences"><h2>The sequences the carries build</h2>${timeline.layers.map((layer) => sequencesBlock(layer, timeline)).join('')}</section>
<section id="totals"><h2>Totals</h2>${totalsTable(result)}</section>
<section id="findings"><h2>Findings</h2>${findingsBlock(result)}</section>
${compare}
<footer class="muted">lstm-reset ${esc(options.version)}. This file is self-contained: no network, no external resources. Hover or tap a column for its details.</footer>
</main>
<script>${script}</script>
</body></html>
`;
}
