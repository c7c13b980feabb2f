/**
 * npm run bench: lstm-reset's forward pass against TF.js on the same workloads, in one run, as
 * throughput and ratios; then start-up, memory and counting (bench/startup-memory.ts).
 *
 * GFLOP/s count 2·4U·(D+U) flops per sample-timestep (the gate matmuls). Each workload is one pass
 * of inference over N samples in batches of B (W1: 15 passes), with the same weights and inputs
 * for every implementation, and the max |difference| of the last batch's outputs against TF.js.
 * lstm-reset runs its layer with the state hooks on (reset, carry, batch start/end), as a run does.
 * The JS kernel, ~20x slower than the wasm one, runs fewer times on W2 and a quarter of W3 (scaled),
 * to keep the whole run near three minutes. Without @tensorflow/tfjs-backend-wasm installed, the
 * TF.js WASM rows are skipped and the ratios are left empty.
 */
import * as tf from '@tensorflow/tfjs';
import { cpus } from 'node:os';
import { setLstmKernel } from '../src/nn/cells.ts';
import type { StateHooks } from '../src/sim/hooks.ts';
import { LstmLayer } from '../src/sim/layer.ts';
import { initLstmWeights, type LstmWeights } from '../src/nn/lstm.ts';
import { fillSyntheticInputs } from '../src/sim/simulate.ts';
import { startupAndMemory } from './startup-memory.ts';

interface Workload {
  readonly name: string;
  readonly samples: number;
  readonly timesteps: number;
  readonly features: number;
  readonly units: number;
  readonly batchSize: number;
  readonly passes: number;
}

const workloads: Workload[] = [
  { name: 'W1', samples: 1000, timesteps: 20, features: 1, units: 32, batchSize: 200, passes: 15 },
  { name: 'W2', samples: 10000, timesteps: 50, features: 8, units: 64, batchSize: 256, passes: 1 },
  { name: 'W3', samples: 2000, timesteps: 100, features: 32, units: 256, batchSize: 128, passes: 1 },
];

const flopsOf = (w: Workload) => 2 * 4 * w.units * (w.features + w.units) * w.samples * w.timesteps * w.passes;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** The workload's inputs, batch by batch, as lstm-reset generates them. */
function batches(w: Workload): Float32Array[] {
  const out: Float32Array[] = [];
  for (let start = 0; start < w.samples; start += w.batchSize) {
    const rows = Math.min(w.batchSize, w.samples - start);
    const buffer = new Float32Array(rows * w.timesteps * w.features);
    fillSyntheticInputs(buffer, Int32Array.from({ length: rows }, (_, i) => start + i), w.timesteps, w.features, 1);
    out.push(buffer);
  }
  return out;
}

/** One timed run of lstm-reset's layer over the workload; returns seconds and the last batch's h. */
function runOurs(w: Workload, weights: LstmWeights, inputs: Float32Array[]): { seconds: number; last: Float32Array } {
  const layer = new LstmLayer(weights, { stateful: false, maxRows: w.batchSize, timesteps: w.timesteps, activation: { name: 'sigmoid', hardSigmoidSlope: 0.2 } });
  let events = 0;
  const hooks: StateHooks = { onReset: () => void events++, onCarry: () => {}, onBatchStart: () => {}, onBatchEnd: () => {} };
  const start = performance.now();
  for (let pass = 0; pass < w.passes; pass++) {
    inputs.forEach((x, b) => {
      const rows = x.length / (w.timesteps * w.features);
      layer.call(x, { phase: 'predict', epoch: pass, batch: b + 1, rows, samples: new Int32Array(0) }, hooks);
    });
  }
  const seconds = (performance.now() - start) / 1000;
  if (events !== w.passes * inputs.length) throw new Error('hooks did not see every call');
  return { seconds, last: layer.state().h.slice() };
}

/** One timed run of TF.js (current backend) over the workload: model.predict per batch. */
async function runTfjs(w: Workload, weights: LstmWeights, inputs: Float32Array[], passes: number): Promise<{ seconds: number; last: Float32Array }> {
  const model = tf.sequential();
  model.add(tf.layers.lstm({ units: w.units, inputShape: [w.timesteps, w.features], recurrentActivation: 'sigmoid', returnSequences: false }));
  model.layers[0]!.setWeights([
    tf.tensor2d(weights.kernel, [w.features, 4 * w.units]),
    tf.tensor2d(weights.recurrentKernel, [w.units, 4 * w.units]),
    tf.tensor1d(weights.bias),
  ]);
  const tensors = inputs.map((x) => tf.tensor3d(x, [x.length / (w.timesteps * w.features), w.timesteps, w.features]));
  // warm up (kernel compilation) outside the timing
  tf.tidy(() => (model.predict(tensors[0]!) as tf.Tensor).dataSync());
  let last: Float32Array = new Float32Array(0);
  const start = performance.now();
  for (let pass = 0; pass < passes; pass++) {
    for (const x of tensors) {
      const y = model.predict(x) as tf.Tensor;
      last = (await y.data()) as Float32Array;
      y.dispose();
    }
  }
  const seconds = (performance.now() - start) / 1000;
  tensors.forEach((t) => t.dispose());
  model.dispose();
  return { seconds, last };
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let max = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

async function main(): Promise<void> {
  const quiet = console.warn;
  console.warn = () => {};
  let hasWasmBackend = true;
  try {
    const { setWasmPaths } = await import('@tensorflow/tfjs-backend-wasm');
    setWasmPaths(new URL('../node_modules/@tensorflow/tfjs-backend-wasm/dist/', import.meta.url).pathname);
  } catch {
    hasWasmBackend = false;
  }
  console.warn = quiet;
  if (!hasWasmBackend) console.log('@tensorflow/tfjs-backend-wasm is not installed: no TF.js WASM rows, no ratios; differences against TF.js CPU\n');
  const repeats = 5;
  const rows: string[][] = [];
  console.log(`Machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}; median of ${repeats} runs (TF.js CPU: see notes)\n`);
  for (const w of workloads) {
    const weights = initLstmWeights(w.features, w.units, 7);
    const inputs = batches(w);
    const flops = flopsOf(w);
    const sampleSteps = w.samples * w.timesteps * w.passes;
    const results: { name: string; seconds: number; diff: number | null; note?: string }[] = [];

    let reference: Float32Array = new Float32Array(0);
    if (hasWasmBackend) {
      await tf.setBackend('wasm');
      await tf.ready();
      const tfWasmTimes: number[] = [];
      for (let i = 0; i < (w.name === 'W3' ? 3 : repeats); i++) {
        const run = await runTfjs(w, weights, inputs, w.passes);
        tfWasmTimes.push(run.seconds);
        reference = run.last;
      }
      results.push({ name: 'TF.js WASM (SIMD)', seconds: median(tfWasmTimes), diff: null, ...(w.name === 'W3' ? { note: 'median of 3' } : {}) });
    } else {
      // the last batch on TF.js CPU, for the differences
      await tf.setBackend('cpu');
      reference = (await runTfjs(w, weights, inputs.slice(-1), 1)).last;
    }

    for (const kernel of ['wasm', 'js'] as const) {
      setLstmKernel(kernel);
      const times: number[] = [];
      let last: Float32Array = new Float32Array(0);
      // the JS kernel: 3 runs of W2, 1 run over the last quarter of W3's batches (scaled)
      const count = kernel === 'js' && w.name !== 'W1' ? (w.name === 'W3' ? 1 : 3) : repeats;
      const subset = kernel === 'js' && w.name === 'W3' ? inputs.slice(-Math.ceil(inputs.length / 4)) : inputs;
      for (let i = 0; i < count; i++) {
        const run = runOurs(w, weights, subset);
        times.push((run.seconds * inputs.length) / subset.length);
        last = run.last;
      }
      const note = count === repeats ? '' : `${count === 1 ? '1 run' : `median of ${count}`}${subset === inputs ? '' : `, ${subset.length} of ${inputs.length} batches, scaled`}`;
      results.push({ name: kernel === 'wasm' ? 'lstm-reset (wasm SIMD kernel)' : 'lstm-reset (JS kernel)', seconds: median(times), diff: maxDiff(last, reference), ...(note ? { note } : {}) });
    }
    setLstmKernel('auto');

    if (w.name !== 'W3') {
      await tf.setBackend('cpu');
      // TF.js CPU is ~100x slower: one pass over a tenth of the batches, scaled
      const subset = inputs.slice(0, Math.max(1, Math.ceil(inputs.length / 10)));
      const run = await runTfjs(w, weights, subset, 1);
      const scaled = (run.seconds * (w.passes * inputs.length)) / subset.length;
      results.push({ name: 'TF.js CPU', seconds: scaled, diff: null, note: `1 pass over ${subset.length} of ${inputs.length} batches, scaled` });
    }

    const tfWasm = hasWasmBackend ? results[0]!.seconds : NaN;
    for (const r of results) {
      rows.push([
        w.name,
        r.name,
        (sampleSteps / r.seconds / 1e6).toFixed(2),
        (flops / r.seconds / 1e9).toFixed(1),
        Number.isNaN(tfWasm) ? '' : (tfWasm / r.seconds).toFixed(2) + 'x',
        r.diff === null ? '' : r.diff.toExponential(1),
        r.note ?? '',
      ]);
    }
  }
  const header = ['workload', 'implementation', 'M sample-steps/s', 'GFLOP/s', 'vs TF.js WASM', 'max abs Δ vs TF.js', 'notes'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((n) => '-'.repeat(n + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
  console.log('\nW1: N=1000 T=20 D=1 U=32 B=200, 15 passes; W2: N=10000 T=50 D=8 U=64 B=256; W3: N=2000 T=100 D=32 U=256 B=128.');
  console.log('');
  console.log(startupAndMemory().join('\n'));
}

await main();
