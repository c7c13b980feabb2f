/** Every script in examples/ runs as a user would run it and prints what its comments promise. */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { flat } from './helpers/io.ts';

const examples = new URL('../examples/', import.meta.url).pathname;

function runExample(name: string) {
  const result = spawnSync('bash', [`${examples}${name}`], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('examples/', () => {
  it('has a test for every script', () => {
    const scripts = readdirSync(examples).filter((f) => f.endsWith('.sh') && !f.startsWith('_'));
    expect(scripts.sort()).toEqual(['ci-check.sh', 'contract-check.sh', 'one-char-to-one-char.sh', 'pipeline.sh', 'seed-question.sh', 'stateful-continuation.sh']);
  });

  it('seed-question.sh: 5 events per epoch, 200 rows each, 75 and 15,000 in all', () => {
    const { code, stdout } = runExample('seed-question.sh');
    expect(code).toBe(0);
    expect(stdout).toMatch(/reset events\s+75/);
    expect(flat(stdout)).toContain('Per epoch: 5 reset events');
    expect(flat(stdout)).toContain('each zeroing 200 parallel states, so 1,000 sequence starts');
    expect(flat(stdout)).toContain('Over 15 epochs: 75 reset events and 15,000 sequence starts.');
  });

  it('stateful-continuation.sh: one initial zeroing of 10 rows, one carried call', () => {
    const { code, stderr } = runExample('stateful-continuation.sh');
    expect(code).toBe(0);
    expect(stderr).toBe('counts OK: resetEvents=1, rowResets=10, carries=1\n');
  });

  it('one-char-to-one-char.sh: 21 reset events, 480 carries', () => {
    const { code, stderr } = runExample('one-char-to-one-char.sh');
    expect(code).toBe(0);
    expect(stderr).toBe('counts OK: byReason.reset-states=20, resetEvents=21, carries=480\n');
  });

  it('ci-check.sh: the planned runs pass (exit 0) and the batch-300 stateful run is caught (exit 3)', () => {
    const { code, stdout, stderr } = runExample('ci-check.sh');
    expect(code).toBe(0);
    expect(stdout).toBe('stateless plan: exit 0\nstateful plan: exit 0\nstateful with batch 300: exit 3\n');
    // Keras 3's default tensorflow backend: the partial batch has no static size, so the graph fails (§R2)
    expect(stderr).toContain('Incompatible shapes: [100,…] vs. [300,…]');
  });

  it('contract-check.sh: every scenario of contract.json passes (paths relative to the contract)', () => {
    const { code, stdout, stderr } = runExample('contract-check.sh');
    const names: string[] = JSON.parse(readFileSync(`${examples}contract.json`, 'utf8')).scenarios.map((s: { name: string }) => s.name);
    expect(code).toBe(0);
    expect(stdout).toBe(names.map((name) => `PASS  ${name}\n`).join(''));
    expect(stderr).toBe(`check: ${examples}contract.json: all ${names.length} scenarios passed\n`);
  });

  it('pipeline.sh: awk and node read the TSV and JSON', () => {
    const { code, stdout } = runExample('pipeline.sh');
    expect(code).toBe(0);
    expect(stdout).toBe(
      'epoch 1: 1000 rows zeroed\nepoch 2: 1000 rows zeroed\nepoch 3: 1000 rows zeroed\nresetEvents=15 rowResets=3000 batches=15\n',
    );
  });
});

describe('examples/ data', () => {
  it('examples/model, data and plan are the test fixtures they copy (the package ships them; test/ it does not)', () => {
    const fixtures = new URL('../test/fixtures/', import.meta.url).pathname;
    const same = (example: string, fixture: string) => expect(readFileSync(`${examples}${example}`)).toEqual(readFileSync(`${fixtures}${fixture}`));
    same('model/model.json', 'tfjs-stateful/model.json');
    same('model/group1-shard1of1.bin', 'tfjs-stateful/group1-shard1of1.bin');
    same('data/x.npy', 'npy/f4-3d-v1.npy');
    same('plan.json', 'plans/stateful-loop.json');
  });
});

describe('bin/lstm-reset.js, spawned (smoke)', () => {
  const bin = new URL('../bin/lstm-reset.js', import.meta.url).pathname;

  it('runs the seed question from another working directory', () => {
    const out = execFileSync('node', [bin, '--shape', '1000,20,1', '--batch', '200', '--epochs', '15', '--json'], { cwd: '/', encoding: 'utf8' });
    expect(JSON.parse(out).totals.rowResets).toBe(15000);
  });

  it('bad input: exit 2, one line on stderr, nothing on stdout, no stack trace', () => {
    const result = spawnSync('node', [bin, '--shape', '1000,20,1', '--batch', '0'], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      "error: option '-b, --batch <size>' argument '0' is invalid. Batch size must be a whole number ≥ 1, e.g. --batch 32.\n",
    );
  });

  it('| head -1 ends quietly: exit 0, no EPIPE trace', () => {
    const result = spawnSync(
      'bash',
      ['-c', `node ${bin} --shape 200000,1,1 --batch 1 --units 1 --format tsv --events all | head -1; echo "status \${PIPESTATUS[0]}" >&2`],
      { encoding: 'utf8' },
    );
    expect(result.stdout).toBe('index\tplanStep\tepoch\tphase\tbatch\ttiming\treason\tlayer\trows\tstateTensors\tdiscardedMeanAbsH\n');
    expect(result.stderr).toBe('status 0\n');
  });
});
