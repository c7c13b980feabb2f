/** The .npy reader: header versions, dtypes, streaming row reads from a file descriptor, hostile files. */
import { openSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bytesFile, type RandomAccessFile } from '../../src/io/files.ts';
import { fileFromDescriptor, openRandomAccessFile } from '../../src/io/node-files.ts';
import { openNpy, parseNpy, parseNpyHeader } from '../../src/io/npy.ts';
import { expectModelError, fixture, fixtureBytes } from './helpers.ts';

/** Element i of every npy fixture is sin(i), narrowed to float32. */
const expected = (from: number, count: number) => Float32Array.from({ length: count }, (_, i) => Math.fround(Math.sin(from + i)));

describe('npy fixtures', () => {
  it('f4-3d-v1.npy: (6, 5, 3) float32, format 1.0', () => {
    const npy = parseNpy(fixtureBytes('npy/f4-3d-v1.npy'), 'f4.npy');
    expect(npy.header).toMatchObject({ version: '1.0', descr: '<f4', dtype: 'float32', itemSize: 4, fortranOrder: false, shape: [6, 5, 3], dataOffset: 128 });
    expect([npy.samples, npy.timesteps, npy.features, npy.rowLength]).toEqual([6, 5, 3, 15]);
    expect(npy.readRows(0, 6)).toEqual(expected(0, 90));
    expect(npy.readRows(2, 3)).toEqual(expected(30, 45));
    expect(npy.readRows(6, 0)).toEqual(new Float32Array(0));
  });

  it('f8-2d-v2.npy: (4, 7) float64, format 2.0, read as D = 1 float32', () => {
    const npy = parseNpy(fixtureBytes('npy/f8-2d-v2.npy'), 'f8.npy');
    expect(npy.header).toMatchObject({ version: '2.0', dtype: 'float64', itemSize: 8, shape: [4, 7] });
    expect([npy.samples, npy.timesteps, npy.features]).toEqual([4, 7, 1]);
    expect(npy.readRows(1, 2)).toEqual(expected(7, 14));
  });

  it('f4-3d-v3.npy: format 3.0 (UTF-8 header)', () => {
    const npy = parseNpy(fixtureBytes('npy/f4-3d-v3.npy'), 'v3.npy');
    expect(npy.header.version).toBe('3.0');
    expect(npy.readRows(0, 3)).toEqual(expected(0, 12));
  });

  it('streams batches from a file descriptor without reading the whole file', () => {
    const fd = openSync(fixture('npy/f4-3d-v1.npy'), 'r');
    const file = fileFromDescriptor(fd, true);
    let bytesRead = 0;
    const counting: RandomAccessFile = { size: file.size, read: (target, position) => ((bytesRead += target.length), file.read(target, position)), close: () => file.close?.() };
    const npy = openNpy(counting, 'f4.npy');
    const headerBytes = bytesRead;
    const batches: Float32Array[] = [];
    for (let start = 0; start < npy.samples; start += 2) {
      const before = bytesRead;
      batches.push(npy.readRows(start, 2));
      expect(bytesRead - before).toBe(2 * 15 * 4);
    }
    npy.close();
    expect(headerBytes).toBeLessThanOrEqual(file.size);
    expect(Float32Array.from(batches.flatMap((b) => [...b]))).toEqual(expected(0, 90));
  });

  it('openRandomAccessFile reads the same rows', () => {
    const npy = openNpy(openRandomAccessFile(fixture('npy/f8-2d-v2.npy')), 'f8.npy');
    try {
      expect(npy.readRows(3, 1)).toEqual(expected(21, 7));
    } finally {
      npy.close();
    }
  });

  it('copes with short reads', () => {
    const bytes = fixtureBytes('npy/f4-3d-v1.npy');
    const inner = bytesFile(bytes);
    const trickle: RandomAccessFile = { size: bytes.length, read: (target, position) => inner.read(target.subarray(0, Math.min(7, target.length)), position) };
    expect(openNpy(trickle, 'slow.npy').readRows(1, 1)).toEqual(expected(15, 15));
  });

  it('rejects rows outside the array', () => {
    const npy = parseNpy(fixtureBytes('npy/f4-3d-v1.npy'), 'f4.npy');
    expect(() => npy.readRows(5, 2)).toThrow(RangeError);
    expect(() => npy.readRows(-1, 1)).toThrow(/outside the 6 samples/);
    expect(() => npy.readRows(0.5, 1)).toThrow(RangeError);
  });
});

describe('hostile npy files', () => {
  const load = (name: string) => () => parseNpy(fixtureBytes(`npy/${name}`), name);
  it('big-endian', () => expectModelError(load('hostile-big-endian.npy'), 'hostile-big-endian.npy', /big-endian data \(dtype ">f4"\)/, /astype\('<f4'\)/));
  it('Fortran order', () => expectModelError(load('hostile-fortran.npy'), 'hostile-fortran.npy', /Fortran \(column-major\) order/));
  it('int64', () => expectModelError(load('hostile-int64.npy'), 'hostile-int64.npy', /dtype "<i8"; only float32/));
  it('1-D', () => expectModelError(load('hostile-1d.npy'), 'hostile-1d.npy', /has shape \(5,\); expected \(samples, timesteps\)/));
  it('truncated', () => expectModelError(load('hostile-truncated.npy'), 'hostile-truncated.npy', /is truncated: shape \(6, 5, 3\) of <f4 needs 360 data bytes, the file has 100/));
});

describe('header edge cases', () => {
  const enc = new TextEncoder();
  const build = (dict: string, version = 1, data = new Uint8Array(0)) => {
    const prefix = version === 1 ? 10 : 12;
    const header = enc.encode(`${dict}\n`);
    const out = new Uint8Array(prefix + header.length + data.length);
    out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
    const view = new DataView(out.buffer);
    if (version === 1) view.setUint16(8, header.length, true);
    else view.setUint32(8, header.length, true);
    out.set(header, prefix);
    out.set(data, prefix + header.length);
    return out;
  };
  it('accepts double quotes, any key order, no trailing comma and a list shape', () => {
    const header = parseNpyHeader(build('{"shape": [1, 2], "fortran_order": False, "descr": "<f4"}'), 'x.npy');
    expect(header).toMatchObject({ shape: [1, 2], dtype: 'float32' });
  });
  it('accepts |f4 as little-endian', () => {
    expect(parseNpyHeader(build("{'descr': '|f4', 'fortran_order': False, 'shape': (1, 1), }"), 'x.npy').dtype).toBe('float32');
  });
  it('rejects a non-npy file, an unknown version, a malformed dict, missing keys, an empty dimension and trailing bytes', () => {
    expectModelError(() => parseNpyHeader(enc.encode('not numpy at all'), 'x.npy'), 'x.npy', /not a NumPy \.npy file/);
    const v9 = build("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1), }");
    v9[6] = 9;
    expectModelError(() => parseNpyHeader(v9, 'x.npy'), 'x.npy', /format version 9\.0/);
    expectModelError(() => parseNpyHeader(build("{'descr': '<f4' 'shape': (1, 1)}"), 'x.npy'), 'x.npy', /malformed \.npy header/);
    expectModelError(() => parseNpyHeader(build("{'descr': '<f4', 'shape': (1, 1)}"), 'x.npy'), 'x.npy', /no 'fortran_order'/);
    expectModelError(() => parseNpyHeader(build("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 3)}"), 'x.npy'), 'x.npy', /holds no data/);
    const extra = build("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1)}", 1, new Uint8Array(8));
    expectModelError(() => parseNpy(extra, 'x.npy'), 'x.npy', /4 bytes after the data/);
  });
  it('rejects a header longer than numpy itself allows', () => {
    const huge = build(`{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1), }${' '.repeat(20_000)}`, 2);
    expectModelError(() => parseNpyHeader(huge, 'x.npy'), 'x.npy', /header, more than the 10000 allowed/);
  });
});
