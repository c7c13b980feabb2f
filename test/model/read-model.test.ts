/** Format detection by content: every model fixture through the same entry points. */
import { describe, expect, it } from 'vitest';
import { nodeFileReader } from '../../src/io/node-files.ts';
import { detectModelFormat, parseModelBytes, readModelFile } from '../../src/model/read-model.ts';
import { expectModelError, fixture, fixtureBytes } from './helpers.ts';

describe('detectModelFormat', () => {
  it.each([
    ['keras/keras1-sequential.json', 'keras-json'],
    ['keras/keras2-sequential.json', 'keras-json'],
    ['keras/tfkeras-functional.json', 'keras-json'],
    ['keras/keras3-sequential.json', 'keras-json'],
    ['keras/keras3-functional.json', 'keras-json'],
    ['keras/keras3-sequential.keras', 'keras-archive'],
    ['keras/tfkeras-functional.keras', 'keras-archive'],
    ['tfjs-stateful/model.json', 'tfjs-layers'],
    ['tfjs-bidirectional/model.json', 'tfjs-layers'],
    ['hostile/truncated.keras', 'keras-archive'],
  ])('%s -> %s', (name, format) => {
    expect(detectModelFormat(fixtureBytes(name))).toBe(format);
  });
  it('returns undefined for anything else', () => {
    expect(detectModelFormat(fixtureBytes('hostile/bad-json.json'))).toBeUndefined();
    expect(detectModelFormat(fixtureBytes('npy/f4-3d-v1.npy'))).toBeUndefined();
    expect(detectModelFormat(new TextEncoder().encode('{"foo": 1}'))).toBeUndefined();
  });
});

describe('readModelFile', () => {
  it.each([
    ['keras/keras2-sequential.json', 'keras-json', 1],
    ['keras/keras3-sequential.keras', 'keras-archive', 4],
    ['tfjs-stateful/model.json', 'tfjs-layers', 2],
  ])('%s', (name, source, batchSize) => {
    const info = readModelFile(fixture(name), nodeFileReader);
    expect(info.source).toBe(source);
    expect(info.batchSize).toBe(batchSize);
  });

  it('loads TF.js weights when reading from a path, not from bytes alone', () => {
    expect(readModelFile(fixture('tfjs-stateful/model.json'), nodeFileReader).layers[0]?.weights).toBeDefined();
    expect(parseModelBytes(fixtureBytes('tfjs-stateful/model.json'), 'model.json').layers[0]?.weights).toBeUndefined();
  });

  it('names the file for hostile inputs', () => {
    for (const [name, pattern] of [
      ['hostile/bad-json.json', /not valid JSON/],
      ['hostile/not-a-zip.keras', /not a zip archive/],
      ['hostile/truncated.keras', /truncated or corrupt/],
      ['hostile/zip-bomb-declared.keras', /zip bomb/],
      ['hostile/zip-bomb-lying.keras', /zip bomb/],
      ['tfjs-hostile-traversal/model.json', /contains '\.\.'/],
    ] as const) {
      expectModelError(() => readModelFile(fixture(name), nodeFileReader), fixture(name), pattern);
    }
  });

  it('reports missing files, directories, HDF5 and unrelated JSON', () => {
    expectModelError(() => readModelFile(fixture('nope.json'), nodeFileReader), fixture('nope.json'), /cannot be read: ENOENT/);
    expectModelError(() => readModelFile(fixture('keras'), nodeFileReader), fixture('keras'), /not a regular file/);
    const h5 = new Uint8Array([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]);
    expectModelError(() => parseModelBytes(h5, 'model.h5'), 'model.h5', /HDF5/);
    expectModelError(() => parseModelBytes(new TextEncoder().encode('{"foo": 1}'), 'x.json'), 'x.json', /neither a Keras model/);
    expectModelError(() => parseModelBytes(new Uint8Array([0xff, 0xfe, 0x00]), 'x.json'), 'x.json', /not UTF-8/);
  });
});
