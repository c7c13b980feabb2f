/**
 * --html on the command line (in-process; the page itself is checked in Chromium by html.test.ts):
 * the file rules (opened before the run, nothing written or half-written on failure), --html - on
 * stdout, the flags it conflicts with, and that a plain run does not load the HTML renderer.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../helpers/io.ts';

const small = ['--shape', '20,7,1', '--batch', '10', '--stateful', '--no-shuffle', '--epochs', '2', '--reset-every', 'epoch'];

describe('--html FILE', () => {
  it('writes the page and leaves the report on stdout as it was', async () => {
    const plain = await run(small);
    const { code, stdout, stderr, files } = await run([...small, '--html', 'report.html']);
    expect(code).toBe(0);
    expect(stderr).toMatch(/^wrote report\.html \(\d+ KB\)\n$/);
    expect(stdout).toBe(plain.stdout);
    expect(files.get('report.html')).toMatch(/^<!doctype html>\n<html lang="en">/);
  });

  it('with --json: the document is whole and the same as without --html', async () => {
    const { stdout, files } = await run([...small, '--json', '--html', 'r.html']);
    expect(JSON.parse(stdout)).toEqual(JSON.parse((await run([...small, '--json'])).stdout));
    expect(files.has('r.html')).toBe(true);
  });

  it('an unwritable path: exit 2, one line naming --html, nothing on stdout', async () => {
    const { code, stdout, stderr } = await run([...small, '--html', 'nowhere/r.html'], { unwritable: 'nowhere/r.html' });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe('error: --html: cannot write nowhere/r.html: no such directory; give a writable file path, or - for stdout.\n');
  });

  it('a write that fails: exit 4, the old file untouched, no temporary file left', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lstm-reset-html-'));
    try {
      const path = join(dir, 'r.html');
      writeFileSync(path, 'the old report\n');
      const { code, stdout, stderr } = await run([...small, '--html', path], { realFiles: true, fileWriteFails: 'ENOSPC' });
      expect(code).toBe(4);
      expect(stdout).toBe('');
      expect(stderr).toMatch(/^error: --html: cannot write .*r\.html: .*; nothing was written to it\.\n$/);
      expect(readFileSync(path, 'utf8')).toBe('the old report\n');
      expect(readdirSync(dir)).toEqual(['r.html']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--html - prints the page instead of the report', async () => {
    const { code, stdout } = await run([...small, '--html', '-']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^<!doctype html>/);
    expect(stdout.trimEnd()).toMatch(/<\/html>$/);
  });

  it.each([
    [['--compare-stateless'], 'error: --compare-stateless draws in the HTML report; add --html FILE.\n'],
    [['--html', 'r.html', '--count-only'], 'error: --html draws the forward pass call by call; drop --count-only.\n'],
    [['--html', '-', '--trace', '-'], 'error: --html - and --trace - both want stdout; write one of them to a file.\n'],
    [['--html', '-', '--json'], 'error: --html - prints the HTML page on stdout instead of the report, so --json has nothing to format; drop --json, or give --html FILE.\n'],
  ])('%j is refused: exit 2, one line', async (flags, message) => {
    const { code, stdout, stderr } = await run([...small, ...flags]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(message);
  });

  it('audit … --html draws the audited model, its layers named as in the file', async () => {
    const examples = new URL('../../examples/', import.meta.url).pathname;
    const { code, files } = await run(['audit', `${examples}model/model.json`, '--samples', '6', '--batch', '2', '--no-shuffle', '--html', 'a.html', '-q']);
    expect(code).toBe(0);
    const html = files.get('a.html')!;
    expect(html).toContain('data-layer="lstm"');
    expect(html).toContain('data-layer="gru"');
    expect(html).toContain('Model: ');
  });
});

describe('the HTML renderer loads only for --html', () => {
  // which modules of the bundle a run loads, seen through a module-resolution hook
  const bundle = new URL('../../dist/cli.js', import.meta.url).pathname;
  const marker = 'When is the state reset?';
  const resolveHook = "import { appendFileSync } from 'node:fs'; export async function resolve(specifier, context, next) { const resolved = await next(specifier, context); appendFileSync(process.env.LOADED, resolved.url + '\\n'); return resolved; }";
  const hooks = `data:text/javascript,${encodeURIComponent(`import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(resolveHook)}`)});`)}`;

  function loaded(args: readonly string[]): string[] {
    const dir = mkdtempSync(join(tmpdir(), 'lstm-reset-loaded-'));
    try {
      const list = join(dir, 'loaded.txt');
      const result = spawnSync('node', ['--import', hooks, bundle, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, LOADED: list } });
      expect(result.status, result.stderr).toBe(0);
      return readFileSync(list, 'utf8').trim().split('\n').filter((url) => url.startsWith('file:'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('a plain run does not load it; --html does (the bundle npm install builds)', () => {
    expect(existsSync(bundle), 'dist/cli.js: run npm install or npm run build').toBe(true);
    const withMarker = (urls: string[]) => urls.filter((url) => readFileSync(new URL(url), 'utf8').includes(marker));
    expect(withMarker(loaded([...small, '-q']))).toEqual([]);
    expect(withMarker(loaded([...small, '-q', '--html', 'r.html']))).toHaveLength(1);
  });
});

describe('the command box', () => {
  it('holds the command line word by word (each word unbroken, the box wrapping between words)', async () => {
    const { stdout } = await run([...small, '--no-shuffle', '--html', '-']);
    const box = /<div class="command mono">(.*?)<\/div>/.exec(stdout)![1]!;
    expect(box).toMatch(/^<span>lstm-reset<\/span> <span>--shape<\/span> /);
    expect(box.replace(/<\/?span>/g, '')).toBe(`lstm-reset ${[...small, '--no-shuffle', '--html', '-'].join(' ')}`);
    expect(stdout).toMatch(/\.command \{[^}]*white-space: pre-wrap[^}]*\}\n\.command span \{ white-space: nowrap; \}/);
  });
});
