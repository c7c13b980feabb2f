/**
 * The HTML report in a real browser: headless Chromium (Debian's, driven by playwright-core) loads
 * each report; the reset marks and carried calls counted from the DOM equal the run's
 * totals.resetEvents and totals.carries (from --json of the same run), the findings and their fixes
 * are there, nothing is fetched from the network, and a screenshot of every report is kept in
 * test-artifacts/ (with the load times in test-artifacts/html-reports.json).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type Chromium } from '../helpers/browser.ts';
import { run } from '../helpers/io.ts';

const artifacts = new URL('../../test-artifacts/', import.meta.url).pathname;
const examples = new URL('../../examples/', import.meta.url).pathname;
const seq2seq = new URL('../fixtures/models/k3-seq2seq/', import.meta.url).pathname;
mkdirSync(artifacts, { recursive: true });

/** The runs drawn, by name: their flags. */
const reports = {
  'seed-question': ['--shape', '1000,20,1', '--batch', '200', '--epochs', '15'],
  'stateful-reset-every-epoch': ['--shape', '20,7,1', '--batch', '10', '--stateful', '--no-shuffle', '--epochs', '3', '--reset-every', 'epoch'],
  'validation-contaminated': ['--shape', '1000,20,1', '--batch', '100', '--stateful', '--no-shuffle', '--validation-split', '0.2', '--epochs', '3'],
  'stacked-bidirectional': ['--shape', '100,5,2', '--batch', '10', '--layers', 'lstm:8,gru:4:bidirectional', '--stateful', '--no-shuffle', '--epochs', '3', '--mask-tail', '5', '--mask-fraction', '0.3'],
  'million-batches': ['--shape', '1000,1,1', '--batch', '1', '--epochs', '1000', '--stateful', '--no-shuffle', '--reset-every', 'epoch', '--units', '1'],
  'audit-model': ['audit', `${examples}model/model.json`, '--data', `${examples}data/x.npy`, '--batch', '2', '--no-shuffle', '--epochs', '2', '--reset-every', 'epoch'],
  // a decoder that starts from its encoder's final states (initial_state): not resets, drawn apart
  // a 1-row last batch broadcast into every row (tensorflow, §R2) and JAX's restarts from the stored value (§R1): neither resets nor carries
  'tf-broadcast': ['--shape', '9,4,2', '--batch', '4', '--stateful', '--no-shuffle', '--epochs', '2', '--units', '3'],
  'jax-stored-restarts': ['--shape', '16,4,2', '--batch', '4', '--stateful', '--no-shuffle', '--epochs', '2', '--backend', 'jax', '--units', '3'],
  // a 1-row last batch broadcast into every state row (tensorflow, §R2): its rows hold that one sample
  'broadcast-last-batch': ['--shape', '21,7,1', '--batch', '10', '--stateful', '--no-shuffle', '--epochs', '2'],
  // 200 calls over 100 epochs: the first and last epochs call by call, the 96 between aggregated
  'hundred-epochs': ['--shape', '20,7,1', '--batch', '10', '--stateful', '--no-shuffle', '--reset-every', 'epoch', '--epochs', '100'],
  'plan': ['--shape', '16,5,1', '--stateful', '--plan', `${examples}plan.json`],
  'audit-seq2seq': ['audit', `${seq2seq}model.keras`, '--data', `${seq2seq}x.npy`, '--data', `${seq2seq}x2.npy`, '--batch', '3', '--epochs', '2'],
} as const;

interface Counted {
  resets: number;
  carries: number;
  resetElements: number;
  carryElements: number;
  aggregated: number;
  findings: string[];
  fixes: number;
  sequences: string;
  counterpartResets: number;
  counterpartCarries: number;
  fromLayer: number;
  starts: { broadcast: number; 'not-stored': number; 'initial-state': number };
  /** Each side of the timeline (one, or two side by side): its counts and where it is. */
  sides: { side: string; resets: number; carries: number; box: { x: number; y: number; width: number; height: number } }[];
  pageResets: number;
  pageCarries: number;
  /** Labels above a grid that run into another, and call columns under a pixel wide. */
  overlaps: string[];
  thinColumns: number;
  labels: string[];
  startsByFigure: Record<string, number>[];
  legend: string[];
  text: string;
  loadMs: number;
}

let chromium: Chromium | undefined;
let launchError: unknown;
const loadTimes: Record<string, { bytes: number; loadMs: number }> = {};

beforeAll(async () => {
  // a missing browser fails every test here (counted as failures, not skipped), saying how to install it
  try {
    chromium = await launchChromium();
  } catch (error) {
    launchError = error;
  }
}, 60_000);

afterAll(async () => {
  await chromium?.close();
  writeFileSync(`${artifacts}html-reports.json`, `${JSON.stringify(loadTimes, null, 2)}\n`);
});

const drawn = new Map<string, ReturnType<typeof drawOnce>>();

/** Runs lstm-reset with --html and --json; loads the page in Chromium and counts from its DOM (once per name). */
function draw(name: string, args: readonly string[], extra: readonly string[] = []) {
  if (!drawn.has(name)) drawn.set(name, drawOnce(name, args, extra));
  return drawn.get(name)!;
}

async function drawOnce(name: string, args: readonly string[], extra: readonly string[]) {
  if (!chromium) throw launchError;
  const path = `${artifacts}${name}.html`;
  const cli = await run([...args, ...extra, '--html', path, '--json', '-q']);
  const html = cli.files.get(path);
  expect(html, cli.stderr).toBeDefined();
  writeFileSync(path, html!);
  const doc = JSON.parse(cli.stdout);
  const page = await chromium.browser.newPage();
  const requests: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  const started = Date.now();
  await page.goto(`file://${path}`, { waitUntil: 'load' });
  const loadMs = Date.now() - started;
  // counted in the page (a string: the test's TypeScript transform must not touch it)
  const counted = (await page.evaluate(`(() => {
    const all = (selector) => [...document.querySelectorAll(selector)];
    const sum = (elements) => elements.reduce((n, e) => n + Number(e.getAttribute('data-count')), 0);
    const marks = all('.reset-mark[data-run="main"]');
    const carries = all('.carry[data-run="main"]');
    return {
      resets: sum(marks),
      carries: sum(carries),
      resetElements: marks.length,
      carryElements: carries.length,
      aggregated: all('[data-count]').filter((e) => e.getAttribute('data-count') !== '1').length,
      findings: all('#findings li.finding').map((li) => li.getAttribute('data-code')),
      fixes: all('#findings li.finding .fix').filter((fix) => fix.textContent.length > 10).length,
      sequences: document.querySelector('#sequences').textContent,
      counterpartResets: sum(all('.reset-mark[data-run="counterpart"]')),
      counterpartCarries: sum(all('.carry[data-run="counterpart"]')),
      fromLayer: sum(all('.from-layer-mark[data-run="main"]')),
      starts: Object.fromEntries(['broadcast', 'not-stored', 'initial-state'].map((r) => [r, sum(all('.start-mark[data-run="main"][data-reason="' + r + '"]'))])),
      sides: all('#timeline [data-side]').map((side) => ({
        side: side.getAttribute('data-side'),
        resets: sum([...side.querySelectorAll('.reset-mark')]),
        carries: sum([...side.querySelectorAll('.carry')]),
        box: side.getBoundingClientRect().toJSON(),
      })),
      pageResets: sum(all('.reset-mark')),
      pageCarries: sum(all('.carry')),
      overlaps: all('svg.grid').flatMap((svg) => {
        const boxes = [...svg.querySelectorAll('text.epoch-label, text.phase')].map((t) => ({ text: t.textContent, y: t.getAttribute('y'), box: t.getBBox() }));
        const out = [];
        for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
          const a = boxes[i], b = boxes[j];
          if (a.y === b.y && a.box.x < b.box.x + b.box.width && b.box.x < a.box.x + a.box.width) out.push(a.text + ' / ' + b.text);
        }
        return out;
      }),
      thinColumns: all('#timeline rect.cell').filter((r) => Number(r.getAttribute('width')) < 1).length,
      labels: all('svg.grid text.epoch-label').map((t) => t.textContent),
      // calls by how they start, per layer figure: a column each, an aggregated stretch by its counts
      startsByFigure: all('#timeline figure.layer').map((figure) => {
        const byKind = {};
        for (const col of figure.querySelectorAll('.col[data-start]')) byKind[col.getAttribute('data-start')] = (byKind[col.getAttribute('data-start')] || 0) + 1;
        for (const span of figure.querySelectorAll('.col.span')) for (const part of span.getAttribute('data-starts').split(' ').filter(Boolean)) {
          const [kind, n] = part.split(':');
          byKind[kind] = (byKind[kind] || 0) + Number(n);
        }
        return byKind;
      }),
      legend: all('#timeline .legend span').map((e) => e.textContent),
      text: document.body.innerText,
    };
  })()`)) as Omit<Counted, 'loadMs'>;
  await page.screenshot({ path: `${artifacts}${name}.png`, fullPage: true });
  await page.close();
  loadTimes[name] = { bytes: Buffer.byteLength(html!), loadMs };
  return { doc, html: html!, counted: { ...counted, loadMs }, requests, path };
}

describe('--html: the report in Chromium, checked from its DOM', () => {
  it.each(Object.entries(reports))('%s: reset marks = totals.resetEvents, carries = totals.carries, start marks = the other starts', async (name, args) => {
    const { doc, html, counted, requests, path } = await draw(name, args);
    expect(counted.resets).toBe(doc.totals.resetEvents);
    expect(counted.carries).toBe(doc.totals.carries);
    expect(counted.fromLayer).toBe(doc.totals.fromLayerStarts);
    // the other starts have marks of their own, never reset marks
    expect(counted.starts).toEqual({ broadcast: doc.totals.broadcastStarts, 'not-stored': doc.totals.storedRestarts, 'initial-state': doc.totals.initialStateStarts });
    // one side (no --compare-stateless): it holds every mark on the page
    expect(counted.sides.map((side) => [side.side, side.resets, side.carries])).toEqual([['main', doc.totals.resetEvents, doc.totals.carries]]);
    expect([counted.pageResets, counted.pageCarries]).toEqual([doc.totals.resetEvents, doc.totals.carries]);
    // every call of every layer is drawn with how it starts (a model call is one call of each layer)
    for (const byKind of counted.startsByFigure) expect(Object.values(byKind).reduce((a, b) => a + b, 0)).toBe(doc.totals.batches);
    // one layer: its calls by start are the totals of each kind
    if (counted.startsByFigure.length === 1) {
      const byKind = counted.startsByFigure[0]!;
      expect([byKind.carried ?? 0, byKind.broadcast ?? 0, byKind['not-stored'] ?? 0, byKind['initial-state'] ?? 0, byKind['from-layer'] ?? 0]).toEqual([
        doc.totals.carries,
        doc.totals.broadcastStarts,
        doc.totals.storedRestarts,
        doc.totals.initialStateStarts,
        doc.totals.fromLayerStarts,
      ]);
    }
    // readable: no label runs into another, nothing undefined or NaN in the text
    expect(counted.overlaps).toEqual([]);
    expect(counted.text).not.toMatch(/\bundefined\b|\bNaN\b|Infinity/);
    // the findings, each with its fix
    expect(counted.findings).toEqual(doc.findings.map((f: { code: string }) => f.code));
    expect(counted.fixes).toBe(doc.findings.length);
    // self-contained: the page asked for nothing but itself, and names no outside resource
    expect(requests).toEqual([`file://${path}`]);
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/url\(["']?https?:/i);
    expect(Buffer.byteLength(html)).toBeLessThan(2 * 1024 * 1024);
  }, 120_000);

  it('small runs: one element per reset event and per carried call (nothing aggregated)', async () => {
    const { doc, counted } = await draw('stateful-reset-every-epoch', reports['stateful-reset-every-epoch']);
    expect(counted.aggregated).toBe(0);
    expect(counted.resetElements).toBe(doc.totals.resetEvents);
    expect(counted.carryElements).toBe(doc.totals.carries);
    // 20 windows of 7 in 2 stateful batches of 10: 10 sequences of 14 steps each epoch (3 epochs, a reset after each)
    expect(counted.sequences).toContain('30 sequences of 14 steps (2 windows)');
    expect(counted.sequences).toMatch(/row 0\s*0→10= 14 steps/);
  }, 60_000);

  it('the seed question: every window its own sequence, 15,000 of 20 steps', async () => {
    const { counted } = await draw('seed-question', reports['seed-question']);
    expect(counted.resetElements).toBe(75);
    expect(counted.sequences).toContain('15,000 sequences of 20 steps');
  }, 60_000);

  it('a million batches: summarised, aggregated marks carry their counts, under 2 MB', async () => {
    const { doc, html, counted } = await draw('million-batches', reports['million-batches']);
    expect(doc.totals.batches).toBe(1_000_000);
    expect(counted.aggregated).toBeGreaterThan(0);
    expect(counted.resetElements).toBeLessThan(doc.totals.resetEvents);
    expect(counted.resets).toBe(1001);
    expect(counted.carries).toBe(999_000);
    expect(html).toContain('epochs 3–998');
    expect(Buffer.byteLength(html)).toBeLessThan(2 * 1024 * 1024);
  }, 180_000);

  it('--compare-stateless: the flipped run side by side, its marks equal to that run on its own', async () => {
    const { doc, counted } = await draw('compare-stateless', reports['stateful-reset-every-epoch'], ['--compare-stateless']);
    // the same flags without --stateful and --reset-every, run on their own
    const stateless = JSON.parse((await run(['--shape', '20,7,1', '--batch', '10', '--no-shuffle', '--epochs', '3', '--json'])).stdout);
    expect(counted.counterpartResets).toBe(stateless.totals.resetEvents);
    expect(counted.counterpartCarries).toBe(stateless.totals.carries);
    expect(counted.counterpartResets).toBe(6);
    expect(counted.resets).toBe(4);
    // each side's marks are its run's totals, and the page holds nothing else
    expect(counted.sides.map((side) => [side.side, side.resets, side.carries])).toEqual([
      ['main', doc.totals.resetEvents, doc.totals.carries],
      ['counterpart', stateless.totals.resetEvents, stateless.totals.carries],
    ]);
    expect(counted.pageResets).toBe(doc.totals.resetEvents + stateless.totals.resetEvents);
    expect(counted.pageCarries).toBe(doc.totals.carries + stateless.totals.carries);
    // side by side on a 1,280-pixel window: two columns at the same height, the flipped run on the right
    const [main, flipped] = counted.sides.map((side) => side.box);
    expect(Math.abs(main!.y - flipped!.y)).toBeLessThan(1);
    expect(flipped!.x).toBeGreaterThanOrEqual(main!.x + main!.width);
    expect(counted.overlaps).toEqual([]);
  }, 60_000);

  it('--compare-stateless on a narrow screen: the two runs stacked, the flipped one below', async () => {
    const { path } = await draw('compare-stateless', reports['stateful-reset-every-epoch'], ['--compare-stateless']);
    const page = await chromium!.browser.newPage();
    await page.setViewportSize({ width: 600, height: 900 });
    await page.goto(`file://${path}`, { waitUntil: 'load' });
    const boxes = (await page.evaluate(`[...document.querySelectorAll('#timeline [data-side]')].map((e) => e.getBoundingClientRect().toJSON())`)) as { x: number; y: number; width: number; height: number }[];
    await page.screenshot({ path: `${artifacts}compare-stateless-narrow.png`, fullPage: true });
    await page.close();
    expect(boxes).toHaveLength(2);
    expect(boxes[1]!.y).toBeGreaterThanOrEqual(boxes[0]!.y + boxes[0]!.height);
    expect(boxes[1]!.width).toBeGreaterThan(500);
  }, 60_000);

  it('100 epochs of 2 calls: the first and last epochs drawn call by call, the 96 between aggregated; counts whole', async () => {
    const { doc, counted } = await draw('hundred-epochs', reports['hundred-epochs']);
    expect(doc.totals.batches).toBe(200);
    expect(counted.labels).toEqual(['epoch 1', 'epoch 2', 'epochs 3–98', 'epoch 99', 'epoch 100']);
    expect(counted.aggregated).toBeGreaterThan(0);
    // 101 reset events (the build and one reset_states() per epoch), 100 carries, every one counted
    expect([counted.resets, counted.carries]).toEqual([101, 100]);
    expect(counted.thinColumns).toBe(0);
    expect(counted.text).toContain('the first and last epochs are drawn call by call');
  }, 60_000);

  it('a broadcast 1-row last batch: every row continues with that one sample', async () => {
    const { counted } = await draw('broadcast-last-batch', reports['broadcast-last-batch']);
    // 21 windows in batches of 10: the 21st (sample 20) runs against all 10 rows
    expect(counted.sequences).toMatch(/row 0\s*0→10→20→0→10→20= 42 steps/);
    expect(counted.sequences).toMatch(/row 1\s*1→11→20→1→11→20= 42 steps/);
  }, 60_000);

  it('a plan: the subtitle is the Totals line of the text output', async () => {
    const { html } = await draw('plan', reports.plan);
    const text = await run([...reports.plan, '-q'], { env: { COLUMNS: '2000', NO_COLOR: '1' } });
    const totals = text.stdout.split('\n').find((line) => line.startsWith('Totals ('))!;
    expect(totals).toContain('a plan of 9 steps');
    expect(html).toContain(`<p class="muted subtitle">${totals.slice('Totals ('.length, -1)}</p>`);
  }, 60_000);
});

describe('--html: starts that are neither resets nor carries, counted by hand', () => {
  it('tensorflow, 9 samples in batches of 4 over 2 epochs: 1 reset (the build), 3 carries, 2 broadcast 1-row batches', async () => {
    const { doc, counted } = await draw('tf-broadcast', reports['tf-broadcast']);
    // per epoch 4 + 4 + 1 rows: epoch 1 zeros, carry, broadcast; epoch 2 carry, carry, broadcast
    expect([counted.resets, counted.carries, counted.starts.broadcast]).toEqual([1, 3, 2]);
    expect(doc.totals.rowResets).toBe(4);
  }, 120_000);

  it('JAX jit, 16 samples in batches of 4 over 2 epochs: 1 reset (the build), no carry, 7 restarts from the stored zeros', async () => {
    const { doc, counted } = await draw('jax-stored-restarts', reports['jax-stored-restarts']);
    // 8 fit batches: the first starts from the build's zeros, the other 7 from the value traced at the first (§R1)
    expect([counted.resets, counted.carries, counted.starts['not-stored']]).toEqual([1, 0, 7]);
    expect(doc.totals.rowResets).toBe(4);
  }, 120_000);
});
