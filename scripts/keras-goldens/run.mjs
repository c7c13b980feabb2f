#!/usr/bin/env node
// `npm run goldens [-- generate.py options]`: regenerates the Keras golden fixtures with real Keras.
// Needs a Python with keras 3.15.1, jax, tensorflow-cpu 2.21.0 and torch, named by KERAS_PYTHON
// (see scripts/keras-goldens/README.md). Never part of npm test, install or CI.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const local = join(here, '.venv', 'bin', 'python');
const python = process.env.KERAS_PYTHON || (existsSync(local) ? local : '');
const help = 'see scripts/keras-goldens/README.md for creating one';

if (!python) {
  console.error(`npm run goldens: KERAS_PYTHON is not set: point it at a Python with keras 3.15.1, jax, tensorflow-cpu 2.21.0 and torch (${help})`);
  process.exit(2);
}
const probe = spawnSync(python, ['-c', 'import importlib.metadata as m; print(m.version("keras"))'], { encoding: 'utf8' });
if (probe.error || probe.status !== 0) {
  const why = probe.error ? probe.error.message : (probe.stderr || '').trim().split('\n').pop();
  console.error(`npm run goldens: KERAS_PYTHON=${python} cannot be used (${why}); ${help}`);
  process.exit(2);
}
const version = probe.stdout.trim();
if (version !== '3.15.1' && process.env.KERAS_GOLDENS_ANY_VERSION !== '1') {
  console.error(`npm run goldens: KERAS_PYTHON has keras ${version}, the corpus records keras 3.15.1 (set KERAS_GOLDENS_ANY_VERSION=1 to generate anyway)`);
  process.exit(2);
}
const run = spawnSync(python, [join(here, 'generate.py'), '--python', python, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(run.status ?? 1);
