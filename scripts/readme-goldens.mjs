#!/usr/bin/env node
// The README's table of what real Keras does per backend, copied from the golden corpus's summary
// (scripts/keras-goldens/SUMMARY.md, which summary.py computes from test/fixtures/keras-goldens/):
// its versions, its counts and its "In one table (like section R1)" table, between the README's
// <!-- keras-goldens --> markers. `npm run readme` runs it; `--check` (a test) fails when the README
// and the corpus disagree.
//
//   node scripts/readme-goldens.mjs [--check] [--readme PATH] [--summary PATH]
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const option = (name) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const readmePath = option('--readme') ?? join(root, 'README.md');
const summaryPath = option('--summary') ?? join(root, 'scripts', 'keras-goldens', 'SUMMARY.md');
const begin = '<!-- keras-goldens: generated from scripts/keras-goldens/SUMMARY.md by scripts/readme-goldens.mjs -->';
const end = '<!-- /keras-goldens -->';

/** The README block from the summary's text. */
export function goldensBlock(summary) {
  const lines = summary.split('\n');
  const line = (prefix) => {
    const found = lines.find((l) => l.startsWith(prefix));
    if (!found) throw new Error(`SUMMARY.md has no line starting "${prefix}"`);
    return found;
  };
  const start = lines.findIndex((l) => l.startsWith('## In one table'));
  if (start < 0) throw new Error('SUMMARY.md has no "## In one table" section');
  const table = [];
  for (let i = start + 1; i < lines.length && !lines[i].startsWith('## '); i++) if (lines[i].startsWith('|')) table.push(lines[i]);
  return [
    begin,
    '',
    `${line('Versions:')}`,
    `${line('Scenarios:')} ${line('Outcomes:')}`,
    '',
    'Over every completed call of a stateful layer (no initial_state): **carries** = the call started from the',
    "state variable's value and wrote its final state back; **never** = it started from the variable's value and",
    'left the variable unchanged ("as traced": some started from a value the variable held earlier).',
    '',
    ...table,
    '',
    end,
  ].join('\n');
}

const readme = readFileSync(readmePath, 'utf8');
const from = readme.indexOf(begin);
const to = readme.indexOf(end);
if (from < 0 || to < from) {
  process.stderr.write(`readme-goldens: ${readmePath} has no ${begin} … ${end} block\n`);
  process.exit(1);
}
const block = goldensBlock(readFileSync(summaryPath, 'utf8'));
const updated = readme.slice(0, from) + block + readme.slice(to + end.length);
if (process.argv.includes('--check')) {
  if (updated !== readme) {
    process.stderr.write('readme-goldens: the README\'s Keras table differs from scripts/keras-goldens/SUMMARY.md; run npm run readme\n');
    process.exit(1);
  }
  process.stdout.write('readme-goldens: the README\'s Keras table matches the corpus\n');
} else if (updated !== readme) {
  writeFileSync(readmePath, updated);
  process.stdout.write(`readme-goldens: the Keras table regenerated in ${readmePath}\n`);
}
