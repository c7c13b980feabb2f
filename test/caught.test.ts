/**
 * A plan step with "catch": true is a call inside try/except: when Keras raises there the script goes
 * on, so the error finding is reported (caught: true) but fails the run (exit 3) only with --strict;
 * an --expect mismatch still exits 1. The scenarios are golden ones (test/fixtures/keras-goldens):
 * lstm-stateful-model-reset-states (Keras 3 has no model.reset_states(): AttributeError, caught, the
 * script resets the layers and predicts) and lstm-stateful-jit-true-call-then-fit-trainable (torch +
 * jit_compile=True: the fit's BackendCompilerFailed caught, predict carries from the direct call).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from './helpers/io.ts';

const dir = mkdtempSync(join(tmpdir(), 'lstm-reset-caught-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function plan(name: string, steps: object[]): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify({ steps }));
  return path;
}

const scenarios = [
  {
    name: 'model.reset_states() in Keras 3',
    args: ['--shape', '12,4,2', '--batch', '4', '--stateful', '--no-trainable'],
    steps: (caught: boolean) => [
      { type: 'predict', batchSize: 4 },
      { type: 'reset', method: 'model.reset_states', catch: caught },
      { type: 'reset', method: 'reset_state' },
      { type: 'predict', batchSize: 4 },
    ],
    code: 'model-reset-states-raises',
    calls: 6,
  },
  {
    name: 'torch + jit_compile=True fit of a trainable stateful LSTM',
    args: ['--shape', '8,4,2', '--batch', '4', '--stateful', '--backend', 'torch', '--jit-compile', '--trainable'],
    steps: (caught: boolean) => [
      { type: 'call', from: 0, samples: 4 },
      { type: 'fit', epochs: 1, batchSize: 4, shuffle: false, catch: caught },
      { type: 'predict', batchSize: 4 },
    ],
    code: 'torch-stateful-training',
    calls: 3,
  },
];

describe('a Keras error the plan catches does not fail the run unless --strict (exit codes, README "Exit codes")', () => {
  for (const scenario of scenarios) {
    it(`${scenario.name}: caught → exit 0 with the finding marked caught; --strict → 3; uncaught → 3`, async () => {
      const caught = plan(`${scenario.code}-caught`, scenario.steps(true));
      const ok = await run([...scenario.args, '--plan', caught, '--json']);
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stderr).toBe('');
      const doc = JSON.parse(ok.stdout);
      // the script went on: every later call ran
      expect(doc.completed).toBe(true);
      const finding = doc.findings.find((f: { code: string }) => f.code === scenario.code);
      expect(finding).toMatchObject({ severity: 'error', caught: true });
      expect(finding.message).toMatch(/^Caught by the plan step \(catch: true\)/);

      const strict = await run([...scenario.args, '--plan', caught, '--json', '--strict']);
      expect(strict.code).toBe(3);
      expect(strict.stderr).toContain(`error: ${scenario.code}: Caught by the plan step`);

      // --expect still decides: a wrong expected count exits 1
      const expectWrong = await run([...scenario.args, '--plan', caught, '--json', '--expect', 'batches=999']);
      expect(expectWrong.code).toBe(1);

      const uncaught = await run([...scenario.args, '--plan', plan(`${scenario.code}-uncaught`, scenario.steps(false)), '--json']);
      expect(uncaught.code).toBe(3);
      const stopped = JSON.parse(uncaught.stdout);
      expect(stopped.completed).toBe(false);
      expect(stopped.findings.find((f: { code: string }) => f.code === scenario.code).caught).toBeUndefined();
    });
  }
});
