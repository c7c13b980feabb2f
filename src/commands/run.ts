/**
 * The main command: simulate a training run and report its reset events, totals and findings.
 */
import type { Command } from 'commander';
import {
  limits,
  parseEvents,
  parseExpectation,
  parseFormat,
  parseMaxRows,
  parseWholeNumber,
  clip,
  lackedSetting,
  settingRefusal,
  type EventListing,
  type Expectation,
  type OutputFormat,
} from './args.ts';
import { makeChalk } from '../render/color.ts';
import { outputWidth } from '../render/text.ts';
import { renderPicture } from '../render/strip.ts';
import { createTimelineRecorder, type Timeline } from '../sim/timeline.ts';
import { flippedStatefulness } from '../sim/compare.ts';
import packageJson from '../../package.json' with { type: 'json' };
import { isStatefulModel } from '../keras/config.ts';
import { formatCount } from '../sim/explain.ts';
import { noun } from '../shared/count.ts';
import { failingFindings } from '../keras/findings.ts';
import { jsonSink, listingSink, ndjsonSink, renderThrough, tableSink, tsvSink } from '../render/stream.ts';
import { countEvents, countOnly } from '../sim/count.ts';
import { combineHooks, type StateHooks } from '../sim/hooks.ts';
import { resolveRunConfig, simulateSteps } from '../sim/simulate.ts';
import { listedEventCount, type ResetEvent, type SimulationResult } from '../sim/result.ts';
import { forwardBytes, initFlops, initFlopWeight, kernelSlowdown, passFlops } from '../sim/size.ts';
import { createTraceRecorder, traceStateLimit, traceStateValues } from '../sim/trace.ts';
import { describeWriteError, exitCodes, type CliIo, type OutputFile } from './cli-io.ts';
import type { Shape } from './args.ts';
import { distinctSteps, planRangeProblems, type SimulationConfig } from '../keras/config.ts';
import { kerasProfiles, lacksSetting, versionProfileReason } from '../keras/profiles.ts';
import type { NpyReader } from '../io/npy.ts';
import type { InputSource, LayerWeightsOverride } from '../sim/simulate.ts';
import type { ModelProgram } from '../keras/graph.ts';
import { configFromOptions } from './options.ts';

/** Adds the output and CI flags of the main command. */
export function addReportOptions(command: Command): Command {
  return command
    .option('--json', 'print one JSON document { config, events, totals, findings, ... }')
    .option('--format <format>', 'table, json, tsv or ndjson (tsv and ndjson: one event per line)', parseFormat)
    .option('--plain', 'same as --format tsv')
    .option('--count-only', 'totals in closed form and events without the forward pass (automatic, with a note, for very long runs)')
    .option('--no-count-only', 'run the forward pass even when it is long')
    .option('--trace <file>', 'write a replayable JSON trace (weights, inputs, every call\'s initial and final states) to FILE, or - for stdout instead of the report')
    .option('--html <file>', 'also write the report as one self-contained HTML page (every row of every layer at every call, the sequences the carries build, mean |h|) to FILE, or - for stdout instead of the report')
    .option('--compare-stateless', "with --html: draw the same run with every layer's stateful flipped (stateless; stateful for a stateless run) side by side")
    .option('--events <all|none|head:K>', `which events the report lists: all, none (totals only) or the first K (default: all, or the first ${limits.defaultHead} past ${formatCount(limits.listedEvents)} events, with a note)`, parseEvents)
    .option('--max-rows <n>', `event rows shown in the table (head and tail), at most ${formatCount(limits.tableRows)}`, parseMaxRows, 20)
    .option('--expect-resets <N>', 'exit 1 unless the run has exactly N reset events', (v) =>
      parseWholeNumber(v, 'expected resets', '--expect-resets 75', 0),
    )
    .option('--expect <KEY=VALUE>', 'exit 1 unless totals.KEY equals VALUE (repeatable; e.g. rowResets=15000, byReason.batch-start=75)', parseExpectation)
    .option('--strict', 'exit 3 on warning findings too, and on errors a plan step catches')
    .option('-q, --quiet', 'no notices or summaries on stderr (errors still)')
    .option('--color', 'force colour')
    .option('--no-color', 'no colour');
}

interface ReportOptions {
  json?: boolean;
  format?: OutputFormat;
  plain?: boolean;
  maxRows: number;
  expectResets?: number;
  expect?: Expectation[];
  strict?: boolean;
  quiet?: boolean;
  color?: boolean;
  trace?: string;
  html?: string;
  compareStateless?: boolean;
  countOnly?: boolean;
  events?: EventListing;
}

/** Gate-matmul flops of one pass over the samples through every layer and direction. */
export function forwardFlops(config: SimulationConfig): number {
  return passFlops(config);
}

/**
 * A progress bar on stderr for forward passes that last more than a second: only on a terminal,
 * redrawn at most ten times a second, erased at the end.
 */
export function progressBar(
  io: CliIo,
  totalBatches: number,
  quiet: boolean,
  clock: () => number = Date.now,
): { hooks: StateHooks; done: () => void; erase: () => void } {
  if (quiet || !io.stderr.isTTY || totalBatches === 0) return { hooks: {}, done: () => {}, erase: () => {} };
  const started = clock();
  let lastDraw = 0;
  let drawn = false;
  let batches = 0;
  let lastLayer: string | undefined;
  return {
    hooks: {
      onBatchEnd(_call, state) {
        lastLayer ??= state.layer;
        // count model calls once: on the first layer seen (all layers run each call)
        if (state.layer !== lastLayer) return;
        batches++;
        const now = clock();
        if (now - started < 1000 || now - lastDraw < 100) return;
        lastDraw = now;
        drawn = true;
        const fraction = Math.min(1, batches / totalBatches);
        const width = 30;
        const filled = Math.round(fraction * width);
        io.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}%  ${formatCount(batches)}/${formatCount(totalBatches)} batches`);
      },
    },
    done() {
      if (drawn) io.stderr.write('\r\u001b[K');
      drawn = false;
    },
    /** Takes the bar off the terminal (Ctrl-C), so the next line starts clean. */
    erase() {
      if (drawn) io.stderr.write('\r\u001b[K');
      drawn = false;
    },
  };
}

/** Adds --data and --plan (the files that describe the data and the script). */
export function addInputOptions(command: Command): Command {
  return command
    .option(
      '--data <file.npy>',
      'the training data as a NumPy .npy (float32/float64, C order, (N,T) or (N,T,D)): N, T, D come from it and its values feed the forward pass (- reads standard input; audit: once per model input, in order, integer token ids accepted)',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option('--plan <file|->', 'the script as a JSON training plan of fit/evaluate/predict/reset/repeat steps (- reads standard input)');
}

/** Runs the simulation a command's options describe; returns the exit code. */
export async function runSimulationCommand(command: Command, io: CliIo): Promise<number> {
  const prepared = await prepareRun(command, io);
  if (!prepared.ok) return usageError(io, prepared.message);
  try {
    return await reportRun(command, io, prepared.run);
  } finally {
    prepared.run.close?.();
  }
}

export function usageError(io: CliIo, message: string): number {
  io.stderr.write(`error: ${message}\n`);
  return exitCodes.usage;
}

/** What a run needs besides its configuration. */
export interface PreparedRun {
  readonly config: SimulationConfig;
  readonly batchDefaulted: boolean;
  readonly inputs?: InputSource;
  /** The --data files after the first (audit: one per further model input), with their shapes. */
  readonly moreData?: readonly { readonly path: string; readonly source: InputSource; readonly samples: number; readonly timesteps: number; readonly features: number }[];
  readonly weights?: readonly (LayerWeightsOverride | undefined)[];
  /** A model file's wiring (audit). */
  readonly program?: ModelProgram;
  /** Extra top-level entries of the --json document (e.g. the audited model). */
  readonly extra?: Readonly<Record<string, unknown>>;
  /** Lines printed above the human report. */
  readonly header?: readonly string[];
  readonly close?: () => void;
}

/**
 * The configuration from the flags, --data and --plan. `shape` fills in N,T,D when neither --shape
 * nor --data gives them (audit: from the model).
 */
export async function prepareRun(
  command: Command,
  io: CliIo,
  fallback: { shape?: { samples: number; timesteps: number; features: number }; moreData?: boolean; integerData?: boolean; profileOf?: string } = {},
): Promise<{ ok: true; run: PreparedRun } | { ok: false; message: string }> {
  const options = command.opts() as { data?: string[]; plan?: string; shape?: Shape };
  const dataFiles = options.data ?? [];
  let data: NpyReader | undefined;
  const more: NpyReader[] = [];
  const closeAll = () => {
    data?.close();
    for (const reader of more) reader.close();
  };
  if (dataFiles.length > 1 && !fallback.moreData) {
    return { ok: false, message: `--data is given ${dataFiles.length} times; give one .npy file (audit takes one per model input).` };
  }
  // the data and plan readers load only when used
  const inputs = dataFiles.length > 0 || options.plan !== undefined ? await import('./inputs.ts') : undefined;
  if ((dataFiles.includes('-') && options.plan === '-') || dataFiles.filter((path) => path === '-').length > 1) {
    return { ok: false, message: '--data - and --plan - both read standard input; give one of them as a file.' };
  }
  for (const path of dataFiles.slice(1)) {
    const opened = await inputs!.openData(path, io, fallback.integerData);
    if (!opened.ok) {
      closeAll();
      return opened;
    }
    more.push(opened.value);
  }
  if (dataFiles.length > 0) {
    const opened = await inputs!.openData(dataFiles[0]!, io, fallback.integerData);
    if (!opened.ok) {
      closeAll();
      return opened;
    }
    data = opened.value;
    const shape = { samples: data.samples, timesteps: data.timesteps, features: data.features };
    if (options.shape && (options.shape.samples !== shape.samples || options.shape.timesteps !== shape.timesteps || options.shape.features !== shape.features)) {
      closeAll();
      return {
        ok: false,
        message: `--shape ${options.shape.samples},${options.shape.timesteps},${options.shape.features} contradicts --data ${dataFiles[0]} of shape ${shape.samples},${shape.timesteps},${shape.features}; drop --shape.`,
      };
    }
    const mismatch = more.findIndex((reader) => reader.samples !== shape.samples);
    if (mismatch >= 0) {
      closeAll();
      return { ok: false, message: `--data ${dataFiles[mismatch + 1]} has ${more[mismatch]!.samples} samples but --data ${dataFiles[0]} has ${shape.samples}; every model input needs the same samples.` };
    }
    command.setOptionValueWithSource('shape', shape, 'cli');
  } else if (!options.shape && fallback.shape) {
    command.setOptionValueWithSource('shape', fallback.shape, 'cli');
  }
  const outcome = configFromOptions(command);
  if (!outcome.ok) {
    closeAll();
    return outcome;
  }
  let { config } = outcome;
  if (options.plan !== undefined) {
    const explicit = ['epochs', 'validationSplit', 'shuffle'].filter((key) => command.getOptionValueSource(key) === 'cli');
    if (explicit.length > 0) {
      closeAll();
      const flag = `--${explicit[0]!.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
      return { ok: false, message: `${flag} conflicts with --plan, whose fit steps give epochs, shuffle and validationSplit themselves; drop ${flag}.` };
    }
    const plan = await inputs!.loadPlan(options.plan, io);
    if (!plan.ok) {
      closeAll();
      return plan;
    }
    const { steps, options: planOptions } = plan.value;
    // the plan's settings stand for the flags of the same meaning; both given must agree
    const settings = [
      ['backend', '--backend', planOptions.backend],
      ['runEagerly', '--run-eagerly', planOptions.runEagerly],
      ['jitCompile', '--jit-compile', planOptions.jitCompile],
      ['trainable', '--trainable', planOptions.trainable],
      ['setRandomSeed', '--set-random-seed', planOptions.setRandomSeed],
      ['initialStatePassed', '--initial-state', planOptions.initialState],
    ] as const;
    for (const [key, flag, value] of settings) {
      if (value === undefined) continue;
      const given = (config as unknown as Record<string, unknown>)[key];
      if (given !== undefined && given !== value) {
        closeAll();
        return { ok: false, message: `${flag} contradicts the plan's "${key === 'initialStatePassed' ? 'initialState' : key}": ${JSON.stringify(value)}; drop one of them.` };
      }
      config = { ...config, [key]: value };
    }
    // the plan's own settings checked as the flags are (args.ts configSchema)
    const lacking = lackedSetting(config.keras, planOptions);
    if (lacking) {
      closeAll();
      return { ok: false, message: settingRefusal(config.keras, lacking.setting, `--plan: "${lacking.setting}": ${JSON.stringify(lacking.value)}`, fallback.profileOf) };
    }
    // a fit step's validationBatchSize, checked as the plan's own settings are
    const givesValidationBatch = distinctSteps(steps).some((step) => step.type === 'fit' && step.validationBatchSize !== undefined);
    if (givesValidationBatch && lacksSetting(config.keras, 'validationBatchSize', true)) {
      closeAll();
      return { ok: false, message: settingRefusal(config.keras, 'validationBatchSize', `--plan: a fit step's "validationBatchSize"`, fallback.profileOf) };
    }
    const outside = planRangeProblems(steps, config.samples);
    if (outside.length > 0) {
      closeAll();
      return { ok: false, message: `--plan: ${outside[0]}; keep every step inside the data (or give more samples).` };
    }
    // with a plan, --batch is the stateful model's fixed batch size; by default the first fit's
    const firstFit = distinctSteps(steps).find((step) => step.type === 'fit');
    const modelBatch =
      command.getOptionValueSource('batch') === 'cli' ? config.batchSize : firstFit?.type === 'fit' ? (firstFit.batchSize ?? config.batchSize) : config.batchSize;
    config = { ...config, plan: steps, batchSize: modelBatch, batchSizeDefaulted: false };
    const bad = distinctSteps(steps).find(
      (step) => step.type === 'fit' && (step.validationSplit ?? 0) > 0 && [0, config.samples].includes(Math.floor(config.samples * (1 - step.validationSplit!))),
    );
    if (bad?.type === 'fit') {
      closeAll();
      return { ok: false, message: `--plan: validationSplit ${bad.validationSplit} leaves no training or no validation samples out of ${config.samples}; use a fraction between ${(1 / config.samples).toPrecision(2)} and ${(1 - 1 / config.samples).toPrecision(2)}.` };
    }
  }
  const run: PreparedRun = {
    config,
    batchDefaulted: options.plan === undefined && outcome.batchDefaulted,
    ...(data ? { inputs: inputs!.npyInputSource(data), close: closeAll } : {}),
    ...(more.length > 0
      ? { moreData: more.map((reader, i) => ({ path: dataFiles[i + 1]!, source: inputs!.npyInputSource(reader), samples: reader.samples, timesteps: reader.timesteps, features: reader.features })) }
      : {}),
  };
  return { ok: true, run };
}

/** The output format the flags ask for, or a message when they contradict each other. */
function outputFormat(cli: ReportOptions): { ok: true; format: OutputFormat } | { ok: false; message: string } {
  const formatFlags = [cli.json ? 'json' : undefined, cli.format, cli.plain ? 'tsv' : undefined].filter((f): f is OutputFormat => f !== undefined);
  if (new Set(formatFlags).size > 1) {
    return { ok: false, message: `--json, --format and --plain ask for different outputs (${formatFlags.join(', ')}); give only one.` };
  }
  if (cli.trace === '-' && (cli.json || cli.format !== undefined || cli.plain)) {
    const flag = cli.json ? '--json' : cli.plain ? '--plain' : '--format';
    return { ok: false, message: `--trace - prints the trace on stdout instead of the report, so ${flag} has nothing to format; drop ${flag}, or give --trace FILE.` };
  }
  if (cli.trace === '-' && cli.events !== undefined) {
    return { ok: false, message: '--trace - prints the trace on stdout instead of the report, so --events has no events to list; drop --events, or give --trace FILE.' };
  }
  return { ok: true, format: formatFlags[0] ?? 'table' };
}

/** The first total that is not an exact JSON number (past 2^53), if any. */
function inexactTotal(result: SimulationResult): { key: string; value: number } | undefined {
  const { totals } = result;
  const candidates: [string, number][] = [
    ['rowResets', totals.rowResets],
    ['batches', totals.batches],
    ['resetEvents', totals.resetEvents],
    ['carries', totals.carries],
    ['maskedSteps', totals.maskedSteps ?? 0],
  ];
  for (const [key, value] of candidates) if (!Number.isSafeInteger(value)) return { key, value };
  return undefined;
}

/** Why the forward pass cannot run as asked (too long, too big, too many samples), or undefined. */
function forwardPassProblem(config: SimulationConfig, epochs: number, weightsGiven: boolean, builds: number): { reason: string; hard: boolean } | undefined {
  if (config.samples > limits.forwardSamples) {
    return { reason: `${formatCount(config.samples)} samples are more than the ${formatCount(limits.forwardSamples)} a forward pass can index`, hard: true };
  }
  const bytes = forwardBytes(config);
  if (bytes > limits.forwardBytes) {
    return { reason: `the forward pass would need about ${formatBytes(bytes)} of memory, more than the ${formatBytes(limits.forwardBytes)} lstm-reset allows`, hard: true };
  }
  // the seeded weights' orthogonal initialisation (O(units³), slower per flop) counts too, once per build
  // work in LSTM-kernel flops: the JavaScript GRU/SimpleRNN kernels and the weight initialisation cost more per flop
  const init = weightsGiven ? 0 : builds * initFlopWeight * initFlops(config);
  const pass = passFlops(config) * Math.max(1, epochs);
  const weightedPass = passFlops(config, true) * Math.max(1, epochs);
  const flops = weightedPass + init;
  const gflop = (n: number) => `${formatCount(Math.round(n / 1e9))} GFLOP`;
  const need =
    init > flops / 2
      ? `the forward pass would need ${gflop(flops)} (mostly initialising the recurrent weights, which grows as units³)`
      : weightedPass > 2 * pass
        ? `the forward pass would need ${gflop(pass)} on the GRU/SimpleRNN kernels, which run about ${kernelSlowdown.gru}× slower than the LSTM's (as long as ${gflop(flops)} would take)`
        : `the forward pass would need ${gflop(flops)}`;
  if (flops > limits.forwardFlops) return { reason: `${need}, more than the ${gflop(limits.forwardFlops)} lstm-reset runs`, hard: true };
  if (flops > limits.autoCountOnlyFlops) return { reason: need, hard: false };
  return undefined;
}

/** A file's size for "wrote FILE (12 KB)": KB (1,024 bytes) rounded up, MB from 10,000 KB. */
function kilobytes(bytes: number): string {
  const kb = Math.ceil(bytes / 1024);
  return kb >= 10_000 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${formatCount(kb)} KB`;
}

/** Bytes as "2.0 GiB", "512 MiB". */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  if (value >= 1024) return `${bytes.toExponential(1)} bytes`;
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/**
 * Runs `steps` to the end, pausing every 25 ms of work so the process sees signals (Ctrl-C) and
 * `tick` can flush output; returns what the steps return.
 */
async function drive<T>(steps: Iterator<unknown, T>, io: CliIo, tick: () => void): Promise<T> {
  let last = io.now();
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
    const now = io.now();
    if (now - last >= 25) {
      last = now;
      tick();
      await io.pause();
    }
  }
}

/** The same run with every layer's statefulness flipped, for --compare-stateless. */
async function compareRun(config: SimulationConfig, prepared: PreparedRun, io: CliIo): Promise<{ result: SimulationResult; timeline: Timeline }> {
  const flipped = flippedStatefulness(config);
  const timeline = createTimelineRecorder(flipped);
  const steps = simulateSteps(flipped, {
    hooks: timeline.hooks,
    ...(prepared.inputs ? { inputs: prepared.inputs } : {}),
    ...(prepared.weights ? { weights: prepared.weights } : {}),
    keepEvents: false,
  });
  const result = await drive(steps, io, () => {});
  return { result, timeline: timeline.finish() };
}

/** The command line as given, for the HTML report (commander keeps the raw arguments on the program). */
function commandLineOf(command: Command): string {
  let root: Command = command;
  while (root.parent) root = root.parent;
  const raw = (root as unknown as { rawArgs?: readonly string[] }).rawArgs ?? [];
  const quote = (arg: string) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, "'\\''")}'`);
  return ['lstm-reset', ...raw.map(quote)].join(' ');
}

/** Simulates a prepared run, renders it and decides the exit code. */
export async function reportRun(command: Command, io: CliIo, prepared: PreparedRun): Promise<number> {
  const usageError = (message: string) => {
    io.stderr.write(`error: ${message}\n`);
    return exitCodes.usage;
  };
  const cli = command.opts() as ReportOptions;
  const chosen = outputFormat(cli);
  if (!chosen.ok) return usageError(chosen.message);
  const { format } = chosen;
  const { config, batchDefaulted } = prepared;

  // the closed form sizes the run before it starts, and checks --expect keys before any output
  const counted = countOnly(config);
  const inexact = inexactTotal(counted);
  if (inexact) {
    return usageError(
      `this run's ${inexact.key} would be about ${inexact.value.toExponential(2)}, past 2^53 where JSON numbers stop being exact; use fewer --epochs, samples or layers.`,
    );
  }
  const expectations: Expectation[] = [...(cli.expect ?? [])];
  if (cli.expectResets !== undefined) expectations.unshift({ key: 'resetEvents', value: cli.expectResets });
  for (const expectation of expectations) {
    if (lookupTotal(counted, expectation.key) === undefined) {
      return usageError(
        `--expect ${clip(expectation.key)}: no such total; use one of ${numericTotalKeys(counted).slice(0, 12).join(', ')}, … (any number under "totals" in --json).`,
      );
    }
  }
  if (cli.countOnly === true && cli.trace !== undefined) return usageError('--trace needs the forward pass; drop --count-only.');
  if (cli.compareStateless && cli.html === undefined) return usageError('--compare-stateless draws in the HTML report; add --html FILE.');
  if (cli.countOnly === true && cli.html !== undefined) return usageError('--html draws the forward pass call by call; drop --count-only.');
  // --html and --trace naming one file (or both stdout) were refused before the run (commands/outputs.ts)
  if (cli.html === '-' && (cli.json || cli.format !== undefined || cli.plain || cli.events !== undefined)) {
    const flag = cli.json ? '--json' : cli.plain ? '--plain' : cli.format !== undefined ? '--format' : '--events';
    return usageError(`--html - prints the HTML page on stdout instead of the report, so ${flag} has nothing to format; drop ${flag}, or give --html FILE.`);
  }
  const problem = cli.countOnly === true ? undefined : forwardPassProblem(config, counted.totals.epochsCompleted, prepared.weights !== undefined, cli.trace !== undefined ? 2 : 1);
  let countOnlyRun = cli.countOnly === true;
  if (problem) {
    if (cli.trace !== undefined && problem.hard) {
      return usageError(`--trace needs the forward pass, but ${problem.reason}; trace a smaller run (fewer --units, --epochs, samples or timesteps).`);
    }
    if (cli.html !== undefined && problem.hard) return usageError(`--html needs the forward pass, but ${problem.reason}; draw a smaller run (fewer --units, --epochs, samples or timesteps).`);
    if (cli.countOnly === false && problem.hard) return usageError(`--no-count-only: ${problem.reason}; use --count-only, or fewer --units, --epochs, samples or timesteps.`);
    // a long run that --trace, --html or --no-count-only asks for runs; otherwise it is counted
    if (cli.countOnly === undefined && cli.trace === undefined && cli.html === undefined) {
      countOnlyRun = true;
      if (!cli.quiet) {
        io.stderr.write(`note: ${problem.reason}; counting in closed form instead (--count-only; ${problem.hard ? '--no-count-only would refuse this run' : '--no-count-only runs it anyway'}).\n`);
      }
    }
  }

  let traceRecorder: ReturnType<typeof createTraceRecorder> | undefined;
  if (cli.trace !== undefined) {
    const values = traceStateValues(config, counted.totals.batches, Math.min(config.batchSize, config.samples));
    if (values > traceStateLimit) {
      return usageError(
        `--trace: this run would record ${formatCount(values)} state values, more than the ${formatCount(traceStateLimit)} a trace holds; trace fewer --epochs, samples or units.`,
      );
    }
  }
  // the trace file is opened (and checked) before the run, so a bad path fails at once
  // an output file is never one of the run's inputs
  const given = command.opts() as { data?: string[]; plan?: string; weights?: string };
  const inputs = [
    ...(given.data ?? []).map((path) => ({ path, flag: '--data' })),
    ...(given.plan !== undefined ? [{ path: given.plan, flag: '--plan' }] : []),
    ...(given.weights !== undefined ? [{ path: given.weights, flag: '--weights' }] : []),
    ...(command.name() === 'audit' && command.args[0] !== undefined ? [{ path: command.args[0], flag: 'model' }] : []),
  ].filter((input) => input.path !== '-');
  let traceFile: OutputFile | undefined;
  if (cli.trace !== undefined && cli.trace !== '-') {
    const opened = io.openOutput(cli.trace, { inputs });
    if (!opened.ok) return usageError(`--trace: cannot write ${cli.trace}: ${opened.reason}; give a writable file path, or - for stdout.`);
    traceFile = opened.file;
  }
  let htmlFile: OutputFile | undefined;
  if (cli.html !== undefined && cli.html !== '-') {
    const opened = io.openOutput(cli.html, { inputs });
    if (!opened.ok) {
      traceFile?.abort();
      return usageError(`--html: cannot write ${cli.html}: ${opened.reason}; give a writable file path, or - for stdout.`);
    }
    htmlFile = opened.file;
  }
  let unregister = () => {};
  const written: string[] = [];
  try {
    if (cli.trace !== undefined) traceRecorder = createTraceRecorder(config, prepared.weights, prepared.inputs, prepared.program, (prepared.moreData ?? []).map((d) => d.source));

    // events listed: --events, or all of them unless there are very many
    let listing: EventListing = cli.events ?? { mode: 'all' };
    if (cli.events === undefined && format !== 'table' && listedEventCount(counted.totals) > limits.listedEvents) {
      listing = { mode: 'head', count: limits.defaultHead };
      if (!cli.quiet && cli.trace !== '-') {
        io.stderr.write(
          `note: ${formatCount(listedEventCount(counted.totals))} events; listing the first ${formatCount(limits.defaultHead)} (--events all lists every one, --events none only the totals).\n`,
        );
      }
    }
    if (config.kerasVersion !== undefined && !cli.quiet) {
      io.stderr.write(`note: --keras ${config.kerasVersion} is simulated as ${kerasProfiles[config.keras].label}: ${versionProfileReason(config.kerasVersion)}.\n`);
    }
    if (batchDefaulted && !cli.quiet) {
      io.stderr.write(`note: --batch not given; using 32, the default batch_size of Keras fit()/evaluate()/predict().\n`);
    }
    const write = (chunk: string | Uint8Array) => io.stdout.write(chunk);
    const chalk = makeChalk({ flag: cli.color, env: io.env, isTTY: io.stdout.isTTY });
    const pacing = { now: () => io.now(), flushEveryMs: 250 };
    const width = outputWidth(io.stdout, io.env);
    // the per-call timeline: for the picture below the table's totals (not with -q), and --html
    const picture = format === 'table' && !cli.quiet && !countOnlyRun && cli.html !== '-';
    const timeline = picture || cli.html !== undefined ? createTimelineRecorder(config) : undefined;
    const baseSink =
      format === 'json'
        ? jsonSink(write, pacing)
        : format === 'tsv'
          ? tsvSink(write, pacing)
          : format === 'ndjson'
            ? ndjsonSink(write, pacing)
            : tableSink(write, {
                chalk,
                maxRows: cli.maxRows,
                width,
                headOnly: countOnlyRun,
                ...(timeline && picture ? { picture: () => renderPicture(timeline.finish(), chalk, width) } : {}),
                ...(prepared.header ? { header: prepared.header } : {}),
              });
    const sink = listingSink(baseSink, listing);
    // trace and HTML files are written before any output, so a failed write leaves stdout empty (the
    // table prints nothing until the end; with --html the other formats wait for the run)
    const streaming = traceRecorder === undefined && (cli.html === undefined || (format === 'table' && cli.html !== '-'));
    const progress = progressBar(io, counted.totals.batches, cli.quiet ?? false);
    unregister = io.onInterrupt(() => {
      progress.erase();
      sink.flush?.();
    });
    if (streaming) sink.start(resolveRunConfig(config), prepared.extra);

    let result: SimulationResult;
    if (countOnlyRun) {
      let n = 0;
      let last = io.now();
      for (const event of countEvents(config)) {
        if (!sink.wantsMore) break;
        sink.event(event);
        if ((++n & 1023) === 0 && io.now() - last >= 25) {
          last = io.now();
          sink.tick?.();
          await io.pause();
        }
      }
      result = counted;
    } else {
      const steps = simulateSteps(config, {
        hooks: combineHooks(...[traceRecorder?.hooks, timeline?.hooks, progress.hooks].filter((hooks) => hooks !== undefined)),
        ...(prepared.inputs ? { inputs: prepared.inputs } : {}),
        ...(prepared.weights ? { weights: prepared.weights } : {}),
        ...(prepared.program ? { program: prepared.program, moreInputs: (prepared.moreData ?? []).map((d) => d.source) } : {}),
        ...(streaming ? { onEvent: (event: ResetEvent) => sink.event(event), keepEvents: false } : {}),
      });
      result = await drive(steps, io, () => sink.tick?.());
      progress.done();
    }
    if (traceRecorder) {
      const text = `${JSON.stringify(traceRecorder.trace)}\n`;
      if (traceFile) {
        try {
          for (let at = 0; at < text.length; at += 1 << 20) {
            traceFile.write(text.slice(at, at + (1 << 20)));
            await io.pause();
          }
          traceFile.commit();
          if (!traceFile.streamed) written.push(`wrote ${cli.trace} (${kilobytes(Buffer.byteLength(text))})`);
        } catch (error) {
          traceFile.abort();
          io.stderr.write(`error: --trace: cannot write ${cli.trace}: ${describeWriteError(error)}; nothing was written to it.\n`);
          return exitCodes.outputFailed;
        }
      } else {
        for (let at = 0; at < text.length; at += 1 << 20) {
          write(text.slice(at, at + (1 << 20)));
          await io.pause();
        }
      }
    }
    if (cli.html !== undefined && timeline) {
      // the renderer loads only for --html: a plain run does not pay for it
      const { renderHtml } = await import('../render/html.ts');
      const counterpart = cli.compareStateless ? await compareRun(config, prepared, io) : undefined;
      const html = renderHtml(
        { result, timeline: timeline.finish() },
        {
          version: packageJson.version,
          commandLine: commandLineOf(command),
          ...(counterpart ? { counterpart } : {}),
          ...(prepared.header ? { header: prepared.header } : {}),
        },
      );
      if (htmlFile) {
        try {
          htmlFile.write(html);
          htmlFile.commit();
          if (!htmlFile.streamed) written.push(`wrote ${cli.html} (${kilobytes(Buffer.byteLength(html))})`);
        } catch (error) {
          htmlFile.abort();
          io.stderr.write(`error: --html: cannot write ${cli.html}: ${describeWriteError(error)}; nothing was written to it.\n`);
          return exitCodes.outputFailed;
        }
      } else {
        write(html);
      }
    }
    if (!streaming && cli.trace !== '-' && cli.html !== '-') renderThrough(sink, result, prepared.extra);
    else if (streaming) sink.end(result);
    unregister();
    // after the report, so a terminal shows the table whole, then where the files went
    if (!cli.quiet) for (const line of written) io.stderr.write(`${line}\n`);

    const checked = expectations.map((expectation) => ({ expectation, actual: lookupTotal(result, expectation.key)! }));
    const failing = failingFindings(result.findings, cli.strict ?? false);
    if (format !== 'table') {
      for (const finding of failing) io.stderr.write(`${finding.severity}: ${finding.code}: ${finding.message}\n`);
    }
    const mismatches = checked.filter(({ expectation, actual }) => expectation.value !== actual);
    for (const { expectation, actual } of mismatches) {
      io.stderr.write(`expected ${expectation.key}=${expectation.value}, counted ${actual} (${describeRun(result)})\n`);
    }
    if (mismatches.length === 0 && checked.length > 0 && !cli.quiet) {
      io.stderr.write(`counts OK: ${checked.map(({ expectation }) => `${expectation.key}=${expectation.value}`).join(', ')}\n`);
    }
    if (failing.length > 0) return exitCodes.kerasWouldFail;
    if (mismatches.length > 0) return exitCodes.expectationFailed;
    return exitCodes.ok;
  } finally {
    unregister();
    // an exception (stdout failed, …) leaves no temporary file behind
    traceFile?.abort();
    htmlFile?.abort();
  }
}

function describeRun(result: SimulationResult): string {
  const { config } = result;
  return `${isStatefulModel(config) ? 'stateful' : 'stateless'}, ${config.samples} ${noun(config.samples, 'sample')} / batch ${config.batchSize} × ${config.epochs} ${noun(config.epochs, 'epoch')}`;
}

/** totals.KEY for a dotted key (array segments are 0-based list indices, as in --json). */
export function lookupTotal(result: SimulationResult, key: string): number | undefined {
  let value: unknown = result.totals;
  for (const segment of key.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, segment)) return undefined;
    // a list takes 0-based positions only (not "length")
    if (Array.isArray(value) && !/^(0|[1-9]\d*)$/.test(segment)) return undefined;
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
