/**
 * npm run bench: lstm-reset's forward pass against ONNX Runtime (native, CPU) and TF.js (WASM SIMD
 * backend) on the same workloads with the same weights and inputs, in one run; then start-up,
 * memory and counting (bench/startup-memory.ts). Every target of issue 13 is checked as a ratio of
 * figures measured in this run, and the outputs are compared; a run that misses a target or
 * disagrees says which and exits 1.
 *
 * - GFLOP/s count 2·4U·(D+U) flops per sample-timestep (the gate matmuls). A workload is one pass of
 *   inference over N samples in batches of B (W1: 15 passes).
 * - Rounds are interleaved: each round runs every engine once on the workload, and a row shows the
 *   median over the rounds. Each engine is set up once per workload (lstm-reset's layer and its one
 *   worker, closed after the workload; ORT sessions; the TF.js model) and warmed up outside the timing.
 * - lstm-reset runs as the CLI runs it: its LstmLayer with the state hooks on, relaxed SIMD turned on
 *   as bin/lstm-reset does, the two-thread kernel (and, for comparison, the one-thread kernel).
 * - ONNX Runtime runs a one-node LSTM model built here from the same weights (bench/onnx-lstm.ts);
 *   its inputs are made time-major outside the timing.
 * - The loaded case: a busy loop pinned to the last core while lstm-reset runs on one and two threads.
 * - Outputs: the last batch's final h of every engine, within 1e-5 of TF.js and of ORT.
 *
 * BENCH_ROUNDS (default 5) sets the rounds.
 */
import * as tf from '@tensorflow/tfjs';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import * as ort from 'onnxruntime-node';
import { setLstmKernel } from '../src/nn/cells.ts';
import { enableRelaxedSimd } from '../src/nn/kernels/relaxed-simd.ts';
import type { StateHooks } from '../src/sim/hooks.ts';
import { LstmLayer } from '../src/sim/layer.ts';
import { initLstmWeights, type LstmWeights } from '../src/nn/lstm.ts';
import { fillSyntheticInputs } from '../src/sim/simulate.ts';
import { onnxLstmModel, timeMajor } from './onnx-lstm.ts';
import { startupAndMemory } from './startup-memory.ts';
import { wasmMultiplyAddCeiling } from './wasm-ceiling.ts';

interface Workload {
  readonly name: string;
  readonly samples: number;
  readonly timesteps: number;
  readonly features: number;
  readonly units: number;
  readonly batchSize: number;
  readonly passes: number;
  /** lstm-reset (two threads, as the CLI runs) over ORT one thread, and over TF.js WASM: at least. */
  readonly targets: { readonly ort: number; readonly tfjs: number };
}

const workloads: Workload[] = [
  { name: 'W1', samples: 1000, timesteps: 20, features: 1, units: 32, batchSize: 200, passes: 15, targets: { ort: 1.0, tfjs: 5 } },
  { name: 'W2', samples: 10000, timesteps: 50, features: 8, units: 64, batchSize: 256, passes: 1, targets: { ort: 1.0, tfjs: 5 } },
  { name: 'W3', samples: 2000, timesteps: 100, features: 32, units: 256, batchSize: 128, passes: 1, targets: { ort: 0.7, tfjs: 3 } },
];
const describeWorkload = (w: Workload) => `N=${w.samples} T=${w.timesteps} D=${w.features} U=${w.units} B=${w.batchSize}${w.passes > 1 ? `, ${w.passes} passes` : ''}`;
const flopsOf = (w: Workload) => 2 * 4 * w.units * (w.features + w.units) * w.samples * w.timesteps * w.passes;
const TOLERANCE = 1e-5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
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

/** One engine set up for a workload: `run` does the whole workload once and returns the last batch's final h. */
interface Engine {
  readonly name: string;
  readonly threads: number;
  run(): Promise<ArrayLike<number>>;
  close(): Promise<void>;
}

/** lstm-reset's layer (hooks on, as a run), one or two threads; its worker started before the timing. */
async function lstmReset(w: Workload, weights: LstmWeights, inputs: Float32Array[], threads: 1 | 2): Promise<Engine> {
  setLstmKernel('wasm', { threads });
  const layer = new LstmLayer(weights, { stateful: false, maxRows: w.batchSize, timesteps: w.timesteps, activation: { name: 'sigmoid', hardSigmoidSlope: 0.2 } });
  setLstmKernel('auto');
  await layer.ready(w.batchSize);
  let events = 0;
  const hooks: StateHooks = { onReset: () => void events++, onCarry: () => {}, onBatchStart: () => {}, onBatchEnd: () => {} };
  return {
    name: 'lstm-reset',
    threads,
    async run() {
      events = 0;
      for (let pass = 0; pass < w.passes; pass++) {
        inputs.forEach((x, b) => {
          const rows = x.length / (w.timesteps * w.features);
          layer.call(x, { phase: 'predict', epoch: pass, batch: b + 1, rows, samples: new Int32Array(0) }, hooks);
        });
      }
      if (events !== w.passes * inputs.length) throw new Error('hooks did not see every call');
      return layer.state().h.slice();
    },
    async close() {
      layer.close();
    },
  };
}

/** ONNX Runtime (CPU execution provider) with `threads` intra-op threads. */
async function onnxRuntime(w: Workload, weights: LstmWeights, inputs: Float32Array[], threads: number): Promise<Engine> {
  const session = await ort.InferenceSession.create(onnxLstmModel(weights, w.timesteps), {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const feeds = inputs.map((x) => {
    const rows = x.length / (w.timesteps * w.features);
    return { x: new ort.Tensor('float32', timeMajor(x, rows, w.timesteps, w.features), [w.timesteps, rows, w.features]) };
  });
  await session.run(feeds[0]!);
  return {
    name: 'ONNX Runtime',
    threads,
    async run() {
      let last: ArrayLike<number> = [];
      for (let pass = 0; pass < w.passes; pass++) {
        for (const feed of feeds) last = (await session.run(feed)).h!.data as Float32Array;
      }
      return last;
    },
    async close() {
      await session.release();
    },
  };
}

/** TF.js (WASM SIMD backend): model.predict per batch. */
async function tfjsWasm(w: Workload, weights: LstmWeights, inputs: Float32Array[]): Promise<Engine> {
  const model = tf.sequential();
  model.add(tf.layers.lstm({ units: w.units, inputShape: [w.timesteps, w.features], recurrentActivation: 'sigmoid', kernelInitializer: 'zeros', recurrentInitializer: 'zeros' }));
  model.layers[0]!.setWeights([
    tf.tensor2d(weights.kernel, [w.features, 4 * w.units]),
    tf.tensor2d(weights.recurrentKernel, [w.units, 4 * w.units]),
    tf.tensor1d(weights.bias),
  ]);
  const tensors = inputs.map((x) => tf.tensor3d(x, [x.length / (w.timesteps * w.features), w.timesteps, w.features]));
  tf.tidy(() => (model.predict(tensors[0]!) as tf.Tensor).dataSync());
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  return {
    name: 'TF.js WASM',
    threads: wasm.getThreadsCount(),
    async run() {
      let last: ArrayLike<number> = [];
      for (let pass = 0; pass < w.passes; pass++) {
        for (const x of tensors) {
          const y = model.predict(x) as tf.Tensor;
          last = (await y.data()) as Float32Array;
          y.dispose();
        }
      }
      return last;
    },
    async close() {
      tensors.forEach((t) => t.dispose());
      model.dispose();
    },
  };
}

/** Runs `engines` in `rounds` interleaved rounds; returns each engine's seconds per round and last output. */
async function interleaved(engines: Engine[], rounds: number): Promise<{ seconds: number[]; output: ArrayLike<number> }[]> {
  const results = engines.map(() => ({ seconds: [] as number[], output: [] as ArrayLike<number> }));
  // warm-up, untimed: WebAssembly tiers up to optimised code during the first calls
  for (const engine of engines) await engine.run();
  for (let round = 0; round < rounds; round++) {
    for (const [i, engine] of engines.entries()) {
      const start = performance.now();
      const output = await engine.run();
      results[i]!.seconds.push((performance.now() - start) / 1000);
      results[i]!.output = output;
    }
  }
  return results;
}

/** A busy loop pinned to the last core (taskset where there is one), for the loaded rounds. */
function busyLoop(): ChildProcess {
  const core = String(cpus().length - 1);
  const pinned = spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status === 0;
  const loop = ['node', '-e', 'for (;;) {}'];
  return pinned ? spawn('taskset', ['-c', core, ...loop], { stdio: 'ignore' }) : spawn(loop[0]!, loop.slice(1), { stdio: 'ignore' });
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((n) => '-'.repeat(n + 2)).join('|')}|`, ...rows.map(line)];
}

async function main(): Promise<void> {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
  const quiet = console.warn;
  console.warn = () => {};
  const { setWasmPaths } = await import('@tensorflow/tfjs-backend-wasm');
  setWasmPaths(new URL('../node_modules/@tensorflow/tfjs-backend-wasm/dist/', import.meta.url).pathname);
  await tf.setBackend('wasm');
  await tf.ready();
  console.warn = quiet;
  const relaxed = enableRelaxedSimd();
  const lscpu = spawnSync('lscpu', [], { encoding: 'utf8' }).stdout ?? '';
  const model = /Model name:\s*(.+)/.exec(lscpu)?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown CPU';
  console.log(`Machine: ${model}, ${cpus().length} cores, Node ${process.version}, ONNX Runtime ${ort.env.versions.common}, TF.js ${tf.version.tfjs}`);
  console.log(`lstm-reset kernel: WebAssembly ${relaxed ? 'relaxed SIMD (fused multiply-add)' : 'SIMD (no relaxed SIMD here)'}; load average at start ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  // what one core can do at most with WebAssembly's 128-bit multiply-adds, measured now
  const ceiling = wasmMultiplyAddCeiling(relaxed);
  console.log(`WebAssembly ceiling on one core (a loop of f32x4 ${relaxed ? 'fused multiply-adds' : 'multiplies and adds'} only): ${ceiling.toFixed(1)} GFLOP/s`);
  console.log(`GFLOP/s, median of ${rounds} interleaved rounds (threads in brackets)\n`);

  const failures: string[] = [];
  const gflops: Record<string, Record<string, number>> = {};
  const checks: string[] = [];
  const columns = ['lstm-reset [2]', 'lstm-reset [1]', 'TF.js WASM [1]', 'ORT [1]', 'ORT [2]', 'lstm-reset [2], other core busy', 'lstm-reset [1], other core busy'];
  for (const w of workloads) {
    const weights = initLstmWeights(w.features, w.units, 7);
    const inputs = batches(w);
    const flops = flopsOf(w);
    const engines = [
      await lstmReset(w, weights, inputs, 2),
      await lstmReset(w, weights, inputs, 1),
      await tfjsWasm(w, weights, inputs),
      await onnxRuntime(w, weights, inputs, 1),
      await onnxRuntime(w, weights, inputs, 2),
    ];
    const idle = await interleaved(engines, rounds);
    // the loaded case: lstm-reset's own two rows again, with the last core busy
    const busy = busyLoop();
    await new Promise((resolve) => setTimeout(resolve, 200));
    let loaded: Awaited<ReturnType<typeof interleaved>>;
    try {
      loaded = await interleaved(engines.slice(0, 2), rounds);
    } finally {
      busy.kill();
    }
    for (const engine of engines) await engine.close();

    const rate = (seconds: number[]) => flops / median(seconds) / 1e9;
    const g = (gflops[w.name] = Object.fromEntries([...idle, ...loaded].map((r, i) => [columns[i]!, rate(r.seconds)])));
    const [ours2, ours1, tfjs, ort1, ort2] = idle.map((r) => r.output);
    const diffs = {
      'lstm-reset [2] vs TF.js': maxDiff(ours2!, tfjs!),
      'lstm-reset [2] vs ORT': maxDiff(ours2!, ort1!),
      'lstm-reset [1] vs TF.js': maxDiff(ours1!, tfjs!),
      'ORT [1] vs TF.js': maxDiff(ort1!, tfjs!),
      'ORT [2] vs TF.js': maxDiff(ort2!, tfjs!),
      'lstm-reset [2], other core busy vs TF.js': maxDiff(loaded[0]!.output, tfjs!),
    };
    for (const [pair, diff] of Object.entries(diffs)) {
      if (!(diff <= TOLERANCE)) failures.push(`${w.name}: outputs ${pair} differ by ${diff.toExponential(1)} (> ${TOLERANCE})`);
    }
    checks.push(`${w.name}: max |Δh| ${Object.entries(diffs).map(([pair, diff]) => `${pair} ${diff.toExponential(1)}`).join(', ')}`);
    const ratio = (a: string, b: string) => g[a]! / g[b]!;
    const target = (name: string, value: number, at: number) => {
      const ok = value >= at;
      checks.push(`${w.name}: ${name} ${value.toFixed(2)}x (target >= ${at}x) ${ok ? 'met' : 'MISSED'}`);
      if (!ok) failures.push(`${w.name}: ${name} ${value.toFixed(2)}x, target >= ${at}x`);
    };
    target('lstm-reset [2] / ORT [1]', ratio('lstm-reset [2]', 'ORT [1]'), w.targets.ort);
    const needed = w.targets.ort * g['ORT [1]']!;
    checks.push(`${w.name}:   that target needs ${needed.toFixed(1)} GFLOP/s: ${(needed / (2 * ceiling)).toFixed(2)}x the WebAssembly ceiling of both cores (${(2 * ceiling).toFixed(1)}); lstm-reset [1] runs at ${((100 * g['lstm-reset [1]']!) / ceiling).toFixed(0)}% of one core's`);
    target('lstm-reset [2] / TF.js WASM', ratio('lstm-reset [2]', 'TF.js WASM [1]'), w.targets.tfjs);
    target('other core busy: lstm-reset [2] / [1]', ratio(columns[5]!, columns[6]!), 1.0);
  }

  const header = ['workload', ...columns];
  console.log(table(header, workloads.map((w) => [`${w.name} ${describeWorkload(w)}`, ...columns.map((c) => gflops[w.name]![c]!.toFixed(1))])).join('\n'));
  console.log(`\nORT: a one-node ONNX LSTM (opset 14) with the same weights, time-major inputs prepared outside the timing.`);
  console.log(`Other core busy: a busy loop pinned to core ${cpus().length - 1} during those rounds only.\n`);
  console.log(checks.join('\n'));
  console.log('');

  const startup = startupAndMemory();
  console.log(startup.lines.join('\n'));
  for (const [name, value, at] of [
    ['lstm-reset --version / node -e 0', startup.versionRatio, 1.5],
    ['lstm-reset small run / node -e 0', startup.smallRunRatio, 1.8],
  ] as const) {
    const ok = value <= at;
    console.log(`${name} ${value.toFixed(2)}x (target <= ${at}x) ${ok ? 'met' : 'MISSED'}`);
    if (!ok) failures.push(`start-up: ${name} ${value.toFixed(2)}x, target <= ${at}x`);
  }
  // linear in the epochs: 10x the epochs, under 15x the CPU time (quadratic bookkeeping gave ~56x)
  for (const { name, ratio } of startup.epochScaling) {
    const ok = ratio <= 15;
    console.log(`${name} ${ratio.toFixed(2)}x (target <= 15x) ${ok ? 'met' : 'MISSED'}`);
    if (!ok) failures.push(`many epochs: ${name} ${ratio.toFixed(2)}x, target <= 15x`);
  }
  console.log(`\nLoad average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  if (failures.length > 0) {
    console.log(`\nbench: ${failures.length} target${failures.length === 1 ? '' : 's'} missed or outputs disagreeing:\n  ${failures.join('\n  ')}`);
    process.exitCode = 1;
  } else {
    console.log('\nbench: every target met, all outputs within 1e-5');
  }
}

await main();
