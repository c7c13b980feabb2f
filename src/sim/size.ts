/**
 * What a forward pass costs before it runs: gate-matmul flops and the bytes its buffers take, so
 * the CLI can refuse a run (or count it in closed form) instead of crashing part-way with an
 * allocation failure. Estimates err on the high side: every buffer `simulate` and `verify`
 * allocate, and the copies the WebAssembly kernel and its worker thread keep.
 */
import { planMaxBatch, resolveLayers, type SimulationConfig } from '../keras/config.ts';

const gatesOf = { lstm: 4, gru: 3, simple: 1 } as const;

/**
 * How much slower per flop each cell's kernel is than the LSTM's WebAssembly SIMD kernel (measured:
 * LSTM about 30 GFLOP/s on two threads, the JavaScript GRU and SimpleRNN kernels about 3).
 */
export const kernelSlowdown = { lstm: 1, gru: 12, simple: 12 } as const;

/** Gate-matmul flops of one pass over every sample-timestep, through every layer and direction. */
export function passFlops(config: SimulationConfig, weighted = false): number {
  let inputDim = config.features;
  let flopsPerStep = 0;
  for (const layer of resolveLayers(config)) {
    const flops = 2 * gatesOf[layer.cell] * layer.units * (inputDim + layer.units) * (layer.bidirectional ? 2 : 1);
    flopsPerStep += weighted ? flops * kernelSlowdown[layer.cell] : flops;
    inputDim = layer.units * (layer.bidirectional ? 2 : 1);
  }
  return flopsPerStep * config.samples * config.timesteps;
}

/**
 * How many kernel flops one flop of the weight initialisation costs: the seeded orthogonal
 * recurrent kernel is built by modified Gram-Schmidt in plain JavaScript (about 1.5 GFLOP/s
 * measured) where the forward pass's WebAssembly kernel does about 20.
 */
export const initFlopWeight = 15;

/**
 * Flops of initialising every recurrent kernel that is not given (Keras's orthogonal: Gram-Schmidt
 * of a (G·U, U) matrix, 2·G·U·U² flops), per direction. O(units³): 4,096 LSTM units is minutes.
 */
export function initFlops(config: SimulationConfig): number {
  return resolveLayers(config).reduce((sum, layer) => sum + (layer.bidirectional ? 2 : 1) * 2 * gatesOf[layer.cell] * layer.units ** 3, 0);
}

/** Bytes of the layers' buffers for calls of `rows` rows over `timesteps` steps. */
function layerBytes(config: SimulationConfig, rows: number, timesteps: number, keepAllOutputs: boolean): number {
  const layers = resolveLayers(config);
  let inputDim = config.features;
  let bytes = 0;
  layers.forEach((layer, index) => {
    const gates = gatesOf[layer.cell];
    const U = layer.units;
    const directions = layer.bidirectional ? 2 : 1;
    const outputDim = U * directions;
    // weights: the Float32 arrays, the wasm instance's copy, the worker's copy (or the JS kernel's float64 transposes)
    const weights = (inputDim * gates * U + U * gates * U + 2 * gates * U) * 4;
    bytes += directions * weights * 4;
    // the kernel's per-call region (inputs, states, gate scratch), here and in the worker's shared buffer and instance
    bytes += directions * 3 * (rows * timesteps * inputDim * 4 + rows * (gates + 2) * U * 4 + rows * timesteps);
    // states, kept outputs for the next layer, reversed inputs of a backward direction
    bytes += directions * 2 * rows * U * 4;
    if (keepAllOutputs || index < layers.length - 1) bytes += rows * timesteps * outputDim * 4;
    if (layer.bidirectional) bytes += rows * timesteps * (inputDim * 4 + 1);
    inputDim = outputDim;
  });
  return bytes;
}

/** Bytes a forward pass (`simulate`) allocates: the layers for the largest call, its inputs and mask. */
export function forwardBytes(config: SimulationConfig): number {
  const stateful = resolveLayers(config).some((layer) => layer.stateful);
  const rows = Math.max(1, stateful ? (config.stateBatchSize ?? config.batchSize) : planMaxBatch(config));
  const T = config.timesteps;
  return layerBytes(config, rows, T, false) + rows * T * (config.features * 4 + 1) + 8 * rows;
}

/**
 * Flops of `verify`: the long run and three window runs, each one pass over the samples, and one
 * weight initialisation (the four runs build the same seeded weights, made once: sim/verify.ts).
 */
export function verifyFlops(config: SimulationConfig): number {
  return 4 * passFlops({ ...config, epochs: 1 }, true) + initFlopWeight * initFlops(config);
}

/** Bytes `verify` allocates: the long run's inputs and layers over K·T steps, and every run's outputs. */
export function verifyBytes(config: SimulationConfig): number {
  const B = config.batchSize;
  const K = Math.max(1, Math.floor(config.samples / B));
  const T = config.timesteps;
  const layers = resolveLayers(config);
  const last = layers[layers.length - 1]!;
  const lastOutputs = config.samples * T * last.units * (last.bidirectional ? 2 : 1) * 4;
  const long = layerBytes(config, B, K * T, true) + B * K * T * (config.features * 4 + 1);
  const windows = layerBytes(config, B, T, true) + B * T * (config.features * 4 + 1);
  // the long run's output copy, and the three window runs' outputs on the long timeline
  return long + windows + 4 * lastOutputs + config.samples * 8;
}
