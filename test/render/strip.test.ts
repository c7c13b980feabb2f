/**
 * The terminal picture below the totals: a strip per layer and epoch (Z zeros, C carried, |
 * reset_states()) and a sparkline of mean |h|, on by default for the table, off with -q and in
 * the other formats.
 */
import { describe, expect, it } from 'vitest';
import { run } from '../helpers/io.ts';

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
});
