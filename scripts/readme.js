#!/usr/bin/env node
// The README's command outputs, regenerated from the build (run after changing what lstm-reset
// prints: `npm run readme`), or checked (`node scripts/readme.js --check`, which the package test
// runs against an installed tarball).
//
// An output block is a fenced block without a language whose first line is `$ npx lstm-reset …`
// (continued by lines ending in `\`); the rest of the block is what the command prints on stdout,
// in a pipe, without colour, at 80 columns. A last line `…` keeps only the lines above it (the
// first K lines of the output). In ```sh blocks, lines that run lstm-reset or an examples/ script
// are commands that must exit 0. Every line of every fenced block must fit 80 columns. The option
// table under "## Usage" must name every option that any command's --help lists.
//
//   node scripts/readme.js [--check] [--bin PATH] [--readme PATH]
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const check = args.includes('--check');
const readmePath = option('--readme') ?? join(root, 'README.md');
const bin = option('--bin');
const width = 80;

/** Fenced blocks: { lang, lines, start, end } with start/end the indices of the fence lines. */
function fencedBlocks(lines) {
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const end = lines.indexOf('```', i + 1);
    if (end < 0) throw new Error(`README line ${i + 1}: a fenced block is not closed`);
    blocks.push({ lang: open[1], lines: lines.slice(i + 1, end), start: i, end });
    i = end;
  }
  return blocks;
}

/** Runs a shell command line with `lstm-reset` (and `npx lstm-reset`) as the binary under test. */
function shell(command) {
  const binary = bin ? `"${bin}"` : `node "${join(root, 'bin', 'lstm-reset.js')}"`;
  const script = `lstm-reset() { ${binary} "$@"; }\n${command.replace(/\bnpx lstm-reset\b/g, 'lstm-reset')}`;
  const env = { ...process.env, NO_COLOR: '1' };
  for (const key of ['COLUMNS', 'FORCE_COLOR']) delete env[key];
  if (bin) env.PATH = `${dirname(bin)}:${env.PATH}`;
  return spawnSync('bash', ['-c', script], { cwd: root, encoding: 'utf8', env, maxBuffer: 64 << 20 });
}

const text = readFileSync(readmePath, 'utf8');
const lines = text.split('\n');
const problems = [];
const replacements = [];
let outputs = 0;
let commands = 0;
for (const block of fencedBlocks(lines)) {
  const at = `README line ${block.start + 2}`;
  for (const [i, line] of block.lines.entries()) {
    if ([...line].length > width) problems.push(`README line ${block.start + 2 + i}: ${[...line].length} columns, more than ${width}`);
  }
  if (block.lang === '' && block.lines[0]?.startsWith('$ ')) {
    let n = 0;
    while (block.lines[n].endsWith('\\')) n++;
    const commandLines = block.lines.slice(0, n + 1);
    const command = commandLines.map((line, i) => (i === 0 ? line.slice(2) : line)).join('\n');
    const shown = block.lines.slice(n + 1);
    const elided = shown.indexOf('…');
    if (elided >= 0 && elided !== shown.length - 1) {
      problems.push(`${at}: \`…\` may only end an output block (it keeps the first lines)`);
      continue;
    }
    const result = shell(command);
    let output = result.stdout.replace(/\n$/, '').split('\n');
    if (elided >= 0) output = [...output.slice(0, elided), '…'];
    outputs++;
    if (check) {
      const first = output.findIndex((line, i) => line !== shown[i]);
      if (first >= 0 || output.length !== shown.length) {
        const i = first >= 0 ? first : Math.min(output.length, shown.length);
        problems.push(`${at}: \`${command.split('\n')[0]}\` prints, at output line ${i + 1}:\n    ${JSON.stringify(output[i] ?? '(nothing)')}\n  the README shows:\n    ${JSON.stringify(shown[i] ?? '(nothing)')}`);
      }
    } else {
      replacements.push({ from: block.start + 1 + n + 1, to: block.end, lines: output });
    }
  } else if (check && block.lang === 'sh') {
    for (const line of block.lines) {
      const command = line.replace(/\s+#.*$/, '').trim();
      if (!/^(npx lstm-reset|lstm-reset|examples\/[\w-]+\.sh)\b/.test(command)) continue;
      const result = shell(command);
      commands++;
      if (result.status !== 0) problems.push(`${at}: \`${command}\` exited ${result.status}: ${result.stderr.trim().split('\n')[0] ?? ''}`);
    }
  }
}

// the option table under "## Usage" names every option of every command, as their --help lists it
const tableStart = lines.findIndex((line) => line.startsWith('| option | meaning | default |'));
if (tableStart < 0) problems.push('README: no option table (| option | meaning | default |) under ## Usage');
else {
  const tableEnd = lines.findIndex((line, i) => i > tableStart && !line.startsWith('|'));
  const named = new Set(lines.slice(tableStart, tableEnd).flatMap((line) => [...(line.split(/(?<!\\)\|/)[1] ?? '').matchAll(/(?<![\w-])(--?[a-zA-Z][\w-]*)/g)].map((m) => m[1])));
  for (const command of ['', 'verify', 'audit', 'schema', 'check', 'findings']) {
    const help = shell(`lstm-reset ${command} --help`).stdout;
    for (const [, short, long] of help.matchAll(/^ {2}(?:(-\w), )?(--[\w-]+)/gm)) {
      for (const flag of [short, long]) {
        if (flag && !named.has(flag) && named.add(flag)) problems.push(`README line ${tableStart + 1}: the option table does not name ${flag} (lstm-reset ${command ? `${command} ` : ''}--help has it)`);
      }
    }
  }
}

if (!check && problems.length === 0) {
  for (const { from, to, lines: output } of replacements.reverse()) lines.splice(from, to - from, ...output);
  writeFileSync(readmePath, lines.join('\n'));
  console.log(`readme: ${outputs} output blocks regenerated in ${readmePath}`);
}
if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(1);
}
if (check) console.log(`readme: ${outputs} output blocks match and ${commands} commands ran`);
