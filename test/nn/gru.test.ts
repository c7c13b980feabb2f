/**
 * The GRU kernel (src/nn/gru.ts) against two independent references (§8 equations, §4 masking):
 * - reset_after=False: TF.js 4.22 `tf.layers.gru` (pure JS CPU backend), same weights via setWeights.
 * - reset_after=True: TF.js throws for it ("GRUCell does not support reset_after parameter set to
 *   true"), so `referenceGru` below is a separate, plain number[][] implementation written straight
 *   from the Keras equations, sharing no code with src/nn/gru.ts. It is itself checked against TF.js on
 *   reset_after=False.
 * Every timestep output (return_sequences) and the final state are compared at 1e-5.
 *
 * Measured max |diff| (run with SHOW_DIFFS=1 to print them):
 *   vs TF.js, reset_after=False, sigmoid / hardSigmoid, stateless, 4 shapes:   ≤ 1.2e-7
 *   vs TF.js, stateful carry + resetStates, 4 batches:                          ≤ 1.3e-7
 *   vs TF.js, masking layer (maskValue 0) before the GRU:                       ≤ 1.2e-7
 *   reference vs TF.js (reset_after=False), to validate the reference:          ≤ 1.2e-7
 *   vs reference, reset_after=True, sigmoid / hard_sigmoid 0.2 and 1/6:         ≤ 6.0e-8
 *   vs reference, reset_after=True, stateful carry + reset and masked:          ≤ 6.0e-8
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SymbolicTensor, Tensor } from '@tensorflow/tfjs';
import {
  constantGruWeights,
  gruForward,
  gruScratchLength,
  initGruWeights,
  packGruWeights,
  type GruWeights,
} from '../../src/nn/gru.ts';
import type { GateActivation } from '../../src/nn/lstm.ts';
import { label, SHAPES, uniformArray, diffRecorder, type Run, type Shape } from '../helpers/cells.ts';
import { loadTfjs, maxAbsDifference } from '../helpers/tfjs.ts';

type Tf = Awaited<ReturnType<typeof loadTfjs>>;
type TfjsActivation = 'sigmoid' | 'hardSigmoid';

let tf: Tf;
const diffs = diffRecorder();
const expectClose = diffs.expectClose;

beforeAll(async () => {
  tf = await loadTfjs();
}, 60_000);

afterAll(() => diffs.print());


const SIGMOID: GateActivation = { name: 'sigmoid', hardSigmoidSlope: 0.2 };
const HARD_02: GateActivation = { name: 'hard_sigmoid', hardSigmoidSlope: 0.2 };
const HARD_K3: GateActivation = { name: 'hard_sigmoid', hardSigmoidSlope: 1 / 6 };
const TFJS_ACTIVATIONS: readonly [GateActivation, TfjsActivation][] = [
  [SIGMOID, 'sigmoid'],
  [HARD_02, 'hardSigmoid'],
];


/** Random weights large enough that hard_sigmoid clips and the biases matter. */
function randomGruWeights(inputDim: number, units: number, seed: number, resetAfter: boolean): GruWeights {
  return {
    inputDim,
    units,
    resetAfter,
    kernel: uniformArray(inputDim * 3 * units, seed + 1, 0.9),
    recurrentKernel: uniformArray(units * 3 * units, seed + 2, 0.9),
    bias: uniformArray((resetAfter ? 6 : 3) * units, seed + 3, 0.5),
  };
}


/** src/nn/gru.ts from the state `h` (updated in place; zeros when omitted). */
function runOurs(
  weights: GruWeights,
  activation: GateActivation,
  inputs: Float32Array,
  shape: Shape,
  h = new Float32Array(shape.rows * shape.units),
  mask?: Uint8Array,
): Run {
  const { rows, timesteps, units } = shape;
  const sequence = new Float32Array(rows * timesteps * units);
  const scratch = new Float64Array(gruScratchLength(units));
  const afterStep = (t: number): void => {
    for (let r = 0; r < rows; r++) sequence.set(h.subarray(r * units, (r + 1) * units), (r * timesteps + t) * units);
  };
  gruForward(packGruWeights(weights), activation, inputs, rows, timesteps, h, scratch, afterStep, mask);
  return { sequence, final: Float32Array.from(h) };
}

function tfjsWeights(weights: GruWeights): Tensor[] {
  const { inputDim, units } = weights;
  return [
    tf.tensor2d(weights.kernel, [inputDim, 3 * units]),
    tf.tensor2d(weights.recurrentKernel, [units, 3 * units]),
    tf.tensor1d(weights.bias),
  ];
}

/** Stateless TF.js GRU (reset_after=False) with return_sequences and return_state. */
function runTfjs(weights: GruWeights, recurrentActivation: TfjsActivation, inputs: Float32Array, shape: Shape, masked = false): Run {
  let result: Run | undefined;
  tf.tidy(() => {
    const input = tf.input({ shape: [shape.timesteps, shape.inputDim] });
    const x = masked ? (tf.layers.masking({ maskValue: 0 }).apply(input) as SymbolicTensor) : input;
    // TF.js GRU is always reset_after=False: its GRULayerArgs typings have no resetAfter, and true throws
    const layer = tf.layers.gru({ units: shape.units, recurrentActivation, returnSequences: true, returnState: true });
    const outputs = layer.apply(x) as SymbolicTensor[];
    const model = tf.model({ inputs: input, outputs });
    layer.setWeights(tfjsWeights(weights));
    const [sequence, final] = model.predict(tf.tensor3d(inputs, [shape.rows, shape.timesteps, shape.inputDim])) as Tensor[];
    result = { sequence: Float32Array.from(sequence!.dataSync()), final: Float32Array.from(final!.dataSync()) };
    model.dispose();
  });
  return result!;
}

/** Keras masking: a step is masked when all its features equal maskValue (0). */
function maskOf(inputs: Float32Array, shape: Shape): Uint8Array {
  const mask = new Uint8Array(shape.rows * shape.timesteps);
  for (let i = 0; i < mask.length; i++) {
    mask[i] = inputs.subarray(i * shape.inputDim, (i + 1) * shape.inputDim).some((v) => v !== 0) ? 1 : 0;
  }
  return mask;
}

/** Zeroes whole timesteps: leading padding, a gap, trailing padding, and one fully masked row. */
function padInputs(inputs: Float32Array, shape: Shape, padded: readonly [row: number, timestep: number][]): void {
  for (const [r, t] of padded) inputs.fill(0, (r * shape.timesteps + t) * shape.inputDim, (r * shape.timesteps + t + 1) * shape.inputDim);
}

// ---------------------------------------------------------------------------------------------
// Independent reference, straight from the Keras equations (§8), plain arrays, no shared code.
// ---------------------------------------------------------------------------------------------

interface ReferenceWeights {
  /** W[k][j], (inputDim, 3u). */
  readonly W: number[][];
  /** U[k][j], (u, 3u). */
  readonly U: number[][];
  readonly bIn: number[];
  /** zeros for reset_after=False. */
  readonly bRec: number[];
}

function toReference(w: GruWeights): ReferenceWeights {
  const cols = 3 * w.units;
  const matrix = (flat: Float32Array, rows: number): number[][] =>
    Array.from({ length: rows }, (_, k) => Array.from(flat.slice(k * cols, (k + 1) * cols)));
  return {
    W: matrix(w.kernel, w.inputDim),
    U: matrix(w.recurrentKernel, w.units),
    bIn: Array.from(w.bias.slice(0, cols)),
    bRec: w.resetAfter ? Array.from(w.bias.slice(cols, 2 * cols)) : new Array<number>(cols).fill(0),
  };
}

/** v·M[:, from:to] */
function vecMat(v: number[], M: number[][], from: number, to: number): number[] {
  const out: number[] = [];
  for (let j = from; j < to; j++) {
    let s = 0;
    for (let k = 0; k < v.length; k++) s += v[k]! * M[k]![j]!;
    out.push(s);
  }
  return out;
}

/** One sequence: returns h after every step. Masked steps (mask[t] = 0) copy h forward. */
function referenceGru(
  w: ReferenceWeights,
  resetAfter: boolean,
  sigma: (x: number) => number,
  xs: number[][],
  h0: number[],
  mask?: number[],
): number[][] {
  const u = h0.length;
  let h = h0.slice();
  const out: number[][] = [];
  xs.forEach((x, t) => {
    if (mask && mask[t] === 0) {
      out.push(h.slice());
      return;
    }
    const xw = vecMat(x, w.W, 0, 3 * u).map((v, j) => v + w.bIn[j]!);
    const xz = xw.slice(0, u);
    const xr = xw.slice(u, 2 * u);
    const xh = xw.slice(2 * u);
    let z: number[];
    let hh: number[];
    if (resetAfter) {
      const hu = vecMat(h, w.U, 0, 3 * u).map((v, j) => v + w.bRec[j]!);
      z = xz.map((v, j) => sigma(v + hu[j]!));
      const r = xr.map((v, j) => sigma(v + hu[u + j]!));
      hh = xh.map((v, j) => Math.tanh(v + r[j]! * hu[2 * u + j]!));
    } else {
      const hu = vecMat(h, w.U, 0, 2 * u);
      z = xz.map((v, j) => sigma(v + hu[j]!));
      const r = xr.map((v, j) => sigma(v + hu[u + j]!));
      const rhU = vecMat(r.map((rj, j) => rj * h[j]!), w.U, 2 * u, 3 * u);
      hh = xh.map((v, j) => Math.tanh(v + rhU[j]!));
    }
    h = h.map((hj, j) => z[j]! * hj + (1 - z[j]!) * hh[j]!);
    out.push(h.slice());
  });
  return out;
}

const sigmoidRef = (x: number): number => 1 / (1 + Math.exp(-x));
const hardSigmoidRef = (slope: number) => (x: number): number => Math.min(1, Math.max(0, slope * x + 0.5));

/** The reference over a whole batch, flattened like Run. */
function runReference(
  weights: GruWeights,
  sigma: (x: number) => number,
  inputs: Float32Array,
  shape: Shape,
  h0?: Float32Array,
  mask?: Uint8Array,
): Run {
  const { rows, timesteps, inputDim, units } = shape;
  const w = toReference(weights);
  const sequence: number[] = [];
  const final: number[] = [];
  for (let r = 0; r < rows; r++) {
    const xs = Array.from({ length: timesteps }, (_, t) =>
      Array.from(inputs.slice((r * timesteps + t) * inputDim, (r * timesteps + t + 1) * inputDim)),
    );
    const start = h0 ? Array.from(h0.slice(r * units, (r + 1) * units)) : new Array<number>(units).fill(0);
    const rowMask = mask ? Array.from(mask.slice(r * timesteps, (r + 1) * timesteps)) : undefined;
    const hs = referenceGru(w, weights.resetAfter, sigma, xs, start, rowMask);
    for (const ht of hs) sequence.push(...ht);
    final.push(...(hs.length > 0 ? hs[hs.length - 1]! : start));
  }
  return { sequence: Float32Array.from(sequence), final: Float32Array.from(final) };
}

// ---------------------------------------------------------------------------------------------

describe('GRU weights', () => {
  it('initGruWeights: Keras layout and defaults (glorot_uniform, orthogonal, zeros bias of (3u) or (2, 3u))', () => {
    const before = initGruWeights(4, 5, 11, false);
    const after = initGruWeights(4, 5, 11, true);
    expect(before.kernel.length).toBe(4 * 15);
    expect(before.recurrentKernel.length).toBe(5 * 15);
    expect(before.bias.length).toBe(15);
    expect(after.bias.length).toBe(30);
    expect([...before.bias, ...after.bias].every((v) => v === 0)).toBe(true);
    const limit = Math.sqrt(6 / (4 + 15));
    expect(before.kernel.every((v) => Math.abs(v) <= limit)).toBe(true);
    // orthogonal (u, 3u): the u rows are orthonormal
    for (let a = 0; a < 5; a++) {
      for (let b = 0; b < 5; b++) {
        let dot = 0;
        for (let j = 0; j < 15; j++) dot += before.recurrentKernel[a * 15 + j]! * before.recurrentKernel[b * 15 + j]!;
        expect(dot).toBeCloseTo(a === b ? 1 : 0, 5);
      }
    }
    expect(initGruWeights(4, 5, 11, false).kernel).toEqual(before.kernel);
    expect(initGruWeights(4, 5, 12, false).kernel).not.toEqual(before.kernel);
  });

  it('packGruWeights rejects a bias of the wrong reset_after layout', () => {
    const w = constantGruWeights(2, 3, 0.1, false);
    expect(() => packGruWeights({ ...w, resetAfter: true })).toThrow(/bias/);
  });
});

describe('GRU reset_after=False vs TF.js', () => {
  for (const [activation, tfjsActivation] of TFJS_ACTIVATIONS) {
    for (const [i, shape] of SHAPES.entries()) {
      it(`${tfjsActivation}, ${label(shape)}, stateless`, () => {
        const weights = randomGruWeights(shape.inputDim, shape.units, 100 + i, false);
        const inputs = uniformArray(shape.rows * shape.timesteps * shape.inputDim, 200 + i, 2);
        const ours = runOurs(weights, activation, inputs, shape);
        const theirs = runTfjs(weights, tfjsActivation, inputs, shape);
        expectClose(`tfjs ${tfjsActivation} ${label(shape)} sequence`, ours.sequence, theirs.sequence);
        expectClose(`tfjs ${tfjsActivation} ${label(shape)} final`, ours.final, theirs.final);
      });
    }
  }

  it('Keras default init (glorot_uniform, orthogonal, zero bias) matches too', () => {
    const shape = SHAPES[1]!;
    const weights = initGruWeights(shape.inputDim, shape.units, 5, false);
    const inputs = uniformArray(shape.rows * shape.timesteps * shape.inputDim, 6, 1);
    const ours = runOurs(weights, SIGMOID, inputs, shape);
    const theirs = runTfjs(weights, 'sigmoid', inputs, shape);
    expectClose('tfjs default-init sequence', ours.sequence, theirs.sequence);
  });

  it('the test reference agrees with TF.js (validates it for reset_after=True)', () => {
    for (const [i, shape] of SHAPES.entries()) {
      const weights = randomGruWeights(shape.inputDim, shape.units, 300 + i, false);
      const inputs = uniformArray(shape.rows * shape.timesteps * shape.inputDim, 400 + i, 2);
      const reference = runReference(weights, hardSigmoidRef(0.2), inputs, shape);
      const theirs = runTfjs(weights, 'hardSigmoid', inputs, shape);
      expectClose(`reference vs tfjs ${label(shape)} sequence`, reference.sequence, theirs.sequence);
      expectClose(`reference vs tfjs ${label(shape)} final`, reference.final, theirs.final);
    }
  });

  it('stateful: carries h across predict calls row by row, zeroed by model.resetStates()', () => {
    const shape: Shape = { rows: 3, timesteps: 4, inputDim: 2, units: 6 };
    const weights = randomGruWeights(shape.inputDim, shape.units, 500, false);
    const batches = [0, 1, 2, 3].map((k) => uniformArray(shape.rows * shape.timesteps * shape.inputDim, 600 + k, 2));
    const resetBefore = 2;

    const model = tf.sequential();
    const layer = tf.layers.gru({
      units: shape.units,
      recurrentActivation: 'hardSigmoid',
      returnSequences: true,
      stateful: true,
      batchInputShape: [shape.rows, shape.timesteps, shape.inputDim],
    });
    model.add(layer);
    tf.tidy(() => layer.setWeights(tfjsWeights(weights)));

    const h = new Float32Array(shape.rows * shape.units);
    batches.forEach((inputs, k) => {
      if (k === resetBefore) {
        model.resetStates();
        h.fill(0);
      }
      const carried = h.some((v) => v !== 0);
      const ours = runOurs(weights, HARD_02, inputs, shape, h);
      const theirs = tf.tidy(() => {
        const sequence = model.predict(tf.tensor3d(inputs, [shape.rows, shape.timesteps, shape.inputDim]), { batchSize: shape.rows }) as Tensor;
        return { sequence: Float32Array.from(sequence.dataSync()), final: Float32Array.from(layer.states[0]!.dataSync()) };
      });
      expectClose(`tfjs stateful batch ${k} sequence`, ours.sequence, theirs.sequence);
      expectClose(`tfjs stateful batch ${k} final`, ours.final, theirs.final);
      // the carry is real: batches 1 and 3 differ from a run starting at zeros
      expect(carried).toBe(k === 1 || k === 3);
      if (carried) expect(maxAbsDifference(ours.final, runOurs(weights, HARD_02, inputs, shape).final)).toBeGreaterThan(1e-3);
    });
    model.dispose();
  });

  it('masking (Masking(mask_value=0) before the GRU): masked steps carry h unchanged', () => {
    const shape: Shape = { rows: 4, timesteps: 6, inputDim: 3, units: 5 };
    const weights = randomGruWeights(shape.inputDim, shape.units, 700, false);
    const inputs = uniformArray(shape.rows * shape.timesteps * shape.inputDim, 701, 2);
    // row 0 left-padded, row 1 a gap, row 2 right-padded, row 3 fully masked
    padInputs(inputs, shape, [[0, 0], [0, 1], [1, 3], [2, 4], [2, 5], ...[0, 1, 2, 3, 4, 5].map((t) => [3, t] as [number, number])]);
    const mask = maskOf(inputs, shape);
    for (const [activation, tfjsActivation] of TFJS_ACTIVATIONS) {
      const ours = runOurs(weights, activation, inputs, shape, undefined, mask);
      const theirs = runTfjs(weights, tfjsActivation, inputs, shape, true);
      expectClose(`tfjs masked ${tfjsActivation} sequence`, ours.sequence, theirs.sequence);
      expectClose(`tfjs masked ${tfjsActivation} final`, ours.final, theirs.final);
    }
    const ours = runOurs(weights, SIGMOID, inputs, shape, undefined, mask);
    // the fully masked row keeps its zero state; the right-padded row ends on its step-3 state
    expect(ours.final.subarray(15, 20).every((v) => v === 0)).toBe(true);
    const u = shape.units;
    expect(ours.final.subarray(2 * u, 3 * u)).toEqual(ours.sequence.subarray((2 * 6 + 3) * u, (2 * 6 + 4) * u));
  });
});

describe('GRU reset_after=True (Keras 3 / tf.keras default) vs the independent reference', () => {
  const activations: readonly [GateActivation, (x: number) => number, string][] = [
    [SIGMOID, sigmoidRef, 'sigmoid'],
    [HARD_02, hardSigmoidRef(0.2), 'hard_sigmoid 0.2'],
    [HARD_K3, hardSigmoidRef(1 / 6), 'hard_sigmoid 1/6 (Keras 3)'],
  ];
  for (const [activation, sigma, name] of activations) {
    for (const [i, shape] of SHAPES.entries()) {
      it(`${name}, ${label(shape)}, stateless`, () => {
        const weights = randomGruWeights(shape.inputDim, shape.units, 800 + i, true);
        const inputs = uniformArray(shape.rows * shape.timesteps * shape.inputDim, 900 + i, 2);
        const ours = runOurs(weights, activation, inputs, shape);
        const reference = runReference(weights, sigma, inputs, shape);
        expectClose(`reset_after ${name} ${label(shape)} sequence`, ours.sequence, reference.sequence);
        expectClose(`reset_after ${name} ${label(shape)} final`, ours.final, reference.final);
      });
    }
  }

  it('stateful carry with a reset in between', () => {
    const shape: Shape = { rows: 3, timesteps: 5, inputDim: 2, units: 4 };
    const weights = randomGruWeights(shape.inputDim, shape.units, 1000, true);
    const h = new Float32Array(shape.rows * shape.units);
    let referenceState: Float32Array = new Float32Array(shape.rows * shape.units);
    for (let k = 0; k < 4; k++) {
      if (k === 2) {
        h.fill(0);
        referenceState = new Float32Array(shape.rows * shape.units);
      }
      const inputs = uniformArray(shape.rows * shape.timesteps * shape.inputDim, 1100 + k, 2);
      const ours = runOurs(weights, SIGMOID, inputs, shape, h);
      const reference = runReference(weights, sigmoidRef, inputs, shape, referenceState);
      referenceState = reference.final;
      expectClose(`reset_after stateful batch ${k} sequence`, ours.sequence, reference.sequence);
      expectClose(`reset_after stateful batch ${k} final`, ours.final, reference.final);
    }
  });

  it('masking: masked steps carry h unchanged', () => {
    const shape: Shape = { rows: 3, timesteps: 6, inputDim: 3, units: 5 };
    const weights = randomGruWeights(shape.inputDim, shape.units, 1200, true);
    const inputs = uniformArray(shape.rows * shape.timesteps * shape.inputDim, 1201, 2);
    padInputs(inputs, shape, [[0, 0], [1, 2], [1, 3], [2, 5]]);
    const mask = maskOf(inputs, shape);
    const ours = runOurs(weights, HARD_K3, inputs, shape, undefined, mask);
    const reference = runReference(weights, hardSigmoidRef(1 / 6), inputs, shape, undefined, mask);
    expectClose('reset_after masked sequence', ours.sequence, reference.sequence);
    expectClose('reset_after masked final', ours.final, reference.final);
  });

  it('reset_after=True and False are different cells on the same kernels', () => {
    const shape = SHAPES[2]!;
    const after = randomGruWeights(shape.inputDim, shape.units, 1300, true);
    const before: GruWeights = { ...after, resetAfter: false, bias: after.bias.slice(0, 3 * shape.units) };
    const inputs = uniformArray(shape.rows * shape.timesteps * shape.inputDim, 1301, 2);
    const diff = maxAbsDifference(runOurs(after, SIGMOID, inputs, shape).final, runOurs(before, SIGMOID, inputs, shape).final);
    expect(diff).toBeGreaterThan(1e-2);
  });
});
