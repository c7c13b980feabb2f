/**
 * `lstm-reset check CONTRACT.json`: the example contract passes; a wrong expectation fails with exit 1
 * and says what differed; a bad contract file is exit 2 with one line naming the file and the JSON
 * path of the problem; a scenario with bad arguments fails on its own, not the whole check.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { resolveScenarioArgs } from '../src/commands/check.ts';
import { run } from './helpers/io.ts';


const exampleContract = new URL('../examples/contract.json', import.meta.url).pathname;
const folder = mkdtempSync(join(tmpdir(), 'lstm-reset-check-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

let files = 0;
/** Writes a contract (an object, or raw text) into the temporary folder and returns its path. */
function contractFile(contract: unknown): string {
  const path = join(folder, `contract-${++files}.json`);
  writeFileSync(path, typeof contract === 'string' ? contract : JSON.stringify(contract));
  return path;
}

const seed = ['--shape', '1000,20,1', '--batch', '200', '--epochs', '15'];

describe('the example contract', () => {
  const scenarios: { name: string; expect: { exitCode?: number } }[] = JSON.parse(readFileSync(exampleContract, 'utf8')).scenarios;
  const names = scenarios.map((s) => s.name);

  it('passes: exit 0, one PASS row per scenario, a summary on stderr', async () => {
    const { code, stdout, stderr } = await run(['check', exampleContract]);
    expect(code).toBe(0);
    const rows = stdout.trimEnd().split('\n');
    expect(rows).toHaveLength(names.length);
    rows.forEach((row, i) => expect(row).toBe(`PASS  ${names[i]}`));
    expect(stderr).toBe(`check: ${exampleContract}: all ${names.length} scenarios passed\n`);
  });

  it('--json -q: { contract, scenarios, passed, failed }, nothing on stderr', async () => {
    const { code, stdout, stderr } = await run(['check', exampleContract, '--json', '-q']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const report = JSON.parse(stdout);
    expect(report).toEqual({
      contract: exampleContract,
      scenarios: scenarios.map(({ name, expect: wanted }) => ({ name, passed: true, failures: [], exitCode: wanted.exitCode ?? 0 })),
      passed: names.length,
      failed: 0,
    });
  });

  it('colour only when asked for', async () => {
    expect((await run(['check', exampleContract, '--color', '-q'])).stdout).toContain('\u001b[32mPASS\u001b[39m');
    expect((await run(['check', exampleContract, '-q'], { env: { FORCE_COLOR: '1' }, isTTY: true })).stdout).toContain('\u001b[');
    expect((await run(['check', exampleContract, '-q'], { isTTY: true, env: { NO_COLOR: '1' } })).stdout).not.toContain('\u001b[');
  });
});

describe('failing scenarios: exit 1 and what differed', () => {
  it('a wrong count, a missing finding and an unexpected exit code', async () => {
    const path = contractFile({
      scenarios: [
        { name: 'seed', args: seed, expect: { totals: { resetEvents: 75, rowResets: 15000 } } },
        { name: 'off by one', args: seed, expect: { totals: { resetEvents: 74, 'perEpoch.14.rowResets': 1000 } } },
        { name: 'missing finding', args: seed, expect: { findings: ['stateful-shuffle'] } },
        { name: 'batch 300', args: ['--shape', '1000,20,1', '--batch', '300', '--stateful', '--no-shuffle'], expect: { findings: ['stateful-partial-batch'] } },
      ],
    });
    const { code, stdout, stderr } = await run(['check', path]);
    expect(code).toBe(1);
    expect(stdout).toBe(
      [
        'PASS  seed',
        'FAIL  off by one       expected resetEvents=74, counted 75',
        'FAIL  missing finding  missing finding stateful-shuffle',
        'FAIL  batch 300        exit 3 (error finding stateful-partial-batch), expected 0',
        '',
      ].join('\n'),
    );
    expect(stderr).toBe(`check: ${path}: 3 of 4 scenarios failed\n`);
  });

  it('--json lists the failures of each scenario and the exit codes', async () => {
    const path = contractFile({
      scenarios: [
        { name: 'ok', args: seed, expect: { totals: { resetEvents: 75 } } },
        { name: 'wrong', args: seed, expect: { totals: { resetEvents: 5, 'byReason.batch-start': 75 }, exitCode: 0 } },
      ],
    });
    const { code, stdout } = await run(['check', path, '--json', '-q']);
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toEqual({
      contract: path,
      scenarios: [
        { name: 'ok', passed: true, failures: [], exitCode: 0 },
        { name: 'wrong', passed: false, failures: ['expected resetEvents=5, counted 75'], exitCode: 0 },
      ],
      passed: 1,
      failed: 1,
    });
  });

  it('noOtherFindings, completed and unknown totals', async () => {
    const path = contractFile({
      scenarios: [
        { name: 'others', args: ['--shape', '20,7,1', '--batch', '10', '--stateful', '--no-shuffle'], expect: { noOtherFindings: true } },
        { name: 'completes', args: seed, expect: { completed: false } },
        { name: 'stops', args: ['--shape', '1000,20,1', '--batch', '300', '--stateful', '--no-shuffle'], expect: { exitCode: 3, completed: true } },
        { name: 'no such total', args: seed, expect: { totals: { resetEvent: 75, 'perEpoch.15.rowResets': 1000 } } },
      ],
    });
    const { code, stdout } = await run(['check', path, '--json', '-q']);
    expect(code).toBe(1);
    const failures = JSON.parse(stdout).scenarios.map((s: { failures: string[] }) => s.failures);
    expect(failures).toEqual([
      ['unexpected finding state-never-reset (info)'],
      ['the run completed, expected it to stop early'],
      ['the run stopped early (after 0 of 1 epoch), expected it to complete'],
      [
        'no total resetEvent (use a number under "totals" in --json, e.g. resetEvents, byReason.batch-start, perEpoch.0.rowResets)',
        'no total perEpoch.15.rowResets (use a number under "totals" in --json, e.g. resetEvents, byReason.batch-start, perEpoch.0.rowResets)',
      ],
    ]);
  });

  it('a scenario whose arguments are bad usage fails with its stderr line; the others still run', async () => {
    const path = contractFile({
      scenarios: [
        { name: 'batch 0', args: ['--shape', '1000,20,1', '--batch', '0'] },
        { name: 'two formats', args: ['--shape', '10,2', '--format', 'tsv'] },
        { name: 'no model', args: ['audit', 'no-such-model.json', '--samples', '3'] },
        { name: 'fine', args: seed },
      ],
    });
    const { code, stdout } = await run(['check', path, '--json', '-q']);
    expect(code).toBe(1);
    const report = JSON.parse(stdout);
    expect(report.scenarios[0]).toEqual({
      name: 'batch 0',
      passed: false,
      exitCode: 2,
      failures: ["error: option '-b, --batch <size>' argument '0' is invalid. Batch size must be a whole number ≥ 1, e.g. --batch 32."],
    });
    expect(report.scenarios[1].failures).toEqual(['error: --json, --format and --plain ask for different outputs (json, tsv); give only one.']);
    // the model path is resolved against the contract's folder
    expect(report.scenarios[2].failures[0]).toMatch(new RegExp(`^error: audit: cannot read ${join(folder, 'no-such-model.json')}: no such file`));
    expect(report.scenarios[3]).toEqual({ name: 'fine', passed: true, failures: [], exitCode: 0 });
  });

  it("--expect flags inside args: exit 1 is a failure unless expected, with the run's own message", async () => {
    const path = contractFile({
      scenarios: [
        { name: 'own expect', args: [...seed, '--expect-resets', '70'] },
        { name: 'expected to fail', args: [...seed, '--expect-resets', '70'], expect: { exitCode: 1 } },
      ],
    });
    const { stdout } = await run(['check', path, '--json', '-q']);
    const [first, second] = JSON.parse(stdout).scenarios;
    expect(first.failures).toEqual(['exit 1 (expected resetEvents=70, counted 75 (stateless, 1000 samples / batch 200 × 15 epochs)), expected 0']);
    expect(second.passed).toBe(true);
  });
});

describe('paths and standard input', () => {
  it('resolves --data, --plan, --trace (also as --flag=FILE) and the audited model against the contract folder', () => {
    expect(resolveScenarioArgs(['audit', 'm.json', '--data', 'x.npy', '--plan=p.json', '--trace', '-', '--keras', 'tf'], 'ci')).toEqual([
      'audit',
      'ci/m.json',
      '--data',
      'ci/x.npy',
      '--plan=ci/p.json',
      '--trace',
      '-',
      '--keras',
      'tf',
    ]);
    expect(resolveScenarioArgs(['--plan', '/abs/p.json', '--shape', 'a.json'], 'ci')).toEqual(['--plan', '/abs/p.json', '--shape', 'a.json']);
    expect(resolveScenarioArgs(['--plan', '../plans/p.json'], 'ci/contracts')).toEqual(['--plan', 'ci/plans/p.json']);
    expect(resolveScenarioArgs(['--plan', 'p.json'], '.')).toEqual(['--plan', 'p.json']);
  });

  it('--trace FILE is written relative to the contract', async () => {
    const path = contractFile({ scenarios: [{ name: 'traced', args: ['--shape', '4,2,1', '--batch', '2', '--trace', 'trace.json'] }] });
    const result = await run(['check', path, '-q']);
    expect(result.code).toBe(0);
    expect(result.files.has(join(folder, 'trace.json'))).toBe(true);
  });

  it('--html FILE and --weights FILE are relative to the contract too, like --trace (not to the working folder)', async () => {
    expect(resolveScenarioArgs(['audit', 'm.json', '--weights', 'w.h5', '--html', 'r.html', '--html=s.html'], 'ci')).toEqual([
      'audit', 'ci/m.json', '--weights', 'ci/w.h5', '--html', 'ci/r.html', '--html=ci/s.html',
    ]);
    const path = contractFile({ scenarios: [{ name: 'drawn', args: ['--shape', '4,2,1', '--batch', '2', '--html', 'report.html', '--trace', 'drawn.json'] }] });
    const result = await run(['check', path, '-q']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.files.has(join(folder, 'report.html'))).toBe(true);
    expect(result.files.has(join(folder, 'drawn.json'))).toBe(true);
    expect([...result.files.keys()].filter((file) => file.endsWith('report.html'))).toEqual([join(folder, 'report.html')]);
  });

  it('a scenario reading standard input (--plan -, --data -) is refused: a contract is a file of record', async () => {
    for (const args of [
      ['--shape', '8,5,3', '--stateful', '--plan', '-'],
      ['--data', '-', '--batch', '2'],
      ['--shape', '8,5,3', '--plan=-'],
    ]) {
      const path = contractFile({ scenarios: [{ name: 'fine', args: seed }, { name: 'from stdin', args }] });
      const { code, stdout, stderr } = await run(['check', path, '-q'], { stdin: '[]' });
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toMatch(/^error: check: .*: scenario "from stdin" \(scenarios\[1\]\) reads standard input \(--(plan|data) -\); save it to a file beside the contract and give its path\.\n$/);
    }
  });

  it('a contract from a pipe (process substitution, -) runs, its relative paths taken from the current directory', async () => {
    const contract = JSON.stringify({ scenarios: [{ name: 'plan', args: ['--shape', '8,5,3', '--stateful', '--plan', 'test/fixtures/plans/stateful-loop.json'], expect: { totals: { resetEvents: 5 } } }] });
    const { code, stdout } = await run(['check', '-', '-q'], { stdin: contract });
    expect(code).toBe(0);
    expect(stdout).toBe('PASS  plan\n');
  });
});

describe('a bad contract file: exit 2, one line naming the file and the problem, nothing on stdout', () => {
  const cases: [string, unknown, RegExp][] = [
    ['not JSON', '{"scenarios": [', /: is not valid JSON (at line \d+ column \d+ )?\(expected a contract\)/],
    ['empty', '', /: is empty \(expected a contract\)/],
    ['a list', [], /invalid contract at \(top level\): Invalid input: expected object, received array/],
    ['no scenarios', { scenarios: [] }, /invalid contract at scenarios: /],
    ['a missing name', { scenarios: [{ args: seed }] }, /invalid contract at scenarios\[0\]\.name: required key is missing/],
    ['an unknown key', { scenarios: [{ name: 'a', args: seed, expect: { total: { resetEvents: 75 } } }] }, /invalid contract at scenarios\[0\]\.expect: Unrecognized key: "total"/],
    ['exit code 2', { scenarios: [{ name: 'a', args: seed, expect: { exitCode: 2 } }] }, /invalid contract at scenarios\[0\]\.expect\.exitCode: expected 0, 1 or 3/],
    ['a bad totals key', { scenarios: [{ name: 'a', args: seed, expect: { totals: { 'perEpoch..0': 1 } } }] }, /invalid contract at scenarios\[0\]\.expect\.totals\["perEpoch\.\.0"\]: "perEpoch\.\.0" is not a dotted key/],
    ['a string count', { scenarios: [{ name: 'a', args: seed, expect: { totals: { resetEvents: '75' } } }] }, /invalid contract at scenarios\[0\]\.expect\.totals\.resetEvents: Invalid input: expected number, received string/],
    ['a duplicate name', { scenarios: [{ name: 'a', args: seed }, { name: 'a', args: seed }] }, /invalid contract at scenarios\[1\]\.name: duplicate scenario name "a"/],
    ['audit without a model', { scenarios: [{ name: 'a', args: ['audit', '--samples', '4'] }] }, /invalid contract at scenarios\[0\]\.args\[1\]: give the model file right after "audit"/],
    ['a recursive check', { scenarios: [{ name: 'a', args: ['check', 'other.json'] }] }, /invalid contract at scenarios\[0\]\.args\[0\]: a scenario runs the main command or audit, not "check"/],
  ];

  it.each(cases)('%s', async (_name, contract, message) => {
    const path = contractFile(contract);
    const { code, stdout, stderr } = await run(['check', path]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.split('\n')).toHaveLength(2);
    expect(stderr.startsWith(`error: check: ${path}: `)).toBe(true);
    expect(stderr).toMatch(message);
  });

  it('a missing file', async () => {
    const { code, stdout, stderr } = await run(['check', join(folder, 'nope.json')]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(`error: check: cannot read ${join(folder, 'nope.json')}: no such file; give a contract JSON file (lstm-reset schema contract).\n`);
  });

  it('a directory', async () => {
    const { code, stderr } = await run(['check', folder]);
    expect(code).toBe(2);
    expect(stderr).toBe(`error: check: cannot read ${folder}: it is a directory; give a contract JSON file (lstm-reset schema contract).\n`);
  });

  it('no contract argument', async () => {
    const { code, stdout, stderr } = await run(['check']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe("error: missing required argument 'contract'; see lstm-reset help check\n");
  });
});
