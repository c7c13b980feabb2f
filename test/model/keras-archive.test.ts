/** Keras 3 `.keras` archives and the guarded zip reader (fixtures built by scripts/make-fixtures.ts). */
import { deflateSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { crc32, extractZipEntries, listZipEntries } from '../../src/io/zip.ts';
import { parseKerasArchive } from '../../src/model/keras-archive.ts';
import { parseKerasJson } from '../../src/model/keras-json.ts';
import { expectModelError, fixtureBytes, fixtureText } from './helpers.ts';

const mtime = new Date('2024-01-01T00:00:00Z');
const enc = new TextEncoder();

describe('.keras archive fixtures', () => {
  it('keras3-sequential.keras: the same model as its config.json, with the version from metadata.json', () => {
    const info = parseKerasArchive(fixtureBytes('keras/keras3-sequential.keras'), 'model.keras');
    const direct = parseKerasJson(fixtureText('keras/keras3-sequential.json'), 'config.json');
    expect(info).toMatchObject({ source: 'keras-archive', kerasVersion: '3.0-3.11', versionString: '3.6.0', batchSize: 4, timesteps: 12, features: 2 });
    expect(info.layers).toEqual(direct.layers);
    expect(info.notes).toEqual([]);
  });

  it('tfkeras-functional.keras: metadata keras_version 2.15.0 means tf.keras', () => {
    const info = parseKerasArchive(fixtureBytes('keras/tfkeras-functional.keras'), 'model.keras');
    expect(info).toMatchObject({ kerasVersion: 'tf', versionString: '2.15.0', batchSize: 8 });
    expect(info.layers.map((l) => l.name)).toEqual(['lstm', 'gru']);
  });

  it('never inflates model.weights.h5 (only config.json and metadata.json are extracted)', () => {
    const { entries, files } = extractZipEntries(fixtureBytes('keras/keras3-sequential.keras'), 'model.keras', ['config.json', 'metadata.json']);
    expect(entries.map((e) => e.name).sort()).toEqual(['config.json', 'metadata.json', 'model.weights.h5']);
    expect([...files.keys()].sort()).toEqual(['config.json', 'metadata.json']);
  });
});

describe('hostile archives', () => {
  it('not-a-zip.keras', () => {
    expectModelError(() => parseKerasArchive(fixtureBytes('hostile/not-a-zip.keras'), 'not-a-zip.keras'), 'not-a-zip.keras', /is not a zip archive/);
  });
  it('truncated.keras', () => {
    expectModelError(() => parseKerasArchive(fixtureBytes('hostile/truncated.keras'), 'truncated.keras'), 'truncated.keras', /truncated or corrupt zip archive/, /end-of-central-directory/);
  });
  it('no-config.keras', () => {
    expectModelError(() => parseKerasArchive(fixtureBytes('hostile/no-config.keras'), 'no-config.keras'), 'no-config.keras', /no config\.json/, /entries: metadata\.json/);
  });
  it('zip-bomb-declared.keras: refused on the declared size before inflating', () => {
    expectModelError(() => parseKerasArchive(fixtureBytes('hostile/zip-bomb-declared.keras'), 'bomb.keras'), 'bomb.keras', /config\.json declares 3221225472 bytes/, /zip bomb/);
  });
  it('zip-bomb-lying.keras: inflation stops once the output passes the declared size', () => {
    const bytes = fixtureBytes('hostile/zip-bomb-lying.keras');
    expect(bytes.length).toBeLessThan(16 * 1024);
    expectModelError(() => parseKerasArchive(bytes, 'bomb.keras'), 'bomb.keras', /inflates to more than its declared 1024 bytes/);
  });
  it('honours custom limits on the total', () => {
    expectModelError(
      () => parseKerasArchive(fixtureBytes('keras/keras3-sequential.keras'), 'model.keras', { maxEntryBytes: 1 << 20, maxTotalBytes: 100, maxEntries: 10 }),
      'model.keras',
      /more than the 100 allowed/,
    );
    expectModelError(
      () => parseKerasArchive(fixtureBytes('keras/keras3-sequential.keras'), 'model.keras', { maxEntryBytes: 1 << 20, maxTotalBytes: 1 << 20, maxEntries: 2 }),
      'model.keras',
      /lists 3 entries, more than the 2 allowed/,
    );
  });
});

describe('corrupt entries built in memory', () => {
  const config = enc.encode(fixtureText('keras/keras3-sequential.json'));

  /** Offset of the central-directory header of the first entry. */
  const centralOffset = (zip: Uint8Array) => {
    const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
    for (let at = zip.length - 22; at >= 0; at--) if (view.getUint32(at, true) === 0x06054b50) return view.getUint32(at + 16, true);
    throw new Error('no EOCD');
  };

  it('rejects a CRC mismatch', () => {
    const zip = zipSync({ 'config.json': [config, { level: 6, mtime }] }, { mtime });
    const view = new DataView(zip.buffer);
    view.setUint32(centralOffset(zip) + 16, 0xdeadbeef, true);
    expectModelError(() => parseKerasArchive(zip, 'crc.keras'), 'crc.keras', /config\.json is corrupt: CRC-32 mismatch/);
  });

  it('rejects an entry that inflates to fewer bytes than declared', () => {
    const zip = zipSync({ 'config.json': [config, { level: 6, mtime }] }, { mtime });
    const view = new DataView(zip.buffer);
    view.setUint32(centralOffset(zip) + 24, config.length + 10, true);
    expectModelError(() => parseKerasArchive(zip, 'short.keras'), 'short.keras', /config\.json is corrupt/, new RegExp(`inflates to ${config.length} bytes, not the declared ${config.length + 10}`));
  });

  it('rejects invalid deflate data and unknown compression methods', () => {
    const zip = zipSync({ 'config.json': [config, { level: 6, mtime }] }, { mtime });
    const broken = zip.slice();
    const dataStart = 30 + 'config.json'.length;
    broken.fill(0xff, dataStart, dataStart + 8);
    expectModelError(() => parseKerasArchive(broken, 'bad.keras'), 'bad.keras', /config\.json is corrupt: deflate data is invalid/);
    const method = zip.slice();
    new DataView(method.buffer).setUint16(centralOffset(method) + 10, 12, true); // bzip2
    expectModelError(() => parseKerasArchive(method, 'bz.keras'), 'bz.keras', /compression method 12/);
  });

  it('reads stored (uncompressed) entries and rejects non-JSON config.json', () => {
    const stored = zipSync({ 'config.json': [config, { level: 0, mtime }], 'metadata.json': [enc.encode('{"keras_version": "3.1.0"}'), { level: 0, mtime }] }, { mtime });
    expect(parseKerasArchive(stored, 'stored.keras')).toMatchObject({ versionString: '3.1.0', batchSize: 4 });
    const notJson = zipSync({ 'config.json': [enc.encode('{not json'), { mtime }] }, { mtime });
    expectModelError(() => parseKerasArchive(notJson, 'x.keras'), 'x.keras:config.json', /not valid JSON/);
    const badMeta = zipSync({ 'config.json': [config, { mtime }], 'metadata.json': [enc.encode('[]'), { mtime }] }, { mtime });
    expectModelError(() => parseKerasArchive(badMeta, 'x.keras'), 'x.keras:metadata.json', /not a JSON object/);
  });

  it('assumes Keras 3 when there is no metadata.json, with a note', () => {
    const zip = zipSync({ 'config.json': [config, { mtime }] }, { mtime });
    const info = parseKerasArchive(zip, 'bare.keras');
    expect(info.kerasVersion).toBe('3');
    expect(info.notes.join(' ')).toMatch(/no metadata\.json/);
  });
});

describe('zip internals', () => {
  it('crc32 matches the zip CRC of the fixture entries', () => {
    const bytes = fixtureBytes('keras/keras3-sequential.keras');
    const config = enc.encode(fixtureText('keras/keras3-sequential.json'));
    const entry = listZipEntries(bytes, 'model.keras').find((e) => e.name === 'config.json');
    expect(entry?.crc32).toBe(crc32(config));
    expect(crc32(enc.encode('123456789'))).toBe(0xcbf43926);
  });
  it('a raw deflate stream is not a zip', () => {
    expectModelError(() => listZipEntries(deflateSync(enc.encode('x')), 'raw.keras'), 'raw.keras', /not a zip archive/);
  });
});
