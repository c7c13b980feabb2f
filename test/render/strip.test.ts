/**
 * The terminal picture below the totals: a strip per layer and epoch (Z zeros, C carried, |
 * reset_states()) and a sparkline of mean |h|, on by default for the table, off with -q and in
 * the other formats.
 */
import { spawnSync } from 'node:child_process';
import { Chalk } from 'chalk';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderPicture, sparkline } from '../../src/render/strip.ts';
import type { LayerTimeline, Timeline, TimelineItem } from '../../src/sim/timeline.ts';
import { run } from '../helpers/io.ts';

/** The sparkline's shape when every call has its own character: x per call or stretch, | after each holding a reset (a failed call's marks on the one before, or the first one drawn). */
function expectedAtOne(units: readonly { value: number | null; marks: number; span: boolean }[]): string {
  const out: { marks: number }[] = [];
  let pending = 0;
  for (const u of units) {
    if (u.span || u.value !== null) {
      out.push({ marks: u.marks + pending });
      pending = 0;
    } else if (out.length > 0) out[out.length - 1]!.marks += u.marks;
    else pending += u.marks;
  }
  return out.map((u) => (u.marks > 0 ? 'x|' : 'x')).join('');
}

const bin = new URL('../../bin/lstm-reset.js', import.meta.url).pathname;
const plain = new Chalk({ level: 0 });

/** A layer timeline of calls (value: ending mean |h|, null for a failed call; marks: reset_states() after it) and aggregated stretches. */
function layerOf(units: readonly { value: number | null; marks: number; span: boolean }[]): LayerTimeline {
  const after = (n: number) => Array.from({ length: n }, () => ({ reason: 'reset-states' }));
  const items = units.map((u) =>
    u.span
      ? { kind: 'span', calls: 5, starts: { failed: 0 }, maxEndMeanAbsH: u.value ?? 0, resets: { 'reset-states': u.marks } }
      : { kind: 'call', start: u.value === null ? 'failed' : 'carried', endMeanAbsH: u.value ?? 0, after: after(u.marks) },
  );
  return { items: items as unknown as TimelineItem[] } as unknown as LayerTimeline;
}

/** The picture's lines: from its heading to the Answer. */
async function picture(args: readonly string[], options: Parameters<typeof run>[1] = {}): Promise<string[]> {
  const { stdout } = await run(args, options);
  const lines = stdout.split('\n');
  const plain = stdout.replace(/\u001b\[[0-9;]*m/g, '').split('\n');
  const start = plain.findIndex((line) => line.startsWith('State at the start of each call'));
  if (start < 0) return [];
  return lines.slice(start, plain.indexOf('Answer', start) - 1);
}

describe('the strip and the sparkline', () => {
  it('the seed question: every call of every epoch starts from zeros; one sparkline character per call', async () => {
    const lines = await picture(['--shape', '1000,20,1', '--batch', '200', '--epochs', '15']);
    expect(lines[0]).toBe('State at the start of each call (Z zeros):');
    expect(lines[1]).toBe('  epochs 1–15  Z Z Z Z Z');
    expect(lines[2]).toMatch(/^mean \|h\| at the end of each call \(▁ 0 to █ 0\.\d{3}\):$/);
    expect(lines[3]).toMatch(/^ {2}[▁▂▃▄▅▆▇█]{75}$/);
    expect(lines).toHaveLength(4);
  });

  it('stateful, reset after every epoch: Z C | per epoch, and a | in the sparkline per reset_states()', async () => {
    const lines = await picture(['--shape', '20,7,1', '--batch', '10', '--stateful', '--no-shuffle', '--epochs', '3', '--reset-every', 'epoch']);
    expect(lines[0]).toBe('State at the start of each call (Z zeros, C carried, | reset_states()):');
    expect(lines[1]).toBe('  epochs 1–3  Z C |');
    expect(lines[3]).toMatch(/^ {2}([▁▂▃▄▅▆▇█]{2}\|){3}$/);
  });

  it('validation, stacked layers: a line per layer, the phases named', async () => {
    const lines = await picture(['--shape', '100,5,2', '--batch', '10', '--layers', 'lstm:8,gru:4:bidirectional', '--stateful', '--no-shuffle', '--validation-split', '0.2', '--epochs', '3']);
    expect(lines.slice(1, 5)).toEqual([
      '  lstm           epoch 1     fit Z C C C C C C C val C C',
      '                 epochs 2–3  fit C C C C C C C C val C C',
      '  bidirectional  epoch 1     fit Z C C C C C C C val C C',
      '                 epochs 2–3  fit C C C C C C C C val C C',
    ]);
  });

  it('a long epoch is written with counts, and a failed call is an X', async () => {
    expect((await picture(['--shape', '400,1,1', '--batch', '1', '--stateful', '--no-shuffle', '--units', '1']))[1]).toBe('  epoch 1  Z C×399');
    expect((await picture(['--shape', '1000,5,1', '--batch', '300', '--stateful', '--no-shuffle']))[1]).toBe('  epoch 1  Z C C X');
  });

  it('fits the width: the sparkline of a long run is bucketed', async () => {
    const lines = await picture(['--shape', '400,1,1', '--batch', '1', '--stateful', '--no-shuffle', '--units', '1'], { isTTY: true, columns: 60 });
    const spark = lines.at(-1)!;
    expect(spark.length).toBeLessThanOrEqual(60);
    expect(spark.length).toBeGreaterThan(40);
  });

  it('is off with -q, in every other format and without a forward pass', async () => {
    const args = ['--shape', '20,7,1', '--batch', '10', '--stateful', '--no-shuffle'];
    expect(await picture([...args, '-q'])).toEqual([]);
    expect((await run([...args, '--format', 'tsv'])).stdout).not.toContain('State at the start');
    expect((await run([...args, '--json'])).stdout).not.toContain('State at the start');
    expect(await picture([...args, '--count-only'])).toEqual([]);
  });

  it('is coloured only where colour is on', async () => {
    const coloured = await picture(['--shape', '20,7,1', '--batch', '10', '--stateful', '--no-shuffle', '--epochs', '2', '--reset-every', 'epoch'], { isTTY: true });
    expect(coloured.join('\n')).toContain('\u001b[36mZ\u001b[39m');
  });

  it('more stretches between reset_states() than columns: ends, fits, and every reset keeps a | (a spawned run: a hang fails instead of blocking the tests)', () => {
    // 80 epochs of 2 calls with a reset after each: 80 stretches, 160 calls, 80 columns
    const args = ['--shape', '20,7,1', '--batch', '10', '--stateful', '--no-shuffle', '--reset-every', 'epoch', '--epochs', '80'];
    const child = spawnSync('node', [bin, ...args], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, NO_COLOR: '1', COLUMNS: '80' } });
    expect(child.signal, 'killed after 30 s: the picture never ended').toBeNull();
    expect(child.status).toBe(0);
    const lines = child.stdout.split('\n');
    const at = lines.findIndex((line) => line.startsWith('mean |h| at the end of each call'));
    expect(at).toBeGreaterThan(0);
    const heading = lines.slice(at, lines.findIndex((line, i) => i > at && /^ {2}[▁▂▃▄▅▆▇█|…]+$/.test(line))).join(' ').replace(/\s+/g, ' ');
    const spark = lines.find((line, i) => i > at && /^ {2}[▁▂▃▄▅▆▇█|…]+$/.test(line))!;
    expect(spark.length).toBeLessThanOrEqual(80);
    // 160 calls in 80 columns: two calls and their | at least per pair of columns; the heading says how many | stand for the 80 calls
    const bars = spark.split('|').length - 1;
    expect(bars).toBeGreaterThan(0);
    expect(heading).toContain(`(${bars} | stand for 80)`);
    expect(heading).toMatch(/each character the highest of \d+ calls/);
  }, 40_000);

  it('any calls, marks and room: the sparkline fits, one character per call when they fit, and a reset_states() is never dropped', () => {
    const unit = fc.record({ value: fc.option(fc.double({ min: 0, max: 2, noNaN: true }), { freq: 8 }), marks: fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 1, max: 3 })), span: fc.integer({ min: 0, max: 9 }).map((n) => n === 0) });
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 400 }), fc.integer({ min: 0, max: 120 }), (units, room) => {
        const layer = layerOf(units);
        const spark = sparkline(layer, 2, room, plain);
        // a failed call draws nothing; its marks go to the call before it (none before it: they have nowhere to go)
        const drawn = units.filter((u) => u.span || u.value !== null);
        const resets = units.reduce((n, u) => n + u.marks, 0);
        expect(spark.resetStates).toBe(resets);
        if (drawn.length === 0 || room < 2) {
          expect(spark.text).toBe('');
          return;
        }
        expect(spark.text.length).toBeLessThanOrEqual(room);
        const bars = spark.text.split('|').length - 1;
        expect(bars).toBe(spark.marksDrawn);
        if (resets > 0) expect(bars).toBeGreaterThan(0);
        // room for a character and a | per call: every call has its own character
        if (2 * drawn.length <= room) {
          expect(spark.bucket).toBe(1);
          expect(spark.text.replace(/\|/g, '')).toHaveLength(drawn.length);
        }
        // with every call, stretch and mark drawn, the characters and | left to right are the units and their marks
        if (spark.bucket === 1) expect(spark.text.replace(/[▁▂▃▄▅▆▇█…]/g, 'x')).toBe(expectedAtOne(units));
      }),
      { numRuns: 300, seed: 20261129 },
    );
  });

  it('a start kind without a symbol of its own (a newer result) is drawn as ? and named in the legend', () => {
    const call = (start: string, batch: number) => ({ kind: 'call', start, phase: 'fit', epoch: 1, batch, rows: 2, passThroughRows: 0, endMeanAbsH: 0.5, before: [], after: [] });
    const layer = { layer: { name: 'lstm' }, items: [call('zeros', 1), call('teleported', 2), call('carried', 3)] };
    const picture = renderPicture({ layers: [layer] } as unknown as Timeline, plain, 80)!;
    expect(picture.split('\n').slice(0, 2)).toEqual(['State at the start of each call (Z zeros, C carried, ? teleported):', '  epoch 1  Z ? C']);
  });
});

describe('a run whose every call fails', () => {
  it('draws the strip (X) but no empty sparkline', async () => {
    const { run } = await import('../helpers/io.ts');
    // Keras 2.3 checks a stateful fit's sample count up front: 1000 samples in batches of 300 never run
    const { stdout } = await run(['--shape', '1000,5,1', '--batch', '300', '--stateful', '--keras', '2'], { env: { NO_COLOR: '1' } });
    expect(stdout).toMatch(/^ {2}epoch 1 {2}X$/m);
    expect(stdout).not.toContain('mean |h| at the end of each call');
  });
});
