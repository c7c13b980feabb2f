/**
 * The files a run writes (--html FILE, --trace FILE) are checked together before any work: two
 * outputs naming one file (however spelled: the same path, ./F and F, a symlink, a hard link) or
 * both asking for stdout are refused with one line naming both flags, exit 2, nothing written;
 * /dev/stdout (and /dev/fd/1, /proc/self/fd/1) means the same as "-".
 */
import { linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from './helpers/io.ts';

const dir = mkdtempSync(join(tmpdir(), 'lstm-reset-outputs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const at = (name: string) => join(dir, name);
writeFileSync(at('old.html'), 'old report\n');
linkSync(at('old.html'), at('hard.json'));
symlinkSync('target.html', at('link.json'));
mkdirSync(at('sub'));

const small = ['--shape', '20,7,1', '--batch', '10'];
const listing = () => readdirSync(dir).sort();

describe('two outputs naming one file are refused before the run', () => {
  it.each([
    ['the same path', at('r.html'), at('r.html'), /^error: --html and --trace both name .*r\.html; give them different files\.\n$/],
    ['./F and F', `${dir}/./r.html`, at('r.html'), /^error: --html .*\/\.\/r\.html and --trace .*r\.html name the same file; give them different files\.\n$/],
    ['sub/../F and F', `${dir}/sub/../r.html`, at('r.html'), /name the same file/],
    ['a symlink and its (new) target', at('target.html'), at('link.json'), /^error: --html .*target\.html and --trace .*link\.json name the same file/],
    ['two hard links of one file', at('old.html'), at('hard.json'), /^error: --html .*old\.html and --trace .*hard\.json name the same file/],
    ['stdout twice', '/dev/stdout', '-', /^error: --html \/dev\/stdout and --trace - both want stdout; write one of them to a file\.\n$/],
    ['stdout twice, as descriptors', '/proc/self/fd/1', '/dev/fd/1', /both want stdout/],
  ])('%s: exit 2, one line naming both flags, nothing written', async (_what, html, trace, message) => {
    const before = listing();
    const { code, stdout, stderr } = await run([...small, '--html', html, '--trace', trace], { realFiles: true });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
    expect(listing()).toEqual(before);
    expect(readFileSync(at('old.html'), 'utf8')).toBe('old report\n');
  });

  it('before any work: the clash is reported, not the missing --data file or model read later', async () => {
    const data = await run(['--data', at('missing.npy'), '--html', at('r.html'), '--trace', at('r.html')], { realFiles: true });
    expect(data.stderr).toMatch(/^error: --html and --trace both name/);
    const audit = await run(['audit', at('missing.keras'), '--samples', '4', '--html', at('r.html'), '--trace', `${dir}/./r.html`], { realFiles: true });
    expect(audit.code).toBe(2);
    expect(audit.stderr).toMatch(/^error: --html .* and --trace .* name the same file; give them different files\.\n$/);
  });

  it('different files, and /dev/null twice, are fine', async () => {
    const both = await run([...small, '-q', '--html', at('a.html'), '--trace', at('a.json')], { realFiles: true });
    expect(both.code).toBe(0);
    expect(readFileSync(at('a.html'), 'utf8')).toMatch(/^<!doctype html>/);
    expect(JSON.parse(readFileSync(at('a.json'), 'utf8')).format).toBe('lstm-reset-trace');
    const discard = await run([...small, '-q', '--html', '/dev/null', '--trace', '/dev/null'], { realFiles: true });
    expect(discard.code).toBe(0);
  });
});

describe('/dev/stdout names standard output: the same as -', () => {
  it.each(['/dev/stdout', '/dev/fd/1', '/proc/self/fd/1', '//dev/./stdout'])('--html %s prints the page instead of the report', async (path) => {
    const viaPath = await run([...small, '-q', '--html', path], { realFiles: true });
    const viaDash = await run([...small, '-q', '--html', '-']);
    expect(viaPath.code).toBe(0);
    expect(viaPath.stdout).toMatch(/^<!doctype html>/);
    // the same page; only the command line it shows differs
    const withoutCommand = (html: string) => html.replace(/<div class="command mono">.*?<\/div>/, '');
    expect(withoutCommand(viaPath.stdout)).toBe(withoutCommand(viaDash.stdout));
    expect(viaPath.stdout).toContain(`<span>${path}</span></div>`);
  });

  it('--trace /dev/stdout prints the trace instead of the report', async () => {
    const viaPath = await run([...small, '--trace', '/dev/stdout'], { realFiles: true });
    const viaDash = await run([...small, '--trace', '-']);
    expect(viaPath.code).toBe(0);
    expect(viaPath.stdout).toBe(viaDash.stdout);
    expect(JSON.parse(viaPath.stdout).format).toBe('lstm-reset-trace');
  });
});

describe('where the files went: one stderr line per file written, after the report', () => {
  it('"wrote FILE (N KB)" for --trace and --html, N the size rounded up; none with -q or for stdout', async () => {
    const html = at('w.html');
    const trace = at('w.json');
    const { code, stdout, stderr } = await run([...small, '--html', html, '--trace', trace], { realFiles: true });
    expect(code).toBe(0);
    const kb = (path: string) => Math.ceil(readFileSync(path).length / 1024);
    expect(stderr).toBe(`wrote ${trace} (${kb(trace)} KB)\nwrote ${html} (${kb(html)} KB)\n`);
    expect(stdout).toMatch(/No findings\.\n$/);
    expect((await run([...small, '-q', '--html', html, '--trace', trace], { realFiles: true })).stderr).toBe('');
    expect((await run([...small, '--html', '-'])).stderr).toBe('');
  });
});
