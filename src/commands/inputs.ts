/**
 * The files a run can read: a NumPy .npy data set (streamed batch by batch) and a training plan.
 * Each may be a regular file, a stream (a FIFO, `<(…)`, which is read whole, up to a limit) or
 * standard input ("-"). Each failure becomes one message naming the flag and the fix.
 */
import type { CliIo } from './cli-io.ts';
import type { PlanStep } from '../keras/config.ts';
import type { NpyReader } from '../io/npy.ts';
import { openNpy } from '../io/npy.ts';
import { bytesFile, type RandomAccessFile } from '../io/files.ts';
import { describeErrno } from '../io/output-file.ts';
import { jsonHead, npyHead } from './sniff.ts';
import { ModelFileError, parsePlan } from '../model/index.ts';
import type { PlanOptions } from '../model/plan.ts';
import { MAX_JSON_BYTES } from '../model/json.ts';
import type { InputSource } from '../sim/simulate.ts';

export type Loaded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

/** Most bytes of .npy data read from a stream (a FIFO, `<(…)`, stdin): it is held in memory. */
export const maxStreamedDataBytes = 1024 ** 3;

/** Why a file could not be read, in plain words (no stack, the path not repeated). */
export function readFailure(error: unknown, path: string): string {
  if (error instanceof ModelFileError) return error.message;
  const { code, message } = error as NodeJS.ErrnoException;
  if (code === 'ENOENT') return 'no such file';
  // our own stream codes carry their message; the system's get plain words
  if (code && !['ETOOBIG', 'ETTY', 'ENOWRITER', 'EBLOCK', 'ESOCKET', 'EFORMAT'].includes(code)) return describeErrno(error);
  return message.replace(`${path}: `, '').replace(`: ${path}`, '');
}

/**
 * Opens X.npy (or "-", standard input); N, T, D come from its shape. Refuses NaN and ±Infinity.
 * `integers`: integer arrays (token ids for an Embedding) are accepted too.
 */
export async function openData(path: string, io: CliIo, integers = false): Promise<Loaded<NpyReader>> {
  const label = path === '-' ? 'stdin' : path;
  const failed = (why: string): Loaded<NpyReader> => ({
    ok: false,
    message: `--data: cannot read ${label}: ${why}; give a float32 or float64${integers ? ' (or integer)' : ''} C-order .npy of shape (N, T) or (N, T, D).`,
  });
  let reader: NpyReader;
  try {
    let file: RandomAccessFile;
    if (path !== '-' && io.inputKind(path) === 'file') file = io.openFile(path);
    else file = bytesFile(await io.readInput(path, maxStreamedDataBytes, npyHead));
    reader = openNpy(file, label, { integers });
  } catch (error) {
    return failed(readFailure(error, label).replace(`${label}: `, ''));
  }
  try {
    const bad = firstNonFinite(reader);
    if (bad) {
      reader.close();
      const dtype = reader.header.dtype === 'float64' ? ' as float32' : '';
      return {
        ok: false,
        message:
          `--data ${label}: sample ${bad.sample}, timestep ${bad.timestep}, feature ${bad.feature} (flat index ${bad.index}) is ${bad.value}${dtype}; ` +
          'a non-finite input turns every state it reaches into NaN: replace it (e.g. np.nan_to_num(x)) or drop that sample.',
      };
    }
  } catch (error) {
    reader.close();
    return failed(readFailure(error, label).replace(`${label}: `, ''));
  }
  return { ok: true, value: reader };
}

/** The first NaN or ±Infinity of the data (after float64 is narrowed to float32), read in chunks. */
function firstNonFinite(reader: NpyReader): { sample: number; timestep: number; feature: number; index: number; value: string } | undefined {
  const rowsPerChunk = Math.max(1, Math.floor((1 << 22) / reader.rowLength));
  for (let start = 0; start < reader.samples; start += rowsPerChunk) {
    const count = Math.min(rowsPerChunk, reader.samples - start);
    const values = reader.readRows(start, count);
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v - v !== 0) {
        const index = start * reader.rowLength + i;
        const sample = Math.floor(index / reader.rowLength);
        const within = index - sample * reader.rowLength;
        return {
          sample,
          timestep: Math.floor(within / reader.features),
          feature: within % reader.features,
          index,
          value: Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity',
        };
      }
    }
  }
  return undefined;
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

/** Reads a training plan from a file, a stream (FIFO, `<(…)`), or standard input for "-". */
export async function loadPlan(path: string, io: CliIo): Promise<Loaded<{ steps: PlanStep[]; options: PlanOptions }>> {
  const label = path === '-' ? 'stdin' : path;
  let text: string;
  try {
    text = new TextDecoder().decode(await io.readInput(path, MAX_JSON_BYTES, jsonHead('a training plan')));
  } catch (error) {
    return { ok: false, message: `--plan: cannot read ${label}: ${readFailure(error, path)}; give a JSON training plan, or - for standard input.` };
  }
  try {
    const plan = parsePlan(text, label);
    return { ok: true, value: { steps: plan.steps as PlanStep[], options: plan.options } };
  } catch (error) {
    if (error instanceof ModelFileError) return { ok: false, message: `--plan: ${error.message}; see lstm-reset schema plan for the format` };
    throw error;
  }
}
