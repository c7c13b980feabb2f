// Bundles src/cli.ts and its dependencies into dist/cli.js, so the installed command starts without
// compiling TypeScript (tsx costs about 0.5 s per start). Run by `npm install`/`npm ci` in a checkout
// (the "dependencies" script, which npm runs for the project being installed only) and by `npm pack`
// (prepack). Not "prepare": npm would list that as an install script of the packed package and warn
// on every `npm install -g` of the tarball, where dist/ is already built.
let build;
try {
  ({ build } = await import('esbuild'));
} catch {
  // installed without devDependencies: bin/lstm-reset.js runs the sources through tsx instead
  console.warn('lstm-reset: esbuild not installed, skipping the bundle (the CLI will start through tsx)');
  process.exit(0);
}

import { rmSync } from 'node:fs';

rmSync(new URL('../dist/', import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: [new URL('../src/cli.ts', import.meta.url).pathname],
  outdir: new URL('../dist/', import.meta.url).pathname,
  // subcommands and readers load on demand (dynamic import): a plain run parses only what it uses
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  // h5wasm loads its WebAssembly from its own folder: resolved from node_modules at run time
  external: ['h5wasm', 'h5wasm/*'],
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  // cli-table3 is CommonJS; give the ESM bundle a require() for its Node built-ins
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
});
