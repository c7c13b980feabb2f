/**
 * Text that fits the terminal: the width to fit, and prose wrapped at word boundaries with a
 * hanging indent (wrap-ansi keeps colour codes intact across the breaks).
 */
import { createRequire } from 'node:module';

// wrap-ansi imports string-width, which builds an Intl.Segmenter (ICU data, ~50 ms) as it loads:
// required on the first wrap only, so runs that print no prose (tsv, json, ndjson) start without it
let wrapAnsiLoaded: typeof import('wrap-ansi').default | undefined;
const wrapAnsi: typeof import('wrap-ansi').default = (...args) =>
  (wrapAnsiLoaded ??= (createRequire(import.meta.url)('wrap-ansi') as typeof import('wrap-ansi')).default)(...args);

/** The width a report is laid out for when nothing says otherwise (a pipe, a file). */
export const defaultWidth = 80;
/** Narrower than this, wrapping makes text unreadable; lines may then overflow. */
const minimumWidth = 40;

/**
 * Columns to fit: the terminal's width on a terminal, else $COLUMNS when it is a number (as `ls`
 * and `git` honour it), else 80.
 */
export function outputWidth(stream: { readonly isTTY: boolean; readonly columns?: number | undefined }, env: Readonly<Record<string, string | undefined>>): number {
  const fromEnv = Number.parseInt(env.COLUMNS ?? '', 10);
  const columns = stream.isTTY && stream.columns !== undefined && stream.columns > 0 ? stream.columns : Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : defaultWidth;
  return Math.max(minimumWidth, columns);
}

/**
 * `text` wrapped at word boundaries to `width` columns: the first line starts with `indent`, the
 * others with `hanging` (default: as many spaces as `indent`). Words longer than a line are split.
 */
export function wrap(text: string, width: number, indent = '', hanging = ' '.repeat(visibleLength(indent))): string {
  const firstRoom = Math.max(10, width - visibleLength(indent));
  const restRoom = Math.max(10, width - visibleLength(hanging));
  const [first = '', ...others] = wrapAnsi(text, firstRoom, { hard: true, trim: true }).split('\n');
  const rest = others.length === 0 ? [] : firstRoom === restRoom ? others : wrapAnsi(others.join(' '), restRoom, { hard: true, trim: true }).split('\n');
  return [indent + first, ...rest.map((line) => hanging + line)].join('\n');
}

const ansiPattern = /\u001b\[[0-9;]*m/g;

/** Length on screen: without colour codes (every character lstm-reset prints is one column wide). */
export function visibleLength(text: string): number {
  return text.replace(ansiPattern, '').length;
}

/** Text without colour codes. */
export function stripAnsi(text: string): string {
  return text.replace(ansiPattern, '');
}
