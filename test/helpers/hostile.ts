/**
 * Hostile input files for the bad-input suite, written into a temporary folder: NumPy files with
 * broken headers or non-finite values, plans and contracts that are wrong in every way a user
 * manages, model files with impossible values, weight shards with NaN.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync, zipSync } from 'fflate';

const fixtures = new URL('../fixtures/', import.meta.url).pathname;

/** A .npy file: `data` as raw bytes after a header built from the arguments. */
export function npyBytes(
  descr: string,
  shape: string,
  data: Uint8Array,
  options: { fortran?: boolean; version?: [number, number]; headerText?: string } = {},
): Uint8Array {
  const [major, minor] = options.version ?? [1, 0];
  let header = options.headerText ?? `{'descr': '${descr}', 'fortran_order': ${options.fortran ? 'True' : 'False'}, 'shape': ${shape}, }`;
  const prefix = major === 1 ? 10 : 12;
  header += ' '.repeat((64 - ((prefix + header.length + 1) % 64)) % 64) + '\n';
  const head = new Uint8Array(prefix);
  head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, minor]);
  const view = new DataView(head.buffer);
  if (major === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  const text = new TextEncoder().encode(header);
  const out = new Uint8Array(prefix + text.length + data.length);
  out.set(head);
  out.set(text, prefix);
  out.set(data, prefix + text.length);
  return out;
}

function f32(values: readonly number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}

function f64(values: readonly number[]): Uint8Array {
  return new Uint8Array(Float64Array.from(values).buffer);
}

/** 24 values (4 samples × 3 steps × 2 features) with one replaced. */
function withValue(index: number, value: number): number[] {
  return Array.from({ length: 24 }, (_, i) => (i === index ? value : 0.1 * (i % 5)));
}

export interface HostileFiles {
  readonly dir: string;
  /** An absolute path in the folder. */
  readonly at: (name: string) => string;
  readonly cleanup: () => void;
}

/** Writes every hostile file; `cleanup()` removes the folder. */
export function writeHostileFiles(): HostileFiles {
  const dir = mkdtempSync(join(tmpdir(), 'lstm-reset-hostile-'));
  const at = (name: string) => join(dir, name);
  const write = (name: string, content: string | Uint8Array) => writeFileSync(at(name), content);
  const json = (name: string, value: unknown) => write(name, JSON.stringify(value));

  // .npy
  write('ok.npy', npyBytes('<f4', '(4, 3, 2)', f32(withValue(0, 0.5))));
  write('nan.npy', npyBytes('<f4', '(4, 3, 2)', f32(withValue(7, Number.NaN))));
  write('inf.npy', npyBytes('<f8', '(4, 3, 2)', f64(withValue(5, Number.POSITIVE_INFINITY))));
  write('neg-inf.npy', npyBytes('<f4', '(4, 3, 2)', f32(withValue(23, Number.NEGATIVE_INFINITY))));
  write('f64-overflow.npy', npyBytes('<f8', '(4, 3, 2)', f64(withValue(11, 1e300))));
  write('empty.npy', '');
  write('magic-only.npy', new Uint8Array([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]));
  write('junk.npy', new Uint8Array([0, 1, 2, 3, 255, 254, 7, 9, 10, 11, 12, 13]));
  write('text.npy', 'samples,timesteps\n1,2\n');
  write('version9.npy', npyBytes('<f4', '(4, 3, 2)', f32(withValue(0, 0)), { version: [9, 0] }));
  write('int64.npy', npyBytes('<i8', '(4, 3)', new Uint8Array(96)));
  write('object.npy', npyBytes('|O', '(4, 3)', new Uint8Array(96)));
  write('complex.npy', npyBytes('<c8', '(4, 3)', new Uint8Array(96)));
  write('big-endian.npy', npyBytes('>f4', '(4, 3, 2)', new Uint8Array(96)));
  write('fortran.npy', npyBytes('<f4', '(4, 3, 2)', new Uint8Array(96), { fortran: true }));
  write('one-d.npy', npyBytes('<f4', '(24,)', new Uint8Array(96)));
  write('four-d.npy', npyBytes('<f4', '(2, 2, 3, 2)', new Uint8Array(96)));
  write('zero-rows.npy', npyBytes('<f4', '(0, 3)', new Uint8Array(0)));
  write('negative-dim.npy', npyBytes('<f4', '(-4, 3)', new Uint8Array(0)));
  write('overflow-dim.npy', npyBytes('<f4', '(99999999999999999999, 3)', new Uint8Array(0)));
  write('truncated.npy', npyBytes('<f4', '(4, 3, 2)', new Uint8Array(50)));
  write('trailing.npy', npyBytes('<f4', '(4, 3, 2)', new Uint8Array(100)));
  write('huge-declared.npy', npyBytes('<f4', '(1000000000, 1000000, 10)', new Uint8Array(8)));
  write('header-junk.npy', npyBytes('<f4', '', new Uint8Array(96), { headerText: "{'descr': '<f4', 'fortran_order': False, 'shape': (4, 3, 2), 'x': [[[" }));
  write('header-no-shape.npy', npyBytes('<f4', '', new Uint8Array(96), { headerText: "{'descr': '<f4', 'fortran_order': False}" }));
  write('nul-header.npy', npyBytes('<f4', '', new Uint8Array(96), { headerText: '\u0000'.repeat(40) }));

  // plans
  const fit = { type: 'fit', epochs: 1, batchSize: 2, shuffle: false };
  write('plan-empty.json', '');
  write('plan-spaces.json', '   \n\t ');
  write('plan-junk.json', new Uint8Array([0x7b, 0xff, 0xfe, 0x00, 0x01]));
  write('plan-truncated.json', '[{"type": "fit", "epochs": 1,');
  json('plan-null.json', null);
  json('plan-number.json', 42);
  json('plan-string.json', 'fit');
  json('plan-no-steps.json', {});
  json('plan-steps-object.json', { steps: { type: 'fit' } });
  json('plan-no-steps-list.json', []);
  json('plan-unknown-type.json', [{ type: 'train', epochs: 1 }]);
  json('plan-epochs-zero.json', [{ ...fit, epochs: 0 }]);
  json('plan-epochs-negative.json', [{ ...fit, epochs: -3 }]);
  json('plan-epochs-fraction.json', [{ ...fit, epochs: 1.5 }]);
  json('plan-epochs-string.json', [{ ...fit, epochs: '2' }]);
  write('plan-epochs-1e400.json', '[{"type": "fit", "epochs": 1e400, "batchSize": 2, "shuffle": false}]');
  json('plan-batch-zero.json', [{ ...fit, batchSize: 0 }]);
  json('plan-shuffle-yes.json', [{ ...fit, shuffle: 'yes' }]);
  json('plan-split-one.json', [{ ...fit, validationSplit: 1 }]);
  json('plan-split-negative.json', [{ ...fit, validationSplit: -0.1 }]);
  json('plan-split-all.json', [{ ...fit, validationSplit: 1e-17 }]);
  json('plan-missing-type.json', [{ epochs: 1, batchSize: 2 }]);
  json('plan-extra-key.json', [{ ...fit, epoch: 3 }]);
  json('plan-repeat-zero.json', [{ type: 'repeat', times: 0, steps: [fit] }]);
  json('plan-repeat-huge.json', [{ type: 'repeat', times: 1e9, steps: [fit] }]);
  json('plan-repeat-empty.json', [{ type: 'repeat', times: 2, steps: [] }]);
  json('plan-too-many-epochs.json', [{ type: 'repeat', times: 1000, steps: [{ ...fit, epochs: 1000000 }] }]);
  json('plan-too-many-steps.json', [{ type: 'repeat', times: 100000, steps: [{ type: 'repeat', times: 100, steps: [{ type: 'reset' }] }] }]);
  let nested: unknown = fit;
  for (let i = 0; i < 17; i++) nested = { type: 'repeat', times: 1, steps: [nested] };
  json('plan-nested-17.json', [nested]);
  let deep = JSON.stringify(fit);
  for (let i = 0; i < 5000; i++) deep = `{"type":"repeat","times":1,"steps":[${deep}]}`;
  write('plan-nested-5000.json', `{"steps":[${deep}]}`);
  write('plan-deep-arrays.json', `${'['.repeat(100000)}${']'.repeat(100000)}`);
  write('plan-utf16.json', Buffer.from(`\ufeff${JSON.stringify([fit])}`, 'utf16le'));
  json('plan-evaluate-zero.json', [{ type: 'evaluate', batchSize: 0 }]);
  json('plan-predict-samples.json', [{ type: 'predict', samples: -1 }]);
  json('plan-only-reset.json', [{ type: 'reset' }, { type: 'repeat', times: 0, steps: [fit] }]);
  json('plan-ok.json', [fit]);
  mkdirSync(at('plan-dir.json'));

  // contracts
  const run = ['--shape', '10,2', '--batch', '2'];
  write('contract-empty.json', '');
  write('contract-junk.json', '{"scenarios": [');
  json('contract-list.json', []);
  json('contract-no-scenarios.json', { scenarios: [] });
  json('contract-args-numbers.json', { scenarios: [{ name: 'a', args: [1, 2] }] });
  json('contract-args-empty.json', { scenarios: [{ name: 'a', args: [] }] });
  json('contract-check.json', { scenarios: [{ name: 'a', args: ['check', 'x.json'] }] });
  json('contract-verify.json', { scenarios: [{ name: 'a', args: ['verify', ...run] }] });
  json('contract-findings.json', { scenarios: [{ name: 'a', args: ['findings'] }] });
  json('contract-help.json', { scenarios: [{ name: 'a', args: ['help'] }] });
  json('contract-audit-no-model.json', { scenarios: [{ name: 'a', args: ['audit', '--samples', '3'] }] });
  json('contract-exit-2.json', { scenarios: [{ name: 'a', args: run, expect: { exitCode: 2 } }] });
  json('contract-exit-4.json', { scenarios: [{ name: 'a', args: run, expect: { exitCode: 4 } }] });
  json('contract-duplicate.json', { scenarios: [{ name: 'a', args: run }, { name: 'a', args: run }] });
  json('contract-bad-key.json', { scenarios: [{ name: 'a', args: run, expect: { totals: { 'a..b': 1 } } }] });
  json('contract-string-total.json', { scenarios: [{ name: 'a', args: run, expect: { totals: { resetEvents: '5' } } }] });
  json('contract-unknown-key.json', { scenarios: [{ name: 'a', args: run }], extra: 1 });
  json('contract-empty-name.json', { scenarios: [{ name: '', args: run }] });
  json('contract-plan-stdin.json', { scenarios: [{ name: 'from stdin', args: [...run, '--plan', '-'] }] });
  json('contract-data-stdin.json', { scenarios: [{ name: 'from stdin', args: ['--data', '-', '--batch', '2'] }] });
  json('contract-plan-eq-stdin.json', { scenarios: [{ name: 'from stdin', args: [...run, '--plan=-'] }] });
  json('contract-traces-itself.json', { scenarios: [{ name: 'overwrites its contract', args: [...run, '--trace', 'contract-traces-itself.json'] }] });
  write('contract-deep.json', `{"scenarios":[{"name":"a","args":${'['.repeat(100000)}${']'.repeat(100000)}}]}`);
  mkdirSync(at('contract-dir.json'));

  // model files
  const keras = JSON.parse(readFileSync(`${fixtures}keras/keras3-sequential.json`, 'utf8'));
  const variant = (name: string, change: (model: { config: { layers: { class_name: string; config: Record<string, unknown> }[] } }) => void) => {
    const model = structuredClone(keras);
    change(model);
    json(name, model);
  };
  const wrapped = (model: { config: { layers: { class_name: string; config: Record<string, unknown> }[] } }) =>
    (model.config.layers.find((l) => l.class_name === 'Bidirectional')!.config.layer as { config: Record<string, unknown> }).config;
  json('model-ok.json', keras);
  variant('model-units-negative.json', (m) => (wrapped(m).units = -5));
  variant('model-units-zero.json', (m) => (wrapped(m).units = 0));
  variant('model-units-string.json', (m) => (wrapped(m).units = '8'));
  variant('model-units-fraction.json', (m) => (wrapped(m).units = 2.5));
  variant('model-shape-negative.json', (m) => (m.config.layers[0]!.config.batch_shape = [-1, 12, 2]));
  variant('model-shape-string.json', (m) => (m.config.layers[0]!.config.batch_shape = 'x'));
  variant('model-batch-zero.json', (m) => (m.config.layers[0]!.config.batch_shape = [0, 12, 2]));
  variant('model-batch-input-zero.json', (m) => {
    delete m.config.layers[0]!.config.batch_shape;
    m.config.layers[0]!.config.batch_input_shape = [0, 12, 2];
  });
  variant('model-layers-null.json', (m) => ((m.config as { layers: unknown }).layers = null));
  variant('model-no-recurrent.json', (m) => (m.config.layers = m.config.layers.filter((l) => l.class_name === 'Dense' || l.class_name === 'InputLayer')));
  variant('model-activation.json', (m) => (wrapped(m).recurrent_activation = 'softmax'));
  json('model-null.json', null);
  json('model-number.json', 1);
  json('model-empty-object.json', {});
  json('model-list.json', [keras]);
  write('model-empty.json', '');
  write('model-nul.json', new Uint8Array(100));
  write('model-not-utf8.json', new Uint8Array([0x7b, 0xc3, 0x28, 0x7d]));
  write('model-junk.keras', new Uint8Array([0x50, 0x4b, 0x03, 0x04, ...Array.from({ length: 200 }, (_, i) => (i * 37) % 256)]));
  write('model-junk.h5', new Uint8Array([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a, ...Array.from({ length: 200 }, (_, i) => (i * 53) % 256)]));
  write('model-text.keras', 'not a zip at all');
  // a real archive whose model.weights.h5 is replaced by 24 MiB of zeros (about 24 KiB deflated, 1000:1)
  const archive = unzipSync(readFileSync(`${fixtures}models/k3-stateful-seq2seq/model.keras`));
  write('weights-bomb.keras', zipSync({ ...archive, 'model.weights.h5': [new Uint8Array(24 * 2 ** 20), { level: 9 }] }));
  let seq = JSON.stringify(keras);
  for (let i = 0; i < 3000; i++) seq = `{"class_name":"Sequential","config":{"name":"s${i}","layers":[${seq}]}}`;
  write('model-nested-3000.json', seq);
  mkdirSync(at('model-dir.json'));
  // TF.js weights with NaN / Infinity, and a shard that is a directory
  for (const [name, value] of [
    ['tfjs-nan', Number.NaN],
    ['tfjs-inf', Number.NEGATIVE_INFINITY],
  ] as const) {
    cpSync(`${fixtures}tfjs-stateful`, at(name), { recursive: true });
    const shard = at(`${name}/group1-shard1of1.bin`);
    const bytes = new Uint8Array(readFileSync(shard));
    new DataView(bytes.buffer).setFloat32(8, value, true);
    writeFileSync(shard, bytes);
  }
  cpSync(`${fixtures}tfjs-stateful`, at('tfjs-shard-dir'), { recursive: true });
  rmSync(at('tfjs-shard-dir/group1-shard1of1.bin'));
  mkdirSync(at('tfjs-shard-dir/group1-shard1of1.bin'));

  // paths
  execFileSync('mkfifo', [at('nobody.fifo')]);
  write('a file', 'x');
  mkdirSync(at('sub'));
  symlinkSync(at('nowhere/x.json'), at('dangling-into-missing-dir'));
  symlinkSync(at('loop-b'), at('loop-a'));
  symlinkSync(at('loop-a'), at('loop-b'));
  return { dir, at, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
