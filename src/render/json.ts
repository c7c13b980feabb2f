/** --json: one document { config, completed, events, totals, findings, answer }. */
import type { SimulationResult } from '../simulate.ts';

/** The document as an object (what `renderJson` prints). */
export function jsonDocument(result: SimulationResult) {
  const { config, completed, events, totals, findings, answer, finalMeanAbsH } = result;
  return { config, completed, events, totals, findings, answer, finalMeanAbsH };
}

/** Writes the document in chunks: the events array can be large. `extra` entries come first (e.g. the audited model). */
export function renderJson(result: SimulationResult, write: (chunk: string) => void, extra: Readonly<Record<string, unknown>> = {}): void {
  const { events, ...rest } = jsonDocument(result);
  const head = JSON.stringify({ ...extra, config: rest.config, completed: rest.completed }, null, 2);
  write(`${head.slice(0, -2)},\n  "events": [`);
  let chunk = '';
  events.forEach((event, i) => {
    chunk += `${i === 0 ? '' : ','}\n    ${JSON.stringify(event)}`;
    if (chunk.length > 65536) {
      write(chunk);
      chunk = '';
    }
  });
  const tail = JSON.stringify({ totals: rest.totals, findings: rest.findings, answer: rest.answer, finalMeanAbsH: rest.finalMeanAbsH }, null, 2);
  write(`${chunk}${events.length > 0 ? '\n  ' : ''}],\n${tail.slice(2)}\n`);
}
