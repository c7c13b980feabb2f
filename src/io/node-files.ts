/** Node implementations of the readers' file interfaces (the only module here that touches the file system). */
import { closeSync, fstatSync, openSync, readFileSync, readSync, realpathSync, statSync } from 'node:fs';
import type { FileReader, RandomAccessFile } from './files.ts';

export const nodeFileReader: FileReader = {
  readFile(path) {
    const stats = statSync(path);
    if (!stats.isFile()) throw new Error(`not a regular file: ${path}`);
    const buffer = readFileSync(path);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  },
  fileSize(path) {
    const stats = statSync(path);
    if (!stats.isFile()) throw new Error(`not a regular file: ${path}`);
    return stats.size;
  },
  realpath(path) {
    return realpathSync(path);
  },
};

/** Wraps an already open file descriptor (not closed by `close()` unless `owned`). */
export function fileFromDescriptor(fd: number, owned = false): RandomAccessFile {
  const stats = fstatSync(fd);
  if (!stats.isFile()) throw new Error('not a regular file');
  return {
    size: stats.size,
    read(target, position) {
      return readSync(fd, target, 0, target.length, position);
    },
    close() {
      if (owned) closeSync(fd);
    },
  };
}

/** Opens a file for random-access reads; call `close()` when done. */
export function openRandomAccessFile(path: string): RandomAccessFile {
  const fd = openSync(path, 'r');
  try {
    return fileFromDescriptor(fd, true);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}
