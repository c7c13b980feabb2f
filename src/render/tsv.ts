/** TSV and NDJSON: one event per line, for awk, cut and jq. Values are exactly the JSON values. */
import type { SimulationResult } from '../simulate.ts';
import { eventColumns } from './columns.ts';

/** Writes the TSV in chunks so a large table never becomes one huge string. */
export function renderTsv(result: SimulationResult, write: (chunk: string) => void): void {
  write(`${eventColumns.map((column) => column.key).join('\t')}\n`);
  let chunk = '';
  for (const event of result.events) {
    chunk += `${eventColumns.map((column) => String(event[column.key])).join('\t')}\n`;
    if (chunk.length > 65536) {
      write(chunk);
      chunk = '';
    }
  }
  if (chunk !== '') write(chunk);
}

export function renderNdjson(result: SimulationResult, write: (chunk: string) => void): void {
  let chunk = '';
  for (const event of result.events) {
    chunk += `${JSON.stringify(event)}\n`;
    if (chunk.length > 65536) {
      write(chunk);
      chunk = '';
    }
  }
  if (chunk !== '') write(chunk);
}
