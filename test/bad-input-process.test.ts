/**
 * The parts of the bad-input contract that need a real process: signals (Ctrl-C, SIGTERM, SIGHUP
 * leave no temporary file, keep complete output lines, erase nothing they should not, exit
 * 130/143/129), a full disk on stdout (/dev/full: one line, exit 4, in every command), FIFOs and
 * process substitution, and output paths that are not regular files (never replaced).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { closeSync, cpSync, existsSync, lstatSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from './helpers/io.ts';

const bin = new URL('../bin/lstm-reset.js', import.meta.url).pathname;
const fixtures = new URL('./fixtures/', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'lstm-reset-process-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const isRoot = process.getuid?.() === 0;

interface Finished {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Starts the CLI, waits until `ready()` (polled every 20 ms, at most 20 s), sends `signal`, and waits for the end. */
function interrupt(args: readonly string[], signal: NodeJS.Signals, ready: (stdout: string, pid: number) => boolean): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn('node', [bin, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const started = Date.now();
    const poll = setInterval(() => {
      if (ready(stdout, child.pid!)) {
        clearInterval(poll);
        child.kill(signal);
      } else if (Date.now() - started > 20_000) {
        clearInterval(poll);
        child.kill('SIGKILL');
        reject(new Error(`not ready after 20 s: ${stderr}`));
      }
    }, 20);
    child.on('close', (code, closedBy) => {
      clearInterval(poll);
      resolve({ code, signal: closedBy, stdout, stderr });
    });
  });
}

const temporaryFiles = () => readdirSync(dir).filter((name) => name.endsWith('.tmp'));

describe('signals: unfinished files removed, printed lines kept, one line on stderr, exit 128 + signal', () => {
  it('Ctrl-C (SIGINT) during a forward pass writing --trace FILE: exit 130, no temporary file, no trace', async () => {
    const trace = join(dir, 'interrupted.json');
    const result = await interrupt(['--shape', '5000,2000,8', '--batch', '50', '--units', '64', '--trace', trace, '-q'], 'SIGINT', () => temporaryFiles().length > 0);
    expect(result.code).toBe(130);
    expect(result.stderr).toBe(`interrupted (SIGINT); ${trace} not written\n`);
    expect(result.stdout).toBe('');
    expect(temporaryFiles()).toEqual([]);
    expect(existsSync(trace)).toBe(false);
  });

  it('SIGTERM while streaming NDJSON: exit 143, every printed line is a whole JSON event', async () => {
    const result = await interrupt(['--shape', '100000000,1', '--batch', '1', '--count-only', '--format', 'ndjson', '--events', 'all', '-q'], 'SIGTERM', (out) => out.length > 100_000);
    expect(result.code).toBe(143);
    expect(result.stderr).toBe('interrupted (SIGTERM)\n');
    expect(result.stdout.endsWith('\n')).toBe(true);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(100);
    lines.forEach((line, i) => expect(JSON.parse(line).index).toBe(i + 1));
  });

  it('SIGHUP during a forward pass streaming TSV: exit 129, the header and whole lines kept', async () => {
    const result = await interrupt(['--shape', '200000,100,8', '--batch', '100', '--units', '64', '--no-count-only', '--format', 'tsv'], 'SIGHUP', (out) => out.split('\n').length > 3);
    expect(result.code).toBe(129);
    expect(result.stderr).toBe('interrupted (SIGHUP)\n');
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]!.startsWith('index\tplanStep')).toBe(true);
    for (const line of lines) expect(line.split('\t')).toHaveLength(11);
  });

  // if the signal were seen only when the work ends, the report would be on stdout by then
  it.concurrent.each([
    ['audit of a model file, forward pass of 2,000,000 samples in batches of 2', ['audit', `${fixtures}tfjs-stateful/model.json`, '--samples', '2000000', '--batch', '2', '--no-count-only', '--no-shuffle', '-q'], 'SIGINT', 130],
    ['audit of a model file, forward pass (SIGTERM)', ['audit', `${fixtures}tfjs-stateful/model.json`, '--samples', '2000000', '--batch', '2', '--no-count-only', '--no-shuffle', '-q', '--events', 'none'], 'SIGTERM', 143],
    ['initialising 1,000 LSTM units (orthogonal recurrent kernel)', ['--shape', '20,7,1', '--batch', '10', '-u', '1000', '-q'], 'SIGINT', 130],
    ['verify initialising 1,000 LSTM units', ['verify', '--shape', '20,7,1', '--batch', '10', '-u', '1000'], 'SIGTERM', 143],
  ] as const)('%s: the signal is seen during the work, not after it', async (_title, args, signal, code) => {
    const started = Date.now();
    const result = await interrupt(args, signal, () => Date.now() - started > 2500);
    expect(result.code).toBe(code);
    expect(result.stderr).toBe(`interrupted (${signal})\n`);
    expect(result.stdout).toBe('');
  });

  it('Ctrl-C while --data waits for a FIFO writer that has not written: exit 130 at once', async () => {
    const fifo = join(dir, 'waiting.fifo');
    execFileSync('mkfifo', [fifo]);
    // a writer that holds the FIFO open and writes nothing
    const writer = spawn('bash', ['-c', `exec 3>"${fifo}"; sleep 30`], { stdio: 'ignore' });
    try {
      // ready once the process holds the FIFO open (its signal handlers are installed before that)
      const holdsFifo = (pid: number) => {
        try {
          return readdirSync(`/proc/${pid}/fd`).some((fd) => {
            try {
              return readlinkSync(`/proc/${pid}/fd/${fd}`) === fifo;
            } catch {
              return false;
            }
          });
        } catch {
          return false;
        }
      };
      const result = await interrupt(['--data', fifo, '--batch', '2'], 'SIGINT', (_out, pid) => holdsFifo(pid));
      expect(result.code).toBe(130);
      expect(result.stderr).toBe('interrupted (SIGINT)\n');
    } finally {
      writer.kill('SIGKILL');
    }
  });
});

describe('files a user cannot read or write', () => {
  const runuser = spawnSync('which', ['runuser'], { encoding: 'utf8' }).stdout.trim();
  // root can switch to another user (CI containers run as root); otherwise there is no other user to be
  const canSwitch = isRoot && runuser !== '';
  it.skipIf(!canSwitch)('as another user: unreadable --data and an unwritable --trace folder are one line each, exit 2', () => {
    const secret = join(dir, 'secret.npy');
    writeFileSync(secret, readFileSync(`${fixtures}npy/f4-3d-v1.npy`), { mode: 0o600 });
    execFileSync('chmod', ['755', dir]);
    // the other user runs the built bundle; a clone inside a private temporary folder is out of its
    // reach, so it gets a copy of dist/ in the open test folder
    let command = bin;
    if (spawnSync(runuser, ['-u', 'nobody', '--', 'test', '-r', bin]).status !== 0) {
      cpSync(new URL('../dist/', import.meta.url).pathname, join(dir, 'dist'), { recursive: true });
      // with the runtime packages the bundle loads (package.json dependencies and theirs)
      const modules = new URL('../node_modules/', import.meta.url).pathname;
      const copied = new Set<string>();
      const dependenciesOf = (folder: string) =>
        Object.keys((JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> }).dependencies ?? {});
      // a package's dependencies: nested in its own node_modules (copied with it) or hoisted to the top
      const followDependencies = (folder: string) => {
        for (const dependency of dependenciesOf(folder)) {
          const nested = join(folder, 'node_modules', dependency);
          if (existsSync(nested)) followDependencies(nested);
          else copyPackage(dependency);
        }
      };
      const copyPackage = (name: string) => {
        if (copied.has(name) || !existsSync(join(modules, name))) return;
        copied.add(name);
        cpSync(join(modules, name), join(dir, 'node_modules', name), { recursive: true });
        followDependencies(join(modules, name));
      };
      const own = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { dependencies: Record<string, string> };
      for (const dependency of Object.keys(own.dependencies)) copyPackage(dependency);
      execFileSync('chmod', ['-R', 'a+rX', join(dir, 'dist'), join(dir, 'node_modules')]);
      command = join(dir, 'dist', 'cli.js');
    }
    const asNobody = (args: string[]) => spawnSync(runuser, ['-u', 'nobody', '--', 'node', command, ...args], { cwd: '/', encoding: 'utf8' });
    const read = asNobody(['--data', secret, '--batch', '2']);
    expect(read.status).toBe(2);
    expect(read.stderr).toBe(`error: --data: cannot read ${secret}: permission denied; give a float32 or float64 C-order .npy of shape (N, T) or (N, T, D).\n`);
    const write = asNobody(['--shape', '10,2', '--batch', '2', '--trace', join(dir, 'trace.json')]);
    expect(write.status).toBe(2);
    expect(write.stderr).toBe(`error: --trace: cannot write ${join(dir, 'trace.json')}: permission denied; give a writable file path, or - for stdout.\n`);
    expect(existsSync(join(dir, 'trace.json'))).toBe(false);
    // a readable model file audits for any user (no scratch file at a path only root may write)
    for (const model of ['k3-stateful/model.h5', 'k3-stateful/model.keras']) {
      const copy = join(dir, model.replace('/', '-'));
      writeFileSync(copy, readFileSync(`${fixtures}models/${model}`), { mode: 0o644 });
      const audited = asNobody(['audit', copy, '--samples', '8', '--batch', '2', '-q']);
      expect(audited.status, audited.stderr).toBe(0);
    }
  });
});

describe('model files are read without a shared scratch path', () => {
  // h5wasm reads through the real file system: each open gets its own private scratch folder
  const models = new URL('./fixtures/models/', import.meta.url).pathname;
  const audit = (file: string) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn('node', [bin, 'audit', `${models}${file}`, '--samples', '8', '--batch', '2', '--json'], { env: { ...process.env, TMPDIR: dir } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => (stdout += chunk));
      child.stderr.on('data', (chunk) => (stderr += chunk));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  it('four audits of .h5 and .keras files at once all succeed, alike, and leave no scratch file', async () => {
    const files = ['k3-stateful/model.h5', 'k3-stateful/model.keras', 'k3-stateful/model.h5', 'k3-stateful/model.keras'];
    const results = await Promise.all(files.map(audit));
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    expect(results[2]!.stdout).toBe(results[0]!.stdout);
    expect(results[3]!.stdout).toBe(results[1]!.stdout);
    expect(readdirSync(dir).filter((name) => name.startsWith('lstm-reset-h5-'))).toEqual([]);
  });
});

describe('a full disk on stdout (/dev/full): one line, exit 4, in every command', () => {
  it.each([
    [['--help']],
    [['--version']],
    [['findings']],
    [['--shape', '100,5', '--batch', '10', '--json']],
  ])('%j', (args) => {
    const full = openSync('/dev/full', 'w');
    try {
      const result = spawnSync('node', [bin, ...args], { stdio: ['ignore', full, 'pipe'], encoding: 'utf8' });
      expect(result.status).toBe(4);
      expect(result.stderr).toBe('error: cannot write to standard output: no space left on device (ENOSPC)\n');
    } finally {
      closeSync(full);
    }
  });
});

describe('a damaged .h5 gets one line, not the HDF5 library\'s own printout', () => {
  it('every 97th byte flipped after the superblock: exit 2, one line on stderr (no HDF5-DIAG stack, no "Aborted(…)"), stdout empty', () => {
    const bytes = readFileSync(new URL('../examples/h5/stateful.h5', import.meta.url));
    for (let i = 2000; i < bytes.length; i += 97) bytes[i]! ^= 0xff;
    const corrupt = join(dir, 'corrupt.h5');
    writeFileSync(corrupt, bytes);
    const result = spawnSync('node', [bin, 'audit', corrupt, '--samples', '6', '--batch', '2'], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^error: audit: .*corrupt\.h5: [^\n]*\n$/);
    expect(result.stderr).not.toMatch(/HDF5-DIAG|^Aborted/m);
  });
});

describe('streams as inputs: FIFOs and process substitution', () => {
  const sh = (script: string) => spawnSync('bash', ['-c', script], { cwd: dir, encoding: 'utf8' });

  it('--data, --plan, audit MODEL and check CONTRACT read <(…); --data - reads standard input', () => {
    const data = sh(`node ${bin} --data <(cat ${fixtures}npy/f4-3d-v1.npy) --batch 2 --json -q`);
    expect(data.status, data.stderr).toBe(0);
    expect(JSON.parse(data.stdout).config.samples).toBe(6);
    const stdin = sh(`node ${bin} --data - --batch 2 --json -q < ${fixtures}npy/f4-3d-v1.npy`);
    expect(JSON.parse(stdin.stdout).totals).toEqual(JSON.parse(data.stdout).totals);
    const plan = sh(`node ${bin} --shape 8,5,3 --stateful --plan <(cat ${fixtures}plans/stateful-loop.json) --json -q`);
    expect(plan.status, plan.stderr).toBe(0);
    expect(JSON.parse(plan.stdout).totals.resetEvents).toBe(5);
    const audit = sh(`node ${bin} audit <(cat ${fixtures}keras/keras3-sequential.json) --samples 8 --batch 4 --json -q`);
    expect([0, 3]).toContain(audit.status);
    expect(JSON.parse(audit.stdout).model.path).toMatch(/^\/dev\/fd\/\d+$/);
    const contract = JSON.stringify({ scenarios: [{ name: 'seed', args: ['--shape', '1000,20,1', '--batch', '200'], expect: { totals: { resetEvents: 5 } } }] });
    const check = sh(`node ${bin} check <(echo '${contract}') -q`);
    expect(check.status, check.stderr).toBe(0);
    expect(check.stdout).toBe('PASS  seed\n');
  });
});

describe('--trace never replaces what is not a regular file', () => {
  it('/dev/fd/N and /proc/self/fd/N the caller did not open (Node\'s own epoll, eventfds, self-pipes) are refused, exit 2; ones it opened get the output', async () => {
    const start = (script: string) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
        const child = spawn('bash', ['-c', script], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
        child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
        child.on('close', (code) => done({ code, stdout, stderr }));
      });
    const run = `node ${bin} --shape 20,7,1 --batch 10 -q`;
    const [refused, passed] = await Promise.all([
      start(['--trace /dev/fd/4', '--html /dev/fd/6', '--trace /dev/fd/7', '--trace /proc/self/fd/11', '--html /dev/fd/12', '--trace /dev/fd/3 3</dev/null'].map((flag) => `${run} ${flag}; echo "rc=$?" >&2`).join('; ')),
      start(`${run} --trace /dev/fd/5 5>fd5.json >/dev/null && ${run} --html /proc/self/fd/9 9> >(cat > fd9.html) >/dev/null && sleep 0.2 && cat fd5.json`),
    ]);
    expect(refused.stdout).toBe('');
    const lines = refused.stderr.trim().split('\n');
    expect(lines.filter((line) => line === 'rc=2')).toHaveLength(6);
    for (const n of [4, 6, 7, 11, 12, 3]) expect(lines.some((line) => line.startsWith('error: ') && line.includes(`descriptor ${n} was not passed open for writing`)), refused.stderr).toBe(true);
    expect(lines).toHaveLength(12);
    expect(passed.code, passed.stderr).toBe(0);
    expect(JSON.parse(passed.stdout)).toMatchObject({ format: 'lstm-reset-trace', config: { samples: 20, batchSize: 10 } });
    expect(readFileSync(join(dir, 'fd9.html'), 'utf8')).toMatch(/^<!doctype html>/i);
  });

  const small = ['--shape', '10,2', '--batch', '2', '-q'];

  it('a symlink stays a symlink; its target gets the trace', async () => {
    const target = join(dir, 'target.json');
    const link = join(dir, 'link.json');
    writeFileSync(target, 'old');
    symlinkSync(target, link);
    const { code } = await run([...small, '--trace', link], { realFiles: true });
    expect(code).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(target, 'utf8')).format).toBe('lstm-reset-trace');
  });

  it('an existing file keeps its permissions', async () => {
    const path = join(dir, 'kept-mode.json');
    writeFileSync(path, 'old', { mode: 0o640 });
    expect((await run([...small, '--trace', path], { realFiles: true })).code).toBe(0);
    expect(statSync(path).mode & 0o777).toBe(0o640);
    expect(JSON.parse(readFileSync(path, 'utf8')).format).toBe('lstm-reset-trace');
  });

  it('a FIFO with a reader gets the trace written through and stays a FIFO', async () => {
    const fifo = join(dir, 'read.fifo');
    execFileSync('mkfifo', [fifo]);
    const reader = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'ignore'] });
    let received = '';
    reader.stdout.setEncoding('utf8').on('data', (chunk: string) => (received += chunk));
    const closed = new Promise((done) => reader.on('close', done));
    // the reader has opened its end once cat is running; retry the open until it has
    let result = await run([...small, '--trace', fifo], { realFiles: true });
    for (let i = 0; i < 100 && result.code === 2; i++) {
      await new Promise((done) => setTimeout(done, 20));
      result = await run([...small, '--trace', fifo], { realFiles: true });
    }
    await closed;
    expect(result.code).toBe(0);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(JSON.parse(received).format).toBe('lstm-reset-trace');
  });

  it('the file standard output goes to is refused (--trace out.json > out.json would lose the report)', () => {
    const out = join(dir, 'out.json');
    const result = spawnSync('bash', ['-c', `node ${bin} --shape 10,2 --batch 2 --trace "${out}" > "${out}"`], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(`error: --trace: cannot write ${out}: it is where standard output goes (the report would be lost); give a writable file path, or - for stdout.\n`);
    expect(readFileSync(out, 'utf8')).toBe('');
    expect(temporaryFiles()).toEqual([]);
  });

  it.skipIf(!isRoot)('as root, a character device (like /dev/null) stays a device', async () => {
    const device = join(dir, 'null');
    execFileSync('mknod', [device, 'c', '1', '3']);
    expect((await run([...small, '--trace', device], { realFiles: true })).code).toBe(0);
    expect(lstatSync(device).isCharacterDevice()).toBe(true);
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it.skipIf(!isRoot)('as root, a block device is refused, untouched', async () => {
    const device = join(dir, 'disk');
    execFileSync('mknod', [device, 'b', '7', '200']);
    const { code, stderr } = await run([...small, '--trace', device], { realFiles: true });
    expect(code).toBe(2);
    expect(stderr).toBe(`error: --trace: cannot write ${device}: it is a block device (a disk); give a writable file path, or - for stdout.\n`);
    expect(lstatSync(device).isBlockDevice()).toBe(true);
  });
});
