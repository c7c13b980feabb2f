/**
 * Outputs as sinks that take the events while the run goes, so no output keeps every event in
 * memory: JSON, TSV and NDJSON write them through in chunks, the table keeps its head and tail.
 */
import { listedEventCount, type SimulationResult, type ResetEvent } from '../sim/result.ts';
import { eventColumns } from './columns.ts';
import { renderReport, type TableOptions } from './table.ts';
import { wrap } from './text.ts';

export interface EventSink {
  /** Before the run: the configuration as the result will report it, and extra top-level JSON entries. */
  start(config: SimulationResult['config'], extra?: Readonly<Record<string, unknown>>): void;
  event(event: ResetEvent): void;
  /** After the run (its `events` may be empty: the sink has seen them). */
  end(result: SimulationResult): void;
  /** False once the sink needs no more events (the table of a counted run keeps only its head). */
  readonly wantsMore: boolean;
  /** Called between batches of a long run: writes out what is buffered once it is `flushEveryMs` old. */
  tick?(): void;
  /** Writes out what is buffered now (an interrupted run keeps what it printed). */
  flush?(): void;
}

/** When buffered output goes out: at most every `flushEveryMs`, measured with `now`. */
export interface SinkPacing {
  readonly now: () => number;
  readonly flushEveryMs: number;
}

const chunkSize = 1 << 16;

const quoted = new Map<string, string>();
/** JSON.stringify of a string, cached (layer names repeat on every event). */
function quote(text: string): string {
  let value = quoted.get(text);
  if (value === undefined) quoted.set(text, (value = JSON.stringify(text)));
  return value;
}

/**
 * One event as JSON, written out by hand: the same text JSON.stringify gives (same keys, same
 * order, numbers printed alike), several times faster, for streams of millions of events.
 */
export function eventJson(e: ResetEvent): string {
  return (
    `{"index":${e.index},"reason":"${e.reason}","phase":"${e.phase}","epoch":${e.epoch},"batch":${e.batch},` +
    `"timing":"${e.timing}","planStep":${e.planStep},"layer":${quote(e.layer)},"rows":${e.rows},` +
    `"stateTensors":${e.stateTensors},"discardedMeanAbsH":${finiteOrNull(e.discardedMeanAbsH)}}`
  );
}

/** A number as JSON writes it: NaN and ±Infinity, which JSON cannot hold, become null (as JSON.stringify does). */
function finiteOrNull(value: number | null): string {
  return value === null || !Number.isFinite(value) ? 'null' : String(value);
}

/** One event as a TSV line, in the columns' order. */
function eventTsv(e: ResetEvent): string {
  return `${e.index}\t${e.planStep}\t${e.epoch}\t${e.phase}\t${e.batch}\t${e.timing}\t${e.reason}\t${e.layer}\t${e.rows}\t${e.stateTensors}\t${finiteOrNull(e.discardedMeanAbsH)}\n`;
}

/**
 * Buffers small writes into chunks of about 64 KiB of text. With `pacing`, nothing waits in the
 * buffer longer than `flushEveryMs` (the first write goes out at once), so a reader of a long run
 * sees lines as they come: `| head -1` returns at once, Ctrl-C keeps what was printed.
 */
function chunked(write: (chunk: string | Uint8Array) => void, pacing?: SinkPacing) {
  let buffer = '';
  let lastFlush = -Infinity;
  let adds = 0;
  const flush = () => {
    if (buffer !== '') {
      const text = buffer;
      buffer = '';
      write(text);
    }
    if (pacing) lastFlush = pacing.now();
  };
  const due = () => pacing !== undefined && pacing.now() - lastFlush >= pacing.flushEveryMs;
  return {
    add(text: string) {
      buffer += text;
      if (buffer.length > chunkSize) flush();
      // the clock is read every 64 lines (and for the first one)
      else if (pacing && ((++adds & 63) === 0 || lastFlush === -Infinity) && due()) flush();
    },
    tick() {
      if (buffer !== '' && due()) flush();
    },
    flush,
  };
}

/** --json: { ...extra, config, events, totals, findings, completed, answer, finalMeanAbsH, countOnly }. */
export function jsonSink(write: (chunk: string | Uint8Array) => void, pacing?: SinkPacing): EventSink {
  const out = chunked(write, pacing);
  let count = 0;
  return {
    wantsMore: true,
    start(config, extra = {}) {
      const head = JSON.stringify({ ...extra, config }, null, 2);
      out.add(`${head.slice(0, -2)},\n  "events": [`);
      out.flush();
    },
    event(event) {
      out.add(`${count++ === 0 ? '' : ','}\n    ${eventJson(event)}`);
    },
    end(result) {
      const { totals, findings, completed, answer, finalMeanAbsH, countOnly } = result;
      // events the listing left out (--events none | head:K); 0 when every event is listed
      const eventsOmitted = Math.max(0, listedEventCount(totals) - count);
      const tail = JSON.stringify({ eventsOmitted, totals, findings, completed, answer, finalMeanAbsH, countOnly }, null, 2);
      out.add(`${count > 0 ? '\n  ' : ''}],\n${tail.slice(2)}\n`);
      out.flush();
    },
    tick: () => out.tick(),
    flush: () => out.flush(),
  };
}

/** --format tsv: a header of the JSON field names, then one event per line. */
export function tsvSink(write: (chunk: string | Uint8Array) => void, pacing?: SinkPacing): EventSink {
  const out = chunked(write, pacing);
  return {
    wantsMore: true,
    start() {
      out.add(`${eventColumns.map((column) => column.key).join('\t')}\n`);
      out.flush();
    },
    event(event) {
      out.add(eventTsv(event));
    },
    end() {
      out.flush();
    },
    tick: () => out.tick(),
    flush: () => out.flush(),
  };
}

/** --format ndjson: one JSON event per line. */
export function ndjsonSink(write: (chunk: string | Uint8Array) => void, pacing?: SinkPacing): EventSink {
  const out = chunked(write, pacing);
  return {
    wantsMore: true,
    start() {},
    event(event) {
      out.add(`${eventJson(event)}\n`);
    },
    end() {
      out.flush();
    },
    tick: () => out.tick(),
    flush: () => out.flush(),
  };
}

/** Passes on the events a listing asks for (--events): all, none, or the first `count`. */
export function listingSink(sink: EventSink, listing: { readonly mode: 'all' } | { readonly mode: 'none' } | { readonly mode: 'head'; readonly count: number }): EventSink {
  if (listing.mode === 'all') return sink;
  const limit = listing.mode === 'none' ? 0 : listing.count;
  let passed = 0;
  const wrapper = {
    wantsMore: limit > 0 && sink.wantsMore,
    start: (config: SimulationResult['config'], extra?: Readonly<Record<string, unknown>>) => sink.start(config, extra),
    event(event: ResetEvent) {
      if (passed >= limit) return;
      passed++;
      sink.event(event);
      wrapper.wantsMore = passed < limit && sink.wantsMore;
    },
    end: (result: SimulationResult) => sink.end(result),
    tick: () => sink.tick?.(),
    flush: () => sink.flush?.(),
  };
  return wrapper;
}

/**
 * The human report: keeps the first and last events for the capped table. `headOnly` (a counted
 * run, whose events are generated on demand) keeps just the head and stops asking for more.
 */
export function tableSink(
  write: (chunk: string) => void,
  options: TableOptions & {
    readonly headOnly?: boolean;
    readonly header?: readonly string[];
    /** The terminal picture (strip and sparkline) drawn below the totals, asked for at the end. */
    readonly picture?: (result: SimulationResult) => string | undefined;
  },
): EventSink {
  const headSize = Math.ceil(Math.max(2, options.maxRows) / 2);
  const tailSize = Math.max(2, options.maxRows) - headSize;
  const head: ResetEvent[] = [];
  const tail: ResetEvent[] = [];
  const sink = {
    wantsMore: true,
    start() {},
    event(event: ResetEvent) {
      if (head.length < headSize) head.push(event);
      else if (options.headOnly) {
        tail.push(event);
        if (head.length + tail.length >= headSize + tailSize) sink.wantsMore = false;
      } else {
        tail.push(event);
        if (tail.length > tailSize) tail.shift();
      }
    },
    end(result: SimulationResult) {
      if (options.header) {
        const lines = options.header.map((line) => {
          const indent = /^ */.exec(line)![0];
          return wrap(line.slice(indent.length), options.width, indent, `${indent}  `);
        });
        write(`${lines.join('\n')}\n\n`);
      }
      const { picture: draw, ...tableOptions } = options;
      const picture = draw?.(result);
      write(renderReport(result, { ...tableOptions, ...(picture ? { picture } : {}) }, { events: [...head, ...tail], total: listedEventCount(result.totals), contiguous: options.headOnly ?? false }));
    },
  };
  return sink;
}

/** Feeds a finished result's events through a sink (for callers holding a whole result). */
export function renderThrough(sink: EventSink, result: SimulationResult, extra?: Readonly<Record<string, unknown>>): void {
  sink.start(result.config, extra);
  for (const event of result.events) sink.event(event);
  sink.end(result);
}
