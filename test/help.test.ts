/**
 * Everything the help prints fits 80 columns (in a pipe, where nothing says otherwise): the bare
 * usage, --help of the program and of every command, `help help`, and the errors of a command run
 * bare. Every command's help ends with examples that run as shown; files of lstm-reset's own
 * examples are named where this installation keeps them (test/package.test.ts runs the audit
 * example from an installed tarball).
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { commandExamples } from '../src/commands/help.ts';
import { run } from './helpers/io.ts';

const commands = ['verify', 'audit', 'schema', 'check', 'findings'];
const width = (line: string) => [...line].length;

describe('help fits 80 columns', () => {
  it.each([
    [[]],
    [['--help']],
    [['-h']],
    [['help']],
    [['help', 'help']],
    ...commands.flatMap((command) => [[['help', command]], [[command, '--help']]]),
    [['verify']],
    [['audit']],
    [['check']],
    [['--batch', '10']],
  ])('lstm-reset %j', async (args) => {
    const { stdout, stderr } = await run(args as string[]);
    const lines = `${stdout}${stderr}`.split('\n');
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) expect(width(line), line).toBeLessThanOrEqual(80);
  });

  it('help help explains help; bare lstm-reset prints the short usage', async () => {
    expect((await run(['help', 'help'])).stdout).toMatch(/^Usage: lstm-reset help \[COMMAND\]\n/);
    expect((await run([])).stdout).toMatch(/^Usage: lstm-reset --shape N,T\[,D\]/);
  });
});

/** The "$ lstm-reset …" commands of a help text, continuation lines joined, comments dropped. */
function examplesOf(help: string): string[][] {
  const text = help.slice(help.lastIndexOf('Examples:\n'));
  const joined = text.replace(/ \\\n\s+/g, ' ').replace(/ \|\n\s+/g, ' | ');
  return [...joined.matchAll(/^ {2}\$ lstm-reset (.*)$/gm)].map((m) => {
    const words = m[1]!.replace(/\s+#.*$/, '').replace(/\s*[>|].*$/, '').trim();
    return words.split(/\s+/).map((word) => word.replace(/^~\//, `${homedir()}/`));
  });
}

describe('every command has examples that run', () => {
  it.each(commands)('lstm-reset help %s: 2 or 3 examples, each runs (exit 0) when its files exist', async (command) => {
    const { stdout } = await run(['help', command]);
    const examples = examplesOf(stdout);
    expect(examples.length).toBeGreaterThanOrEqual(2);
    expect(examples.length).toBeLessThanOrEqual(3);
    let ran = 0;
    for (const args of examples) {
      expect(args[0]).toBe(command);
      // a file of the user's own (model.keras, contract.json) is not here
      const files = args.filter((arg) => /\.(keras|h5|json|npy)$/.test(arg));
      if (!files.every((file) => existsSync(file))) continue;
      const result = await run(args);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
      ran++;
    }
    expect(ran).toBeGreaterThanOrEqual(1);
  });

  it('the audit and check examples name the shipped files by an absolute (or ~) path, not relative to a checkout', async () => {
    const examples = commandExamples({ HOME: homedir() });
    for (const line of [...examples.audit!, ...examples.check!, ...examples['']!].filter((e) => e.includes('examples/'))) {
      expect(line).toMatch(/ (\/|~\/)\S*examples\/(model\/model|contract)\.json/);
    }
    expect(examples.audit!.some((line) => line.includes('examples/model/model.json'))).toBe(true);
  });

  it('the main help examples run too', async () => {
    const { stdout } = await run(['--help']);
    const examples = examplesOf(stdout).filter((args) => !args.includes('--html'));
    expect(examples.length).toBeGreaterThanOrEqual(4);
    // verify takes no -q
    for (const args of examples) expect((await run(args[0] === 'verify' ? args : [...args, '-q'])).code, args.join(' ')).toBe(0);
  });
});
