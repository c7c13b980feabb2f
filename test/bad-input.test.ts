/**
 * The bad-input contract, table-driven: every invocation below is wrong in some way a user manages
 * (a typo, a contradiction, an impossible number, a broken or hostile file, a path that is not a
 * file, a full disk), and each must get
 *   - its documented exit code (2 for bad usage or input, 4 when an output cannot be written),
 *   - exactly one line on stderr, "error: …", naming the flag or file and saying how to fix it,
 *   - nothing on stdout,
 *   - no stack trace,
 *   - nothing created, changed or left behind on disk (no temporary file, no half-written output).
 * The cases run in-process (main() with an in-memory stdout/stderr and the real file system);
 * test/bad-input-process.test.ts spawns the few that need signals, FIFOs and /dev/full.
 */
import { lstatSync, readdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { flat, run, type RunOptions } from './helpers/io.ts';
import { writeHostileFiles } from './helpers/hostile.ts';

const fixtures = new URL('./fixtures/', import.meta.url).pathname;
const hostile = writeHostileFiles();
afterAll(() => hostile.cleanup());
const H = hostile.at;

/** Every path under `dir` with its size and modification time: what "nothing touched" compares. */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      const stats = lstatSync(path);
      out.push(`${path} ${stats.mode} ${stats.size} ${stats.mtimeMs}`);
      if (entry.isDirectory()) walk(path);
    }
  };
  walk(dir);
  return out.sort();
}

/** Words that say how to fix it (or a suggestion): every message has one. */
const fix =
  /e\.g\.|Did you mean|Allowed choices|; see lstm-reset|\b(give|use|add|drop|replace|save|start|fix|re-save|convert|choose|remove|pass|trace|count|run|write|pipe)\b|only one|give it once|at most|fewer|smaller|expected|must be|between/i;

interface Case {
  readonly args: readonly string[];
  /** A part of the message that names the flag or file (and often the fix). */
  readonly names: string | RegExp;
  readonly code?: number;
  readonly options?: RunOptions;
}

const c = (args: readonly string[], names: string | RegExp, extra: Omit<Case, 'args' | 'names'> = {}): Case => ({ args, names, ...extra });
const S = ['--shape', '100,5,2', '--batch', '10'];

const tables: Record<string, readonly Case[]> = {
  'flags: numbers': [
    c(['--shape', '1000,x,1'], '--shape'),
    c(['--shape', '0,20,1'], '--shape'),
    c(['--shape', '1000,20,1,3'], '--shape'),
    c(['--shape', '1e3,20'], '--shape'),
    c(['--shape', '10.5,2'], '--shape'),
    c(['--shape', '-10,2'], '--shape'),
    c(['--shape', '10'], '--shape'),
    c(['--shape', ''], '--shape'),
    c(['--shape', ',,'], '--shape'),
    c(['--shape', '1000,,20'], '--shape'),
    c(['--shape', '1000x20,1'], '--shape'),
    c(['--shape', '１０,２'], '--shape'),
    c(['--shape', '99999999999999999,20,1'], 'more than'),
    c(['--shape', '10,99999999,1'], 'Timesteps'),
    c(['--shape', '10,2,999999999'], 'Features'),
    c(['--shape', 'NaN,2'], '--shape'),
    c(['--shape', 'Infinity,2'], '--shape'),
    c([...S, '--batch', '0'], '--batch'),
    c(['--shape', '10,2', '--batch', '-5'], '--batch'),
    c(['--shape', '10,2', '--batch', '2.5'], '--batch'),
    c(['--shape', '10,2', '--batch', 'NaN'], '--batch'),
    c(['--shape', '10,2', '--batch', '0x10'], '--batch'),
    c(['--shape', '10,2', '--batch', ''], '--batch'),
    c(['--shape', '10,2', '--batch', '1e99'], '--batch'),
    c(['--shape', '10,2', '--batch', '٣'], '--batch'),
    c([...S, '--epochs', '0'], '--epochs'),
    c([...S, '--epochs', '1e99'], '--epochs'),
    c([...S, '--epochs', '2000000'], 'Epochs'),
    c([...S, '--epochs', 'many'], '--epochs'),
    c([...S, '--units', '0'], '--units'),
    c([...S, '--units', '100000'], '--units'),
    c([...S, '--units', '-1'], '--units'),
    c([...S, '--seed', '-1'], '--seed'),
    c([...S, '--seed', '4294967296'], '--seed'),
    c([...S, '--seed', '1.5'], '--seed'),
    c([...S, '--max-rows', '1'], '--max-rows'),
    c([...S, '--max-rows', 'abc'], '--max-rows'),
    c([...S, '--max-rows', '99999999'], '--max-rows'),
    c([...S, '--max-rows', '100000'], /The table shows at most 1,000 rows; --format tsv, ndjson or --json list every event/),
    c([...S, '--expect-resets', '-1'], '--expect-resets'),
    c([...S, '--expect-resets', '1.5'], '--expect-resets'),
    c([...S, '--mask-tail', '0'], '--mask-tail'),
    c([...S, '--mask-tail', '6'], '--mask-tail'),
    c([...S, '--mask-tail', '1', '--mask-fraction', '0'], '--mask-fraction'),
    c([...S, '--mask-tail', '1', '--mask-fraction', '1.5'], '--mask-fraction'),
    c([...S, '--validation-split', '1'], '--validation-split'),
    c([...S, '--validation-split', '-0.1'], '--validation-split'),
    c([...S, '--validation-split', 'Infinity'], '--validation-split'),
    c([...S, '--validation-split', '0x1'], '--validation-split'),
    c([...S, '--validation-split', '1e-17'], '--validation-split 1e-17 leaves no validation samples'),
    c(['--shape', '10,20,1', '--validation-split', '0.95'], '--validation-split'),
    c([...S, '--stateful', '--reset-every', '0'], '--reset-every'),
    c([...S, '--stateful', '--reset-every', '1e3'], '--reset-every'),
    c([...S, '--stateful', '--reset-every', '99999999999999999999'], '--reset-every'),
    c([...S, '--stateful', '--reset-every', 'sometimes'], '--reset-every'),
  ],
  'flags: names, values, enums': [
    c([...S, '--keras', '4'], '--keras'),
    c([...S, '--keras', ''], '--keras'),
    c([...S, '--cell', 'lstm2'], '--cell'),
    c([...S, '--recurrent-activation', 'relu'], '--recurrent-activation'),
    c([...S, '--format', 'xml'], '--format'),
    c([...S, '--format', ''], '--format'),
    c([...S, '--shuffle', 'sometimes'], '--shuffle'),
    c([...S, '--events', 'some'], '--events'),
    c([...S, '--events', 'head:0'], '--events'),
    c([...S, '--events', 'head:-3'], '--events'),
    c([...S, '--events', 'head:x'], '--events'),
    c([...S, '--layers', ''], '--layers'),
    c([...S, '--layers', '4,,4'], '--layers'),
    c([...S, '--layers', 'lstm:0'], '--layers'),
    c([...S, '--layers', 'lstm:99999'], '--layers'),
    c([...S, '--layers', 'transformer:8'], '--layers'),
    c([...S, '--layers', '8:sideways'], '--layers'),
    c([...S, '--layers', Array(17).fill('4').join(',')], '--layers'),
    c([...S, '--expect', 'resets'], '--expect'),
    c([...S, '--expect', 'nope=3'], '--expect nope'),
    c([...S, '--expect', '=3'], '--expect'),
    c([...S, '--expect', 'rowResets=NaN'], '--expect'),
    c([...S, '--expect', 'rowResets=1e400'], '--expect'),
    c([...S, '--expect', '__proto__=3'], '--expect'),
    c([...S, '--expect', 'constructor=3'], '--expect constructor'),
    c([...S, '--expect', 'perEpoch.length=1'], '--expect perEpoch.length'),
    c([...S, '--expect', 'perEpoch.99=1'], '--expect perEpoch.99'),
    c([...S, '--expect', 'byReason=1'], '--expect byReason'),
    c(['--sahpe', '1000,20,1'], "'--sahpe'"),
    c([...S, '--Json'], "'--Json'"),
    c([...S, '-x'], "'-x'"),
    c([...S, '--json=yes'], "'--json=yes'"),
    c([...S, '--stateful=false'], "'--stateful=false'"),
    c([...S, '--samples', '3'], "'--samples'"),
    c(['--shape'], "'--shape"),
    c(['--shape', '10,2', '--batch'], "'-b, --batch"),
    c([...S, '--trace'], "'--trace"),
    c(['--batch', '200'], '--shape is required'),
    c(['-q'], '--shape is required'),
    c(['--shape\n', '10,2'], "unknown option '--shape"),
    c(['--shape', '1,'.repeat(100000)], /^error: option '--shape <N,T,D>' argument '(1,){50}…(1,){20}' is invalid/),
    c([...S, '--layers', `lstm:${'9'.repeat(5000)}`], /--layers/),
    c([...S, `--${'x'.repeat(3000)}`], /unknown option/),
  ],
  'flags: positionals, duplicates, contradictions': [
    c([...S, 'extra'], "unexpected argument 'extra'"),
    c([...S, '--', '--json'], "unexpected argument '--json'"),
    c(['--', ...S], "unexpected argument '--shape'"),
    c([...S, '--batch', '20'], '--batch is given twice'),
    c([...S, '--shape', '10,2'], '--shape is given twice'),
    c([...S, '--epochs', '2', '-e', '3'], '--epochs is given twice'),
    c([...S, '--shuffle', '--no-shuffle'], '--shuffle and --no-shuffle'),
    c([...S, '--no-shuffle', '--shuffle', 'batch'], '--no-shuffle and --shuffle'),
    c([...S, '--color', '--no-color'], '--color and --no-color'),
    c([...S, '--count-only', '--no-count-only'], '--count-only and --no-count-only'),
    c([...S, '--json', '--format', 'tsv'], '--json, --format and --plain'),
    c([...S, '--json', '--plain'], '--json, --format and --plain'),
    c([...S, '--format', 'ndjson', '--plain'], '--json, --format and --plain'),
    c([...S, '--trace', '-', '--json'], '--trace - prints the trace'),
    c([...S, '--trace', '-', '--format', 'tsv'], '--trace - prints the trace'),
    c([...S, '--trace', '-', '--plain'], '--trace - prints the trace'),
    c([...S, '--trace', '-', '--events', 'none'], '--trace - prints the trace'),
    c([...S, '--trace', '-', '--count-only'], '--trace needs the forward pass'),
    c([...S, '--reset-every', 'epoch'], '--reset-every needs --stateful'),
    c([...S, '--layers', '4,4', '--units', '8'], '--units'),
    c([...S, '--mask-fraction', '0.5'], '--mask-fraction needs --mask-tail'),
    c([...S, '--plan', H('plan-ok.json'), '--epochs', '3'], '--epochs conflicts with --plan'),
    c([...S, '--plan', H('plan-ok.json'), '--no-shuffle'], '--shuffle conflicts with --plan'),
    c([...S, '--plan', H('plan-ok.json'), '--validation-split', '0.2'], '--validation-split conflicts with --plan'),
    c(['--data', '-', '--plan', '-', '--batch', '2'], '--data - and --plan - both read standard input'),
    c(['--data', H('ok.npy'), '--data', H('nan.npy'), '--batch', '2'], '--data is given 2 times'),
    c(['--shape', '5,3,2', '--data', H('ok.npy'), '--batch', '2'], 'contradicts --data'),
  ],
  'limits: time, memory, exactness': [
    c(['--shape', '1000000,1000,100', '--batch', '1000', '--units', '512', '--no-count-only'], '--no-count-only'),
    c(['--shape', '1,1000000,10000', '--batch', '1', '--no-count-only'], /--no-count-only: the forward pass would need about [\d.]+ GiB of memory/),
    c(['--shape', '100000,100000,1000', '--batch', '100000', '--units', '1', '--no-count-only'], /memory/),
    c(['--shape', '3000000000,1', '--batch', '1000', '--units', '1', '--no-count-only'], /samples are more than the 2,147,483,647 a forward pass can index/),
    c(['--shape', '1000000,1000,100', '--batch', '1000', '--units', '512', '--trace', H('t.json')], '--trace needs the forward pass'),
    c(['--shape', '1,1000000,10000', '--batch', '1', '--trace', H('t.json')], '--trace needs the forward pass'),
    c(['--shape', '1000,20,8', '--batch', '10', '--units', '64', '--epochs', '50', '--trace', H('t.json')], '--trace: this run would record'),
    c(['--shape', '1000000000000000,1', '--batch', '1', '--epochs', '100', '--count-only'], /past 2\^53/),
    c(['--shape', '1000000000000000,1', '--batch', '1', '--layers', '1,1,1,1,1,1,1,1,1,1', '--count-only'], /past 2\^53/),
    c(['verify', '--shape', '1000000,1000,10', '--batch', '1000'], /verify would need about [\d.]+ GiB of memory/),
    c(['verify', '--shape', '100000,200,64', '--batch', '1000', '--units', '1024'], /verify would need .* GFLOP|memory/),
    c(['verify', '--shape', '3000000000,1', '--batch', '1000000000'], /verify: 3,000,000,000 windows/),
    c(['--shape', '4,2', '--batch', '4', '--units', '4096', '--no-count-only'], /GFLOP \(mostly initialising the recurrent weights, which grows as units³\), more than the 2,000 GFLOP lstm-reset runs/),
    c(['--shape', '4,2', '--batch', '4', '--units', '3000', '--trace', H('t.json')], /--trace needs the forward pass, but .*initialising the recurrent weights/),
    c(['verify', '--shape', '8,2', '--batch', '4', '--units', '2000'], /verify would need [\d,]+ GFLOP \(four forward passes and one weight initialisation, mostly the initialisation, which grows as units³\), more than the 200 GFLOP \(about 10 s\) verify runs/),
    c(['verify', '--shape', '20,7,1', '--batch', '10', '--units', '1600'], /verify would need 5\d\d GFLOP .*more than the 200 GFLOP/),
    c(['verify', '--shape', '20,7,1', '--batch', '10', '--units', '1300', '--json'], /verify would need [\d,]+ GFLOP/),
    c(['verify', '--shape', '20,7,1', '--batch', '10', '--layers', '1000,1000'], /verify would need 2\d\d GFLOP/),
    c(['verify', '--shape', '200,500,8', '--batch', '10', '--units', '512'], /verify would need [\d,]+ GFLOP \(four forward passes and one weight initialisation\), more than/),
  ],
  'commands': [
    c(['vreify', '--shape', '20,7,1'], "unknown command 'vreify' (Did you mean verify?)"),
    c(['audt', 'x'], "unknown command 'audt' (Did you mean audit?)"),
    c(['model.json', '--samples', '3'], "unknown command 'model.json' (to audit a model file"),
    c(['zzz'], "unknown command 'zzz'"),
    c(['help', 'audt'], "unknown command 'audt'"),
    c(['help', 'audit', 'extra'], "unexpected argument 'extra'"),
    c(['verify', '--shape', '20,7,1', '--batch', '10', 'extra'], "unexpected argument 'extra'; 'verify' takes options only"),
    c(['verify', '--shape', '20,7,1', '--batch', '10', '--max-rows', 'abc'], '--max-rows'),
    c(['verify', '--shape', '20,7,1', '--batch', '10', '--max-rows', '0'], '--max-rows'),
    c(['verify', '--shape', '21,7,1', '--batch', '10'], 'verify needs N to be a multiple of B'),
    c(['verify', '--shape', '10,7,1', '--batch', '10'], 'at least 2 windows'),
    c(['verify', '--shape', '20,7,1', '--batch', '10', '--batch', '5'], '--batch is given twice'),
    c(['verify', '--shape', '20,7,1', '--batch', '10', '--json', 'x'], "unexpected argument 'x'"),
    c(['schema', 'nope'], "'nope' is invalid"),
    c(['schema', 'output', 'extra'], "unexpected argument 'extra'"),
    c(['findings', '--keras', '7'], '--keras'),
    c(['findings', 'extra'], "unexpected argument 'extra'"),
    c(['findings', '--json', '--json', '--bogus'], "'--bogus'"),
    c(['check'], "missing required argument 'contract'"),
    c(['check', 'a.json', 'b.json'], "unexpected argument 'b.json'"),
    c(['audit'], "missing required argument 'model'"),
    c(['audit', H('model-dir.json'), 'extra', '--samples', '3'], "unexpected argument 'extra'"),
  ],
  'plans': [
    c([...S, '--plan', H('plan-empty.json')], /plan-empty\.json: is empty/),
    c([...S, '--plan', H('plan-spaces.json')], /plan-spaces\.json: is empty/),
    c([...S, '--plan', H('plan-junk.json')], /plan-junk\.json: is not valid JSON/),
    c([...S, '--plan', H('plan-truncated.json')], /plan-truncated\.json: is not valid JSON/),
    c([...S, '--plan', H('plan-null.json')], /plan-null\.json: invalid training plan/),
    c([...S, '--plan', H('plan-number.json')], /plan-number\.json: invalid training plan/),
    c([...S, '--plan', H('plan-string.json')], /plan-string\.json: invalid training plan/),
    c([...S, '--plan', H('plan-no-steps.json')], /plan-no-steps\.json: invalid training plan at steps/),
    c([...S, '--plan', H('plan-steps-object.json')], /plan-steps-object\.json: invalid training plan at steps/),
    c([...S, '--plan', H('plan-no-steps-list.json')], /plan-no-steps-list\.json: invalid training plan: it has no steps/),
    c([...S, '--plan', H('plan-unknown-type.json')], /plan-unknown-type\.json: invalid training plan at steps\[0\]/),
    c([...S, '--plan', H('plan-missing-type.json')], /plan-missing-type\.json: invalid training plan at steps\[0\]/),
    c([...S, '--plan', H('plan-epochs-zero.json')], /plan-epochs-zero\.json: invalid training plan at steps\[0\]\.epochs/),
    c([...S, '--plan', H('plan-epochs-negative.json')], /steps\[0\]\.epochs/),
    c([...S, '--plan', H('plan-epochs-fraction.json')], /steps\[0\]\.epochs/),
    c([...S, '--plan', H('plan-epochs-string.json')], /steps\[0\]\.epochs/),
    c([...S, '--plan', H('plan-epochs-1e400.json')], /steps\[0\]\.epochs/),
    c([...S, '--plan', H('plan-batch-zero.json')], /steps\[0\]\.batchSize/),
    c([...S, '--plan', H('plan-shuffle-yes.json')], /steps\[0\]\.shuffle/),
    c([...S, '--plan', H('plan-split-one.json')], /steps\[0\]\.validationSplit/),
    c([...S, '--plan', H('plan-split-negative.json')], /steps\[0\]\.validationSplit/),
    c([...S, '--plan', H('plan-split-all.json')], /--plan: validationSplit 1e-17 leaves no training or no validation samples/),
    c([...S, '--plan', H('plan-extra-key.json')], /steps\[0\].*"epoch"/),
    c([...S, '--plan', H('plan-repeat-zero.json')], /steps\[0\]\.times/),
    c([...S, '--plan', H('plan-repeat-huge.json')], /steps\[0\]\.times/),
    c([...S, '--plan', H('plan-repeat-empty.json')], /steps\[0\]\.steps/),
    c([...S, '--plan', H('plan-too-many-epochs.json')], /add up to 1000000000 epochs, more than the 1000000 allowed/),
    c([...S, '--plan', H('plan-too-many-steps.json')], /expand to 10000000 steps, more than the 1000000 allowed/),
    c([...S, '--plan', H('plan-nested-17.json')], /nested more than 16 deep/),
    c([...S, '--plan', H('plan-nested-5000.json')], /nested more than 16 deep/),
    c([...S, '--plan', H('plan-deep-arrays.json')], /plan-deep-arrays\.json: invalid training plan/),
    c([...S, '--plan', H('plan-utf16.json')], /plan-utf16\.json: is not valid JSON/),
    c([...S, '--plan', H('plan-evaluate-zero.json')], /steps\[0\]\.batchSize/),
    c([...S, '--plan', H('plan-predict-samples.json')], /steps\[0\]\.samples/),
    c([...S, '--plan', H('plan-only-reset.json')], /plan-only-reset\.json: invalid training plan at steps\[1\]\.times/),
    c([...S, '--plan', H('plan-dir.json')], /--plan: cannot read .*plan-dir\.json: it is a directory/),
    c([...S, '--plan', H('missing.json')], /--plan: cannot read .*missing\.json: no such file/),
    c([...S, '--plan', H('a file/x.json')], /--plan: cannot read .*a file\/x\.json: a part of the path is not a directory/),
    c([...S, '--plan', H('loop-a')], /--plan: cannot read .*loop-a: too many levels of symbolic links/),
    c([...S, '--plan', ''], /--plan: cannot read : no such file/),
    c([...S, '--plan', '-'], /--plan: stdin: is empty/, { options: { stdin: '' } }),
    c([...S, '--plan', '-'], /--plan: cannot read stdin: is not JSON/, { options: { stdin: '\u0000\u0001binary' } }),
    c([...S, '--plan', '/dev/null'], /--plan: .*\/dev\/null/),
    c([...S, '--plan', H('nobody.fifo')], /--plan: cannot read .*nobody\.fifo: nothing was written to it within 0\.2 s/),
  ],
  '.npy data': [
    c(['--data', H('nan.npy'), '--batch', '2'], /--data .*nan\.npy: sample 1, timestep 0, feature 1 \(flat index 7\) is NaN/),
    c(['--data', H('inf.npy'), '--batch', '2', '--json'], /--data .*inf\.npy: sample 0, timestep 2, feature 1 \(flat index 5\) is Infinity as float32/),
    c(['--data', H('neg-inf.npy'), '--batch', '2', '--format', 'ndjson'], /flat index 23\) is -Infinity/),
    c(['--data', H('f64-overflow.npy'), '--batch', '2'], /flat index 11\) is Infinity as float32/),
    c(['--data', H('nan.npy'), '--batch', '2', '--count-only'], /is NaN/),
    c(['--data', H('empty.npy'), '--batch', '2'], /empty\.npy: is not a NumPy \.npy file/),
    c(['--data', H('magic-only.npy'), '--batch', '2'], /magic-only\.npy: /),
    c(['--data', H('junk.npy'), '--batch', '2'], /junk\.npy: is not a NumPy \.npy file/),
    c(['--data', H('text.npy'), '--batch', '2'], /text\.npy: is not a NumPy \.npy file/),
    c(['--data', H('version9.npy'), '--batch', '2'], /version9\.npy: has \.npy format version 9\.0/),
    c(['--data', H('int64.npy'), '--batch', '2'], /int64\.npy: has dtype "<i8"/),
    c(['--data', H('object.npy'), '--batch', '2'], /object\.npy: has dtype "\|O"/),
    c(['--data', H('complex.npy'), '--batch', '2'], /complex\.npy: has dtype "<c8"/),
    c(['--data', H('big-endian.npy'), '--batch', '2'], /big-endian\.npy: has big-endian data/),
    c(['--data', H('fortran.npy'), '--batch', '2'], /fortran\.npy: is stored in Fortran/),
    c(['--data', H('one-d.npy'), '--batch', '2'], /one-d\.npy: has shape \(24,\)/),
    c(['--data', H('four-d.npy'), '--batch', '2'], /four-d\.npy: has shape \(2, 2, 3, 2\)/),
    c(['--data', H('zero-rows.npy'), '--batch', '2'], /zero-rows\.npy: has shape \(0, 3\), which holds no data/),
    c(['--data', H('negative-dim.npy'), '--batch', '2'], /negative-dim\.npy: has a malformed \.npy header/),
    c(['--data', H('overflow-dim.npy'), '--batch', '2'], /overflow-dim\.npy: has a malformed \.npy header \(dimension too large\)/),
    c(['--data', H('truncated.npy'), '--batch', '2'], /truncated\.npy: is truncated/),
    c(['--data', H('trailing.npy'), '--batch', '2'], /trailing\.npy: has 4 bytes after the data/),
    c(['--data', H('huge-declared.npy'), '--batch', '2'], /huge-declared\.npy: is truncated/),
    c(['--data', H('header-junk.npy'), '--batch', '2'], /header-junk\.npy: has a malformed \.npy header/),
    c(['--data', H('header-no-shape.npy'), '--batch', '2'], /header-no-shape\.npy: \.npy header has no 'shape'/),
    c(['--data', H('nul-header.npy'), '--batch', '2'], /nul-header\.npy: has a malformed \.npy header/),
    c(['--data', H('sub'), '--batch', '2'], /--data: cannot read .*sub: it is a directory/),
    c(['--data', H('missing.npy'), '--batch', '2'], /--data: cannot read .*missing\.npy: no such file/),
    c(['--data', H('a file/x.npy'), '--batch', '2'], /a part of the path is not a directory/),
    c(['--data', H('loop-a'), '--batch', '2'], /too many levels of symbolic links/),
    c(['--data', '', '--batch', '2'], /--data: cannot read : no such file/),
    c(['--data', H('nobody.fifo'), '--batch', '2'], /--data: cannot read .*nobody\.fifo: nothing was written to it within 0\.2 s/),
    c(['--data', '/dev/null', '--batch', '2'], /--data: cannot read \/dev\/null: is not a NumPy \.npy file/),
    c(['--data', '/dev/zero', '--batch', '2'], /--data: cannot read \/dev\/zero: is not a NumPy \.npy file/),
    c(['--data', '-', '--batch', '2'], /--data: cannot read stdin: is not a NumPy \.npy file/, { options: { stdin: 'a,b\n1,2\n' } }),
    c(['--data', '-', '--batch', '2'], /--data: cannot read stdin: is not a NumPy/, { options: { stdin: '' } }),
    c(['--data', H('ok.npy'), '--batch', '2', '--mask-tail', '4'], '--mask-tail 4 pads more steps than the 3 timesteps'),
    c(['--data', H('ok.npy'), '--batch', '2', '--validation-split', '0.9'], '--validation-split 0.9 leaves no training samples out of 4'),
    c(['audit', `${fixtures}tfjs-stateful/model.json`, '--data', H('ok.npy'), '--batch', '2'], /audit: --data .*ok\.npy has 2 features per step but .* expects 3/),
    c(['audit', `${fixtures}tfjs-stateful/model.json`, '--data', H('ok.npy'), '--samples', '4'], /give the data as --samples N, --shape N,T,D or --data X\.npy, not several/),
  ],
  'model files': [
    c(['audit', H('model-units-negative.json'), '--samples', '8', '--batch', '4'], /model-units-negative\.json: .*units must be a positive integer, got -5/),
    c(['audit', H('model-units-zero.json'), '--samples', '8', '--batch', '4'], /units must be a positive integer, got 0/),
    c(['audit', H('model-units-string.json'), '--samples', '8', '--batch', '4'], /units must be a positive integer, got "8"/),
    c(['audit', H('model-units-fraction.json'), '--samples', '8', '--batch', '4'], /units must be a positive integer, got 2\.5/),
    c(['audit', H('model-shape-negative.json'), '--samples', '8', '--batch', '4'], /batch_shape has the dimension -1/),
    c(['audit', H('model-shape-string.json'), '--samples', '8', '--batch', '4'], /batch_shape must be a list of dimensions/),
    c(['audit', H('model-layers-null.json'), '--samples', '8', '--batch', '4'], /model-layers-null\.json: Sequential config has no "layers" list/),
    c(['audit', H('model-no-recurrent.json'), '--samples', '8', '--batch', '4'], /model-no-recurrent\.json has no recurrent layer lstm-reset simulates/),
    c(['audit', H('model-null.json'), '--samples', '8'], /model-null\.json: is JSON but neither a Keras model/),
    c(['audit', H('model-number.json'), '--samples', '8'], /model-number\.json: is JSON but neither/),
    c(['audit', H('model-empty-object.json'), '--samples', '8'], /model-empty-object\.json: is JSON but neither/),
    c(['audit', H('model-list.json'), '--samples', '8'], /model-list\.json: is JSON but neither/),
    c(['audit', H('model-empty.json'), '--samples', '8'], /model-empty\.json: is empty/),
    c(['audit', H('model-nul.json'), '--samples', '8'], /model-nul\.json: is not valid JSON/),
    c(['audit', H('model-not-utf8.json'), '--samples', '8'], /model-not-utf8\.json: is not UTF-8 text/),
    c(['audit', H('model-junk.keras'), '--samples', '8'], /model-junk\.keras: is a truncated or corrupt zip archive/),
    c(['audit', H('model-junk.h5'), '--samples', '8'], /model-junk\.h5: /),
    c(['audit', H('model-text.keras'), '--samples', '8'], /model-text\.keras: is not a zip archive/),
    c(['audit', H('model-nested-3000.json'), '--samples', '8', '--batch', '4'], /model-nested-3000\.json/),
    c(['audit', H('model-dir.json'), '--samples', '8'], /audit: cannot read .*model-dir\.json: it is a directory/),
    c(['audit', H('missing.json'), '--samples', '8'], /audit: cannot read .*missing\.json: no such file/),
    c(['audit', H('loop-a'), '--samples', '8'], /audit: cannot read .*loop-a: too many levels of symbolic links/),
    c(['audit', '', '--samples', '8'], /audit: cannot read : no such file/),
    c(['audit', '/dev/zero', '--samples', '8'], /audit: cannot read \/dev\/zero: is not JSON/),
    c(['audit', '-', '--samples', '8'], /audit: cannot read stdin: is not JSON/, { options: { stdin: 'hello' } }),
    c(['audit', H('tfjs-nan/model.json'), '--samples', '4', '--batch', '2'], /tfjs-nan\/model\.json: layer "lstm" has NaN in its kernel at index 2/),
    c(['audit', H('tfjs-inf/model.json'), '--samples', '4', '--batch', '2'], /has -Infinity in its kernel at index 2/),
    c(['audit', H('tfjs-shard-dir/model.json'), '--samples', '4', '--batch', '2'], /weight shard/),
    c(['audit', `${fixtures}hostile/bad-json.json`, '--samples', '4'], /bad-json\.json: is not valid JSON/),
    c(['audit', `${fixtures}hostile/not-a-zip.keras`, '--samples', '4'], /not-a-zip\.keras/),
    c(['audit', `${fixtures}hostile/truncated.keras`, '--samples', '4'], /truncated\.keras/),
    c(['audit', `${fixtures}hostile/truncated.h5`, '--samples', '4'], /truncated\.h5/),
    c(['audit', `${fixtures}hostile/zip-bomb-declared.keras`, '--samples', '4'], /zip-bomb-declared\.keras/),
    c(['audit', `${fixtures}hostile/zip-bomb-lying.keras`, '--samples', '4'], /zip-bomb-lying\.keras/),
    c(['audit', `${fixtures}hostile/no-config.keras`, '--samples', '4'], /no-config\.keras/),
    c(['audit', `${fixtures}hostile/weights-only.h5`, '--samples', '4'], /weights-only\.h5/),
    c(['audit', `${fixtures}tfjs-hostile-traversal/model.json`, '--samples', '4', '--batch', '2'], /tfjs-hostile-traversal/),
    c(['audit', `${fixtures}tfjs-hostile-absolute/model.json`, '--samples', '4', '--batch', '2'], /tfjs-hostile-absolute/),
    c(['audit', `${fixtures}tfjs-hostile-short-shard/model.json`, '--samples', '4', '--batch', '2'], /tfjs-hostile-short-shard/),
    c(['audit', `${fixtures}tfjs-hostile-shape/model.json`, '--samples', '4', '--batch', '2'], /tfjs-hostile-shape/),
    c(['audit', `${fixtures}tfjs-hostile-dtype/model.json`, '--samples', '4', '--batch', '2'], /tfjs-hostile-dtype/),
    c(['audit', `${fixtures}tfjs-stateful/model.json`], /audit: how many samples does fit get/),
    c(['audit', `${fixtures}tfjs-stateful/model.json`, '--samples', '4', '--units', '8'], /audit: --units, --layers, --cell, --bidirectional and --stateful come from the model file/),
    c(['audit', `${fixtures}tfjs-stateful/model.json`, '--samples', '4', '--stateful'], /come from the model file/),
    c(['audit', `${fixtures}tfjs-stateful/model.json`, '--samples', '4', '--shape', '4,5,3'], /not several/),
    c(['audit', `${fixtures}tfjs-stateful/model.json`, '--shape', '4,6,3', '--batch', '2'], /the data has 6 timesteps but .* fixes 5/),
    c(['audit', `${fixtures}tfjs-stateful/model.json`, '--samples', '0'], '--samples'),
    c(['audit', `${fixtures}tfjs-stateful/model.json`, '--samples', '-4'], '--samples'),
  ],
  contracts: [
    c(['check', H('contract-empty.json')], /check: .*contract-empty\.json: is empty/),
    c(['check', H('contract-junk.json')], /contract-junk\.json: is not valid JSON/),
    c(['check', H('contract-list.json')], /contract-list\.json: invalid contract at \(top level\)/),
    c(['check', H('contract-no-scenarios.json')], /invalid contract at scenarios/),
    c(['check', H('contract-args-numbers.json')], /invalid contract at scenarios\[0\]\.args\[0\]/),
    c(['check', H('contract-args-empty.json')], /invalid contract at scenarios\[0\]\.args/),
    c(['check', H('contract-check.json')], /a scenario runs the main command or audit, not "check"/),
    c(['check', H('contract-verify.json')], /not "verify"/),
    c(['check', H('contract-findings.json')], /not "findings"/),
    c(['check', H('contract-help.json')], /not "help"/),
    c(['check', H('contract-audit-no-model.json')], /give the model file right after "audit"/),
    c(['check', H('contract-exit-2.json')], /exitCode: expected 0, 1 or 3/),
    c(['check', H('contract-exit-4.json')], /exitCode: expected 0, 1 or 3/),
    c(['check', H('contract-duplicate.json')], /duplicate scenario name "a"/),
    c(['check', H('contract-bad-key.json')], /"a\.\.b" is not a dotted key into totals/),
    c(['check', H('contract-string-total.json')], /totals\.resetEvents/),
    c(['check', H('contract-unknown-key.json')], /Unrecognized key: "extra"/),
    c(['check', H('contract-empty-name.json')], /scenarios\[0\]\.name/),
    c(['check', H('contract-plan-stdin.json')], /scenario "from stdin" \(scenarios\[0\]\) reads standard input \(--plan -\)/),
    c(['check', H('contract-data-stdin.json')], /reads standard input \(--data -\)/),
    c(['check', H('contract-plan-eq-stdin.json')], /reads standard input \(--plan -\)/),
    c(['check', H('contract-deep.json')], /contract-deep\.json: invalid contract/),
    c(['check', H('contract-dir.json')], /check: cannot read .*contract-dir\.json: it is a directory/),
    c(['check', H('missing.json')], /check: cannot read .*missing\.json: no such file/),
    c(['check', '/dev/null'], /check: \/dev\/null: is empty|nothing was written/),
    c(['check', '/dev/zero'], /check: cannot read \/dev\/zero: is not JSON/),
    c(['check', '-'], /check: stdin: is empty/, { options: { stdin: '' } }),
    c(['check', '-', '-q'], /check: cannot read stdin: is not JSON/, { options: { stdin: 'scenarios:\n  - a' } }),
  ],
  traces: [
    c([...S, '--trace', H('sub')], /--trace: cannot write .*sub: it is a directory/, { options: { realFiles: true } }),
    c([...S, '--trace', H('missing-dir/t.json')], /--trace: cannot write .*missing-dir\/t\.json: no such directory/, { options: { realFiles: true } }),
    c([...S, '--trace', H('a file/t.json')], /a file\/t\.json: .*not a directory/, { options: { realFiles: true } }),
    c([...S, '--trace', H('dangling-into-missing-dir')], /dangling-into-missing-dir: no such directory/, { options: { realFiles: true } }),
    c([...S, '--trace', H('loop-a')], /loop-a: too many levels of symbolic links/, { options: { realFiles: true } }),
    c([...S, '--trace', ''], /--trace: cannot write : the path is empty/, { options: { realFiles: true } }),
    c([...S, '--trace', H('t.json/')], /--trace: cannot write .*t\.json\/: the path ends in "\/", which names a folder \(give a file name/, { options: { realFiles: true } }),
    c([...S, '--html', H('r.html/')], /--html: cannot write .*r\.html\/: the path ends in "\/"/, { options: { realFiles: true } }),
    c([...S, '--trace', H('missing-dir/t.json/')], /the path ends in "\/"/, { options: { realFiles: true } }),
    c([...S, '--trace', `${H('t.json')}/.`], /the path ends in "\/"/, { options: { realFiles: true } }),
    c([...S, '--html', `${H('sub')}/`], /--html: cannot write .*sub\/: (the path ends in "\/"|it is a directory)/, { options: { realFiles: true } }),
    c([...S, '--trace', H('nobody.fifo')], /nobody\.fifo: it is a FIFO that nobody reads yet \(start its reader first/, { options: { realFiles: true } }),
    c(['check', H('nobody.fifo')], /check: cannot read .*nobody\.fifo: nothing was written to it/),
    c(['audit', H('nobody.fifo'), '--samples', '3'], /audit: cannot read .*nobody\.fifo: nothing was written to it/),
    c([...S, '--trace', '/proc/sys/kernel/hostname'], /it is a kernel interface/, { options: { realFiles: true } }),
    c([...S, '--trace', '/sys/kernel/notes'], /it is a kernel interface|permission denied|read-only/, { options: { realFiles: true } }),
    c([...S, '--trace', '/dev/full'], /--trace: cannot write \/dev\/full: no space left on device \(ENOSPC\)/, { code: 4, options: { realFiles: true } }),
    c([...S, '--trace', H('t.json')], /--trace: cannot write .*t\.json: no space left on device \(ENOSPC\); nothing was written/, {
      code: 4,
      options: { realFiles: true, fileWriteFails: 'ENOSPC' },
    }),
    c([...S, '--trace', H('t.json')], /input\/output error \(EIO\)/, { code: 4, options: { realFiles: true, fileWriteFails: 'EIO' } }),
    c([...S, '--trace', H('t.json'), '--count-only'], '--trace needs the forward pass; drop --count-only'),
    c(['--data', H('ok.npy'), '--batch', '2', '--trace', H('ok.npy')], /ok\.npy: it is the --data file of this run \(it would be overwritten\)/, { options: { realFiles: true } }),
    c([...S, '--plan', H('plan-ok.json'), '--trace', H('plan-ok.json')], /it is the --plan file of this run/, { options: { realFiles: true } }),
    c(['--data', H('ok.npy'), '--batch', '2', '--html', H('ok.npy')], /--html: cannot write .*ok\.npy: it is the --data file of this run/, { options: { realFiles: true } }),
    c([...S, '--trace', H('both.out'), '--html', H('both.out')], /--html and --trace both name .*both\.out; give them different files/, { options: { realFiles: true } }),
    c([...S, '--html', H('sub')], /--html: cannot write .*sub: it is a directory/, { options: { realFiles: true } }),
    c([...S, '--html', H('missing-dir/r.html')], /--html: cannot write .*no such directory/, { options: { realFiles: true } }),
    c([...S, '--html', '/dev/full'], /--html: cannot write \/dev\/full: no space left on device/, { code: 4, options: { realFiles: true } }),
    c([...S, '--html', '-', '--json'], /--html - prints the HTML page on stdout/),
    c([...S, '--html', '-', '--trace', '-'], /--html - and --trace - both want stdout/),
    c([...S, '--html', H('r.html'), '--count-only'], /--html draws the forward pass call by call; drop --count-only/),
    c([...S, '--compare-stateless'], /--compare-stateless draws in the HTML report; add --html FILE/),
    c(['audit', H('model-ok.json'), '--samples', '4', '--batch', '4', '--trace', H('model-ok.json')], /model-ok\.json: it is the model file of this run/, { options: { realFiles: true } }),
    c(['audit', H('model-ok.json'), '--samples', '4', '--batch', '4', '--weights', H('model-junk.h5'), '--trace', H('model-junk.h5')], /model-junk\.h5/, { options: { realFiles: true } }),
    c(['audit', H('model-ok.json'), '--samples', '4', '--batch', '4', '--weights', H('a file'), '--html', H('a file')], /a file/, { options: { realFiles: true } }),
  ],
  'stdout errors (exit 4)': [
    ...[
      [...S],
      [...S, '--json'],
      [...S, '--format', 'tsv'],
      [...S, '--format', 'ndjson'],
      [...S, '--trace', '-'],
      [...S, '--count-only', '--json'],
      ['--help'],
      ['--version'],
      [],
      ['help'],
      ['help', 'audit'],
      ['verify', '--help'],
      ['verify', '--shape', '20,7,1', '--batch', '10'],
      ['verify', '--shape', '20,7,1', '--batch', '10', '--json'],
      ['findings'],
      ['findings', '--json'],
      ['schema'],
      ['schema', 'plan'],
      ['audit', `${fixtures}tfjs-stateful/model.json`, '--samples', '4', '--batch', '2'],
      ['check', new URL('../examples/contract.json', import.meta.url).pathname],
    ].map((args) => c(args, 'cannot write to standard output: ENOSPC', { code: 4, options: { stdoutFails: 'ENOSPC' } })),
    c([...S, '--format', 'ndjson', '--epochs', '50'], 'cannot write to standard output: EIO', { code: 4, options: { stdoutFails: 'EIO', stdoutFailsAfter: 100 } }),
  ],
};

describe('bad input: documented exit code, one line naming the flag or file and the fix, stdout empty, no stack, nothing on disk', () => {
  for (const [kind, cases] of Object.entries(tables)) {
    describe(kind, () => {
      it.each(cases.map((x) => [x.args.join(' ').replaceAll(hostile.dir, '$H').slice(0, 140), x] as const))('%s', async (_title, x) => {
        const before = snapshot(hostile.dir);
        const { code, stdout, stderr, files } = await run(x.args, x.options);
        const expectedCode = x.code ?? 2;
        expect(code, stderr).toBe(expectedCode);
        // exit 4 after output started may leave part of it: these cases fail before any byte
        if (!x.options?.stdoutFailsAfter) expect(stdout).toBe('');
        expect(stderr.endsWith('\n')).toBe(true);
        expect(stderr.slice(0, -1).split('\n'), stderr).toHaveLength(1);
        expect(stderr).toMatch(/^error: /);
        if (typeof x.names === 'string') expect(stderr).toContain(x.names);
        else expect(stderr).toMatch(x.names);
        expect(stderr, 'says how to fix it').toMatch(fix);
        expect(stderr).not.toMatch(/\bat .+:\d+:\d+|node:internal|(Range|Type|Syntax|Reference)Error/);
        expect(files.size).toBe(0);
        expect(snapshot(hostile.dir)).toEqual(before);
      });
    });
  }
});

describe('an output never overwrites an input', () => {
  it("a check scenario's --trace naming its own contract fails that scenario and leaves the contract whole", async () => {
    const before = snapshot(hostile.dir);
    const { code, stdout, stderr } = await run(['check', H('contract-traces-itself.json')], { realFiles: true });
    expect(code).toBe(1);
    expect(flat(stdout)).toMatch(/^FAIL overwrites its contract error: --trace: cannot write .*contract-traces-itself\.json: it is the check contract file of this run/);
    expect(stderr).toMatch(/1 of 1 scenario failed\n$/);
    expect(snapshot(hostile.dir)).toEqual(before);
  });
});
