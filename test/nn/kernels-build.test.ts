/**
 * The committed kernel bytes (src/nn/kernels/lstm-wasm-module.ts) are what native/build.mjs makes from
 * native/lstm.c with clang 19, byte for byte. Runs where clang 19 is installed (apt-get install
 * clang-19 lld-19); elsewhere it is skipped, as installing and running need no compiler.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;

function hasClang19(): boolean {
  try {
    const version = execFileSync(process.env.CLANG ?? 'clang-19', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return /clang version 19\./.test(version);
  } catch {
    return false;
  }
}

describe('native/build.mjs', () => {
  it.runIf(hasClang19())('rebuilding native/lstm.c with clang 19 gives the committed bytes', () => {
    const result = spawnSync('node', [`${root}native/build.mjs`, '--check'], { encoding: 'utf8' });
    expect(result.stdout + result.stderr).toContain('matches');
    expect(result.status).toBe(0);
  });

  it('refuses a clang of another version, saying which it needs', () => {
    // a fake "clang" that reports version 14, as Debian 12's default clang does
    const result = spawnSync('node', [`${root}native/build.mjs`, '--check'], {
      encoding: 'utf8',
      env: { ...process.env, CLANG: `${root}test/fixtures/fake-clang-14.sh` },
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('clang 19');
    expect(result.stderr).toContain('apt-get install -y clang-19 lld-19');
  });
});

describe('the command with and without relaxed SIMD', () => {
  it('LSTM_RESET_NO_RELAXED_SIMD=1 runs the plain-SIMD build: the same counts, mean |h| within 1e-6', () => {
    const args = [`${root}bin/lstm-reset.js`, '--shape', '600,20,3', '--batch', '100', '--units', '24', '--epochs', '2', '--json', '-q'];
    const results = [{}, { LSTM_RESET_NO_RELAXED_SIMD: '1' }].map((extra) => {
      const result = spawnSync('node', args, { encoding: 'utf8', env: { ...process.env, ...extra } });
      expect(result.status).toBe(0);
      return JSON.parse(result.stdout) as { totals: unknown; finalMeanAbsH: number; events: { discardedMeanAbsH: number }[] };
    });
    const [relaxed, plain] = results as [(typeof results)[0], (typeof results)[0]];
    expect(plain.totals).toEqual(relaxed.totals);
    expect(relaxed.finalMeanAbsH).toBeGreaterThan(0);
    expect(Math.abs(plain.finalMeanAbsH - relaxed.finalMeanAbsH)).toBeLessThanOrEqual(1e-6);
    plain.events.forEach((event, i) => expect(Math.abs(event.discardedMeanAbsH - relaxed.events[i]!.discardedMeanAbsH)).toBeLessThanOrEqual(1e-6));
  });
});
