/**
 * The files a run can read: a NumPy .npy data set (streamed batch by batch) and a training plan.
 * Each failure becomes one message naming the flag.
 */
import type { CliIo } from './cli-io.ts';
import type { PlanStep } from '../keras/config.ts';
import type { NpyReader } from '../io/npy.ts';
import { openNpy } from '../io/npy.ts';
import { ModelFileError, parsePlan } from '../model/index.ts';
import type { PlanOptions } from '../model/plan.ts';
import type { InputSource } from '../sim/simulate.ts';

export type Loaded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

function reason(error: unknown): string {
  if (error instanceof ModelFileError) return error.message;
  const { code, message } = error as NodeJS.ErrnoException;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  return message;
}

/** Opens X.npy; N, T, D come from its shape. */
export function openData(path: string, io: CliIo): Loaded<NpyReader> {
  try {
    return { ok: true, value: openNpy(io.openFile(path), path) };
  } catch (error) {
    return { ok: false, message: `--data: cannot read ${path}: ${reason(error).replace(`${path}: `, '')}; give a float32 or float64 C-order .npy of shape (N, T) or (N, T, D).` };
  }
}

/** Reads the rows of a batch from the .npy file: runs of consecutive samples in one read each. */
export function npyInputSource(reader: NpyReader): InputSource {
  const rowLength = reader.rowLength;
  return {
    fill(buffer, samples) {
      let r = 0;
      while (r < samples.length) {
        let run = 1;
        while (r + run < samples.length && samples[r + run] === samples[r]! + run) run++;
        buffer.set(reader.readRows(samples[r]!, run), r * rowLength);
        r += run;
      }
    },
  };
}

/** Reads a training plan from a file, or from standard input for "-". */
export async function loadPlan(path: string, io: CliIo): Promise<Loaded<{ steps: PlanStep[]; options: PlanOptions }>> {
  let text: string;
  try {
    text = path === '-' ? await io.readStdin() : new TextDecoder().decode(io.files.readFile(path));
  } catch (error) {
    return { ok: false, message: `--plan: cannot read ${path}: ${reason(error)}; give a JSON training plan, or - for standard input.` };
  }
  try {
    const plan = parsePlan(text, path === '-' ? 'stdin' : path);
    return { ok: true, value: { steps: plan.steps as PlanStep[], options: plan.options } };
  } catch (error) {
    return { ok: false, message: `--plan: ${reason(error)}` };
  }
}
