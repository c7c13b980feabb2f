/**
 * Seeded randomness. Every number lstm-reset produces comes from here, so a `--seed` reproduces a run
 * bit for bit on any machine (only integer arithmetic and IEEE doubles are used).
 */

/** A 32-bit avalanche mix (the finaliser of MurmurHash3 with splitmix-style constants). */
export function mix32(x: number): number {
  let z = x >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x7feb352d);
  z = Math.imul(z ^ (z >>> 15), 0x846ca68b);
  return (z ^ (z >>> 16)) >>> 0;
}

/** mulberry32: a small, fast sequential PRNG; returns uniform numbers in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Derives an independent stream seed from a base seed and a purpose tag (weights, shuffle, ...). */
export function deriveSeed(seed: number, ...tags: number[]): number {
  let h = mix32(seed ^ 0x9e3779b9);
  for (const tag of tags) h = mix32(h ^ mix32(tag + 0x632be5ab));
  return h;
}

/** Standard normal numbers from a uniform source (Box-Muller, both values used). */
export function normalSource(uniform: () => number): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const value = spare;
      spare = null;
      return value;
    }
    let u = 0;
    while (u === 0) u = uniform();
    const v = uniform();
    const radius = Math.sqrt(-2 * Math.log(u));
    spare = radius * Math.sin(2 * Math.PI * v);
    return radius * Math.cos(2 * Math.PI * v);
  };
}

/**
 * A seeded Fisher-Yates permutation of 0..n-1, as `np.random.permutation(n)` shuffles the sample
 * order of each epoch in Keras `fit` (the permutation itself differs: NumPy's generator is not ours).
 */
export function permutation(n: number, seed: number): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const uniform = mulberry32(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(uniform() * (i + 1));
    const tmp = order[i]!;
    order[i] = order[j]!;
    order[j] = tmp;
  }
  return order;
}

/**
 * The synthetic input value of sample `sample` at `timestep`, feature `feature`, uniform in [-1, 1).
 * It depends only on (seed, sample, timestep, feature), never on batching or shuffling, so the same
 * sample always carries the same sequence wherever the schedule puts it.
 */
export function syntheticInput(seed: number, sample: number, timestep: number, feature: number): number {
  return syntheticFromSample(syntheticSampleHash(seed, sample), timestep, feature);
}

/** The per-sample part of syntheticInput, hoisted out of the loops over timesteps and features. */
export function syntheticSampleHash(seed: number, sample: number): number {
  return mix32(seed ^ mix32(sample + 0x3c6ef372) ^ Math.floor(sample / 4294967296));
}

/** syntheticInput from its sample's hash (syntheticSampleHash): the same value. */
export function syntheticFromSample(sampleHash: number, timestep: number, feature: number): number {
  return syntheticFromKeys(sampleHash, syntheticStepKey(timestep, feature));
}

/** The per-(timestep, feature) part of syntheticInput, the same for every sample. */
export function syntheticStepKey(timestep: number, feature: number): number {
  return mix32(timestep * 0x10001 + feature + 0x27d4eb2f);
}

/** syntheticInput from its sample's hash and its step key: the same value. */
export function syntheticFromKeys(sampleHash: number, stepKey: number): number {
  return (mix32(sampleHash ^ stepKey) / 4294967296) * 2 - 1;
}

/**
 * Fills `out` with syntheticInput(seed, samples[r], t, d), (rows, timesteps, features) row-major:
 * each (t, d) key is hashed once for all rows.
 */
export function fillSynthetic(out: Float32Array, seed: number, samples: ArrayLike<number>, timesteps: number, features: number): void {
  const rows = samples.length;
  const hashes = new Uint32Array(rows);
  for (let r = 0; r < rows; r++) hashes[r] = syntheticSampleHash(seed, samples[r]!);
  const stride = timesteps * features;
  for (let t = 0; t < timesteps; t++) {
    for (let d = 0; d < features; d++) {
      const key = syntheticStepKey(t, d);
      const at = t * features + d;
      for (let r = 0; r < rows; r++) out[r * stride + at] = (mix32(hashes[r]! ^ key) / 4294967296) * 2 - 1;
    }
  }
}

/**
 * A seeded bijection of 0..n-1 computed one index at a time in O(1) memory: a 4-round Feistel
 * network over the smallest even number of bits that covers n, cycle-walking indices that land at
 * n or above. It shuffles a billion samples without an array of a billion indices.
 */
export function lazyPermutation(n: number, seed: number): (index: number) => number {
  return feistel(n, seed).forward;
}

/** The inverse of `lazyPermutation(n, seed)`: where index `value` is sent from, in O(1) memory. */
export function lazyPermutationInverse(n: number, seed: number): (value: number) => number {
  return feistel(n, seed).inverse;
}

function feistel(n: number, seed: number): { forward: (index: number) => number; inverse: (value: number) => number } {
  if (n <= 1) return { forward: (index) => index, inverse: (value) => value };
  let bits = 2;
  while (2 ** bits < n) bits += 2;
  const half = bits / 2;
  const mask = (1 << half) - 1;
  const keys = [0, 1, 2, 3].map((round) => deriveSeed(seed, 0xfe157e1, round));
  const encrypt = (x: number) => {
    let left = Math.floor(x / 2 ** half);
    let right = x % 2 ** half;
    for (const key of keys) {
      const next = (left ^ (mix32(right ^ key) & mask)) >>> 0;
      left = right;
      right = next;
    }
    return left * 2 ** half + right;
  };
  const decrypt = (y: number) => {
    let left = Math.floor(y / 2 ** half);
    let right = y % 2 ** half;
    for (let round = keys.length - 1; round >= 0; round--) {
      const previous = (right ^ (mix32(left ^ keys[round]!) & mask)) >>> 0;
      right = left;
      left = previous;
    }
    return left * 2 ** half + right;
  };
  return {
    forward: (index) => {
      let y = encrypt(index);
      while (y >= n) y = encrypt(y);
      return y;
    },
    inverse: (value) => {
      let x = decrypt(value);
      while (x >= n) x = decrypt(x);
      return x;
    },
  };
}
