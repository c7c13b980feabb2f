/** Padding layouts for synthetic data: --padding pre|post with --lengths (lists and seeded ranges). */
import { describe, expect, it } from 'vitest';
import { fillLayoutMask, realLength } from '../../src/sim/program.ts';
import { run } from '../helpers/io.ts';

const rows = (mask: Uint8Array, T: number) => Array.from({ length: mask.length / T }, (_, r) => Array.from(mask.subarray(r * T, (r + 1) * T)).join(''));

describe('fillLayoutMask', () => {
  it('post: real steps first; pre: padding first (pad_sequences), lengths cycled over the samples', () => {
    const samples = Int32Array.of(0, 1, 2, 3);
    const mask = new Uint8Array(4 * 4);
    fillLayoutMask(mask, samples, 4, { side: 'post', lengths: { kind: 'list', values: [4, 1, 0] } }, 1);
    expect(rows(mask, 4)).toEqual(['1111', '1000', '0000', '1111']);
    fillLayoutMask(mask, samples, 4, { side: 'pre', lengths: { kind: 'list', values: [4, 1, 0] } }, 1);
    expect(rows(mask, 4)).toEqual(['1111', '0001', '0000', '1111']);
  });

  it('a range gives each sample a seeded length in [min, max], the same wherever the sample sits', () => {
    const layout = { side: 'post' as const, lengths: { kind: 'range' as const, min: 2, max: 5 } };
    const lengths = Array.from({ length: 200 }, (_, s) => realLength(layout, s, 6, 7));
    expect(Math.min(...lengths)).toBe(2);
    expect(Math.max(...lengths)).toBe(5);
    expect(realLength(layout, 17, 6, 7)).toBe(lengths[17]);
    expect(Array.from({ length: 200 }, (_, s) => realLength(layout, s, 6, 8))).not.toEqual(lengths);
  });
});

describe('--padding and --lengths on the command line', () => {
  it('counts the padded steps of the main command', async () => {
    const { stdout } = await run(['--shape', '6,5', '--batch', '3', '--lengths', '5,2', '--padding', 'post', '--json']);
    // lengths 5,2,5,2,5,2 of 5 steps: 3 samples with 3 padded steps
    expect(JSON.parse(stdout).totals).toMatchObject({ maskedSteps: 9, passThroughRows: 0, resetEvents: 2 });
  });
  it.each([
    [['--shape', '6,5', '--padding', 'pre'], '--padding needs --lengths'],
    [['--shape', '6,5', '--lengths', '6'], '--lengths asks for 6 real steps but a sample has 5 timesteps'],
    [['--shape', '6,5', '--lengths', '3', '--mask-tail', '2'], '--lengths and --mask-tail both'],
    [['--shape', '6,5', '--lengths', '3-x'], 'comma list'],
    [['--shape', '6,5', '--padding', 'middle', '--lengths', '3'], 'Use pre'],
  ])('%j: exit 2, one line', async (args, fragment) => {
    const { code, stdout, stderr } = await run(args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toContain(fragment);
  });
});
