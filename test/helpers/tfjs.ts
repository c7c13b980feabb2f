/**
 * TF.js (pure JS CPU backend) as an independent reference implementation for the cross-checks.
 * Loaded lazily so only the tests that need it pay for it.
 */
let loaded: typeof import('@tensorflow/tfjs') | undefined;

export async function loadTfjs(): Promise<typeof import('@tensorflow/tfjs')> {
  if (loaded) return loaded;
  // TF.js prints a banner suggesting tfjs-node when it first runs in Node; keep test output clean
  const originalWarn = console.warn;
  const originalLog = console.log;
  console.warn = () => {};
  console.log = () => {};
  try {
    const tf = await import('@tensorflow/tfjs');
    await tf.setBackend('cpu');
    await tf.ready();
    tf.tensor([0]).dataSync();
    loaded = tf;
    return tf;
  } finally {
    console.warn = originalWarn;
    console.log = originalLog;
  }
}

/** Largest |a[i] - b[i]|, after checking the lengths match. */
export function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

/**
 * Right-padding for the masking cross-checks: row r is real for its first lengths[r] steps. Zeroes
 * the padded steps of `inputs` (rows, timesteps, inputDim) in place, so a TF.js Masking(0) layer
 * sees them, and returns the matching mask (1 = real step).
 */
export function padToLengths(inputs: Float32Array, lengths: readonly number[], timesteps: number, inputDim: number): Uint8Array {
  const mask = new Uint8Array(lengths.length * timesteps);
  lengths.forEach((length, r) => {
    for (let t = 0; t < timesteps; t++) {
      const real = t < length;
      mask[r * timesteps + t] = real ? 1 : 0;
      if (!real) inputs.fill(0, (r * timesteps + t) * inputDim, (r * timesteps + t + 1) * inputDim);
    }
  });
  return mask;
}
