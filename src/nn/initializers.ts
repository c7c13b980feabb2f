/**
 * Keras default initialisers of an LSTM layer (§8: kernel glorot_uniform, recurrent_kernel
 * orthogonal, bias zeros with unit_forget_bias). Row-major Float32Arrays in Keras's weight layout.
 */
import { mulberry32, normalSource } from '../shared/random.ts';

/** glorot_uniform: U(-limit, limit), limit = sqrt(6 / (fan_in + fan_out)), for a (rows, cols) kernel. */
export function glorotUniform(rows: number, cols: number, seed: number): Float32Array {
  const limit = Math.sqrt(6 / (rows + cols));
  const uniform = mulberry32(seed);
  const values = new Float32Array(rows * cols);
  for (let i = 0; i < values.length; i++) values[i] = (uniform() * 2 - 1) * limit;
  return values;
}

/**
 * orthogonal (gain 1) for a (rows, cols) matrix with rows <= cols, as Keras builds it: QR of a
 * (cols, rows) normal matrix with the signs of diag(R) folded into Q, then transposed, so the `rows`
 * rows are orthonormal. Modified Gram-Schmidt gives that Q directly (its R has a positive diagonal).
 * For rows > cols the columns are orthonormal instead. O(rows·cols·min(rows, cols)) flops: a matrix
 * made earlier by `prepareOrthogonal` with the same arguments is returned from memory instead.
 */
export function orthogonal(rows: number, cols: number, seed: number): Float32Array {
  const prepared = preparedMatrices.get(preparedKey(rows, cols, seed));
  if (prepared) return prepared.slice();
  const steps = orthogonalSteps(rows, cols, seed);
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}

/**
 * Makes `orthogonal(rows, cols, seed)` one column at a time, yielding between columns (each a few
 * milliseconds at most), so a caller can let the process see Ctrl-C during a large initialisation;
 * later `orthogonal` calls with the same arguments (verify builds the same layers four times) reuse it.
 */
export function* prepareOrthogonal(rows: number, cols: number, seed: number): Generator<void, void, undefined> {
  const key = preparedKey(rows, cols, seed);
  if (preparedMatrices.has(key)) return;
  const values = yield* orthogonalSteps(rows, cols, seed);
  preparedBytes += values.byteLength;
  preparedMatrices.set(key, values);
  // keep at most 512 MiB: the oldest go first
  for (const [oldKey, old] of preparedMatrices) {
    if (preparedBytes <= 512 * 2 ** 20 || oldKey === key) break;
    preparedMatrices.delete(oldKey);
    preparedBytes -= old.byteLength;
  }
}

const preparedMatrices = new Map<string, Float32Array>();
let preparedBytes = 0;
const preparedKey = (rows: number, cols: number, seed: number) => `${rows},${cols},${seed}`;

function* orthogonalSteps(rows: number, cols: number, seed: number): Generator<void, Float32Array, undefined> {
  const tall = Math.max(rows, cols);
  const narrow = Math.min(rows, cols);
  const normal = normalSource(mulberry32(seed));
  // columns[k] is column k of the (tall, narrow) Gaussian matrix, orthonormalised in place
  const columns: Float64Array[] = [];
  let work = 0;
  for (let k = 0; k < narrow; k++) {
    const column = new Float64Array(tall);
    for (let i = 0; i < tall; i++) column[i] = normal();
    for (const previous of columns) {
      let dot = 0;
      for (let i = 0; i < tall; i++) dot += previous[i]! * column[i]!;
      for (let i = 0; i < tall; i++) column[i]! -= dot * previous[i]!;
    }
    let norm = 0;
    for (let i = 0; i < tall; i++) norm += column[i]! * column[i]!;
    norm = Math.sqrt(norm);
    for (let i = 0; i < tall; i++) column[i]! /= norm;
    columns.push(column);
    // about a million multiply-adds between yields
    work += tall * (k + 1);
    if (work >= 1 << 20) {
      work = 0;
      yield;
    }
  }
  const values = new Float32Array(rows * cols);
  for (let k = 0; k < narrow; k++) {
    const column = columns[k]!;
    for (let i = 0; i < tall; i++) {
      // rows <= cols: the result is Q transposed, so column k of Q becomes row k
      if (rows <= cols) values[k * cols + i] = column[i]!;
      else values[i * cols + k] = column[i]!;
    }
  }
  return values;
}

/** LSTM bias with unit_forget_bias=True: blocks [i | f | c | o] = [0 | 1 | 0 | 0]. */
export function lstmBias(units: number): Float32Array {
  const bias = new Float32Array(4 * units);
  bias.fill(1, units, 2 * units);
  return bias;
}
