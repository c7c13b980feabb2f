/**
 * The pre-activation products of the recurrent kernels, shared by every cell: rows of transposed
 * weight matrices (Float64Array, one gate column per row) dotted four at a time, so each column's
 * sum stays in a register.
 */

/**
 * z[j] = bias[j] + x·kernelT[j] + h·recurrentKernelT[j] for j < count: the pre-activations of
 * `count` gate columns for one row, from its input x (inputDim values at inputs[inputOffset]) and its
 * previous state h (units values at h[stateOffset]).
 */
export function gatePreActivations(
  z: Float64Array,
  count: number,
  bias: Float64Array,
  kernelT: Float64Array,
  inputDim: number,
  inputs: Float32Array,
  inputOffset: number,
  recurrentKernelT: Float64Array,
  units: number,
  h: Float32Array,
  stateOffset: number,
): void {
  const blocked = count - (count % 4);
  let j = 0;
  for (; j < blocked; j += 4) {
    let z0 = bias[j]!;
    let z1 = bias[j + 1]!;
    let z2 = bias[j + 2]!;
    let z3 = bias[j + 3]!;
    const w0 = j * inputDim;
    const w1 = w0 + inputDim;
    const w2 = w1 + inputDim;
    const w3 = w2 + inputDim;
    for (let k = 0; k < inputDim; k++) {
      const xk = inputs[inputOffset + k]!;
      z0 += xk * kernelT[w0 + k]!;
      z1 += xk * kernelT[w1 + k]!;
      z2 += xk * kernelT[w2 + k]!;
      z3 += xk * kernelT[w3 + k]!;
    }
    const u0 = j * units;
    const u1 = u0 + units;
    const u2 = u1 + units;
    const u3 = u2 + units;
    for (let k = 0; k < units; k++) {
      const hk = h[stateOffset + k]!;
      z0 += hk * recurrentKernelT[u0 + k]!;
      z1 += hk * recurrentKernelT[u1 + k]!;
      z2 += hk * recurrentKernelT[u2 + k]!;
      z3 += hk * recurrentKernelT[u3 + k]!;
    }
    z[j] = z0;
    z[j + 1] = z1;
    z[j + 2] = z2;
    z[j + 3] = z3;
  }
  for (; j < count; j++) {
    let zj = bias[j]!;
    const w = j * inputDim;
    for (let k = 0; k < inputDim; k++) zj += inputs[inputOffset + k]! * kernelT[w + k]!;
    const u = j * units;
    for (let k = 0; k < units; k++) zj += h[stateOffset + k]! * recurrentKernelT[u + k]!;
    z[j] = zj;
  }
}
