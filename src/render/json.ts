/** --json: one document { ...extra, config, events, eventsOmitted, totals, findings, completed, answer, finalMeanAbsH, countOnly }. */
import type { SimulationResult } from '../sim/result.ts';
import { jsonSink, renderThrough } from './stream.ts';

/** The document as an object (what `renderJson` prints). */
export function jsonDocument(result: SimulationResult, extra: Readonly<Record<string, unknown>> = {}) {
  const { config, events, totals, findings, completed, answer, finalMeanAbsH, countOnly } = result;
  const eventsOmitted = Math.max(0, totals.resetEvents - events.length);
  return { ...extra, config, events, eventsOmitted, totals, findings, completed, answer, finalMeanAbsH, countOnly };
}

/** Writes the document of a finished result in chunks. */
export function renderJson(result: SimulationResult, write: (chunk: string | Uint8Array) => void, extra: Readonly<Record<string, unknown>> = {}): void {
  renderThrough(jsonSink(write), result, extra);
}
