/**
 * The most multiply-add work a WebAssembly SIMD kernel can do on one core here: a loop of 12
 * independent f32x4 multiply-adds (fused with relaxed SIMD, else f32x4.mul + f32x4.add) and nothing
 * else, as GFLOP/s (8 flops per f32x4 multiply-add). The module is written out below, opcode by
 * opcode (WebAssembly core spec, binary format; relaxed SIMD proposal for f32x4.relaxed_madd).
 */

const ACCUMULATORS = 12;

/** unsigned LEB128 */
function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

const f32 = (v: number) => [...new Uint8Array(Float32Array.of(v).buffer)];
const section = (id: number, body: number[]) => [id, ...leb(body.length), ...body];

/** (func (export "run") (param $n i32) (result f32)): $n iterations of ACCUMULATORS multiply-adds. */
function ceilingModule(fused: boolean): Uint8Array {
  const v128 = 0x7b;
  const n = 0; // param
  const acc = (i: number) => 1 + i; // locals 1..ACCUMULATORS
  const m = 1 + ACCUMULATORS;
  const b = m + 1;
  const SIMD = 0xfd;
  const splat = [SIMD, ...leb(0x13)];
  const add = [SIMD, ...leb(0xe4)];
  const mul = [SIMD, ...leb(0xe6)];
  const madd = [SIMD, ...leb(0x105)];
  const get = (i: number) => [0x20, ...leb(i)];
  const set = (i: number) => [0x21, ...leb(i)];
  const code: number[] = [];
  code.push(0x43, ...f32(0.99999994), ...splat, ...set(m));
  code.push(0x43, ...f32(1e-7), ...splat, ...set(b));
  for (let i = 0; i < ACCUMULATORS; i++) code.push(0x43, ...f32(1 + i / 64), ...splat, ...set(acc(i)));
  code.push(0x03, 0x40); // loop
  for (let i = 0; i < ACCUMULATORS; i++) {
    // acc = acc * m + b
    code.push(...get(acc(i)), ...get(m), ...(fused ? [...get(b), ...madd] : [...mul, ...get(b), ...add]), ...set(acc(i)));
  }
  code.push(...get(n), 0x41, 0x01, 0x6b, 0x22, ...leb(n), 0x0d, 0x00, 0x0b); // n = n - 1; br_if n != 0; end loop
  code.push(...get(acc(0)));
  for (let i = 1; i < ACCUMULATORS; i++) code.push(...get(acc(i)), ...add);
  code.push(SIMD, ...leb(0x1f), 0x00, 0x0b); // f32x4.extract_lane 0; end
  const locals = [0x01, ...leb(ACCUMULATORS + 2), v128];
  const body = [...locals, ...code];
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [0x01, 0x60, 0x01, 0x7f, 0x01, 0x7d]), // type: (i32) -> f32
    ...section(3, [0x01, 0x00]), // function 0: type 0
    ...section(7, [0x01, 0x03, ...[...'run'].map((ch) => ch.charCodeAt(0)), 0x00, 0x00]), // export "run"
    ...section(10, [0x01, ...leb(body.length), ...body]),
  ];
  return Uint8Array.from(bytes);
}

/** GFLOP/s of the loop on this thread (best of a few runs of ~0.2 s), fused where `fused`. */
export function wasmMultiplyAddCeiling(fused: boolean): number {
  const instance = new WebAssembly.Instance(new WebAssembly.Module(ceilingModule(fused)));
  const run = instance.exports.run as (n: number) => number;
  run(1e6); // tier up
  const iterations = 5e7;
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const start = performance.now();
    run(iterations);
    best = Math.min(best, (performance.now() - start) / 1000);
  }
  return (iterations * ACCUMULATORS * 8) / best / 1e9;
}
