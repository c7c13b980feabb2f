/**
 * The main command: simulate a training run and report its reset events, totals and findings.
 */
import type { Command } from 'commander';
import {
  limits,
  parseExpectation,
  parseFormat,
  parseWholeNumber,
  type Expectation,
  type OutputFormat,
} from './args.ts';
import { makeChalk } from '../render/color.ts';
import { outputWidth } from '../render/text.ts';
import { isStatefulModel, resolveLayers } from '../keras/config.ts';
import { formatCount } from '../sim/explain.ts';
import { failingFindings } from '../keras/findings.ts';
import { jsonSink, ndjsonSink, renderThrough, tableSink, tsvSink } from '../render/stream.ts';
import { countEvents, countOnly } from '../sim/count.ts';
import { combineHooks, type StateHooks } from '../sim/hooks.ts';
import { resolveRunConfig, simulate } from '../sim/simulate.ts';
import type { ResetEvent, SimulationResult } from '../sim/result.ts';
import { createTraceRecorder, traceStateLimit, traceStateValues } from '../sim/trace.ts';
import { exitCodes, type CliIo } from './cli-io.ts';
import type { Shape } from './args.ts';
import { distinctSteps, planRangeProblems, type SimulationConfig } from '../keras/config.ts';
import { isKeras3 } from '../keras/profiles.ts';
import type { NpyReader } from '../io/npy.ts';
import type { InputSource, LayerWeightsOverride } from '../sim/simulate.ts';
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
    .option('--max-rows <n>', 'event rows shown in the table (head and tail)', (v) => parseWholeNumber(v, 'max rows', '--max-rows 40', 2, 1_000_000), 20)
    .option('--expect-resets <N>', 'exit 1 unless the run has exactly N reset events', (v) =>
      parseWholeNumber(v, 'expected resets', '--expect-resets 75', 0),
    )
    .option('--expect <KEY=VALUE>', 'exit 1 unless totals.KEY equals VALUE (repeatable; e.g. rowResets=15000, byReason.batch-start=75)', parseExpectation)
    .option('--strict', 'exit 3 on warning findings too')
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
  countOnly?: boolean;
}

/** Gate-matmul flops of one sample-timestep through every layer and direction. */
export function forwardFlops(config: SimulationConfig): number {
  let inputDim = config.features;
  let flopsPerStep = 0;
  for (const layer of resolveLayers(config)) {
    const gates = { lstm: 4, gru: 3, simple: 1 }[layer.cell];
    flopsPerStep += 2 * gates * layer.units * (inputDim + layer.units) * (layer.bidirectional ? 2 : 1);
    inputDim = layer.units * (layer.bidirectional ? 2 : 1);
  }
  return flopsPerStep * config.samples * config.timesteps;
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
): { hooks: StateHooks; done: () => void } {
  if (quiet || !io.stderr.isTTY || totalBatches === 0) return { hooks: {}, done: () => {} };
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
    },
  };
}

/** Adds --data and --plan (the files that describe the data and the script). */
export function addInputOptions(command: Command): Command {
  return command
    .option('--data <file.npy>', 'the training data as a NumPy .npy (float32/float64, C order, (N,T) or (N,T,D)): N, T, D come from it and its values feed the forward pass')
    .option('--plan <file|->', 'the script as a JSON training plan of fit/evaluate/predict/reset/repeat steps (- reads standard input)');
}

/** Runs the simulation a command's options describe; returns the exit code. */
export async function runSimulationCommand(command: Command, io: CliIo): Promise<number> {
  const prepared = await prepareRun(command, io);
  if (!prepared.ok) return usageError(io, prepared.message);
  try {
    return reportRun(command, io, prepared.run);
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
  readonly weights?: readonly LayerWeightsOverride[];
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
  fallback: { shape?: { samples: number; timesteps: number; features: number } } = {},
): Promise<{ ok: true; run: PreparedRun } | { ok: false; message: string }> {
  const options = command.opts() as { data?: string; plan?: string; shape?: Shape };
  let data: NpyReader | undefined;
  // the data and plan readers load only when used
  const inputs = options.data !== undefined || options.plan !== undefined ? await import('./inputs.ts') : undefined;
  if (options.data !== undefined) {
    const opened = inputs!.openData(options.data, io);
    if (!opened.ok) return opened;
    data = opened.value;
    const shape = { samples: data.samples, timesteps: data.timesteps, features: data.features };
    if (options.shape && (options.shape.samples !== shape.samples || options.shape.timesteps !== shape.timesteps || options.shape.features !== shape.features)) {
      data.close();
      return {
        ok: false,
        message: `--shape ${options.shape.samples},${options.shape.timesteps},${options.shape.features} contradicts --data ${options.data} of shape ${shape.samples},${shape.timesteps},${shape.features}; drop --shape.`,
      };
    }
    command.setOptionValueWithSource('shape', shape, 'cli');
  } else if (!options.shape && fallback.shape) {
    command.setOptionValueWithSource('shape', fallback.shape, 'cli');
  }
  const outcome = configFromOptions(command);
  if (!outcome.ok) {
    data?.close();
    return outcome;
  }
  let { config } = outcome;
  if (options.plan !== undefined) {
    const explicit = ['epochs', 'validationSplit', 'shuffle'].filter((key) => command.getOptionValueSource(key) === 'cli');
    if (explicit.length > 0) {
      data?.close();
      const flag = `--${explicit[0]!.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
      return { ok: false, message: `${flag} conflicts with --plan, whose fit steps give epochs, shuffle and validationSplit themselves; drop ${flag}.` };
    }
    const plan = await inputs!.loadPlan(options.plan, io);
    if (!plan.ok) {
      data?.close();
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
        data?.close();
        return { ok: false, message: `${flag} contradicts the plan's "${key === 'initialStatePassed' ? 'initialState' : key}": ${JSON.stringify(value)}; drop one of them.` };
      }
      config = { ...config, [key]: value };
    }
    if (config.backend !== undefined && config.backend !== 'tensorflow' && !isKeras3(config.keras)) {
      data?.close();
      return { ok: false, message: `--plan: "backend": "${config.backend}" is a Keras 3 setting; --keras ${config.keras} runs on TensorFlow. Use --keras 3.` };
    }
    const outside = planRangeProblems(steps, config.samples);
    if (outside.length > 0) {
      data?.close();
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
      data?.close();
      return { ok: false, message: `--plan: validationSplit ${bad.validationSplit} leaves no training or no validation samples out of ${config.samples}.` };
    }
  }
  const run: PreparedRun = {
    config,
    batchDefaulted: options.plan === undefined && outcome.batchDefaulted,
    ...(data ? { inputs: inputs!.npyInputSource(data), close: () => data.close() } : {}),
  };
  return { ok: true, run };
}

/** Simulates a prepared run, renders it and decides the exit code. */
export function reportRun(command: Command, io: CliIo, prepared: PreparedRun): number {
  const usageError = (message: string) => {
    io.stderr.write(`error: ${message}\n`);
    return exitCodes.usage;
  };
  const cli = command.opts() as ReportOptions;
  const formatFlags = [cli.json ? 'json' : undefined, cli.format, cli.plain ? 'tsv' : undefined].filter(
    (f): f is OutputFormat => f !== undefined,
  );
  if (new Set(formatFlags).size > 1) {
    return usageError(`--json, --format and --plain ask for different outputs (${formatFlags.join(', ')}); give only one.`);
  }
  const format: OutputFormat = formatFlags[0] ?? 'table';
  const { config, batchDefaulted } = prepared;

  // the closed form sizes the run before it starts, and checks --expect keys before any output
  const counted = countOnly(config);
  const expectations: Expectation[] = [...(cli.expect ?? [])];
  if (cli.expectResets !== undefined) expectations.unshift({ key: 'resetEvents', value: cli.expectResets });
  for (const expectation of expectations) {
    if (lookupTotal(counted, expectation.key) === undefined) {
      return usageError(
        `--expect ${expectation.key}: no such total; use one of ${numericTotalKeys(counted).slice(0, 12).join(', ')}, … (any number under "totals" in --json).`,
      );
    }
  }
  const flops = forwardFlops(config) * Math.max(1, counted.totals.epochsCompleted);
  let countOnlyRun = cli.countOnly === true;
  if (cli.countOnly === undefined && flops > limits.autoCountOnlyFlops && cli.trace === undefined) {
    countOnlyRun = true;
    if (!cli.quiet) {
      io.stderr.write(
        `note: the forward pass would need ${formatCount(Math.round(flops / 1e9))} GFLOP; counting in closed form instead (--count-only; --no-count-only runs it anyway).\n`,
      );
    }
  }
  if (countOnlyRun && cli.trace !== undefined) return usageError('--trace needs the forward pass; drop --count-only.');
  if (!countOnlyRun && flops > limits.forwardFlops) {
    return usageError(
      cli.trace !== undefined
        ? `--trace needs the forward pass, which would need ${formatCount(Math.round(flops / 1e9))} GFLOP (hours); trace a smaller run (fewer --units, --epochs or samples).`
        : `--no-count-only: the forward pass would need ${formatCount(Math.round(flops / 1e9))} GFLOP (hours); use --count-only, or fewer --units, --epochs or samples.`,
    );
  }

  let trace: ReturnType<typeof createTraceRecorder> | undefined;
  if (cli.trace !== undefined) {
    const values = traceStateValues(config, counted.totals.batches, Math.min(config.batchSize, config.samples));
    if (values > traceStateLimit) {
      return usageError(
        `--trace: this run would record ${formatCount(values)} state values, more than the ${formatCount(traceStateLimit)} a trace holds; trace fewer --epochs, samples or units.`,
      );
    }
    trace = createTraceRecorder(config, prepared.weights, prepared.inputs);
  }

  if (batchDefaulted && !cli.quiet) {
    io.stderr.write(`note: --batch not given; using 32, the default batch_size of Keras fit()/evaluate()/predict().\n`);
  }
  const write = (chunk: string | Uint8Array) => io.stdout.write(chunk);
  const chalk = makeChalk({ flag: cli.color, env: io.env, isTTY: io.stdout.isTTY });
  const sink =
    format === 'json'
      ? jsonSink(write)
      : format === 'tsv'
        ? tsvSink(write)
        : format === 'ndjson'
          ? ndjsonSink(write)
          : tableSink(write, { chalk, maxRows: cli.maxRows, width: outputWidth(io.stdout, io.env), headOnly: countOnlyRun, ...(prepared.header ? { header: prepared.header } : {}) });
  // a trace file is written before any output, so a failed write leaves stdout empty
  const streaming = trace === undefined;
  if (streaming) sink.start(resolveRunConfig(config), prepared.extra);

  let result: SimulationResult;
  if (countOnlyRun) {
    for (const event of countEvents(config)) {
      sink.event(event);
      if (!sink.wantsMore) break;
    }
    result = counted;
  } else {
    const progress = progressBar(io, counted.totals.batches, cli.quiet ?? false);
    result = simulate(config, {
      hooks: trace ? combineHooks(trace.hooks, progress.hooks) : progress.hooks,
      ...(prepared.inputs ? { inputs: prepared.inputs } : {}),
      ...(prepared.weights ? { weights: prepared.weights } : {}),
      ...(streaming ? { onEvent: (event: ResetEvent) => sink.event(event), keepEvents: false } : {}),
    });
    progress.done();
  }
  if (trace && cli.trace !== '-') {
    const written = io.writeFile(cli.trace!, `${JSON.stringify(trace.trace)}\n`);
    if (written !== true) return usageError(`--trace: cannot write ${cli.trace}: ${written}; give a writable path, or - for stdout.`);
  }
  if (trace && cli.trace === '-') {
    write(`${JSON.stringify(trace.trace)}\n`);
  } else if (streaming) {
    sink.end(result);
  } else {
    renderThrough(sink, result, prepared.extra);
  }

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
