/**
 * The HTML report's text over many kinds of runs (in-process, no browser): no "undefined", "NaN",
 * "Infinity" or "[object …]" anywhere in its text or attributes, and its subtitle is the Totals
 * line of the text output of the same run (one description: describeRun).
 */
import { describe, expect, it } from 'vitest';
import { run } from '../helpers/io.ts';

const examples = new URL('../../examples/', import.meta.url).pathname;
const seq2seq = new URL('../fixtures/models/k3-seq2seq/', import.meta.url).pathname;

const runs: Record<string, readonly string[]> = {
  // a 1-row last batch broadcast into all 10 state rows (tensorflow, §R2): its rows' samples were undefined
  'tensorflow broadcast': ['--shape', '21,7,1', '--batch', '10', '--stateful', '--no-shuffle', '--epochs', '2'],
  'jax restarts from the stored value': ['--shape', '16,4,2', '--batch', '4', '--stateful', '--no-shuffle', '--epochs', '2', '--backend', 'jax', '--units', '3'],
  'a plan': ['--shape', '16,5,1', '--stateful', '--plan', `${examples}plan.json`],
  'a failed batch': ['--shape', '1000,5,1', '--batch', '300', '--stateful', '--no-shuffle'],
  'stacked, bidirectional, masked, validation': ['--shape', '100,5,2', '--batch', '10', '--layers', 'lstm:8,gru:4:bidirectional', '--stateful', '--no-shuffle', '--epochs', '3', '--mask-tail', '5', '--mask-fraction', '0.3', '--validation-split', '0.2'],
  'compare stateless': ['--shape', '20,7,1', '--batch', '10', '--stateful', '--no-shuffle', '--epochs', '3', '--reset-every', 'epoch', '--compare-stateless'],
  'many epochs': ['--shape', '20,7,1', '--batch', '10', '--stateful', '--no-shuffle', '--reset-every', 'epoch', '--epochs', '300'],
  'summarised': ['--shape', '3000,1,1', '--batch', '1', '--epochs', '3', '--units', '1'],
  'tf.keras': ['--shape', '20,7,1', '--batch', '10', '--stateful', '--no-shuffle', '--epochs', '2', '--keras', 'tf'],
  'TF.js': ['--shape', '20,7,1', '--batch', '10', '--stateful', '--no-shuffle', '--epochs', '2', '--keras', 'tfjs'],
  'audit a model.json': ['audit', `${examples}model/model.json`, '--data', `${examples}data/x.npy`, '--batch', '2', '--no-shuffle', '--epochs', '2', '--reset-every', 'epoch'],
  'audit a seq2seq': ['audit', `${seq2seq}model.keras`, '--data', `${seq2seq}x.npy`, '--data', `${seq2seq}x2.npy`, '--batch', '3', '--epochs', '2'],
};

/** Every piece of text a reader can see or a tool can read: text nodes and attribute values. */
function texts(html: string): string[] {
  const out: string[] = [];
  for (const m of html.matchAll(/>([^<]+)</g)) out.push(m[1]!);
  for (const m of html.matchAll(/\s[\w-]+="([^"]*)"/g)) out.push(m[1]!);
  return out;
}

describe('--html text', () => {
  it.each(Object.entries(runs))('%s: no undefined, NaN or Infinity; the subtitle is the Totals line', async (_name, args) => {
    const page = await run([...args, '--html', 'r.html', '-q'], { env: { COLUMNS: '2000', NO_COLOR: '1' } });
    expect(page.code, page.stderr).not.toBe(2);
    const html = page.files.get('r.html')!;
    expect(html).toBeDefined();
    const bad = texts(html).filter((t) => /\bundefined\b|\bNaN\b|Infinity|\[object /.test(t));
    expect(bad).toEqual([]);
    const totals = page.stdout.split('\n').find((line) => line.startsWith('Totals ('))!;
    expect(totals).toBeDefined();
    const subtitle = /<p class="muted subtitle">([^<]*)<\/p>/.exec(html)![1]!.replace(/&#39;/g, "'").replace(/&amp;/g, '&').replace(/&quot;/g, '"');
    expect(`Totals (${subtitle})`).toBe(totals);
    // the totals table: the same reset events (zeroing reasons only) and a row for every other start kind the text has
    const cell = (key: string) => new RegExp(`<tr><th>${key}</th><td>([^<]*)</td></tr>`).exec(html)?.[1]?.replace(/&#39;/g, "'");
    const line = (key: string) => new RegExp(`^  ${key} +(\\S.*)$`, 'm').exec(page.stdout)?.[1];
    expect(cell('reset events')).toBe(line('reset events'));
    for (const [text, row] of [['broadcasts', 'broadcasts'], ['restarts', 'restarts'], ['initial_state', 'initial_state'], ['from a layer', 'from a layer'], ['failed', 'failed']] as const) {
      expect(cell(row) !== undefined, row).toBe(line(text) !== undefined);
    }
  });

  it('a plan: a reset has no batch and evaluate/predict no epoch of their own in the titles', async () => {
    const page = await run(['--shape', '16,5,1', '--stateful', '--plan', `${examples}plan.json`, '--html', 'r.html', '-q']);
    const titles = [...page.files.get('r.html')!.matchAll(/<title>([^<]*)<\/title>/g)].map((m) => m[1]!).join('\n');
    expect(titles).not.toMatch(/batch 0\b/);
    expect(titles).not.toMatch(/(evaluate|predict) epoch/);
  });

  it('3,000 epochs: every epoch label drawn, the aggregated stretch wide enough for its own', async () => {
    const page = await run(['--shape', '20,7,1', '--batch', '10', '--stateful', '--no-shuffle', '--reset-every', 'epoch', '--epochs', '3000', '--html', 'r.html', '-q']);
    const labels = [...page.files.get('r.html')!.matchAll(/<text class="epoch-label"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(labels).toEqual(['epoch 1', 'epoch 2', 'epochs 3–2,998', 'epoch 2,999', 'epoch 3,000']);
  });
});
