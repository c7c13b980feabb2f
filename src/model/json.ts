/** JSON parsing with one-line errors that name the file and, where possible, the line and column. */
import { fileError } from './errors.ts';

/** Largest JSON text the readers accept (a model topology is a few hundred KiB at most). */
export const MAX_JSON_BYTES = 32 * 1024 * 1024;

export function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    let text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    return text;
  } catch {
    throw fileError(file, 'is not UTF-8 text');
  }
}

export function parseJsonText(text: string, file: string, what = 'JSON'): unknown {
  if (text.length > MAX_JSON_BYTES) throw fileError(file, `is ${text.length} characters, more than the ${MAX_JSON_BYTES} allowed for ${what}`);
  if (text.trim() === '') throw fileError(file, `is empty (expected ${what})`);
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /position (\d+)/.exec(message);
    let where = '';
    if (position) {
      const offset = Number(position[1]);
      const before = text.slice(0, offset);
      const line = before.split('\n').length;
      const column = offset - before.lastIndexOf('\n');
      where = ` at line ${line} column ${column}`;
    }
    throw fileError(file, `is not valid JSON${where} (expected ${what}): ${message.replace(/\s*\(line \d+ column \d+\)$/, '')}`);
  }
}
