/**
 * Text that fits: the report, --help and every command's prose fit the terminal's width (80 in a
 * pipe), without box borders; --help groups its options and explains the table's columns; colour
 * follows what --help says about it.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { flat, run } from '../helpers/io.ts';
import { optionGroupOf, optionGroups } from '../../src/commands/help.ts';

const ansi = /\u001b\[[0-9;]*m/g;
const seed = ['--shape', '1000,20,1', '--batch', '200', '--epochs', '15'];
const fixtures = new URL('../fixtures/', import.meta.url).pathname;

/** The longest line, in columns (colour codes do not take any). */
function widest(text: string): number {
  return Math.max(...text.replace(ansi, '').split('\n').map((line) => [...line].length));
}

const reports: Record<string, string[]> = {
  'the seed question': seed,
  'stacked, Bidirectional, validation, stateful': ['--shape', '100,5,2', '--batch', '10', '--layers', 'lstm:8,gru:4:bidirectional', '--stateful', '--no-shuffle', '--validation-split', '0.2', '--reset-every', 'epoch', '--epochs', '3'],
  'a training plan': ['--shape', '8,5,3', '--stateful', '--plan', `${fixtures}plans/stateful-loop.json`],
  'masking, partial batches': ['--shape', '103,6,1', '--batch', '10', '--mask-tail', '2', '--mask-fraction', '0.5', '--epochs', '2'],
  'Keras would raise (stateful, batch 300)': ['--shape', '1000,20,1', '--batch', '300', '--stateful', '--no-shuffle'],
  'an audited model': ['audit', `${fixtures}tfjs-stateful/model.json`, '--data', `${fixtures}npy/f4-3d-v1.npy`, '--batch', '2', '--no-shuffle', '--epochs', '2', '--reset-every', 'epoch'],
};

describe('the report fits the terminal', () => {
  it.each(Object.entries(reports))('%s: every line fits 80 columns in a pipe and 60 on a narrow terminal', async (_name, args) => {
    const piped = await run(args);
    expect(piped.stdout.length).toBeGreaterThan(200);
    expect(widest(piped.stdout)).toBeLessThanOrEqual(80);
    const narrow = await run(args, { isTTY: true, columns: 60 });
    expect(widest(narrow.stdout)).toBeLessThanOrEqual(60);
    // the same report on a terminal of 80 columns: colour only, no borders, the same lines
    const terminal = await run(args, { isTTY: true, columns: 80 });
    expect(terminal.stdout).toMatch(ansi);
    expect(terminal.stdout.replace(ansi, '')).toBe(piped.stdout);
    expect(terminal.stdout).not.toMatch(/[┌┐└┘─│├┤┼]/);
  });

  it('uses a wider terminal, and $COLUMNS in a pipe', async () => {
    const args = reports['stacked, Bidirectional, validation, stateful']!;
    const wide = await run(args, { isTTY: true, columns: 160 });
    expect(widest(wide.stdout)).toBeGreaterThan(80);
    expect(widest(wide.stdout)).toBeLessThanOrEqual(160);
    expect(widest((await run(args, { env: { COLUMNS: '100' } })).stdout)).toBeGreaterThan(80);
  });

  it('one line per event, the header on at most two, and the prose wrapped at word boundaries', async () => {
    const { stdout } = await run([...seed, '--max-rows', '6']);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(/^ #\s+epoch\s+phase\s+batch\s+when\s+reason\s+rows\s+discarded$/);
    expect(lines[1]).toMatch(/^\s+mean\|h\|$/);
    expect(lines.slice(2, 5).every((line) => /^\s*\d+\s+\d+\s+fit\s+\d+\s+before-batch\s+batch-start\s+200\s+\d\.\d{6}$/.test(line))).toBe(true);
    expect(lines[5]).toBe('… 69 more events (--json or --format tsv with --events all lists every event)');
    // no word is cut: the wrapped answer reads as the sentences the core wrote
    const json = JSON.parse((await run([...seed, '--json'])).stdout);
    for (const sentence of json.answer) expect(flat(stdout)).toContain(sentence);
  });

  it('a terminal too narrow for every column leaves some out and says so', async () => {
    const { stdout } = await run(reports['a training plan']!, { isTTY: true, columns: 50 });
    expect(widest(stdout)).toBeLessThanOrEqual(50);
    expect(flat(stdout.replace(ansi, ''))).toMatch(/columns left out to fit 50 columns: [a-z, ]+; --format tsv has them all/);
  });

  it('verify, check and findings fit too', async () => {
    for (const args of [['verify', '--shape', '20,7,1', '--batch', '10', '--bidirectional'], ['check', new URL('../../examples/contract.json', import.meta.url).pathname], ['findings']]) {
      expect(widest((await run(args)).stdout)).toBeLessThanOrEqual(80);
    }
  });
});

describe('--help', () => {
  it.each(['', 'audit', 'verify', 'check', 'findings', 'schema'])('lstm-reset %s --help fits 80 columns', async (command) => {
    const { code, stdout } = await run([...(command ? [command] : []), '--help']);
    expect(code).toBe(0);
    expect(widest(stdout)).toBeLessThanOrEqual(80);
  });

  it('groups the options (data, model, training, output, CI), explains columns, exit codes and colour, and ends with examples', async () => {
    const { stdout } = await run(['--help']);
    const headings = stdout.split('\n').filter((line) => /^[A-Z][A-Za-z' ]+:$/.test(line) || /^[A-Z][a-z' ]+\(.*\):$/.test(line));
    expect(headings).toEqual(['Data:', 'Model:', 'Training:', 'Output:', 'CI:', 'General:', 'Commands:', "The table's columns (one row per event: a reset, or a start that is not one):", 'Exit codes:', 'Examples:']);
    // it ends with the examples
    expect(stdout.trimEnd().split('\n').at(-1)).toBe('  $ lstm-reset verify --shape 20,7,1 --batch 10');
    const section = (name: string) => stdout.slice(stdout.indexOf(`\n${name}\n`), stdout.indexOf('\n\n', stdout.indexOf(`\n${name}\n`) + 1));
    expect(section('Data:')).toContain('--shape <N,T,D>');
    expect(section('Model:')).toContain('--stateful');
    expect(section('Training:')).toContain('--reset-every');
    expect(section('Output:')).toContain('--format <format>');
    expect(section('CI:')).toContain('--expect-resets <N>');
    expect(stdout).toMatch(/\n  when {15}before-batch/);
    expect(stdout).toMatch(/\n  discarded mean\|h\| {2}mean \|h\| of the state thrown away/);
  });

  it('every example in --help runs (from a checkout or the installed package) and exits 0', async () => {
    const { spawnSync } = await import('node:child_process');
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { stdout } = await run(['--help']);
    const examples = stdout
      .slice(stdout.indexOf('\nExamples:\n'))
      .replace(/\\\n\s+/g, '')
      .replace(/\|\n\s+/g, '| ')
      .split('\n')
      .filter((line) => line.startsWith('  $ lstm-reset '))
      .map((line) => line.slice('  $ lstm-reset '.length));
    expect(examples.length).toBeGreaterThanOrEqual(5);
    const root = new URL('../../', import.meta.url).pathname;
    const dir = mkdtempSync(join(tmpdir(), 'lstm-reset-help-'));
    try {
      for (const example of examples) {
        if (example.includes('|')) {
          // a pipeline: through the shell, with the checkout's command
          const script = `lstm-reset() { node "${root}bin/lstm-reset.js" "$@"; }\ncd "${root}"\nlstm-reset ${example}`;
          const result = spawnSync('bash', ['-o', 'pipefail', '-c', script], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
          expect(result.status, `${example}: ${result.stderr}`).toBe(0);
          expect(result.stdout.trim()).toMatch(/^\d+$/);
          continue;
        }
        // the others in-process, paths relative to the checkout
        const args = example.split(/\s+/).map((arg) => (arg === 'report.html' ? join(dir, arg) : arg.startsWith('examples/') ? join(root, arg) : arg));
        const result = await run(args);
        expect(result.code, `${example}: ${result.stderr}`).toBe(0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('knows the group of every option of every command (none falls into General)', async () => {
    for (const command of [[], ['audit'], ['verify'], ['check'], ['findings']]) {
      const lines = (await run([...command, '--help'])).stdout.split('\n');
      const start = lines.indexOf('General:');
      const end = lines.indexOf('', start);
      const terms = lines.slice(start + 1, end).map((line) => line.trim().split(/\s{2,}/)[0]);
      expect(terms.filter((term) => term !== '-V, --version' && term !== '-h, --help'), command.join(' ') || 'lstm-reset').toEqual([]);
    }
    expect(new Set(Object.values(optionGroupOf))).toEqual(new Set(optionGroups));
  });
});

describe('colour follows what --help says', () => {
  const small = ['--shape', '12,3,2', '--batch', '4'];
  // "--no-color, NO_COLOR or TERM=dumb turn it off; --color turns it on anywhere (even with
  // NO_COLOR set); FORCE_COLOR=1 turns it on unless NO_COLOR is set."
  it.each([
    [[], {}, true, true],
    [[], {}, false, false],
    [['--no-color'], {}, true, false],
    [[], { NO_COLOR: '1' }, true, false],
    [[], { TERM: 'dumb' }, true, false],
    [['--color'], {}, false, true],
    [['--color'], { NO_COLOR: '1' }, true, true],
    [[], { FORCE_COLOR: '1' }, false, true],
    [[], { FORCE_COLOR: '1', NO_COLOR: '1' }, false, false],
  ] as const)('flags %j, env %j, terminal %s: colour %s', async (flags, env, isTTY, coloured) => {
    const { stdout } = await run([...small, ...flags], { env: { ...env }, isTTY });
    expect(ansi.test(stdout)).toBe(coloured);
    ansi.lastIndex = 0;
    const { help } = { help: (await run(['--help'])).stdout };
    expect(flat(help)).toContain('--no-color, NO_COLOR or TERM=dumb turn it off; --color turns it on anywhere (even with NO_COLOR set); FORCE_COLOR=1 turns it on unless NO_COLOR is set.');
  });

  it('colours error lines where colour is on for stderr, never otherwise', async () => {
    const bad = ['--shape', '10,2', '--batch', '0'];
    const coloured = await run(bad, { stderrTTY: true });
    expect(coloured.code).toBe(2);
    expect(coloured.stderr).toMatch(/^\u001b\[31m\u001b\[1merror\u001b\[22m\u001b\[39m: option '-b, --batch <size>'/);
    expect(coloured.stderr.replace(ansi, '').split('\n')).toHaveLength(2);
    expect((await run(bad, { stderrTTY: true, env: { NO_COLOR: '1' } })).stderr).toMatch(/^error: /);
    expect((await run(bad)).stderr).toMatch(/^error: /);
    expect((await run([...bad, '--color'])).stderr).toMatch(/^\u001b\[31m/);
  });
});
