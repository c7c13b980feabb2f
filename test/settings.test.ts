/**
 * One rule per setting of the user's script, however it is given: a flag, a plan field, a contract's
 * arguments, or audit of a model file whose profile is decided by the file. KERAS_BACKEND is Keras
 * 3's; compile(run_eagerly=, jit_compile=) and keras.utils.set_random_seed are Keras 3's and
 * tf.keras's (Keras 2.3.1 training.py compile has neither argument and keras.utils no
 * set_random_seed; TF.js Layers has none of them). And --keras VERSION says on stderr which profile
 * the version runs under, keeping the version in the result's config.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from './helpers/io.ts';

const dir = mkdtempSync(join(tmpdir(), 'lstm-reset-settings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const tfjsModel = new URL('./fixtures/tfjs-stateful/model.json', import.meta.url).pathname;
const base = ['--shape', '8,4,2', '--batch', '4', '--stateful', '--no-shuffle'];

/** Each setting: its flag(s), its plan field and value, and the versions that have it. */
const settings = [
  { flag: ['--run-eagerly'], field: { runEagerly: true }, versions: ['3', '3.10', 'tf'], python: /model\.compile\(run_eagerly=\.\.\.\)/ },
  { flag: ['--jit-compile'], field: { jitCompile: true }, versions: ['3', '3.10', 'tf'], python: /model\.compile\(jit_compile=\.\.\.\)/ },
  { flag: ['--no-jit-compile'], field: { jitCompile: false }, versions: ['3', '3.10', 'tf'], python: /model\.compile\(jit_compile=\.\.\.\)/ },
  { flag: ['--set-random-seed'], field: { setRandomSeed: true }, versions: ['3', '3.10', 'tf'], python: /keras\.utils\.set_random_seed/ },
  { flag: ['--backend', 'jax'], field: { backend: 'jax' }, versions: ['3', '3.10'], python: /KERAS_BACKEND/ },
] as const;
const allVersions = ['3', '3.10', 'tf', '2', 'tfjs'];

function planFile(field: object): string {
  const path = join(dir, `plan-${Object.keys(field)[0]}-${String(Object.values(field)[0])}.json`);
  writeFileSync(path, JSON.stringify({ ...field, steps: [{ type: 'fit', epochs: 1, batchSize: 4, shuffle: false }] }));
  return path;
}

describe('a setting a Keras version does not have is refused the same way as a flag, a plan field and in a contract', () => {
  for (const setting of settings) {
    for (const version of allVersions) {
      const has = (setting.versions as readonly string[]).includes(version);
      it(`${setting.flag.join(' ')} with --keras ${version}: ${has ? 'accepted' : 'refused (exit 2, one line naming it)'}`, async () => {
        const byFlag = await run([...base, '--keras', version, ...setting.flag, '-q']);
        const byPlan = await run(['--shape', '8,4,2', '--stateful', '--keras', version, '--plan', planFile(setting.field), '-q']);
        for (const [result, named] of [
          [byFlag, setting.flag[0]],
          [byPlan, `--plan: "${Object.keys(setting.field)[0]}"`],
        ] as const) {
          if (has) {
            // accepted: it runs (JAX's stateful fit exits 3 with its error finding)
            expect(result.code, result.stderr).not.toBe(2);
            expect(result.stderr).not.toContain('is a setting of');
            continue;
          }
          expect(result.code).toBe(2);
          expect(result.stdout).toBe('');
          expect(result.stderr.split('\n').filter(Boolean)).toHaveLength(1);
          expect(result.stderr).toContain(named);
          expect(result.stderr).toMatch(setting.python);
        }
        // a contract runs the same arguments, so it fails the scenario with the same line
        const contract = join(dir, `contract-${version}-${setting.flag.join('')}.json`);
        writeFileSync(contract, JSON.stringify({ scenarios: [{ name: 'setting', args: [...base, '--keras', version, ...setting.flag], expect: { exitCode: 0 } }] }));
        const checked = await run(['check', contract]);
        if (!has) {
          expect(checked.code).toBe(1);
          expect(checked.stdout.replace(/\s+/g, ' ')).toMatch(setting.python);
        } else expect(checked.stdout).not.toContain('is a setting of');
      });
    }
  }

  it('audit: a TF.js model.json picks the TF.js profile, which has none of them, and says so', async () => {
    for (const setting of settings) {
      const result = await run(['audit', tfjsModel, '--samples', '6', '--batch', '2', ...setting.flag, '-q']);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(setting.python);
      expect(result.stderr).toContain('TF.js Layers (the profile of');
    }
    // the same for the plan's fields
    const byPlan = await run(['audit', tfjsModel, '--samples', '6', '--plan', planFile({ setRandomSeed: true }), '-q']);
    expect(byPlan.code).toBe(2);
    expect(byPlan.stderr).toContain('--plan: "setRandomSeed"');
    expect(byPlan.stderr).toContain('TF.js Layers (the profile of');
    // --keras 3 audits the same file as Keras 3, which has them all
    const keras3 = await run(['audit', tfjsModel, '--samples', '6', '--batch', '2', '--keras', '3', '--run-eagerly', '--set-random-seed', '-q']);
    expect(keras3.code).toBe(0);
  });
});

describe('--keras VERSION: the profile it runs under, said on stderr, and the version kept in the config', () => {
  it.each([
    ['3.15.1', '3', /Keras 3 \(3\.12\+\): Keras 3\.12 and later, measured on 3\.15\.1/],
    ['3.12', '3', /measured on 3\.15\.1/],
    ['3.20', '3', /newer than 3\.15\.1, the last version measured/],
    ['3.10', '3.0-3.11', /without the stateful batch-size check that came in 3\.12/],
    ['2.2.4', '2', /multi-backend Keras 2\.0–2\.3/],
    ['1.2.2', '2', /Keras 1\.x has no profile of its own/],
    ['2.15', 'tf', /Keras 2\.4–2\.15 is tf\.keras/],
    ['2.16', 'tf', /a 2\.16\+ version is the tf-keras package/],
  ])('--keras %s runs as %s', async (given, profile, why) => {
    const result = await run([...base, '--keras', given, '--json']);
    expect(result.code).toBe(0);
    const lines = result.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^note: --keras ${given.replace(/\./g, '\\.')} is simulated as `));
    expect(lines[0]).toMatch(why);
    const doc = JSON.parse(result.stdout);
    expect(doc.config).toMatchObject({ keras: profile, kerasVersion: given });
    // -q keeps stderr empty
    expect((await run([...base, '--keras', given, '--json', '-q'])).stderr).toBe('');
  });

  it("a version older than its profile keeps its own default recurrent_activation (Keras 1.x, 2.0–2.2: hard_sigmoid; 2.3.0 changed it, §8)", async () => {
    for (const [given, activation] of [['1.2.2', 'hard_sigmoid'], ['2.2.4', 'hard_sigmoid'], ['2.3.1', 'sigmoid'], ['2', 'sigmoid']] as const) {
      const doc = JSON.parse((await run([...base, '--keras', given, '--json', '-q'])).stdout);
      expect(doc.config.recurrentActivation, given).toBe(activation);
    }
    // the flag still wins
    const chosen = JSON.parse((await run([...base, '--keras', '2.2.4', '--recurrent-activation', 'sigmoid', '--json', '-q'])).stdout);
    expect(chosen.config.recurrentActivation).toBe('sigmoid');
  });

  it('a profile name (3, tf, 2, tfjs) needs no note and records no version', async () => {
    for (const given of ['3', 'tf', '2', 'tfjs']) {
      const result = await run([...base, '--keras', given, '--json']);
      expect(result.stderr).toBe('');
      expect(JSON.parse(result.stdout).config.kerasVersion).toBeUndefined();
    }
  });

  it('versions no profile covers are refused', async () => {
    for (const given of ['4.0', '0.3']) {
      const result = await run([...base, '--keras', given]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/--keras/);
      expect(result.stderr).toContain(`No profile covers Keras ${given}.`);
    }
  });

  it('the 3.0–3.11 note says why once, not the profile name twice', async () => {
    const result = await run([...base, '--keras', '3.10', '--json']);
    expect(result.stderr).toBe('note: --keras 3.10 is simulated as Keras 3.0–3.11: they behave as Keras 3.15.1 without the stateful batch-size check that came in 3.12 (PR keras#21742).\n');
  });

  it('audit keeps the version as given in its header', async () => {
    const model = new URL('./fixtures/models/k3-stateful/model.keras', import.meta.url).pathname;
    const result = await run(['audit', model, '--samples', '4', '--batch', '2', '--keras', '3.15.1']);
    expect(result.stdout.replace(/\s+/g, ' ')).toContain('simulated as Keras 3 (3.12+): --keras 3.15.1');
  });
});

describe("fit(validation_batch_size=) in a plan: Keras 3's and tf.keras's, not Keras 2.3.1's fit() nor TF.js's model.fit()", () => {
  const plan = join(dir, 'plan-validation-batch-size.json');
  writeFileSync(plan, JSON.stringify({ steps: [{ type: 'fit', epochs: 1, batchSize: 4, shuffle: false, validationSplit: 0.25, validationBatchSize: 2 }] }));
  for (const [version, has] of [['3', true], ['3.10', true], ['tf', true], ['2', false], ['2.2.4', false], ['tfjs', false]] as const) {
    it(`--keras ${version}: ${has ? 'runs' : 'refused, one line naming the field'}`, async () => {
      const result = await run(['--shape', '16,4,2', '--keras', version, '--plan', plan, '-q']);
      if (has) {
        expect(result.code, result.stderr).toBe(0);
      } else {
        expect(result.code).toBe(2);
        expect(result.stdout).toBe('');
        expect(result.stderr.split('\n').filter(Boolean)).toHaveLength(1);
        expect(result.stderr).toMatch(/^error: --plan: a fit step's "validationBatchSize" is fit\(validation_batch_size=\.\.\.\), which .* does not have/);
      }
    });
  }
});
