/** TSV and NDJSON of a finished result: one event per line, for awk, cut and jq. Values are exactly the JSON values. */
import type { SimulationResult } from '../sim/result.ts';
import { ndjsonSink, renderThrough, tsvSink } from './stream.ts';

export function renderTsv(result: SimulationResult, write: (chunk: string | Uint8Array) => void): void {
  renderThrough(tsvSink(write), result);
}

export function renderNdjson(result: SimulationResult, write: (chunk: string | Uint8Array) => void): void {
  renderThrough(ndjsonSink(write), result);
}
