/**
 * Version strings to profiles (files and --keras say "3.10.0", "2.2.4", tf "2.15"), and the
 * per-backend rules of keras/backends.ts that the golden fixtures do not reach on their own.
 */
import { describe, expect, it } from 'vitest';
import { executionOf, kerasError, stateRule, wrongRows } from '../../src/keras/backends.ts';
import { kerasProfileForVersion } from '../../src/keras/profiles.ts';
import { parseKerasVersion } from '../../src/commands/args.ts';

describe('kerasProfileForVersion', () => {
  it.each([
    ['3.15.1', '3'],
    ['3.12.0', '3'],
    ['v3.12.4', '3'],
    ['3.11.3', '3.0-3.11'],
    ['3.10.0', '3.0-3.11'],
    ['3.0.0', '3.0-3.11'],
    ['2.3.1', '2'],
    ['2.2.4', '2'],
    ['2.2.4-tf', 'tf'],
    ['2.4.0', 'tf'],
    ['2.15.0', 'tf'],
    ['1.2.2', '2'],
  ] as const)('Keras %s -> %s', (version, profile) => {
    expect(kerasProfileForVersion(version)).toBe(profile);
  });

  it('a TensorFlow version names tf.keras up to 2.15; from 2.16 TF ships Keras 3 of an unstated minor version', () => {
    expect(kerasProfileForVersion('2.15', 'tensorflow')).toBe('tf');
    expect(kerasProfileForVersion('2.10.1', 'tensorflow')).toBe('tf');
    expect(kerasProfileForVersion('2.16.1', 'tensorflow')).toBeUndefined();
    expect(kerasProfileForVersion('banana')).toBeUndefined();
    expect(kerasProfileForVersion('4.0.0')).toBeUndefined();
  });

  it('--keras takes the profiles and any version, and 3 stays Keras 3.12+', () => {
    expect(parseKerasVersion('3')).toBe('3');
    expect(parseKerasVersion('3.15.1')).toBe('3');
    expect(parseKerasVersion('3.11')).toBe('3.0-3.11');
    expect(parseKerasVersion('keras 3.5.0')).toBe('3.0-3.11');
    expect(parseKerasVersion('tf.keras')).toBe('tf');
    expect(parseKerasVersion('2.3')).toBe('2');
    expect(() => parseKerasVersion('4')).toThrow(/--keras 3.11/);
  });
});

describe('§R per backend', () => {
  it('jit_compile "auto" is on for JAX only; run_eagerly turns it off', () => {
    expect(executionOf({ keras: '3', backend: 'jax' })).toMatchObject({ jaxJit: true, tfGraph: false });
    expect(executionOf({ keras: '3', backend: 'jax', runEagerly: true }).jaxJit).toBe(false);
    expect(executionOf({ keras: '3', backend: 'jax', jitCompile: false }).jaxJit).toBe(false);
    expect(executionOf({ keras: '3' })).toMatchObject({ backend: 'tensorflow', tfGraph: true });
    expect(executionOf({ keras: '3', runEagerly: true }).tfGraph).toBe(false);
    // tf.keras and Keras 2.3 run on TensorFlow whatever the flag says
    expect(executionOf({ keras: 'tf', backend: 'jax' }).backend).toBe('tensorflow');
  });

  it('JAX: trainer calls drop their state, each compiled function keeping its own trace; direct calls store', () => {
    const jax = executionOf({ keras: '3', backend: 'jax' });
    expect(stateRule(jax, 'fit', 4)).toEqual({ source: 'trace', traceKey: 'train:4', writes: false });
    expect(stateRule(jax, 'validate', 4)).toEqual(stateRule(jax, 'evaluate', 4));
    expect(stateRule(jax, 'train_on_batch', 4).traceKey).not.toBe(stateRule(jax, 'fit', 4).traceKey);
    expect(stateRule(jax, 'predict_on_batch', 4).traceKey).not.toBe(stateRule(jax, 'predict', 4).traceKey);
    expect(stateRule(jax, 'call', 4)).toEqual({ source: 'stored', writes: true });
    expect(stateRule(executionOf({ keras: '3', backend: 'torch' }), 'fit', 4)).toEqual({ source: 'stored', writes: true });
  });

  it('a wrong batch: broadcast or which failure, per version, backend and shape', () => {
    const tf = executionOf({ keras: '3' });
    expect(wrongRows(tf, false, 1, false)).toEqual({ kind: 'broadcast' });
    expect(wrongRows(tf, false, 2, false)).toEqual({ kind: 'fail', check: 'dynamic-shape' });
    expect(wrongRows(tf, true, 1, false)).toEqual({ kind: 'fail', check: 'at-batch' });
    const old = executionOf({ keras: '3.0-3.11', backend: 'jax' });
    expect(wrongRows(old, true, 1, false)).toEqual({ kind: 'broadcast' });
    expect(wrongRows(old, true, 2, false)).toEqual({ kind: 'fail', check: 'backend-shape' });
    expect(wrongRows(old, true, 2, true)).toEqual({ kind: 'fail', check: 'symbolic-build' });
  });

  it('words each exception as the backend does (measured on Keras 3.15.1, the 3.12 check removed for 3.0-3.11)', () => {
    const details = { samples: 10, batchSize: 4, rows: 2, stateRows: 4, timesteps: 3, features: 2, layerName: 'lstm', cell: 'lstm' as const, units: 3 };
    const said = (keras: '3' | '3.0-3.11', backend: 'tensorflow' | 'jax' | 'torch', check: Parameters<typeof kerasError>[0]['check']) =>
      kerasError({ ...details, check, execution: executionOf({ keras, backend }) });
    expect(said('3.0-3.11', 'jax', 'backend-shape')).toEqual({ className: 'TypeError', message: 'add got incompatible shapes for broadcasting: (2, 12), (4, 12).' });
    expect(said('3.0-3.11', 'torch', 'backend-shape')).toEqual({ className: 'RuntimeError', message: 'The size of tensor a (2) must match the size of tensor b (4) at non-singleton dimension 0' });
    expect(said('3', 'tensorflow', 'dynamic-shape').className).toBe('InvalidArgumentError');
    expect(said('3', 'jax', 'no-model-reset-states')).toEqual({ className: 'AttributeError', message: "'Sequential' object has no attribute 'reset_states'" });
  });
});
