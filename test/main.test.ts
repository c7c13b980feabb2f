/**
 * The CLI in-process: exit codes, stream separation (data on stdout, messages on stderr), the output
 * formats as renderings of one result, colour rules, and one-line errors for bad input.
 */
import { describe, expect, it } from 'vitest';
import { flat, run } from './helpers/io.ts';

const seed = ['--shape', '1000,20,1', '--batch', '200', '--epochs', '15'];
const small = ['--shape', '12,3,2', '--batch', '4', '--units', '3'];
const ansi = /\u001b\[/;

describe('the seed question', () => {
  it('prints the capped table, totals, answer and findings; exit 0; nothing on stderr', async () => {
    const { code, stdout, stderr } = await run(seed);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toContain('… 55 more events (--json or --format tsv with --events all lists every event)');
    expect(stdout).toMatch(/reset events\s+75 \(batch-start 75\)/);
    expect(stdout).toMatch(/rows zeroed\s+15,000/);
    expect(stdout).toContain('epochs 1–15: 5 reset events, 1,000 rows zeroed');
    expect(stdout).toContain('"5 times" counts reset events (batches); "1,000 times" counts sequences');
    expect(stdout).not.toMatch(ansi);
  });

  it('--json is one document whose totals answer the question', async () => {
    const { code, stdout, stderr } = await run([...seed, '--json']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const doc = JSON.parse(stdout);
    expect(Object.keys(doc)).toEqual(expect.arrayContaining(['config', 'events', 'totals', 'findings']));
    expect(doc.events).toHaveLength(75);
    expect(doc.totals).toMatchObject({ batches: 75, resetEvents: 75, rowResets: 15000, carries: 0, byReason: { 'batch-start': 75 } });
    expect(doc.totals.perEpoch).toHaveLength(15);
    expect(doc.totals.perEpoch[14]).toEqual({ epoch: 15, batches: 5, resetEvents: 5, rowResets: 1000, carries: 0, broadcastStarts: 0, storedRestarts: 0, initialStateStarts: 0 });
  });
});

describe('every format renders the same events', () => {
  it('TSV rows and NDJSON lines equal the JSON events, field for field', async () => {
    const args = [...small, '--stateful', '--no-shuffle', '--epochs', '3', '--reset-every', '2', '--validation-split', '0.33'];
    const json = JSON.parse((await run([...args, '--json'])).stdout);
    const tsv = (await run([...args, '--format', 'tsv'])).stdout.trimEnd().split('\n');
    const ndjson = (await run([...args, '--format', 'ndjson'])).stdout.trimEnd().split('\n').map((line) => JSON.parse(line));
    expect(ndjson).toEqual(json.events);
    const header = tsv[0]!.split('\t');
    const fromTsv = tsv.slice(1).map((line) => {
      const cells = line.split('\t');
      return Object.fromEntries(header.map((key, i) => [key, Number.isNaN(Number(cells[i])) ? cells[i] : Number(cells[i])]));
    });
    expect(fromTsv).toEqual(json.events);
    expect(json.events.length).toBeGreaterThan(3);
    // --plain is --format tsv
    expect((await run([...args, '--plain'])).stdout).toBe(tsv.join('\n') + '\n');
  });

  it('the table shows every event when they fit under --max-rows', async () => {
    const { stdout } = await run([...small, '--max-rows', '50']);
    const json = JSON.parse((await run([...small, '--json'])).stdout);
    expect(stdout).not.toContain('more events');
    for (const event of json.events) expect(stdout).toMatch(new RegExp(`\\n\\s*${event.index}\\s+${event.epoch}\\s+${event.phase}`));
  });

  it('--events none: no empty table, one line saying how many events the totals count', async () => {
    const { stdout } = await run([...small, '--events', 'none']);
    const json = JSON.parse((await run([...small, '--json'])).stdout);
    expect(stdout.split('\n')[0]).toBe(`${json.events.length} events not listed (--events all lists them; the totals below count them)`);
    expect(stdout).not.toMatch(/^#\s+epoch/m);
  });
});

describe('CI expectations (exit 1)', () => {
  it('--expect-resets and --expect pass with exit 0 and a summary on stderr', async () => {
    const { code, stderr } = await run([...seed, '--format', 'tsv', '--expect-resets', '75', '--expect', 'rowResets=15000', '--expect', 'byReason.batch-start=75']);
    expect(code).toBe(0);
    expect(stderr).toBe('counts OK: resetEvents=75, rowResets=15000, byReason.batch-start=75\n');
  });

  it('a mismatch exits 1 with "expected …, counted …" on stderr and the data still on stdout', async () => {
    const { code, stdout, stderr } = await run([...seed, '--json', '--expect-resets', '5', '--expect', 'perEpoch.0.rowResets=1000']);
    expect(code).toBe(1);
    expect(JSON.parse(stdout).totals.resetEvents).toBe(75);
    expect(stderr).toMatch(/^expected resetEvents=5, counted 75 \(stateless, 1000 samples \/ batch 200 × 15 epochs\)\n$/);
  });

  it('-q silences the OK summary', async () => {
    const { code, stderr } = await run([...seed, '-q', '--json', '--expect-resets', '75']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
  });
});

describe('Keras would fail (exit 3) and --strict', () => {
  it('a stateful partial batch is an error finding: exit 3, table still printed', async () => {
    const { code, stdout } = await run(['--shape', '1000,20,1', '--batch', '300', '--stateful', '--no-shuffle']);
    expect(code).toBe(3);
    expect(stdout).toContain('stateful-partial-batch');
    // Keras 3's default backend, tensorflow, fails in the graph (the partial batch has no static size); JAX checks it
    expect(stdout.replace(/\s+/g, ' ')).toContain('InvalidArgumentError: Graph execution error: … Incompatible shapes: [100,…] vs. [300,…]');
    const jax = await run(['--shape', '1000,20,1', '--batch', '300', '--stateful', '--no-shuffle', '--backend', 'jax', '--no-trainable']);
    expect(jax.code).toBe(3);
    expect(jax.stdout.replace(/\s+/g, ' ')).toContain('Received batch size: 100');
  });

  it('with a machine format the error finding is also one line on stderr', async () => {
    const { code, stdout, stderr } = await run(['--shape', '1000,20,1', '--batch', '300', '--stateful', '--no-shuffle', '--keras', '2', '--json']);
    expect(code).toBe(3);
    expect(JSON.parse(stdout).completed).toBe(false);
    expect(stderr).toMatch(/^error: stateful-partial-batch: .*Found: 1000 samples\n$/);
  });

  it('warnings pass without --strict and exit 3 with it', async () => {
    const args = ['--shape', '1000,20,1', '--batch', '200', '--stateful'];
    expect((await run(args)).code).toBe(0);
    const strict = await run([...args, '--strict', '--format', 'tsv']);
    expect(strict.code).toBe(3);
    expect(strict.stderr).toContain('warning: stateful-shuffle:');
  });
});

describe('bad input: one line on stderr naming the flag, exit 2, nothing on stdout', () => {
  it.each([
    [['--shape', '1000,x,1'], '--shape'],
    [['--shape', '0,20,1'], '--shape'],
    [['--shape', '1000,20,1,3'], '--shape'],
    [['--shape', '1e3,20'], '--shape'],
    [['--shape', '99999999999999999,20,1'], 'more than'],
    [['--shape', '1000,20,1', '--batch', '0'], '--batch'],
    [['--shape', '1000,20,1', '--batch', '-5'], '--batch'],
    [['--shape', '1000,20,1', '--batch', '2.5'], '--batch'],
    [['--shape', '1000,20,1', '--batch', 'NaN'], '--batch'],
    [['--shape', '1000,20,1', '--epochs', '1e99'], '--epochs'],
    [['--shape', '1000,20,1', '--units', '100000'], '--units'],
    [['--shape', '1000,20,1', '--validation-split', '1'], '--validation-split'],
    [['--shape', '10,20,1', '--validation-split', '0.95'], '--validation-split'],
    [['--shape', '1000,,20'], '--shape'],
    [['--shape', '1000x20,1'], '--shape'],
    [['--shape', '1000,20,1', '--reset-every', 'epoch'], '--reset-every needs --stateful'],
    [['--shape', '1000,20,1', '--reset-every', 'sometimes', '--stateful'], '--reset-every'],
    [['--shape', '1000,20,1', '--keras', '4'], '--keras'],
    [['--shape', '1000,20,1', '--recurrent-activation', 'relu'], '--recurrent-activation'],
    [['--shape', '1000,20,1', '--format', 'xml'], '--format'],
    [['--shape', '1000,20,1', '--json', '--format', 'tsv'], '--json, --format and --plain'],
    [['--shape', '1000,20,1', '--expect', 'resets'], '--expect'],
    [['--shape', '1000,20,1', '--expect', 'nope=3'], '--expect nope'],
    [['--sahpe', '1000,20,1'], "unknown option '--sahpe'"],
    [['--batch', '200'], '--shape is required'],
    [['--shape', '1000,20,1', 'extra'], "unexpected argument 'extra'"],
    [['--shape', '1000000,1000,100', '--batch', '1000', '--units', '512', '--no-count-only'], 'GFLOP'],
    [['--shape', '1000000,1000,100', '--batch', '1000', '--units', '512', '--trace', 'x.json'], '--trace needs the forward pass'],
  ])('%j', async (args, fragment) => {
    const { code, stdout, stderr } = await run(args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.endsWith('\n')).toBe(true);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toContain(fragment);
    expect(stderr).not.toMatch(/\bat .+:\d+:\d+/);
  });

  it('an unknown command is named, with the commands there are', async () => {
    const { code, stdout, stderr } = await run(['vreify', '--shape', '20,7,1']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe("error: unknown command 'vreify' (Did you mean verify?); the commands are verify, audit, schema, check, findings, help (or options alone for a run: lstm-reset --shape 1000,20,1)\n");
  });

  it('a mistyped flag gets a suggestion on the same line', async () => {
    const { stderr } = await run(['--sahpe', '1000,20,1']);
    expect(stderr).toBe("error: unknown option '--sahpe' (Did you mean --shape?)\n");
  });
});

describe('--count-only: closed-form totals, events without the forward pass', () => {
  it('gives the totals of the forward pass, with null where only the forward pass can measure', async () => {
    const args = ['--shape', '1000,20,1', '--batch', '200', '--epochs', '15', '--stateful', '--no-shuffle', '--reset-every', '2', '--json'];
    const full = JSON.parse((await run(args)).stdout);
    const counted = JSON.parse((await run([...args, '--count-only'])).stdout);
    expect(counted.totals).toEqual(full.totals);
    expect(counted.events).toEqual(full.events.map((e: object) => ({ ...e, discardedMeanAbsH: null })));
    expect(counted.countOnly).toBe(true);
    expect(counted.finalMeanAbsH).toBeNull();
    expect(full.countOnly).toBe(false);
  });

  it('switches on by itself, with a note, when the forward pass would be long; a billion samples count at once', async () => {
    const { code, stdout, stderr } = await run(['--shape', '1000000000,50,8', '--batch', '1000', '--epochs', '100', '--units', '64', '--max-rows', '4']);
    expect(code).toBe(0);
    expect(stderr).toMatch(/^note: the forward pass would need [\d,]+ GFLOP, more than the 2,000 GFLOP lstm-reset runs; counting in closed form instead/);
    expect(stdout).toMatch(/reset events\s+100,000,000 \(batch-start 100,000,000\)/);
    expect(flat(stdout)).toContain('… 99,999,996 more events (--format ndjson or tsv with --events all streams every event)');
  });
});

describe('help, version, defaults', () => {
  it('--help documents the exit codes on stdout, exit 0', async () => {
    const { code, stdout, stderr } = await run(['--help']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toContain('Exit codes:');
    expect(stdout).toMatch(/3\s+Keras would raise/);
  });

  it('--version prints the package version', async () => {
    const { code, stdout } = await run(['--version']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('a defaulted --batch is said on stderr (32, as Keras fit)', async () => {
    const { stdout, stderr } = await run(['--shape', '100,5', '--json']);
    expect(stderr).toContain('--batch not given; using 32');
    expect(JSON.parse(stdout).totals.resetEvents).toBe(4);
  });

  it.each(['(1000, 20, 1)', '1000x20x1', '[1000,20,1]', '1000,20'])('--shape %s means 1000 samples of 20 steps, 1 feature', async (shape) => {
    const doc = JSON.parse((await run(['--shape', shape, '--batch', '200', '--json'])).stdout);
    expect(doc.config).toMatchObject({ samples: 1000, timesteps: 20, features: 1 });
  });
});

describe('colour', () => {
  it('is on for a terminal, and off with NO_COLOR, TERM=dumb, --no-color or a pipe', async () => {
    expect((await run(small, { isTTY: true })).stdout).toMatch(ansi);
    expect((await run(small, { isTTY: true, env: { NO_COLOR: '1' } })).stdout).not.toMatch(ansi);
    expect((await run(small, { isTTY: true, env: { TERM: 'dumb' } })).stdout).not.toMatch(ansi);
    expect((await run([...small, '--no-color'], { isTTY: true })).stdout).not.toMatch(ansi);
    expect((await run(small, { isTTY: false })).stdout).not.toMatch(ansi);
    expect((await run(small, { isTTY: false, env: { FORCE_COLOR: '1' } })).stdout).toMatch(ansi);
  });

  it.each([
    [['--no-color', '--color']],
    [['--color', '--no-color']],
  ])('%j: refused in one line, coloured only as the environment and terminal would colour it', async (flags) => {
    const piped = await run([...small, ...flags]);
    expect(piped.code).toBe(2);
    expect(piped.stdout).toBe('');
    expect(piped.stderr).toMatch(/^error: --(no-)?color and --(no-)?color contradict each other; give only one of them\.\n$/);
    expect((await run([...small, ...flags], { isTTY: true, env: { NO_COLOR: '1' } })).stderr).not.toMatch(ansi);
    expect((await run([...small, ...flags], { stderrTTY: true })).stderr).toMatch(ansi);
    expect((await run([...small, ...flags], { env: { FORCE_COLOR: '1' } })).stderr).toMatch(ansi);
  });

  it('one flag decides the error line as it decides the report: --color colours it in a pipe, --no-color not on a terminal', async () => {
    expect((await run([...small, '--batch', '0', '--color'])).stderr).toMatch(ansi);
    expect((await run([...small, '--batch', '0', '--no-color'], { isTTY: true })).stderr).not.toMatch(ansi);
    expect((await run([...small, '--batch', '0'], { isTTY: true })).stderr).toMatch(ansi);
  });

  it('never colours JSON or TSV', async () => {
    expect((await run([...small, '--json'], { isTTY: true, env: { FORCE_COLOR: '1' } })).stdout).not.toMatch(ansi);
    expect((await run([...small, '--format', 'tsv'], { isTTY: true, env: { FORCE_COLOR: '1' } })).stdout).not.toMatch(ansi);
  });
});

describe('the streaming serialisers', () => {
  it('write each event exactly as JSON.stringify would, and TSV columns in the header order', async () => {
    const { eventJson } = await import('../src/render/stream.ts');
    const { eventColumns } = await import('../src/render/columns.ts');
    const doc = JSON.parse((await run(['--shape', '20,3,2', '--batch', '3', '--layers', 'lstm:2,gru:2:stateful', '--no-shuffle', '--epochs', '2', '--reset-every', '2', '--json'])).stdout);
    for (const event of doc.events) expect(eventJson(event)).toBe(JSON.stringify(event));
    expect(eventJson({ ...doc.events[0], discardedMeanAbsH: null, layer: 'odd "name"\\t' })).toBe(
      JSON.stringify({ ...doc.events[0], discardedMeanAbsH: null, layer: 'odd "name"\\t' }),
    );
    const tsv = (await run(['--shape', '20,3,2', '--batch', '3', '--format', 'tsv'])).stdout.split('\n');
    expect(tsv[0]!.split('\t')).toEqual(eventColumns.map((c) => c.key));
  });
});

describe('formatCount', () => {
  it.each([
    [0, '0'],
    [999, '999'],
    [1000, '1,000'],
    [15000, '15,000'],
    [1234567, '1,234,567'],
    [-1234, '-1,234'],
    [1e9, '1,000,000,000'],
  ])('%d -> %s, as en-US toLocaleString writes it', async (n, text) => {
    const { formatCount } = await import('../src/sim/explain.ts');
    expect(formatCount(n)).toBe(text);
    expect(formatCount(n)).toBe(n.toLocaleString('en-US'));
  });
});

describe('the progress bar', () => {
  const call = { phase: 'fit', epoch: 1, batch: 1, rows: 4, samples: new Int32Array(0) } as const;
  const state = { layer: 'lstm', rows: 4, units: 2, h: new Float32Array(8), c: new Float32Array(8), states: [] };

  async function drive(options: { isTTY: boolean; quiet?: boolean; stepMs: number; batches: number }) {
    const { progressBar } = await import('../src/commands/run.ts');
    let stderr = '';
    let now = 0;
    const io = {
      stdout: { write: () => {}, isTTY: options.isTTY },
      stderr: { write: (chunk: string | Uint8Array) => void (stderr += String(chunk)), isTTY: options.isTTY },
      env: {},
      writeFile: () => true as const,
      openOutput: () => ({ ok: false as const, reason: 'not used' }),
      outputIdentity: () => undefined,
      files: { readFile: () => new Uint8Array(0) },
      openFile: () => ({ size: 0, read: () => 0 }),
      readInput: async () => new Uint8Array(0),
      inputKind: () => 'file' as const,
      readStdin: async () => '',
      pause: async () => {},
      onInterrupt: () => () => {},
      now: () => now,
    };
    const bar = progressBar(io, options.batches, options.quiet ?? false, () => now);
    for (let i = 0; i < options.batches; i++) {
      now += options.stepMs;
      bar.hooks.onBatchEnd?.(call, state);
    }
    bar.done();
    return stderr;
  }

  it('draws on a terminal once a run passes a second, at most ten times a second, and erases itself', async () => {
    const stderr = await drive({ isTTY: true, stepMs: 50, batches: 100 });
    const frames = stderr.split('\r').filter((f) => f.startsWith('['));
    // batches end every 50 ms over 5 s: nothing in the first second, then one frame per 100 ms
    expect(frames.length).toBeGreaterThanOrEqual(38);
    expect(frames.length).toBeLessThanOrEqual(41);
    expect(frames.at(-1)).toMatch(/^\[#{29,30}\.{0,1}\] +(99|100)%  (99|100)\/100 batches$/);
    expect(stderr.endsWith('\r\u001b[K')).toBe(true);
  });

  it('stays silent for short runs, in a pipe, and with -q', async () => {
    expect(await drive({ isTTY: true, stepMs: 5, batches: 100 })).toBe('');
    expect(await drive({ isTTY: false, stepMs: 50, batches: 100 })).toBe('');
    expect(await drive({ isTTY: true, quiet: true, stepMs: 50, batches: 100 })).toBe('');
  });
});

describe("--shuffle batch: fit(shuffle='batch')", () => {
  it('simulates each version\'s batch shuffle and flags it for a stateful model', async () => {
    const events = async (keras: string) =>
      JSON.parse((await run(['--shape', '20,3', '--batch', '5', '--shuffle', 'batch', '--keras', keras, '--json'])).stdout);
    const doc = await events('3');
    expect(doc.config.shuffle).toBe('batch');
    const stateful = JSON.parse((await run(['--shape', '20,3', '--batch', '5', '--stateful', '--shuffle', 'batch', '--keras', 'tf', '--json'])).stdout);
    expect(stateful.findings.map((f: { code: string }) => f.code)).toContain('stateful-shuffle-batch');
    expect(stateful.findings.map((f: { code: string }) => f.code)).not.toContain('stateful-shuffle');
  });

  it('the flag alone is shuffle=True, and an unknown mode is a usage error', async () => {
    expect(JSON.parse((await run(['--shape', '20,3', '--batch', '5', '--shuffle', '--json'])).stdout).config.shuffle).toBe(true);
    const { code, stderr } = await run(['--shape', '20,3', '--shuffle', 'sometimes']);
    expect(code).toBe(2);
    expect(stderr).toContain("--shuffle batch (shuffle='batch')");
  });
});
