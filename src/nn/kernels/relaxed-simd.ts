/**
 * Relaxed SIMD (fused multiply-add for the LSTM kernel): on by default from Node 22; in Node 20 it is
 * behind V8's --experimental-wasm-relaxed-simd, which v8.setFlagsFromString can turn on before a
 * module using it compiles (checked on Node 20.20: the kernel then validates, compiles and matches
 * the plain-SIMD build within 2e-7). Kept apart from the kernel so the CLI can check and enable it
 * at start-up without loading the kernel's bytes.
 */
import { setFlagsFromString } from 'node:v8';

/**
 * A minimal module using f32x4.relaxed_madd: (func (param v128 v128 v128) (result v128)
 * local.get 0 local.get 1 local.get 2 f32x4.relaxed_madd). WebAssembly.validate accepts it exactly
 * where relaxed SIMD is on.
 */
const relaxedSimdProbe = Uint8Array.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
  0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b, // type section: (v128 v128 v128) -> v128
  0x03, 0x02, 0x01, 0x00, // function section: function 0 has type 0
  0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, 0x85, 0x02, 0x0b, // code: f32x4.relaxed_madd = 0xfd 0x105
]);

/** True when this runtime runs relaxed SIMD (asked each time: the V8 flag can turn it on later). */
export function relaxedSimdAvailable(): boolean {
  return WebAssembly.validate(relaxedSimdProbe);
}

/**
 * Turns relaxed SIMD on where V8 has it behind its flag (Node 20); returns whether it is available.
 * Process-wide: call it at start-up, before the kernel compiles (the CLI does).
 */
export function enableRelaxedSimd(): boolean {
  if (relaxedSimdAvailable()) return true;
  try {
    setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    // a runtime without the flag: plain SIMD
  }
  return relaxedSimdAvailable();
}
