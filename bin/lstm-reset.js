#!/usr/bin/env node
// The installed command. It runs dist/cli.js, the bundle that `npm install`/`npm ci` build in a
// checkout ("dependencies" script) and that `npm pack` puts in the package (prepack). In a
// checkout being edited it runs the TypeScript sources through tsx (a devDependency) when a source
// file is newer than the bundle, so it never runs stale code.
import { existsSync, readdirSync, statSync } from 'node:fs';

const bundle = new URL('../dist/cli.js', import.meta.url);
const sources = new URL('../src/', import.meta.url);
const checkout = existsSync(new URL('../.git', import.meta.url)) && existsSync(sources);

function newestSourceTime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = new URL(entry.name + (entry.isDirectory() ? '/' : ''), dir);
    // only the TypeScript the bundle is built from: a folder README edited later is not stale code
    if (entry.isDirectory()) newest = Math.max(newest, newestSourceTime(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

if (existsSync(bundle) && (!checkout || statSync(bundle).mtimeMs >= newestSourceTime(sources))) {
  await import(bundle.href);
} else {
  let tsx;
  try {
    tsx = await import('tsx/esm/api');
  } catch {
    const root = new URL('..', import.meta.url).pathname;
    process.stderr.write(
      existsSync(sources)
        ? `lstm-reset: ${root}dist/cli.js is missing and tsx is not installed; run \`npm install\` (or \`npm run build\`) in ${root}.\n`
        : `lstm-reset: ${root}dist/cli.js is missing: this package was packed without its build; reinstall it from a tarball made by \`npm pack\`.\n`,
    );
    process.exit(2);
  }
  tsx.register({ tsconfig: false }); // a tsconfig in the user's cwd must not change how we compile
  await import('../src/cli.ts');
}
