/**
 * The command line: parse (commander), validate (zod), simulate (core), render. Returns the exit
 * code and writes only through `io`, so tests run it in-process and it never touches `process`.
 */
import { Command, CommanderError, Option } from 'commander';
import packageJson from '../package.json' with { type: 'json' };
import {
  configSchema,
  limits,
  parseExpectation,
  parseFormat,
  parseFraction,
  parseCell,
  parseKerasVersion,
  parseLayers,
  parseMaskFraction,
  parseRecurrentActivation,
  parseResetEvery,
  parseShape,
  parseWholeNumber,
  toSimulationConfig,
  type Expectation,
  type OutputFormat,
} from './args.ts';
import { makeChalk } from './color.ts';
import { isStatefulModel, resolveLayers } from './config.ts';
import { expectedTotals } from './counter.ts';
import { formatCount } from './explain.ts';
import { failingFindings } from './findings.ts';
import { renderJson } from './render/json.ts';
import { renderReport } from './render/table.ts';
import { renderNdjson, renderTsv } from './render/tsv.ts';
import { simulate, type SimulationResult } from './simulate.ts';

export interface OutputStream {
  write(chunk: string): void;
  readonly isTTY: boolean;
}

export interface CliIo {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Exit codes, as documented in --help and the README. */
export const exitCodes = {
  ok: 0,
  /** an --expect / --expect-resets comparison failed */
  expectationFailed: 1,
  /** bad usage or input */
  usage: 2,
  /** Keras would raise for this configuration (an error finding), or --strict and a warning finding */
  kerasWouldFail: 3,
} as const;

const helpAfter = `
Examples:
  $ lstm-reset --shape 1000,20,1 --batch 200 --epochs 15
  $ lstm-reset --shape 20,7,1 --batch 10 --stateful --no-shuffle --epochs 3 --reset-every epoch
  $ lstm-reset --shape 1000,20,1 --batch 200 --epochs 15 --expect-resets 75 --expect rowResets=15000
  $ lstm-reset --shape 1000,20,1 --batch 200 --format tsv | awk -F'\\t' 'NR>1 {rows += $8} END {print rows}'

Exit codes:
  0  ok
  1  an --expect or --expect-resets comparison failed ("expected …, counted …" on stderr)
  2  bad usage or input (one line on stderr, nothing on stdout)
  3  Keras would raise for this configuration (an error finding), or --strict and a warning finding

Colour only on a terminal; never with NO_COLOR, TERM=dumb or --no-color (FORCE_COLOR=1 forces it).
Semantics follow Keras 3, tf.keras and Keras 2.3 (--keras); see the README for the sources.
`;

/** commander's multi-line errors folded onto one line. */
function oneLine(text: string): string {
  return `${text.trim().replace(/\s*\n\s*/g, ' ')}\n`;
}

function buildProgram(io: CliIo): Command {
  return new Command('lstm-reset')
    .description(
      'Simulate a Keras LSTM training run with a real forward pass and list every state reset event:\n' +
        'when the state is zeroed, for how many sequence rows, and what the totals mean.',
    )
    .version(packageJson.version, '-V, --version')
    .option('--shape <N,T,D>', 'samples, timesteps, features of the data given to fit (N,T means D=1)', parseShape)
    .option('-b, --batch <size>', 'fit(batch_size=...); for --stateful also the layer\'s fixed batch size (default: 32, as Keras)', (v) =>
      parseWholeNumber(v, 'batch size', '--batch 32', 1, limits.batchSize),
    )
    .option('-e, --epochs <n>', 'fit(epochs=...)', (v) => parseWholeNumber(v, 'epochs', '--epochs 15', 1, limits.epochs), 1)
    .option('--stateful', 'stateful=True: carry row i of each batch into row i of the next')
    .option('--shuffle', 'fit(shuffle=True): reshuffle training samples every epoch (default, as Keras)', true)
    .option('--no-shuffle', 'fit(shuffle=False)')
    .option('-u, --units <n>', 'LSTM units (the reset counts do not depend on it)', (v) => parseWholeNumber(v, 'units', '--units 32', 1, limits.units), 8)
    .option('--seed <n>', 'seed of weights, inputs and shuffling', (v) => parseWholeNumber(v, 'seed', '--seed 42', 0, 0xffffffff), 1)
    .option(
      '--reset-every <never|epoch|K>',
      'stateful only: a callback calling reset_states() after every epoch, or after every K training batches of each epoch',
      parseResetEvery,
    )
    .option('--validation-split <F>', 'fit(validation_split=F): the last fraction of samples, evaluated after each epoch', parseFraction, 0)
    .addOption(
      new Option('--keras <version>', 'Keras version profile: 3 (Keras 3), tf (tf.keras / tf-keras), 2 (multi-backend Keras 2.3)')
        .argParser(parseKerasVersion)
        .default('3'),
    )
    .option('--cell <cell>', 'lstm, gru or simple (SimpleRNN); the default cell of --layers entries', parseCell)
    .option('--layers <list>', 'stacked layers, first to last: [cell:]units[:stateful|:stateless][:bidirectional], e.g. 64,32 or lstm:64,gru:32', parseLayers)
    .option('--bidirectional', 'wrap the layer(s) in Bidirectional (forward and backward states)')
    .option('--mask-tail <K>', 'masking: the last K steps of each padded sample are padding (state carried, never reset)', (v) =>
      parseWholeNumber(v, 'mask tail', '--mask-tail 5', 1, limits.timesteps),
    )
    .option('--mask-fraction <F>', 'with --mask-tail: pad only this seeded fraction of the samples (default 1: all)', parseMaskFraction)
    .option('--recurrent-activation <name>', 'sigmoid or hard_sigmoid, in the formula of the --keras version (default: that version\'s default, sigmoid)', parseRecurrentActivation)
    .option('--json', 'print one JSON document { config, events, totals, findings, ... }')
    .option('--format <format>', 'table, json, tsv or ndjson (tsv and ndjson: one event per line)', parseFormat)
    .option('--plain', 'same as --format tsv')
    .option('--max-rows <n>', 'event rows shown in the table (head and tail)', (v) => parseWholeNumber(v, 'max rows', '--max-rows 40', 2, 1_000_000), 20)
    .option('--expect-resets <N>', 'exit 1 unless the run has exactly N reset events', (v) =>
      parseWholeNumber(v, 'expected resets', '--expect-resets 75', 0),
    )
    .option('--expect <KEY=VALUE>', 'exit 1 unless totals.KEY equals VALUE (repeatable; e.g. rowResets=15000, byReason.batch-start=75)', parseExpectation)
    .option('--strict', 'exit 3 on warning findings too')
    .option('-q, --quiet', 'no notices or summaries on stderr (errors still)')
    .option('--color', 'force colour')
    .option('--no-color', 'no colour')
    .addHelpText('after', helpAfter)
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text, write) => write(oneLine(text)),
    });
}

interface ProgramOptions {
  json?: boolean;
  format?: OutputFormat;
  plain?: boolean;
  maxRows: number;
  expectResets?: number;
  expect?: Expectation[];
  strict?: boolean;
  quiet?: boolean;
  color?: boolean;
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  let options: Record<string, unknown>;
  try {
    program.parse([...argv], { from: 'user' });
    options = program.opts();
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with exit code 0
      return error.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
    }
    throw error;
  }
  const usageError = (message: string) => {
    io.stderr.write(`error: ${message}\n`);
    return exitCodes.usage;
  };

  const parsed = configSchema.safeParse({ ...options, unitsGiven: program.getOptionValueSource('units') === 'cli' });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const flag = `--${String(issue.path[0] ?? 'shape').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    return usageError(issue.code === 'custom' ? issue.message : `${flag}: ${issue.message}`);
  }
  const cli = options as unknown as ProgramOptions;
  const formatFlags = [cli.json ? 'json' : undefined, cli.format, cli.plain ? 'tsv' : undefined].filter(
    (f): f is OutputFormat => f !== undefined,
  );
  if (new Set(formatFlags).size > 1) {
    return usageError(`--json, --format and --plain ask for different outputs (${formatFlags.join(', ')}); give only one.`);
  }
  const format: OutputFormat = formatFlags[0] ?? 'table';
  const { config, batchDefaulted } = toSimulationConfig(parsed.data);

  // the closed-form counts size the run before it starts
  const expected = expectedTotals(config);
  if (expected.resetEvents > limits.events) {
    return usageError(
      `--shape/--batch/--epochs: this run has ${formatCount(expected.resetEvents)} reset events, more than the ${formatCount(limits.events)} lstm-reset keeps; use a larger --batch or fewer --epochs.`,
    );
  }
  // gate matmul flops per sample-step, summed over layers and directions
  let inputDim = config.features;
  let flopsPerStep = 0;
  for (const layer of resolveLayers(config)) {
    const gates = { lstm: 4, gru: 3, simple: 1 }[layer.cell];
    flopsPerStep += 2 * gates * layer.units * (inputDim + layer.units) * (layer.bidirectional ? 2 : 1);
    inputDim = layer.units * (layer.bidirectional ? 2 : 1);
  }
  const flops = flopsPerStep * config.samples * config.timesteps * Math.max(1, expected.epochsCompleted);
  if (flops > limits.forwardFlops) {
    return usageError(
      `--shape/--epochs/--units: the forward pass would need ${formatCount(Math.round(flops / 1e9))} GFLOP (minutes to hours); use fewer --units, --epochs or samples (reset counts do not depend on --units).`,
    );
  }

  const result = simulate(config);

  const expectations: Expectation[] = [...(cli.expect ?? [])];
  if (cli.expectResets !== undefined) expectations.unshift({ key: 'resetEvents', value: cli.expectResets });
  const counted: { expectation: Expectation; actual: number }[] = [];
  for (const expectation of expectations) {
    const actual = lookupTotal(result, expectation.key);
    if (actual === undefined) {
      return usageError(
        `--expect ${expectation.key}: no such total; use one of ${numericTotalKeys(result).slice(0, 12).join(', ')}, … (any number under "totals" in --json).`,
      );
    }
    counted.push({ expectation, actual });
  }

  if (batchDefaulted && !cli.quiet) {
    io.stderr.write(`note: --batch not given; using 32, the default batch_size of Keras fit()/evaluate()/predict().\n`);
  }
  const write = (chunk: string) => io.stdout.write(chunk);
  if (format === 'json') renderJson(result, write);
  else if (format === 'tsv') renderTsv(result, write);
  else if (format === 'ndjson') renderNdjson(result, write);
  else {
    const chalk = makeChalk({ flag: cli.color, env: io.env, isTTY: io.stdout.isTTY });
    write(renderReport(result, { chalk, maxRows: cli.maxRows, borders: io.stdout.isTTY }));
  }

  const failing = failingFindings(result.findings, cli.strict ?? false);
  if (format !== 'table') {
    for (const finding of failing) io.stderr.write(`${finding.severity}: ${finding.code}: ${finding.message}\n`);
  }
  const mismatches = counted.filter(({ expectation, actual }) => expectation.value !== actual);
  for (const { expectation, actual } of mismatches) {
    io.stderr.write(`expected ${expectation.key}=${expectation.value}, counted ${actual} (${describeRun(result)})\n`);
  }
  if (mismatches.length === 0 && counted.length > 0 && !cli.quiet) {
    io.stderr.write(`counts OK: ${counted.map(({ expectation }) => `${expectation.key}=${expectation.value}`).join(', ')}\n`);
  }
  if (failing.length > 0) return exitCodes.kerasWouldFail;
  if (mismatches.length > 0) return exitCodes.expectationFailed;
  return exitCodes.ok;
}

function describeRun(result: SimulationResult): string {
  const { config } = result;
  return `${isStatefulModel(config) ? 'stateful' : 'stateless'}, ${config.samples} samples / batch ${config.batchSize} × ${config.epochs} epochs`;
}

/** totals.KEY for a dotted key (array segments are 0-based list indices, as in --json). */
export function lookupTotal(result: SimulationResult, key: string): number | undefined {
  let value: unknown = result.totals;
  for (const segment of key.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, segment)) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return typeof value === 'number' ? value : undefined;
}

function numericTotalKeys(result: SimulationResult): string[] {
  const keys: string[] = [];
  const walk = (value: unknown, prefix: string) => {
    if (typeof value === 'number') keys.push(prefix);
    else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) walk(v, prefix ? `${prefix}.${k}` : k);
    }
  };
  walk(result.totals, '');
  return keys;
}
