/**
 * `lstm-reset check CONTRACT.json`: the CI contract. Runs each scenario of the contract in-process
 * through the same `main()` as the command line (with --json -q added), validates the document with
 * the output schema, and compares it with what the scenario expects: totals by dotted key, finding
 * codes, completion and the exit code. One PASS/FAIL row per scenario; exit 0 when all pass, 1 when
 * any fails, 2 when the contract itself is unreadable or invalid.
 */
import type { Command } from 'commander';
import { dirname, isAbsolute, join } from 'node:path';
import { makeChalk } from '../render/color.ts';
import { outputWidth, wrap } from '../render/text.ts';
import { exitCodes, type CliIo } from './cli-io.ts';
import type { CommandContext } from './context.ts';
import { ModelFileError } from '../model/errors.ts';
import { decodeUtf8, MAX_JSON_BYTES, parseJsonText } from '../model/json.ts';
import { readFailure } from './inputs.ts';
import { jsonHead } from './sniff.ts';
import { describeIssues } from '../model/zod-issues.ts';
import { contractPathOptions, contractSchema, resultDocumentSchema, type Contract, type ResultDocument, type Scenario } from './schemas.ts';
import { plural } from '../shared/count.ts';

/** The outcome of one scenario (`check --json` prints these). */
export interface ScenarioOutcome {
  readonly name: string;
  readonly passed: boolean;
  /** What differed, one entry per difference (empty when passed). */
  readonly failures: readonly string[];
  /** The scenario run's exit code (null if it crashed). */
  readonly exitCode: number | null;
}

export interface CheckReport {
  readonly contract: string;
  readonly scenarios: readonly ScenarioOutcome[];
  readonly passed: number;
  readonly failed: number;
}

interface CheckOptions {
  json?: boolean;
  quiet?: boolean;
  color?: boolean;
}

export function registerCheck(program: Command, context: CommandContext): void {
  const check = context
    .subcommand('check')
    .description(
      'Check a CI contract: runs every scenario of CONTRACT.json (lstm-reset arguments and what the run must show: totals, ' +
        'finding codes, exit code) in-process with --json -q, and prints PASS or FAIL per scenario with what differed. ' +
        'Paths after --data, --plan, --weights, --trace, --html and "audit" are relative to the contract\'s folder. ' +
        'Exit 0 when every scenario passes, 1 when one fails, 2 for an unreadable or invalid contract. Format: lstm-reset schema contract.',
    )
    .argument('<contract>', 'the contract, a JSON file')
    .option('--json', 'print { contract, scenarios: [{ name, passed, failures, exitCode }], passed, failed }')
    .option('-q, --quiet', 'no summary line on stderr')
    .option('--color', 'force colour')
    .option('--no-color', 'no colour')
    .action(async (contract: string, options: CheckOptions) => context.setExitCode(await runCheck(contract, options, context.io, context.runCli)));
  program.addCommand(check);
}

/** Reads and validates a contract (a file, a stream, or "-"); the message names the file and the JSON path of the problem. */
export async function loadContract(path: string, io: CliIo): Promise<{ ok: true; contract: Contract } | { ok: false; message: string }> {
  const label = path === '-' ? 'stdin' : path;
  let value: unknown;
  try {
    const bytes = await io.readInput(path, MAX_JSON_BYTES, jsonHead('a contract'));
    value = parseJsonText(decodeUtf8(bytes, label), label, 'a contract');
  } catch (error) {
    if (error instanceof ModelFileError) return { ok: false, message: `check: ${error.message}; see lstm-reset schema contract for the format` };
    return { ok: false, message: `check: cannot read ${label}: ${readFailure(error, path)}; give a contract JSON file (lstm-reset schema contract).` };
  }
  const parsed = contractSchema.safeParse(value, {
    error: (issue) => {
      if (issue.code === 'invalid_type' && issue.input === undefined) return 'required key is missing';
      if (issue.code === 'invalid_key') return `${JSON.stringify(issue.input)} is not a dotted key into totals (e.g. resetEvents, byReason.batch-start, perEpoch.0.rowResets)`;
      return undefined;
    },
  });
  if (!parsed.success) return { ok: false, message: `check: ${label}: invalid contract at ${describeIssues(parsed.error.issues)}; see lstm-reset schema contract for the format` };
  // a scenario cannot read standard input: check runs them all in one process, and a contract is a file of record
  for (const [index, scenario] of parsed.data.scenarios.entries()) {
    const at = scenario.args.findIndex((arg, i) => (arg === '-' && ['--plan', '--data'].includes(scenario.args[i - 1] ?? '')) || /^--(plan|data)=-$/.test(arg));
    if (at >= 0) {
      const flag = scenario.args[at] === '-' ? scenario.args[at - 1]! : scenario.args[at]!.split('=')[0]!;
      return {
        ok: false,
        message: `check: ${label}: scenario ${JSON.stringify(scenario.name)} (scenarios[${index}]) reads standard input (${flag} -); save it to a file beside the contract and give its path.`,
      };
    }
  }
  return { ok: true, contract: parsed.data };
}

/**
 * A scenario's arguments with its file paths resolved against the contract's folder: the value after
 * --data, --plan, --weights, --trace or --html (or joined, --data=FILE) and the model file right after "audit".
 * Absolute paths and - (standard input/output) stay as they are.
 */
export function resolveScenarioArgs(args: readonly string[], baseDir: string): string[] {
  const resolve = (path: string) => (path === '-' || path === '' || isAbsolute(path) ? path : join(baseDir, path));
  const isPathOption = (arg: string) => (contractPathOptions as readonly string[]).includes(arg);
  const out = [...args];
  for (let i = 0; i < out.length; i++) {
    const arg = out[i]!;
    const eq = arg.indexOf('=');
    if (i === 1 && out[0] === 'audit') out[i] = resolve(arg);
    else if (isPathOption(arg) && i + 1 < out.length) out[i + 1] = resolve(out[++i]!);
    else if (arg.startsWith('--') && eq > 0 && isPathOption(arg.slice(0, eq))) out[i] = `${arg.slice(0, eq)}=${resolve(arg.slice(eq + 1))}`;
  }
  return out;
}

/** totals.KEY for a dotted key, the rule of --expect (list positions are 0-based). */
export function lookupDotted(totals: unknown, key: string): number | undefined {
  let value = totals;
  for (const segment of key.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, segment)) return undefined;
    if (Array.isArray(value) && !/^(0|[1-9]\d*)$/.test(segment)) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return typeof value === 'number' ? value : undefined;
}

function firstLine(text: string): string {
  return text.split('\n').find((line) => line.trim() !== '')?.trim() ?? '';
}

/** Runs one scenario in-process and compares its document with what it expects. */
export async function runScenario(scenario: Scenario, baseDir: string, io: CliIo, runCli: CommandContext['runCli']): Promise<ScenarioOutcome> {
  const argv = [...resolveScenarioArgs(scenario.args, baseDir), '--json', '-q'];
  let stdout = '';
  const decoder = new TextDecoder();
  let stderr = '';
  const captured: CliIo = {
    ...io,
    stdout: { write: (chunk) => void (stdout += typeof chunk === 'string' ? chunk : decoder.decode(chunk)), isTTY: false },
    stderr: { write: (chunk) => void (stderr += typeof chunk === 'string' ? chunk : decoder.decode(chunk)), isTTY: false },
  };
  const outcome = (exitCode: number | null, failures: string[]): ScenarioOutcome => ({ name: scenario.name, passed: failures.length === 0, failures, exitCode });

  let exitCode: number;
  try {
    exitCode = await runCli(argv, captured);
  } catch (error) {
    return outcome(null, [`crashed: ${error instanceof Error ? error.message : String(error)}`]);
  }
  // bad usage: the scenario's own arguments are wrong; its one stderr line says why
  if (exitCode === exitCodes.usage) return outcome(exitCode, [firstLine(stderr) || `exit ${exitCode} (bad usage)`]);

  const expect = scenario.expect ?? {};
  const expectedExit = expect.exitCode ?? exitCodes.ok;
  const exitFailure = (doc: ResultDocument | undefined): string[] => {
    if (exitCode === expectedExit) return [];
    let why = '';
    const errors = doc?.findings.filter((f) => f.severity === 'error').map((f) => f.code) ?? [];
    const warnings = doc?.findings.filter((f) => f.severity === 'warning').map((f) => f.code) ?? [];
    if (exitCode === exitCodes.kerasWouldFail && errors.length > 0) why = ` (error finding ${[...new Set(errors)].join(', ')})`;
    else if (exitCode === exitCodes.kerasWouldFail && warnings.length > 0) why = ` (--strict and warning finding ${[...new Set(warnings)].join(', ')})`;
    else if (exitCode === exitCodes.expectationFailed && firstLine(stderr)) why = ` (${firstLine(stderr)})`;
    return [`exit ${exitCode}${why}, expected ${expectedExit}`];
  };

  let value: unknown;
  try {
    value = JSON.parse(stdout);
  } catch {
    return outcome(exitCode, [`exit ${exitCode}: no JSON document on stdout${firstLine(stderr) ? ` (${firstLine(stderr)})` : ''}`]);
  }
  const parsed = resultDocumentSchema.safeParse(value);
  if (!parsed.success) {
    return outcome(exitCode, [...exitFailure(undefined), `the --json document does not match the output schema at ${describeIssues(parsed.error.issues)}`]);
  }
  const doc = parsed.data;
  const failures = exitFailure(doc);

  if (expect.completed !== undefined && doc.completed !== expect.completed) {
    failures.push(
      doc.completed
        ? 'the run completed, expected it to stop early'
        : `the run stopped early (after ${doc.totals.epochsCompleted} of ${plural(doc.config.epochs, 'epoch')}), expected it to complete`,
    );
  }
  for (const [key, expected] of Object.entries(expect.totals ?? {})) {
    const actual = lookupDotted(doc.totals, key);
    if (actual === undefined) failures.push(`no total ${key} (use a number under "totals" in --json, e.g. resetEvents, byReason.batch-start, perEpoch.0.rowResets)`);
    else if (actual !== expected) failures.push(`expected ${key}=${expected}, counted ${actual}`);
  }
  const present = new Map(doc.findings.map((f) => [f.code, f.severity]));
  const wanted = new Set(expect.findings ?? []);
  for (const code of wanted) if (!present.has(code)) failures.push(`missing finding ${code}`);
  if (expect.noOtherFindings) {
    for (const [code, severity] of present) if (!wanted.has(code)) failures.push(`unexpected finding ${code} (${severity})`);
  }
  return outcome(exitCode, failures);
}

export async function runCheck(path: string, options: CheckOptions, io: CliIo, runCli: CommandContext['runCli']): Promise<number> {
  const loaded = await loadContract(path, io);
  if (!loaded.ok) {
    io.stderr.write(`error: ${loaded.message}\n`);
    return exitCodes.usage;
  }
  const { scenarios } = loaded.contract;
  // paths in a contract read from a stream (a pipe, <(…), -) are relative to the current directory
  const baseDir = path === '-' || io.inputKind(path) === 'stream' ? '.' : dirname(path);
  // a scenario's --trace or --html never overwrites the contract it comes from
  const scenarioIo: CliIo =
    path === '-'
      ? io
      : { ...io, openOutput: (output, options = {}) => io.openOutput(output, { inputs: [...(options.inputs ?? []), { path, flag: 'check contract' }] }) };

  const chalk = makeChalk({ flag: options.color, env: io.env, isTTY: io.stdout.isTTY });
  const columns = outputWidth(io.stdout, io.env);
  const width = Math.min(48, Math.max(...scenarios.map((s) => s.name.length)));
  const outcomes: ScenarioOutcome[] = [];
  for (const scenario of scenarios) {
    const result = await runScenario(scenario, baseDir, scenarioIo, runCli);
    outcomes.push(result);
    if (!options.json) {
      // rows as the scenarios finish, so a long contract shows progress in a CI log
      const status = result.passed ? chalk.green('PASS') : chalk.bold.red('FAIL');
      io.stdout.write(`${wrap(`${result.name.padEnd(width)}  ${result.failures.join('; ')}`.trimEnd(), columns, `${status}  `, '      ')}\n`);
    }
  }
  const failed = outcomes.filter((o) => !o.passed).length;
  const report: CheckReport = { contract: path === '-' ? 'stdin' : path, scenarios: outcomes, passed: outcomes.length - failed, failed };
  if (options.json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  if (!options.quiet) {
    io.stderr.write(
      failed === 0
        ? `check: ${path}: all ${outcomes.length} scenarios passed\n`
        : `check: ${path}: ${failed} of ${outcomes.length} scenario${outcomes.length === 1 ? '' : 's'} failed\n`,
    );
  }
  return failed === 0 ? exitCodes.ok : exitCodes.expectationFailed;
}
