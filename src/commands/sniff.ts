/**
 * First-bytes checks for inputs read from a stream: a stream that cannot be the expected format
 * (/dev/zero, /dev/urandom, the wrong pipe) is refused after 64 bytes instead of read up to the limit.
 */
import { inputError } from '../io/read-input.ts';

const npyMagic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

/** A .npy file starts with "\x93NUMPY". */
export function npyHead(bytes: Uint8Array): void {
  if (bytes.length < npyMagic.length || npyMagic.some((byte, i) => bytes[i] !== byte)) {
    throw inputError('EFORMAT', 'is not a NumPy .npy file (it does not start with "\\x93NUMPY")');
  }
}

/** JSON text (a plan, a contract) starts with { or [ after optional whitespace and a byte-order mark. */
export function jsonHead(what: string): (bytes: Uint8Array) => void {
  return (bytes) => {
    let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
    while (i < bytes.length && [0x20, 0x09, 0x0a, 0x0d].includes(bytes[i]!)) i++;
    if (i < bytes.length && bytes[i] !== 0x7b && bytes[i] !== 0x5b) throw inputError('EFORMAT', `is not JSON (expected ${what})`);
  };
}

/** A model file: a zip (.keras), HDF5 (.h5) or JSON (Keras model JSON, TF.js model.json). */
export function modelHead(bytes: Uint8Array): void {
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) return;
  if (bytes[0] === 0x89 && bytes[1] === 0x48 && bytes[2] === 0x44 && bytes[3] === 0x46) return;
  jsonHead('a Keras model JSON, a .keras or .h5 file, or a TF.js model.json')(bytes);
}

/** A weights file (--weights): HDF5 (.h5) or a zip (.keras). */
export function weightsHead(bytes: Uint8Array): void {
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) return;
  if (bytes[0] === 0x89 && bytes[1] === 0x48 && bytes[2] === 0x44 && bytes[3] === 0x46) return;
  throw inputError('EFORMAT', 'is neither an HDF5 (.h5) file nor a .keras archive');
}
