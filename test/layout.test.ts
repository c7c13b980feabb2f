/**
 * The layout's rules (README "How the code is laid out"), enforced: which folder of src/ may import
 * which, no import cycles (type-only imports count), and only cli.ts and commands/ touch `process`.
 * The import graph comes from dependency-cruiser; `process` is found with the TypeScript parser.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { cruise, type IForbiddenRuleType, type IReporterOutput } from 'dependency-cruiser';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;

/** Folders of src/ and what each may import from src/ besides itself. */
const allowed: Readonly<Record<string, readonly string[]>> = {
  shared: [],
  keras: ['shared'],
  nn: ['shared'],
  sim: ['keras', 'nn', 'shared'],
  model: ['keras', 'io', 'shared'],
  io: ['model'],
  render: ['sim', 'keras', 'model', 'shared'],
  commands: ['sim', 'keras', 'nn', 'model', 'io', 'render', 'shared'],
};

/** One forbidden rule per folder: any src/ import outside its own folder and its allowed ones. */
function folderRules(): IForbiddenRuleType[] {
  return Object.entries(allowed).map(([folder, may]) => ({
    name: `${folder}-imports`,
    comment: `src/${folder}/ may import only ${[folder, ...may].map((f) => `src/${f}/`).join(', ')}`,
    severity: 'error',
    from: { path: `^src/${folder}/` },
    to: { path: '^src/', pathNot: `^src/(${[folder, ...may].join('|')})/` },
  }));
}

const rules: IForbiddenRuleType[] = [
  ...folderRules(),
  { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
  {
    name: 'only-main-imports-commands',
    comment: 'commands/ is reached from main.ts only (and cli.ts reaches main.ts)',
    severity: 'error',
    from: { path: '^src/', pathNot: '^src/(main|cli)\\.ts$|^src/commands/' },
    to: { path: '^src/commands/|^src/(main|cli)\\.ts$' },
  },
  { name: 'no-unresolvable', comment: 'a relative import that points nowhere', severity: 'error', from: { path: '^src/' }, to: { couldNotResolve: true, path: '^[.]' } },
];

async function violations(ruleSet: IForbiddenRuleType[]): Promise<string[]> {
  const result: IReporterOutput = await cruise(['src'], {
    validate: true,
    ruleSet: { forbidden: ruleSet },
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    baseDir: root,
  });
  if (typeof result.output === 'string') throw new Error('dependency-cruiser returned text, not a result');
  return result.output.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(path) : entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Lines of `file` that use the global `process` (not a property or a name declared as something else). */
function processUses(file: string): number[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const lines: number[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isIdentifier(node) && node.text === 'process') {
      const parent = node.parent;
      const isMemberName = ts.isPropertyAccessExpression(parent) && parent.name === node;
      const isKey = (ts.isPropertyAssignment(parent) || ts.isPropertySignature(parent)) && parent.name === node;
      if (!isMemberName && !isKey) lines.push(source.getLineAndCharacterOfPosition(node.getStart()).line + 1);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return lines;
}

describe('the layout of src/', () => {
  it('every folder imports only what its rule allows, without cycles', async () => {
    expect(await violations(rules)).toEqual([]);
  });

  it('a rule that the code breaks is reported (the check above can fail)', async () => {
    // sim/ does import keras/: a rule forbidding it must show up as a violation
    const found = await violations([
      ...rules,
      { name: 'probe-sim-may-not-import-keras', severity: 'error', from: { path: '^src/sim/' }, to: { path: '^src/keras/' } },
    ]);
    expect(found.some((v) => v.startsWith('probe-sim-may-not-import-keras: src/sim/'))).toBe(true);
  });

  it('every src/ folder has a rule', () => {
    const folders = readdirSync(join(root, 'src'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    expect(folders.sort()).toEqual(Object.keys(allowed).sort());
  });

  it('only cli.ts and commands/ touch process', () => {
    const offenders = sourceFiles(join(root, 'src'))
      .map((file) => relative(root, file))
      .filter((file) => file !== 'src/cli.ts' && !file.startsWith('src/commands/'))
      .flatMap((file) => processUses(join(root, file)).map((line) => `${file}:${line}`));
    expect(offenders).toEqual([]);
  });

  it('the process check sees a use of process', () => {
    expect(processUses(join(root, 'src/cli.ts')).length).toBeGreaterThan(0);
  });
});
