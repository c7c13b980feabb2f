/**
 * Outputs as sinks that take the events while the run goes, so no output keeps every event in
 * memory: JSON, TSV and NDJSON write them through in chunks, the table keeps its head and tail.
 */
import type { SimulationResult, ResetEvent } from '../sim/result.ts';
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
    `"stateTensors":${e.stateTensors},"discardedMeanAbsH":${e.discardedMeanAbsH === null ? 'null' : e.discardedMeanAbsH}}`
  );
}

/** One event as a TSV line, in the columns' order. */
function eventTsv(e: ResetEvent): string {
  return `${e.index}\t${e.planStep}\t${e.epoch}\t${e.phase}\t${e.batch}\t${e.timing}\t${e.reason}\t${e.layer}\t${e.rows}\t${e.stateTensors}\t${e.discardedMeanAbsH}\n`;
}

/** Buffers small writes into chunks of about 256 KiB of text. */
function chunked(write: (chunk: string | Uint8Array) => void) {
  let buffer = '';
  return {
    add(text: string) {
      buffer += text;
      if (buffer.length > chunkSize) {
        write(buffer);
        buffer = '';
      }
    },
    flush() {
      if (buffer !== '') write(buffer);
      buffer = '';
    },
  };
}

/** --json: { ...extra, config, events, totals, findings, completed, answer, finalMeanAbsH, countOnly }. */
export function jsonSink(write: (chunk: string | Uint8Array) => void): EventSink {
  const out = chunked(write);
  let count = 0;
  return {
    wantsMore: true,
    start(config, extra = {}) {
      const head = JSON.stringify({ ...extra, config }, null, 2);
      out.add(`${head.slice(0, -2)},\n  "events": [`);
    },
    event(event) {
      out.add(`${count++ === 0 ? '' : ','}\n    ${eventJson(event)}`);
    },
    end(result) {
      const { totals, findings, completed, answer, finalMeanAbsH, countOnly } = result;
      const tail = JSON.stringify({ totals, findings, completed, answer, finalMeanAbsH, countOnly }, null, 2);
      out.add(`${count > 0 ? '\n  ' : ''}],\n${tail.slice(2)}\n`);
      out.flush();
    },
  };
}

/** --format tsv: a header of the JSON field names, then one event per line. */
export function tsvSink(write: (chunk: string | Uint8Array) => void): EventSink {
  const out = chunked(write);
  return {
    wantsMore: true,
    start() {
      out.add(`${eventColumns.map((column) => column.key).join('\t')}\n`);
    },
    event(event) {
      out.add(eventTsv(event));
    },
    end() {
      out.flush();
    },
  };
}

/** --format ndjson: one JSON event per line. */
export function ndjsonSink(write: (chunk: string | Uint8Array) => void): EventSink {
  const out = chunked(write);
  return {
    wantsMore: true,
    start() {},
    event(event) {
      out.add(`${eventJson(event)}\n`);
    },
    end() {
      out.flush();
    },
  };
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
      write(renderReport(result, { ...tableOptions, ...(picture ? { picture } : {}) }, { events: [...head, ...tail], total: result.totals.resetEvents, contiguous: options.headOnly ?? false }));
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
