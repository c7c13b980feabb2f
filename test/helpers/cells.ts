/** Shared pieces of the GRU and SimpleRNN cross-check tests. */
import { expect } from 'vitest';
import { mulberry32 } from '../../src/shared/random.ts';
import { maxAbsDifference } from './tfjs.ts';

export interface Shape {
  readonly rows: number;
  readonly timesteps: number;
  readonly inputDim: number;
  readonly units: number;
}

// units 3, 5, 8, 1: both the four-at-a-time blocks and their tails
export const SHAPES: readonly Shape[] = [
  { rows: 2, timesteps: 5, inputDim: 1, units: 3 },
  { rows: 3, timesteps: 7, inputDim: 4, units: 5 },
  { rows: 4, timesteps: 6, inputDim: 3, units: 8 },
  { rows: 5, timesteps: 4, inputDim: 2, units: 1 },
];

export const label = (s: Shape): string => `B${s.rows} T${s.timesteps} D${s.inputDim} U${s.units}`;

export interface Run {
  /** (rows, timesteps, units): h after every timestep. */
  readonly sequence: Float32Array;
  /** (rows, units). */
  readonly final: Float32Array;
}

/** n seeded uniforms in [-scale, scale). */
export function uniformArray(n: number, seed: number, scale: number): Float32Array {
  const uniform = mulberry32(seed);
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = (uniform() * 2 - 1) * scale;
  return values;
}

/** Asserts max |difference| <= tolerance and keeps each measurement (printed with SHOW_DIFFS=1). */
export function diffRecorder(tolerance = 1e-5) {
  const measured: { name: string; diff: number }[] = [];
  return {
    expectClose(name: string, ours: ArrayLike<number>, theirs: ArrayLike<number>): void {
      const diff = maxAbsDifference(ours, theirs);
      measured.push({ name, diff });
      expect(diff, name).toBeLessThanOrEqual(tolerance);
    },
    print(): void {
      if (process.env['SHOW_DIFFS']) for (const { name, diff } of measured) console.log(`${diff.toExponential(2)}  ${name}`);
    },
  };
}
