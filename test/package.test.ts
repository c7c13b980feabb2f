/**
 * The package installs as the README documents: `npm pack` in a checkout, then `npm install -g` of
 * the tarball into a temporary prefix, and every README command run against the installed binary
 * (its output blocks must match what it prints), the examples, and the steps of
 * examples/ci-workflow.yml in a repository that holds the tarball.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;
const packageJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  license: string;
  files: string[];
  dependencies: Record<string, string>;
};
const work = mkdtempSync(join(tmpdir(), 'lstm-reset-pack-'));
const prefix = join(work, 'prefix');
const installed = join(prefix, 'bin', 'lstm-reset');
let tarball = '';
let installWarnings = '';

/** npm with the temporary global prefix, the registry only for what the cache lacks. */
function npm(args: string[], cwd: string, env: Record<string, string> = {}) {
  return spawnSync('npm', [...args, '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, npm_config_prefix: prefix, npm_config_update_notifier: 'false', ...env },
  });
}

beforeAll(() => {
  // a copy of the checkout's package sources (what a clean clone has), so packing rebuilds dist/
  // there and never touches the dist/ that other tests are running
  const stage = join(work, 'checkout');
  mkdirSync(stage);
  for (const entry of ['package.json', 'package-lock.json', 'README.md', 'LICENSE', 'bin', 'src', 'scripts', 'examples']) {
    cpSync(join(root, entry), join(stage, entry), { recursive: true });
  }
  symlinkSync(join(root, 'node_modules'), join(stage, 'node_modules'));
  const packed = npm(['pack', '--json', '--pack-destination', work], stage);
  expect(packed.status, packed.stderr).toBe(0);
  tarball = join(work, (JSON.parse(packed.stdout) as { filename: string }[])[0]!.filename);
  const install = npm(['install', '-g', tarball], work);
  expect(install.status, install.stderr).toBe(0);
  installWarnings = install.stderr;
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('npm pack, then npm install -g of the tarball', () => {
  it('packs the built CLI, bin, the examples, README and LICENSE, and nothing of the sources', () => {
    const files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).trim().split('\n');
    expect(tarball.endsWith(`${packageJson.name}-${packageJson.version}.tgz`)).toBe(true);
    for (const file of ['dist/cli.js', 'bin/lstm-reset.js', 'LICENSE', 'README.md', 'package.json', 'examples/contract.json', 'examples/ci-workflow.yml', 'examples/model/model.json', 'examples/data/x.npy', 'examples/plan.json']) {
      expect(files).toContain(`package/${file}`);
    }
    expect(files.filter((file) => /^package\/(src|test|node_modules|scripts)\//.test(file))).toEqual([]);
  });

  it('installs without a warning: the packed package.json has no install script (dist/ is built)', () => {
    // npm 11 warns "install scripts not yet covered by allowScripts" for preinstall/install/postinstall/prepare
    expect(installWarnings).not.toMatch(/npm warn/i);
    const packed = JSON.parse(execFileSync('tar', ['xzOf', tarball, 'package/package.json'], { encoding: 'utf8' })) as { scripts?: Record<string, string> };
    const lifecycle = Object.keys(packed.scripts ?? {}).filter((name) => /^(pre|post)?(install|prepare)$/.test(name));
    expect(lifecycle).toEqual([]);
  });

  it('declares the MIT licence it ships, and needs neither tsx nor a build at run time', () => {
    expect(packageJson.license).toBe('MIT');
    expect(readFileSync(join(root, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n/);
    expect(Object.keys(packageJson.dependencies)).not.toContain('tsx');
    const globalModules = execFileSync('npm', ['root', '-g'], { encoding: 'utf8', env: { ...process.env, npm_config_prefix: prefix } }).trim();
    const tree = readdirSync(join(globalModules, 'lstm-reset', 'node_modules'));
    expect(tree).not.toContain('tsx');
    expect(tree).not.toContain('esbuild');
  });

  it('puts lstm-reset on PATH, working from any directory', () => {
    const out = execFileSync(installed, ['--shape', '1000,20,1', '--batch', '200', '--epochs', '15', '--json'], { cwd: '/', encoding: 'utf8' });
    expect(JSON.parse(out).totals).toMatchObject({ resetEvents: 75, rowResets: 15000 });
    expect(execFileSync(installed, ['--version'], { encoding: 'utf8' }).trim()).toBe(packageJson.version);
  });

  it("the audit and check examples of the installed help run from any directory (the files they name are shipped)", () => {
    // HOME is the work folder, so the help shows the shipped files as ~/prefix/lib/node_modules/…
    const env = { ...process.env, HOME: work };
    const help = (command: string) => execFileSync(installed, ['help', command], { cwd: '/', encoding: 'utf8', env });
    const audit = /\$ lstm-reset (audit ~\/prefix\/\S*examples\/model\/model\.json) \\\n\s+(--samples 6 --batch 2)/.exec(help('audit'));
    const check = /\$ lstm-reset (check ~\/prefix\/\S*examples\/contract\.json)\n/.exec(help('check'));
    expect(audit, help('audit')).not.toBeNull();
    expect(check, help('check')).not.toBeNull();
    for (const line of [`${audit![1]} ${audit![2]}`, check![1]]) {
      const result = spawnSync('bash', ['-c', `lstm-reset ${line}`], { cwd: '/', encoding: 'utf8', env: { ...env, PATH: `${join(prefix, 'bin')}:${process.env.PATH}` } });
      expect(result.status, `${line}: ${result.stderr}`).toBe(0);
    }
  });

  it('runs every README command; each output block is what the installed build prints', () => {
    const result = spawnSync('node', [join(root, 'scripts', 'readme.js'), '--check', '--bin', installed], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^readme: [1-9]\d* output blocks match and [1-9]\d* commands ran\n$/);
  });

  it('examples/ci-workflow.yml: its steps install the tarball and pass the example contract', () => {
    const workflow = readFileSync(join(root, 'examples', 'ci-workflow.yml'), 'utf8');
    const env = Object.fromEntries([...workflow.matchAll(/^ {2}([A-Z_]+): (.+)$/gm)].map((m) => [m[1]!, m[2]!.trim()]));
    const steps = [...workflow.matchAll(/^ +run: (.+)$/gm)].map((m) => m[1]!);
    expect(steps).toHaveLength(2);
    // the user's repository: their contract (the example, with the files it names) and the tarball
    const repository = join(work, 'repository');
    mkdirSync(join(repository, 'tools'), { recursive: true });
    for (const entry of ['contract.json', 'plan.json', 'model']) cpSync(join(root, 'examples', entry), join(repository, entry), { recursive: true });
    cpSync(tarball, join(repository, env.LSTM_RESET_TARBALL!));
    const outputs = steps.map((step) =>
      spawnSync('bash', ['-c', step], {
        cwd: repository,
        encoding: 'utf8',
        env: { ...process.env, ...env, npm_config_prefix: join(work, 'ci-prefix'), PATH: `${join(work, 'ci-prefix', 'bin')}:${process.env.PATH}`, npm_config_prefer_offline: 'true' },
      }),
    );
    for (const output of outputs) expect(output.status, output.stderr).toBe(0);
    const scenarios = (JSON.parse(readFileSync(join(root, 'examples', 'contract.json'), 'utf8')) as { scenarios: unknown[] }).scenarios.length;
    expect(outputs[1]!.stdout).toMatch(new RegExp(`^(PASS .+\\n){${scenarios}}$`));
    expect(existsSync(join(work, 'ci-prefix', 'bin', 'lstm-reset'))).toBe(true);
  });

  it('a package without its build says so in one line instead of a stack trace', () => {
    const globalModules = execFileSync('npm', ['root', '-g'], { encoding: 'utf8', env: { ...process.env, npm_config_prefix: prefix } }).trim();
    const broken = join(work, 'broken');
    cpSync(join(globalModules, 'lstm-reset'), broken, { recursive: true });
    rmSync(join(broken, 'dist'), { recursive: true });
    const result = spawnSync('node', [join(broken, 'bin', 'lstm-reset.js'), '--version'], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^lstm-reset: .*dist\/cli\.js is missing: this package was packed without its build; reinstall it from a tarball made by `npm pack`\.\n$/);
  });
});
