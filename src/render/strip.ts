/**
 * The terminal picture below the totals: per layer and epoch, a strip of how each call's state
 * started (Z zeros, C carried, …, | reset_states()), and a sparkline of mean |h| at the end of each
 * call with the reset_states() calls marked. Drawn from the timeline (sim/timeline.ts); fits the
 * width or is left out.
 */
import type { ChalkInstance } from 'chalk';
import { formatCount } from '../sim/explain.ts';
import { plural } from '../shared/count.ts';
import { startKinds, type CallRecord, type CallSpan, type LayerTimeline, type Timeline, type TimelineItem } from '../sim/timeline.ts';
import { visibleLength, wrap } from './text.ts';

/** A symbol per call start, and what it means. */
export const startSymbols = {
  zeros: { symbol: 'Z', meaning: 'zeros' },
  carried: { symbol: 'C', meaning: 'carried' },
  passThrough: { symbol: 'P', meaning: 'every row passed through (masked)' },
  broadcast: { symbol: 'B', meaning: 'a 1-row batch broadcast into every row' },
  'not-stored': { symbol: 'N', meaning: 'from the stored value, not the last call (JAX)' },
  'initial-state': { symbol: 'I', meaning: 'from initial_state' },
  'from-layer': { symbol: 'L', meaning: "from another layer's final states" },
  failed: { symbol: 'X', meaning: 'Keras raises' },
} as const;

const phaseLabels: Readonly<Record<string, string>> = { validate: 'val', evaluate: 'eval', predict: 'pred', fit: 'fit', train_on_batch: 'train_on_batch', predict_on_batch: 'predict_on_batch', call: 'model(x)' };

/** The symbol and meaning of a start kind: a listed one, or any other as `?` under its name. */
export function startSymbol(kind: string): { readonly symbol: string; readonly meaning: string } {
  return (startSymbols as Readonly<Record<string, { symbol: string; meaning: string }>>)[kind] ?? { symbol: '?', meaning: kind };
}

/** The symbol of one call. */
export function callSymbol(call: CallRecord): string {
  if (call.start === 'failed') return startSymbols.failed.symbol;
  if (call.rows > 0 && call.passThroughRows === call.rows) return startSymbols.passThrough.symbol;
  return startSymbol(call.start).symbol;
}

/** A token of a strip: calls with one symbol (`count` of them), a reset mark, a phase label or an aggregated stretch of mixed calls. */
interface Token {
  readonly text: string;
  readonly kind: 'call' | 'mark' | 'label' | 'span';
  /** Calls a 'call' token stands for (more than one: an aggregated stretch of a summarised run). */
  readonly count?: number;
  readonly symbol?: string;
}

/** Consecutive items of one epoch. */
interface EpochItems {
  readonly epoch: number;
  readonly items: TimelineItem[];
  /** An aggregate of whole epochs (a summarised run). */
  readonly folded: boolean;
}

/** The items of a layer, cut into epochs (an aggregate spanning several epochs stays alone). */
export function byEpoch(items: readonly TimelineItem[]): EpochItems[] {
  const epochs: EpochItems[] = [];
  for (const item of items) {
    const first = item.kind === 'span' ? item.first.epoch : item.epoch;
    const last = item.kind === 'span' ? item.last.epoch : item.epoch;
    if (first !== last) {
      epochs.push({ epoch: first, items: [item], folded: true });
      continue;
    }
    const current = epochs[epochs.length - 1];
    if (current && !current.folded && current.epoch === first) current.items.push(item);
    else epochs.push({ epoch: first, items: [item], folded: false });
  }
  return epochs;
}

/** An aggregated stretch: one symbol with a count when all its calls start alike. */
function spanToken(span: CallSpan): Token {
  const kinds = startKinds.filter((kind) => span.starts[kind] > 0);
  if (kinds.length === 1) {
    const symbol = startSymbol(kinds[0]!).symbol;
    return { text: `${symbol}×${formatCount(span.calls)}`, kind: 'call', symbol, count: span.calls };
  }
  return { text: `…${plural(span.calls, 'call')}…`, kind: 'span' };
}

function strip(epoch: EpochItems): Token[] {
  const tokens: Token[] = [];
  let phase = '';
  const several = new Set(epoch.items.map((item) => (item.kind === 'span' ? item.first.phase : item.phase))).size > 1 || epoch.items.some((item) => item.kind === 'call' && item.phase !== 'fit');
  for (const item of epoch.items) {
    const itemPhase = item.kind === 'span' ? item.first.phase : item.phase;
    if (several && itemPhase !== phase) tokens.push({ text: phaseLabels[itemPhase] ?? itemPhase, kind: 'label' });
    phase = itemPhase;
    if (item.kind === 'span') {
      tokens.push(spanToken(item));
      if (item.resets['reset-states'] > 0) tokens.push({ text: `|×${formatCount(item.resets['reset-states'])}`, kind: 'mark' });
      continue;
    }
    tokens.push({ text: callSymbol(item), kind: 'call', symbol: callSymbol(item), count: 1 });
    for (const mark of item.after) if (mark.reason === 'reset-states') tokens.push({ text: '|', kind: 'mark' });
  }
  return tokens;
}

/** Runs of the same call symbol written once with a count: Z C C C C → Z C×4. */
function runLength(tokens: readonly Token[]): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < tokens.length; ) {
    const first = tokens[i]!;
    let j = i + 1;
    let count = first.count ?? 1;
    if (first.kind === 'call') {
      while (j < tokens.length && tokens[j]!.kind === 'call' && tokens[j]!.symbol === first.symbol) count += tokens[j++]!.count ?? 1;
    }
    if (first.kind !== 'call' || j - i === 1) out.push(first);
    else if (count === 2) out.push(first, tokens[i + 1]!);
    else out.push({ text: `${first.symbol}×${formatCount(count)}`, kind: 'call', symbol: first.symbol!, count });
    i = j;
  }
  return out;
}

function paint(chalk: ChalkInstance, token: Token): string {
  if (token.kind === 'mark') return chalk.yellow(token.text);
  if (token.kind === 'label') return chalk.dim(token.text);
  if (token.kind === 'span') return chalk.dim(token.text);
  if (token.text.startsWith('Z')) return chalk.cyan(token.text);
  if (token.text.startsWith('X')) return chalk.red.bold(token.text);
  if (token.text.startsWith('P') || token.text.startsWith('B')) return chalk.magenta(token.text);
  return token.text;
}

function epochLabel(first: EpochItems, last: EpochItems): string {
  const name = (e: EpochItems) => (e.folded ? '' : e.epoch === 0 ? 'before fit' : `${e.epoch}`);
  if (first.folded) {
    const span = first.items[0] as CallSpan;
    return `epochs ${span.first.epoch}–${span.last.epoch}`;
  }
  if (first === last) return first.epoch === 0 ? 'before fit' : `epoch ${first.epoch}`;
  return `epochs ${name(first)}–${name(last)}`;
}

/** At most this many strip lines per layer. */
const maxLines = 8;

/** The strip lines of one layer: [label, tokens text] per group of identical epochs. */
function layerStrips(layer: LayerTimeline, room: number, chalk: ChalkInstance): { label: string; text: string }[] {
  const epochs = byEpoch(layer.items);
  const lines: { label: string; text: string; plain: string }[] = [];
  let i = 0;
  while (i < epochs.length) {
    const tokens = strip(epochs[i]!);
    const plain = tokens.map((t) => t.text).join(' ');
    let j = i + 1;
    while (!epochs[i]!.folded && j < epochs.length && !epochs[j]!.folded && strip(epochs[j]!).map((t) => t.text).join(' ') === plain) j++;
    let shown = tokens;
    if (plain.length > room) shown = runLength(tokens);
    let text = shown.map((t) => paint(chalk, t)).join(' ');
    if (visibleLength(text) > room) {
      // still too long (an alternating pattern): cut, and say so
      let cut = '';
      for (const token of shown) {
        if (visibleLength(cut) + token.text.length + 3 > room) break;
        cut += `${cut ? ' ' : ''}${paint(chalk, token)}`;
      }
      text = `${cut} …`;
    }
    const label = epochLabel(epochs[i]!, epochs[j - 1]!);
    lines.push({ label: epochs[i]!.folded ? `${label} (aggregated)` : label, text, plain });
    i = j;
  }
  if (lines.length > maxLines) {
    const hidden = lines.length - (maxLines - 1);
    return [...lines.slice(0, maxLines - 2), { label: '…', text: chalk.dim(`${hidden} more lines (--html FILE draws every call)`) }, lines[lines.length - 1]!];
  }
  return lines;
}

const levels = '▁▂▃▄▅▆▇█';

/** One unit of a sparkline: a call (its ending mean |h|; none for a failed call) or an aggregated stretch, and the reset_states() calls after it. */
interface SparkUnit {
  readonly value: number | null;
  readonly span: boolean;
  readonly marks: number;
}

/** A layer's sparkline and how it was fitted. */
export interface Sparkline {
  readonly text: string;
  /** Calls (or stretches) per character: 1 when every call has its own. */
  readonly bucket: number;
  /** reset_states() calls in the layer, and the | drawn for them (fewer when one stands for several). */
  readonly resetStates: number;
  readonly marksDrawn: number;
}

function sparkUnits(layer: LayerTimeline): SparkUnit[] {
  const units: SparkUnit[] = [];
  // a failed call has no state to draw: its marks go to the unit before it (or the first one)
  let pending = 0;
  for (const item of layer.items) {
    const marks = item.kind === 'span' ? item.resets['reset-states'] : item.after.filter((mark) => mark.reason === 'reset-states').length;
    if (item.kind === 'call' && item.start === 'failed') {
      const previous = units[units.length - 1];
      if (previous) units[units.length - 1] = { ...previous, marks: previous.marks + marks };
      else pending += marks;
      continue;
    }
    const value = item.kind === 'span' ? (item.calls > item.starts.failed ? item.maxEndMeanAbsH : null) : item.endMeanAbsH;
    units.push({ value, span: item.kind === 'span', marks: marks + pending });
    pending = 0;
  }
  return units;
}

/** Characters a sparkline of `units` takes with `bucket` units per character: a character per bucket and a | after each bucket holding a reset_states(). */
function sparkWidth(units: readonly SparkUnit[], bucket: number): number {
  let width = 0;
  for (let i = 0; i < units.length; i += bucket) {
    width++;
    for (let j = i; j < Math.min(units.length, i + bucket); j++) {
      if (units[j]!.marks > 0) {
        width++;
        break;
      }
    }
  }
  return width;
}

/**
 * A sparkline of each call's ending mean |h| (▁ to █ of `max`), a | after a reset_states() call and
 * … for an aggregated stretch, in at most `room` characters. When the calls do not fit, each
 * character is the highest of `bucket` consecutive calls and a | after it stands for every
 * reset_states() among them, so no reset is dropped. Always ends: the bucket grows to at most every
 * call in one (two characters), and a room under two draws nothing.
 */
export function sparkline(layer: LayerTimeline, max: number, room: number, chalk: ChalkInstance): Sparkline {
  const units = sparkUnits(layer);
  const resetStates = layer.items.reduce((n, item) => n + (item.kind === 'span' ? item.resets['reset-states'] : item.after.filter((mark) => mark.reason === 'reset-states').length), 0);
  if (units.length === 0 || room < 2) return { text: '', bucket: 1, resetStates, marksDrawn: 0 };
  // the least calls per character that fits (a character per bucket at least: start from there)
  let bucket = Math.max(1, Math.ceil(units.length / room));
  while (bucket < units.length && sparkWidth(units, bucket) > room) bucket++;
  const level = (v: number) => levels[max > 0 ? Math.min(levels.length - 1, Math.max(0, Math.round((v / max) * (levels.length - 1)))) : 0]!;
  let text = '';
  let marksDrawn = 0;
  for (let i = 0; i < units.length; i += bucket) {
    const group = units.slice(i, i + bucket);
    const values = group.flatMap((u) => (u.value === null ? [] : [u.value]));
    if ((bucket === 1 && group[0]!.span) || values.length === 0) text += chalk.dim('…');
    else text += level(values.reduce((a, b) => Math.max(a, b)));
    if (group.some((u) => u.marks > 0)) {
      text += chalk.yellow('|');
      marksDrawn++;
    }
  }
  return { text, bucket, resetStates, marksDrawn };
}

/**
 * The picture for the terminal, or undefined when there is nothing to draw (no call ran) or the
 * width is too small for it.
 */
export function renderPicture(timeline: Timeline, chalk: ChalkInstance, width: number): string | undefined {
  const layers = timeline.layers.filter((layer) => layer.items.length > 0);
  if (layers.length === 0 || width < 40) return undefined;
  const several = layers.length > 1;
  const nameWidth = several ? Math.max(...layers.map((l) => l.layer.name.length)) + 2 : 0;
  const strips = layers.map((layer) => ({ layer, lines: layerStrips(layer, width - 2 - nameWidth - 14, chalk) }));
  const labelWidth = Math.max(...strips.flatMap((s) => s.lines.map((l) => l.label.length)));
  const room = width - 2 - nameWidth - labelWidth - 2;
  if (room < 12) return undefined;
  const present = new Set<string>();
  const calls = layers.flatMap((l) => l.items.filter((i): i is CallRecord => i.kind === 'call'));
  for (const call of calls) present.add(callSymbol(call));
  for (const l of layers) for (const item of l.items) if (item.kind === 'span') for (const kind of startKinds) if (item.starts[kind] > 0) present.add(startSymbol(kind).symbol);
  const hasMarks = layers.some((l) => l.items.some((i) => (i.kind === 'call' ? i.after.some((m) => m.reason === 'reset-states') : i.resets['reset-states'] > 0)));
  const legend = [
    ...Object.values(startSymbols)
      .filter(({ symbol }) => present.has(symbol))
      .map(({ symbol, meaning }) => `${symbol} ${meaning}`),
    // kinds without a symbol of their own, by name
    ...(present.has('?') ? [`? ${[...new Set(layers.flatMap((l) => l.items.flatMap((i) => (i.kind === 'call' ? [i.start] : startKinds.filter((k) => i.starts[k] > 0)))))].filter((k) => startSymbol(k).symbol === '?').join(', ')}`] : []),
    ...(hasMarks ? ['| reset_states()'] : []),
  ];
  const lines = [wrap(`${chalk.bold('State at the start of each call')} (${legend.join(', ')}):`, width, '', '  ')];
  for (const { layer, lines: stripLines } of strips) {
    stripLines.forEach((line, i) => {
      const name = several ? (i === 0 ? layer.layer.name : '').padEnd(nameWidth) : '';
      lines.push(`  ${name}${line.label.padEnd(labelWidth)}  ${line.text}`);
    });
  }
  const max = Math.max(0, ...calls.map((c) => c.endMeanAbsH), ...layers.flatMap((l) => l.items.map((i) => (i.kind === 'span' ? i.maxEndMeanAbsH : 0))));
  const sparks = layers.map((layer) => ({ layer, spark: sparkline(layer, max, width - 2 - nameWidth, chalk) }));
  const buckets = [...new Set(sparks.map((s) => s.spark.bucket))];
  const most = Math.max(...buckets);
  const notes = [`▁ 0 to █ ${max.toFixed(3)}`];
  if (most > 1) notes.push(`each character the highest of ${buckets.length > 1 ? 'up to ' : ''}${formatCount(most)} calls`);
  const resetStates = sparks.reduce((n, s) => n + s.spark.resetStates, 0);
  const drawn = sparks.reduce((n, s) => n + s.spark.marksDrawn, 0);
  if (resetStates > 0) notes.push(drawn < resetStates ? `a | marks reset_states() among the calls before it (${formatCount(drawn)} | stand for ${formatCount(resetStates)})` : '| reset_states()');
  // no call ended (Keras raised at the first): no line to draw
  if (sparks.some((s) => s.spark.text.trim() !== '')) {
    lines.push(wrap(`${chalk.bold('mean |h| at the end of each call')} (${notes.join(', ')}):`, width, '', '  '));
    for (const { layer, spark } of sparks) {
      const name = several ? layer.layer.name.padEnd(nameWidth) : '';
      lines.push(`  ${name}${spark.text}`);
    }
  }
  return lines.join('\n');
}
