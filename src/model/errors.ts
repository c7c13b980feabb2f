/**
 * The one error type of the model, plan and data readers: a single line that names the file and what is
 * wrong with it, suitable for printing as-is by the CLI.
 */
export class ModelFileError extends Error {
  /** The file the problem is in, as the caller named it (when known). */
  readonly file: string | undefined;

  constructor(message: string, options?: { readonly file?: string; readonly cause?: unknown }) {
    super(oneLine(message), options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ModelFileError';
    this.file = options?.file;
  }
}

/**
 * Weights stored for the model that do not fit its layers (shapes, counts, another model's layers):
 * Keras's load_model / load_weights and TF.js's loadLayersModel raise on them (ValueError), so the
 * audit stops too (exit 2) instead of running on seeded weights.
 */
export class WeightsMismatch extends ModelFileError {
  constructor(message: string) {
    super(`${message}; Keras and TF.js refuse to load these weights (ValueError): give the weights saved with this model`);
    this.name = 'WeightsMismatch';
  }
}

/** `${file}: ${problem}` as a ModelFileError. */
export function fileError(file: string, problem: string, cause?: unknown): ModelFileError {
  return new ModelFileError(`${file}: ${problem}`, cause === undefined ? { file } : { file, cause });
}

/** Collapses whitespace runs (including newlines) so a message always fits on one line. */
export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

/** The message of anything thrown, for wrapping foreign errors (fs, JSON.parse, fflate). */
export function describeThrown(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

/** Quotes a value taken from a file for an error message, cut short so a hostile file cannot flood the line. */
export function quote(value: unknown, max = 60): string {
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
