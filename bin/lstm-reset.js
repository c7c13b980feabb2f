#!/usr/bin/env node
// The installed command. It runs dist/cli.js, the bundle that `npm install`/`npm ci` build (prepare
// script), and falls back to the TypeScript sources through tsx when there is no bundle or, in a git
// checkout being edited, when a source file is newer than the bundle, so it never runs stale code.
import { existsSync, readdirSync, statSync } from 'node:fs';

const bundle = new URL('../dist/cli.js', import.meta.url);
const sources = new URL('../src/', import.meta.url);
const checkout = existsSync(new URL('../.git', import.meta.url));

function newestSourceTime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = new URL(entry.name + (entry.isDirectory() ? '/' : ''), dir);
    newest = Math.max(newest, entry.isDirectory() ? newestSourceTime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

if (existsSync(bundle) && (!checkout || statSync(bundle).mtimeMs >= newestSourceTime(sources))) {
  await import(bundle.href);
} else {
  const { register } = await import('tsx/esm/api');
  register({ tsconfig: false }); // a tsconfig in the user's cwd must not change how we compile
  await import('../src/cli.ts');
}
