/**
 * Git LFS pointer files: what a clone without `git lfs` holds in place of a large file — a few
 * lines of text (https://github.com/git-lfs/git-lfs/blob/main/docs/spec.md):
 *   version https://git-lfs.github.com/spec/v1
 *   oid sha256:4d7a…
 *   size 12345
 */

export interface LfsPointer {
  readonly oid: string;
  /** Size in bytes of the real file. */
  readonly size: number;
}

/** The pointer a file's bytes are, or undefined (the spec caps a pointer at 1024 bytes). */
export function lfsPointer(bytes: Uint8Array): LfsPointer | undefined {
  if (bytes.length > 1024 || bytes.length < 40) return undefined;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
  if (!text.startsWith('version https://git-lfs.github.com/spec/')) return undefined;
  const oid = /^oid (\S+)$/m.exec(text)?.[1] ?? 'unknown';
  const size = Number(/^size (\d+)$/m.exec(text)?.[1] ?? Number.NaN);
  return { oid, size };
}

/** One sentence for an error: what the file is and how to get the real one. */
export function describeLfsPointer(pointer: LfsPointer): string {
  const size = Number.isFinite(pointer.size) ? `, ${pointer.size} bytes` : '';
  return `is a Git LFS pointer (${pointer.oid.slice(0, 20)}…${size}), not the file itself: fetch it with \`git lfs pull\` (or download the real file)`;
}
