/**
 * The non-recurrent layers a model may put in front of a recurrent one, as plain maths over
 * Float32Arrays (row-major, last axis = features): Dense applied to the last axis (also what
 * TimeDistributed(Dense) computes), an Embedding lookup, elementwise activations and merges.
 * Activation names are Keras's (snake_case); hard_sigmoid takes the caller's version slope.
 */

/** An elementwise activation by its Keras name; undefined when it is not one computed here. */
export function activationFunction(name: string, hardSigmoidSlope: number): ((x: number) => number) | undefined {
  switch (name) {
    case 'linear':
    case 'identity':
      return (x) => x;
    case 'tanh':
      return Math.tanh;
    case 'sigmoid':
      return (x) => 1 / (1 + Math.exp(-x));
    case 'hard_sigmoid':
      return (x) => Math.min(1, Math.max(0, hardSigmoidSlope * x + 0.5));
    case 'relu':
      return (x) => (x > 0 ? x : 0);
    case 'relu6':
      return (x) => Math.min(6, Math.max(0, x));
    case 'elu':
      return (x) => (x > 0 ? x : Math.expm1(x));
    case 'selu':
      return (x) => 1.0507009873554805 * (x > 0 ? x : 1.6732632423543772 * Math.expm1(x));
    case 'softplus':
      return (x) => (x > 20 ? x : Math.log1p(Math.exp(x)));
    case 'softsign':
      return (x) => x / (1 + Math.abs(x));
    case 'exponential':
      return Math.exp;
    case 'swish':
    case 'silu':
      return (x) => x / (1 + Math.exp(-x));
    default:
      return undefined;
  }
}

/** Activations over the last axis (softmax) are handled apart from the elementwise ones. */
export function isKnownActivation(name: string): boolean {
  return name === 'softmax' || activationFunction(name, 0.2) !== undefined;
}

/** Applies an activation in place to `count` rows of `width` values. */
export function applyActivation(values: Float32Array, count: number, width: number, name: string, hardSigmoidSlope: number): void {
  if (name === 'softmax') {
    for (let r = 0; r < count; r++) {
      const row = values.subarray(r * width, (r + 1) * width);
      let max = -Infinity;
      for (const v of row) max = Math.max(max, v);
      let sum = 0;
      for (let j = 0; j < width; j++) sum += row[j] = Math.exp(row[j]! - max);
      for (let j = 0; j < width; j++) row[j] = row[j]! / sum;
    }
    return;
  }
  const f = activationFunction(name, hardSigmoidSlope);
  if (!f) throw new Error(`activation ${name} is not computed here`);
  if (name === 'linear' || name === 'identity') return;
  for (let i = 0; i < count * width; i++) values[i] = f(values[i]!);
}

/**
 * out[r] = in[r]·kernel + bias for `count` rows: in (count, inputDim), kernel (inputDim, units),
 * bias (units) or null; accumulated in doubles.
 */
export function dense(
  input: Float32Array,
  count: number,
  inputDim: number,
  kernel: Float32Array,
  bias: Float32Array | null,
  units: number,
  out: Float32Array,
): void {
  const acc = new Float64Array(units);
  for (let r = 0; r < count; r++) {
    if (bias) for (let j = 0; j < units; j++) acc[j] = bias[j]!;
    else acc.fill(0);
    const row = r * inputDim;
    for (let i = 0; i < inputDim; i++) {
      const x = input[row + i]!;
      if (x === 0) continue;
      const k = i * units;
      for (let j = 0; j < units; j++) acc[j] = acc[j]! + x * kernel[k + j]!;
    }
    for (let j = 0; j < units; j++) out[r * units + j] = acc[j]!;
  }
}

/**
 * out[i] = embeddings[ids[i]] for `count` ids (stored as floats): embeddings (inputDim, outputDim).
 * Returns the index of the first id outside [0, inputDim), or -1 (Keras raises there).
 */
export function embeddingLookup(ids: Float32Array, count: number, embeddings: Float32Array, inputDim: number, outputDim: number, out: Float32Array): number {
  for (let i = 0; i < count; i++) {
    const id = ids[i]!;
    if (!Number.isInteger(id) || id < 0 || id >= inputDim) return i;
    out.set(embeddings.subarray(id * outputDim, (id + 1) * outputDim), i * outputDim);
  }
  return -1;
}
