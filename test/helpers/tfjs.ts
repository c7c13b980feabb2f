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
