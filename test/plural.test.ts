/**
 * Counts read as English: one of a thing is singular ("1 row", "1 epoch", "… 1 more event"), every
 * other count plural, in the table, the answer, the totals, verify, the HTML page and the messages.
 */
import { describe, expect, it } from 'vitest';
import { noun, plural } from '../src/shared/count.ts';
import { run } from './helpers/io.ts';

describe('plural', () => {
  it.each([
    [0, 'row', undefined, '0 rows'],
    [1, 'row', undefined, '1 row'],
    [2, 'row', undefined, '2 rows'],
    [15000, 'row', undefined, '15,000 rows'],
    [1, 'batch', 'batches', '1 batch'],
    [3, 'batch', 'batches', '3 batches'],
    [1.5, 'step', undefined, '1.5 steps'],
  ])('plural(%d, %s, %s) is %s', (n, one, many, text) => {
    expect(plural(n, one, many)).toBe(text);
  });
  it('noun', () => {
    expect(noun(1, 'its', 'their')).toBe('its');
    expect(noun(2, 'its', 'their')).toBe('their');
  });
});

/** "1" (not part of a bigger number) then up to two words, then a plural noun. */
const onePlural = /(?<![\d.,×-])1 (?:[a-z][\w-]* ){0,2}(rows|samples|steps|features|epochs|events|batches|windows|sequences|times|states|calls|units|tensors|starts|resets|carries|layers)\b/;

describe('counts of one in the output', () => {
  const examples = new URL('../examples/', import.meta.url).pathname;
  it.each([
    [['--shape', '1,1,1', '--batch', '1']],
    [['--shape', '1,1', '--batch', '1', '--mask-tail', '1']],
    [['--shape', '2,1', '--batch', '1', '--validation-split', '0.5']],
    [['--shape', '3,1', '--batch', '1', '--max-rows', '2']],
    [['--shape', '2,1', '--batch', '1', '--stateful', '--epochs', '1', '--reset-every', 'epoch']],
    [['--shape', '1,1', '--batch', '1', '--layers', '1,1']],
    [['--shape', '1,1', '--batch', '1', '--expect-resets', '5']],
    [['--shape', '1,1', '--batch', '1', '--html', '-']],
    [['verify', '--shape', '2,1', '--batch', '1']],
    [['audit', `${examples}model/model.json`, '--samples', '1', '--batch', '1']],
  ])('%j: no "1 rows"', async (args) => {
    const { stdout, stderr } = await run(args);
    for (const line of `${stdout}\n${stderr}`.replace(/<[^>]*>/g, ' ').split('\n')) expect(line).not.toMatch(onePlural);
  });

  it('the table says "… 1 more event" and the --expect mismatch "1 sample … 1 epoch"', async () => {
    expect((await run(['--shape', '3,1', '--batch', '1', '--max-rows', '2'])).stdout).toContain('… 1 more event (');
    const { code, stderr } = await run(['--shape', '1,1', '--batch', '1', '--expect-resets', '5']);
    expect(code).toBe(1);
    expect(stderr).toContain('expected resetEvents=5, counted 1 (stateless, 1 sample / batch 1 × 1 epoch)\n');
  });

  it('a parser message ending in a full stop takes the help hint without ".;"', async () => {
    const { code, stderr } = await run(['--shape', '1,1', '--batch', '99999999999']);
    expect(code).toBe(2);
    expect(stderr).toBe("error: option '-b, --batch <size>' argument '99999999999' is invalid. Batch size 99999999999 is more than the 1,000,000,000 lstm-reset accepts; see lstm-reset --help\n");
  });
});
