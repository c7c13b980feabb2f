/**
 * Option parsers (one value each, for commander) and the zod schema of the whole configuration
 * (cross-field rules). Every message names the flag and says how to fix it.
 */
import { InvalidArgumentError } from 'commander';
// zod/mini: the same validation with a fraction of the start-up cost (tree-shaken, messages from its English locale)
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

// jitless: a one-shot CLI parses once; zod's compiled fast path costs more to build than it saves
z.config({ ...en(), jitless: true });
import { cellKinds, type CellKind } from '../keras/layers.ts';
import type { LayerSpecInput, LengthSpec, ResetPolicy, SimulationConfig } from '../keras/config.ts';
import { formatCount } from '../sim/explain.ts';
import {
  backends,
  kerasProfileForVersion,
  kerasProfiles,
  kerasVersions,
  lacksSetting,
  olderDefaultActivation,
  scriptSettings,
  type ScriptSetting,
  recurrentActivations,
  type Backend,
  type KerasVersion,
  type RecurrentActivation,
} from '../keras/profiles.ts';

/** Upper bounds that keep a run sane; past them a value is a typo rather than a plan. */
export const limits = {
  /** Samples of --shape / --samples: counting handles any number whose totals stay exact (below 2^53). */
  samples: 1_000_000_000_000_000,
  /** Samples a forward pass can index (its sample ids are 32-bit); above it a run is counted in closed form. */
  forwardSamples: 2_147_483_647,
  timesteps: 1_000_000,
  features: 100_000,
  units: 4096,
  batchSize: 1_000_000_000,
  epochs: 1_000_000,
  /** Reset events a run may record (the table is kept in memory). */
  events: 5_000_000,
  /** Forward-pass work (flops of the gate matmuls) above which a run counts in closed form unless told otherwise. */
  autoCountOnlyFlops: 2e11,
  /** Forward-pass work lstm-reset refuses to run at all. */
  forwardFlops: 2e12,
  /** Work `verify` runs (it has no closed form to fall back to): about ten seconds, so it answers or refuses at once. */
  verifyFlops: 2e11,
  /** Memory the buffers of a forward pass (or of verify) may take: above it a run is counted or refused. */
  forwardBytes: 2 * 1024 ** 3,
  /** A run with more reset events than this lists only the first `defaultHead` unless --events says otherwise. */
  listedEvents: 100_000,
  defaultHead: 1_000,
  /** Rows of the human table: drawing it grows faster than linearly (cli-table3), so more go to --format tsv. */
  tableRows: 1_000,
} as const;

/** --max-rows: rows of the human table, at most limits.tableRows. */
export function parseMaxRows(value: string): number {
  const rows = parseWholeNumber(value, 'max rows', '--max-rows 40', 2);
  if (rows > limits.tableRows) {
    throw new InvalidArgumentError(`The table shows at most ${formatCount(limits.tableRows)} rows; --format tsv, ndjson or --json list every event.`);
  }
  return rows;
}

/** Which events the report lists: every one, none (totals only), or the first K. */
export type EventListing = { readonly mode: 'all' } | { readonly mode: 'none' } | { readonly mode: 'head'; readonly count: number };

/** --events all | none | head:K (K ≥ 1). */
export function parseEvents(value: string): EventListing {
  const text = value.trim().toLowerCase();
  if (text === 'all' || text === 'none') return { mode: text };
  const match = /^(?:head|first)[:=](\d+)$/.exec(text);
  const count = match ? Number(match[1]) : Number.NaN;
  if (!Number.isSafeInteger(count) || count < 1) {
    throw new InvalidArgumentError('Use all, none, or head:K for the first K events (K ≥ 1), e.g. --events head:100.');
  }
  return { mode: 'head', count };
}

/**
 * Parses a whole number in [min, max] written in plain decimal digits (the one grammar of every
 * count a flag or --expect takes): no sign, spaces, exponent (1e3), separator (1_000) or hex (0x10),
 * which other flags or tools read differently. `what` reads "batch size", `example` "--batch 32".
 */
export function parseWholeNumber(value: string, what: string, example: string, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^\d+$/.test(value)) {
    throw new InvalidArgumentError(`${capitalise(what)} must be a whole number ≥ ${min} in plain digits (no sign, spaces, exponent, _ or hex), e.g. ${example}.`);
  }
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < min) {
    throw new InvalidArgumentError(`${capitalise(what)} must be a whole number ≥ ${min}, e.g. ${example}.`);
  }
  if (number > max) {
    throw new InvalidArgumentError(`${capitalise(what)} ${number} is more than the ${formatCount(max)} lstm-reset accepts.`);
  }
  return number;
}

/** A value echoed in a message: at most 60 characters, then "…" (a pasted file must not fill the terminal). */
export function clip(value: string, max = 60): string {
  return value.length > max ? `${value.slice(0, max)}… (${formatCount(value.length)} characters)` : value;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export interface Shape {
  readonly samples: number;
  readonly timesteps: number;
  readonly features: number;
}

/**
 * "1000,20,1", "1000,20" (one feature), "1000, 20, 1", a whole Python tuple or list "(1000, 20, 1)" /
 * "[1000, 20, 1]", or "1000x20x1". Each size in plain digits; nothing before or after, no empty size
 * ("20,7,"), no unmatched bracket ("(20,7,1").
 */
export function parseShape(value: string): Shape {
  const usage = 'Give samples,timesteps[,features] as positive whole numbers in plain digits, e.g. --shape 1000,20,1 (also "(1000, 20, 1)" or 1000x20x1).';
  const bracketed = /^\((.*)\)$/s.exec(value) ?? /^\[(.*)\]$/s.exec(value);
  const inner = bracketed ? bracketed[1]!.replace(/^ +| +$/g, '') : value;
  // commas (Python tuple style) or x (1000x20x1), never both
  const parts = inner.includes(',') ? inner.split(/ *, */) : inner.split(/ *[x×] */i);
  if (parts.length < 2 || parts.length > 3) throw new InvalidArgumentError(usage);
  const names = ['samples', 'timesteps', 'features'] as const;
  const maxima = [limits.samples, limits.timesteps, limits.features];
  const dims = parts.map((part, i) => {
    if (!/^\d+$/.test(part) || Number(part) < 1) throw new InvalidArgumentError(usage);
    const number = Number(part);
    if (!Number.isSafeInteger(number) || number > maxima[i]!) {
      throw new InvalidArgumentError(`${capitalise(names[i]!)} ${clip(part)} is more than the ${formatCount(maxima[i]!)} lstm-reset accepts.`);
    }
    return number;
  });
  return { samples: dims[0]!, timesteps: dims[1]!, features: dims[2] ?? 1 };
}

/** never | epoch | K (a whole number of training batches). */
export function parseResetEvery(value: string): ResetPolicy {
  const text = value.toLowerCase();
  if (text === 'never' || text === 'epoch') return text;
  if (/^\d+$/.test(text) && Number(text) >= 1 && Number.isSafeInteger(Number(text))) return { everyBatches: Number(text) };
  throw new InvalidArgumentError('Use never, epoch, or a whole number of training batches K ≥ 1, e.g. --reset-every epoch.');
}

/** The value of --shuffle: only 'batch' (fit(shuffle='batch')); the flag alone means True. */
export function parseShuffle(value: string): true | 'batch' {
  const text = value.trim().toLowerCase();
  if (text === 'batch') return 'batch';
  if (text === 'true') return true;
  throw new InvalidArgumentError("Use --shuffle (True), --shuffle batch (shuffle='batch') or --no-shuffle (False).");
}

/** A fraction in [0, 1). */
export function parseFraction(value: string): number {
  const text = value.trim();
  const number = Number(text);
  if (text === '' || !Number.isFinite(number) || number < 0 || number >= 1) {
    throw new InvalidArgumentError('Give a fraction from 0 up to (not including) 1, e.g. --validation-split 0.2.');
  }
  return number;
}

/** --padding: where padding sits in each sample (Keras pad_sequences padding='pre' or 'post'). */
export function parsePadding(value: string): 'pre' | 'post' {
  const text = value.trim().toLowerCase();
  if (text === 'pre' || text === 'post') return text;
  throw new InvalidArgumentError("Use pre (padding before the real steps, pad_sequences' default) or post, e.g. --padding post.");
}

/** --lengths: real steps per sample, "5,3,8" (cycled over the samples) or "2-7" (a seeded whole number per sample). */
export function parseLengths(value: string): LengthSpec {
  const usage = 'Give the real steps per sample as a comma list cycled over the samples (--lengths 5,3,8) or a range (--lengths 2-7).';
  const text = value.trim();
  const range = /^(\d+)\s*-\s*(\d+)$/.exec(text);
  if (range) {
    const min = Number(range[1]);
    const max = Number(range[2]);
    if (min > max || max > limits.timesteps) throw new InvalidArgumentError(usage);
    return { kind: 'range', min, max };
  }
  const parts = text.split(',').map((part) => part.trim());
  if (parts.length === 0 || parts.length > 100_000 || parts.some((part) => !/^\d+$/.test(part) || Number(part) > limits.timesteps)) {
    throw new InvalidArgumentError(usage);
  }
  return { kind: 'list', values: parts.map(Number) };
}

/** A fraction in (0, 1]. */
export function parseMaskFraction(value: string): number {
  const text = value.trim();
  const number = Number(text);
  if (text === '' || !Number.isFinite(number) || number <= 0 || number > 1) {
    throw new InvalidArgumentError('Give the fraction of padded samples, above 0 and at most 1, e.g. --mask-fraction 0.3.');
  }
  return number;
}

/**
 * A version profile from what users write: 3 (Keras 3.12+), a Keras version such as 3.15.1, 3.11 or
 * 3.5.0 (3.0–3.11 have no stateful batch-size check), tf / tf.keras / tf-keras, 2 / 2.3 / 2.2.4.
 */
export function parseKerasVersion(value: string): KerasVersion {
  const text = value.trim().toLowerCase().replace(/^keras\s*/, '');
  const aliases: Record<string, KerasVersion> = {
    '3': '3',
    '3.12+': '3',
    '3.0-3.11': '3.0-3.11',
    tf: 'tf',
    'tf.keras': 'tf',
    'tf-keras': 'tf',
    '2': '2',
    tfjs: 'tfjs',
    'tf.js': 'tfjs',
    'tfjs-layers': 'tfjs',
  };
  const version = aliases[text] ?? (/^\d+\.\d+(\.\d+)?$/.test(text) ? kerasProfileForVersion(text) : undefined);
  if (version === undefined) {
    // a well-formed version no profile covers says so first (Keras 4, Keras 0.x)
    const uncovered = /^\d+\.\d+(\.\d+)?$/.test(text) ? `No profile covers Keras ${text}. ` : '';
    throw new InvalidArgumentError(
      `${uncovered}Use 3 (Keras 3.12+), a Keras version such as 3.15.1 or 3.10 (3.0–3.11 lack the stateful batch-size check), tf (tf.keras), 2 (Keras 2.3) or tfjs (TF.js Layers), e.g. --keras 3.11.`,
    );
  }
  return version;
}

export function parseBackend(value: string): Backend {
  const text = value.trim().toLowerCase();
  const aliases: Record<string, Backend> = { tensorflow: 'tensorflow', tf: 'tensorflow', jax: 'jax', torch: 'torch', pytorch: 'torch' };
  const backend = aliases[text];
  if (backend === undefined) throw new InvalidArgumentError(`Use one of ${backends.join(', ')} (KERAS_BACKEND), e.g. --backend jax.`);
  return backend;
}

/** How the model declares its input: Input(batch_shape=...) (a fixed batch size), Input(shape=...) (none), or no Input at all. */
export const inputKinds = ['batch_shape', 'shape', 'none'] as const;
export type InputKind = (typeof inputKinds)[number];

export function parseInputKind(value: string): InputKind {
  const text = value.trim().toLowerCase().replace(/-/g, '_');
  if ((inputKinds as readonly string[]).includes(text)) return text as InputKind;
  throw new InvalidArgumentError(
    'Use batch_shape (keras.Input(batch_shape=(B, T, D)), the default), shape (Input(shape=(T, D)), no batch size) or none (a Sequential without Input), e.g. --input none.',
  );
}

export function parseRecurrentActivation(value: string): RecurrentActivation {
  const text = value.trim().toLowerCase().replace('hardsigmoid', 'hard_sigmoid').replace('hard-sigmoid', 'hard_sigmoid');
  if ((recurrentActivations as readonly string[]).includes(text)) return text as RecurrentActivation;
  throw new InvalidArgumentError('Use sigmoid or hard_sigmoid, e.g. --recurrent-activation hard_sigmoid.');
}

const cellAliases: Readonly<Record<string, CellKind>> = {
  lstm: 'lstm',
  gru: 'gru',
  simple: 'simple',
  simplernn: 'simple',
  simple_rnn: 'simple',
  rnn: 'simple',
};

export function parseCell(value: string): CellKind {
  const cell = cellAliases[value.trim().toLowerCase().replace('-', '_')];
  if (cell === undefined) throw new InvalidArgumentError(`Use one of ${cellKinds.join(', ')} (simple = SimpleRNN), e.g. --cell gru.`);
  return cell;
}

/** A layer of --layers without a cell prefix takes the --cell default. */
export interface LayerToken {
  readonly cell?: CellKind;
  readonly units: number;
  readonly stateful?: boolean;
  readonly bidirectional?: boolean;
}

/** "64,32" or "lstm:64,gru:32:stateless,lstm:16:bidirectional" (flags: stateful, stateless, bidirectional/bi). */
export function parseLayers(value: string): LayerToken[] {
  const usage =
    'Give comma-separated layers as [cell:]units[:stateful|:stateless][:bidirectional], e.g. --layers 64,32 or --layers lstm:64,gru:32:stateless.';
  const tokens = value.split(',').map((token) => token.trim());
  if (tokens.length === 0 || tokens.length > 16 || tokens.some((token) => token === '')) throw new InvalidArgumentError(usage);
  return tokens.map((token) => {
    const parts = token.split(':').map((part) => part.trim().toLowerCase());
    let cell: CellKind | undefined;
    if (parts[0] !== undefined && !/^\d+$/.test(parts[0])) {
      cell = cellAliases[parts[0].replace('-', '_')];
      if (cell === undefined) throw new InvalidArgumentError(`Unknown cell "${clip(parts[0])}" in "${clip(token)}". ${usage}`);
      parts.shift();
    }
    const unitsText = parts.shift();
    if (unitsText === undefined || !/^\d+$/.test(unitsText) || Number(unitsText) < 1 || Number(unitsText) > limits.units) {
      throw new InvalidArgumentError(`Units in "${clip(token)}" must be a whole number from 1 to ${limits.units}. ${usage}`);
    }
    let layer: LayerToken = { ...(cell ? { cell } : {}), units: Number(unitsText) };
    for (const flag of parts) {
      if (flag === 'stateful' || flag === 'stateless') {
        if (layer.stateful !== undefined) throw new InvalidArgumentError(`"${clip(token)}" says stateful or stateless more than once; give one of them, e.g. ${unitsText}:${flag}.`);
        layer = { ...layer, stateful: flag === 'stateful' };
      } else if (flag === 'bidirectional' || flag === 'bi') {
        if (layer.bidirectional) throw new InvalidArgumentError(`"${clip(token)}" says bidirectional more than once; give it once, e.g. ${unitsText}:bidirectional.`);
        layer = { ...layer, bidirectional: true };
      }
      else throw new InvalidArgumentError(`Unknown flag "${clip(flag)}" in "${clip(token)}". ${usage}`);
    }
    return layer;
  });
}

/** "KEY=VALUE" of --expect: a dotted path into totals and a number. */
export interface Expectation {
  readonly key: string;
  readonly value: number;
}

export function parseExpectation(value: string, previous: Expectation[] = []): Expectation[] {
  // totals are counts: the value is a whole number in plain digits, as every count flag takes
  const match = /^([A-Za-z][\w.-]*)=(\d+)$/.exec(value);
  const number = match ? Number(match[2]) : Number.NaN;
  if (!match || !Number.isSafeInteger(number)) {
    throw new InvalidArgumentError('Use KEY=COUNT with a key of the --json totals and a whole number in plain digits, e.g. --expect rowResets=15000 or --expect byReason.batch-start=75.');
  }
  return [...previous, { key: match[1]!, value: number }];
}

export const outputFormats = ['table', 'json', 'tsv', 'ndjson'] as const;
export type OutputFormat = (typeof outputFormats)[number];

export function parseFormat(value: string): OutputFormat {
  const text = value.trim().toLowerCase();
  if ((outputFormats as readonly string[]).includes(text)) return text as OutputFormat;
  throw new InvalidArgumentError(`Use one of ${outputFormats.join(', ')}, e.g. --format tsv.`);
}

/** Options as commander hands them over (after the per-value parsers). */
export interface RawOptions {
  shape?: Shape;
  batch?: number;
  epochs: number;
  stateful?: boolean;
  shuffle: boolean | 'batch';
  units: number;
  seed: number;
  resetEvery?: ResetPolicy;
  validationSplit: number;
  keras: KerasVersion;
  kerasVersion?: string;
  recurrentActivation?: RecurrentActivation;
  cell?: CellKind;
  layers?: LayerToken[];
  bidirectional?: boolean;
  maskTail?: number;
  maskFraction?: number;
  padding?: 'pre' | 'post';
  lengths?: LengthSpec;
  initialState?: boolean;
  backend?: Backend;
  runEagerly?: boolean;
  jitCompile?: boolean;
  trainable?: boolean;
  setRandomSeed?: boolean;
  input?: InputKind;
}

const shapeSchema = z.object({ samples: z.number(), timesteps: z.number(), features: z.number() });

const positiveInt = () => z.int().check(z.minimum(1));

/** Cross-field rules; each issue's message is a complete sentence naming the flag. */
export const configSchema = z
  .object({
    shape: z.optional(shapeSchema),
    batch: z.optional(positiveInt()),
    epochs: positiveInt(),
    stateful: z.optional(z.boolean()),
    shuffle: z.union([z.boolean(), z.literal('batch')]),
    units: positiveInt(),
    seed: z.int().check(z.minimum(0)),
    resetEvery: z.optional(z.union([z.literal('never'), z.literal('epoch'), z.object({ everyBatches: positiveInt() })])),
    validationSplit: z.number().check(z.gte(0), z.lt(1)),
    keras: z.enum(kerasVersions),
    recurrentActivation: z.optional(z.enum(recurrentActivations)),
    cell: z.optional(z.enum(cellKinds)),
    layers: z.optional(
      z.array(
        z.object({ cell: z.optional(z.enum(cellKinds)), units: positiveInt(), stateful: z.optional(z.boolean()), bidirectional: z.optional(z.boolean()) }),
      ),
    ),
    bidirectional: z.optional(z.boolean()),
    maskTail: z.optional(positiveInt()),
    maskFraction: z.optional(z.number().check(z.gt(0), z.maximum(1))),
    padding: z.optional(z.enum(['pre', 'post'])),
    lengths: z.optional(
      z.union([
        z.object({ kind: z.literal('list'), values: z.array(z.int().check(z.minimum(0))) }),
        z.object({ kind: z.literal('range'), min: z.int().check(z.minimum(0)), max: z.int().check(z.minimum(0)) }),
      ]),
    ),
    initialState: z.optional(z.boolean()),
    backend: z.optional(z.enum(backends)),
    runEagerly: z.optional(z.boolean()),
    jitCompile: z.optional(z.boolean()),
    trainable: z.optional(z.boolean()),
    setRandomSeed: z.optional(z.boolean()),
    input: z.optional(z.enum(inputKinds)),
    /** The version as the user wrote it (--keras 3.15.1), when it is not a profile name. */
    kerasVersion: z.optional(z.string()),
    unitsGiven: z.boolean(),
  })
  .check(z.superRefine((options, ctx) => {
    if (!options.shape) {
      ctx.addIssue({ code: 'custom', path: ['shape'], message: '--shape is required: samples,timesteps[,features] e.g. --shape 1000,20,1.' });
      return;
    }
    const anyStateful = options.layers
      ? options.layers.some((layer) => layer.stateful ?? options.stateful ?? false)
      : (options.stateful ?? false);
    if (options.resetEvery !== undefined && options.resetEvery !== 'never' && !anyStateful) {
      ctx.addIssue({
        code: 'custom',
        path: ['resetEvery'],
        message: '--reset-every needs --stateful (or a stateful layer in --layers): a stateless layer starts every batch from zeros and has no state to reset; add --stateful, or drop --reset-every.',
      });
    }
    const lacking = lackedSetting(options.keras, options);
    if (lacking) {
      ctx.addIssue({ code: 'custom', path: [lacking.setting], message: settingRefusal(options.keras, lacking.setting, settingFlag(lacking.setting, lacking.value)) });
    }
    if (options.layers && options.unitsGiven) {
      ctx.addIssue({ code: 'custom', path: ['units'], message: '--units sets the single layer; with --layers give the units of each layer there, e.g. --layers 64,32.' });
    }
    if (options.maskTail !== undefined && options.maskTail > options.shape.timesteps) {
      ctx.addIssue({
        code: 'custom',
        path: ['maskTail'],
        message: `--mask-tail ${options.maskTail} pads more steps than the ${options.shape.timesteps} timesteps of --shape; use at most ${options.shape.timesteps}.`,
      });
    }
    if (options.lengths !== undefined) {
      const longest = options.lengths.kind === 'list' ? Math.max(...options.lengths.values) : options.lengths.max;
      if (options.maskTail !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['lengths'], message: '--lengths and --mask-tail both say which steps are padding; give one.' });
      } else if (longest > options.shape.timesteps) {
        ctx.addIssue({
          code: 'custom',
          path: ['lengths'],
          message: `--lengths asks for ${longest} real steps but a sample has ${options.shape.timesteps} timesteps; use at most ${options.shape.timesteps}.`,
        });
      }
    }
    if (options.padding !== undefined && options.lengths === undefined && options.maskTail === undefined) {
      ctx.addIssue({ code: 'custom', path: ['padding'], message: '--padding needs --lengths (real steps per sample) or --mask-tail K: it says on which side the padding goes.' });
    }
    if (options.padding !== undefined && options.maskFraction !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['padding'], message: '--padding with --mask-fraction: give every sample its length with --lengths instead (e.g. --lengths 20,14,20).' });
    }
    if (options.maskFraction !== undefined && options.maskTail === undefined) {
      ctx.addIssue({ code: 'custom', path: ['maskFraction'], message: '--mask-fraction needs --mask-tail K: it chooses which samples have K padded steps; add --mask-tail, e.g. --mask-tail 5, or drop --mask-fraction.' });
    }
    const { samples } = options.shape;
    if (options.validationSplit > 0) {
      const train = Math.floor(samples * (1 - options.validationSplit));
      if (train === 0 || train === samples) {
        ctx.addIssue({
          code: 'custom',
          path: ['validationSplit'],
          message: `--validation-split ${options.validationSplit} leaves ${train === 0 ? 'no training' : 'no validation'} samples out of ${samples} (Keras: "Training data contains ${samples} samples, which is not sufficient to split it"); use a fraction between ${(1 / samples).toPrecision(2)} and ${(1 - 1 / samples).toPrecision(2)}.`,
        });
      }
    }
  }));

export type ConfigOptions = z.infer<typeof configSchema>;

/** The first script setting in `given` that `version` does not have (profiles.ts scriptSettings), if any. */
export function lackedSetting(version: KerasVersion, given: Partial<Record<ScriptSetting, unknown>>): { setting: ScriptSetting; value: unknown } | undefined {
  const order: readonly ScriptSetting[] = ['backend', 'runEagerly', 'jitCompile', 'setRandomSeed'];
  const setting = order.find((key) => lacksSetting(version, key, given[key]));
  return setting === undefined ? undefined : { setting, value: given[setting] };
}

/** The flag that gives a setting that value: --backend jax, --run-eagerly, --no-jit-compile, --set-random-seed. */
export function settingFlag(setting: ScriptSetting, value: unknown): string {
  switch (setting) {
    case 'backend':
      return `--backend ${String(value)}`;
    case 'runEagerly':
      return '--run-eagerly';
    case 'jitCompile':
      return value === false ? '--no-jit-compile' : '--jit-compile';
    case 'setRandomSeed':
      return '--set-random-seed';
  }
}

/**
 * One line refusing a setting the version does not have, however it was given: `named` is the flag
 * or plan field, `profileOf` says where the profile came from when the user did not choose it (audit
 * of a model file). The same rule for flags, plan fields, contracts and audit (issue 9).
 */
export function settingRefusal(version: KerasVersion, setting: keyof typeof scriptSettings, named: string, profileOf?: string): string {
  const { python, versions } = scriptSettings[setting];
  const have = versions.includes('tf') ? 'Keras 3 and tf.keras have it' : 'only Keras 3 has it';
  const choose = versions.includes('tf') ? '--keras 3 or tf' : '--keras 3';
  const drop = named.startsWith('--plan') ? 'drop it from the plan' : `drop ${named.replace(/ .*/, '')}`;
  const audited = profileOf ? ` to audit the model as that version` : '';
  return `${named} is ${python}, which ${kerasProfiles[version].label}${profileOf ? ` (${profileOf})` : ''} does not have (${have}); ${drop}, or give ${choose}${audited}.`;
}

/** The core configuration from validated options. `batchDefaulted` tells whether --batch was omitted. */
export function toSimulationConfig(options: ConfigOptions): { config: SimulationConfig; batchDefaulted: boolean } {
  const shape = options.shape!;
  const profile = kerasProfiles[options.keras];
  return {
    batchDefaulted: options.batch === undefined,
    config: {
      ...(options.batch === undefined ? { batchSizeDefaulted: true } : {}),
      samples: shape.samples,
      timesteps: shape.timesteps,
      features: shape.features,
      batchSize: options.batch ?? 32,
      epochs: options.epochs,
      stateful: options.stateful ?? false,
      shuffle: options.shuffle,
      units: options.units,
      seed: options.seed,
      resetEvery: options.resetEvery ?? 'never',
      validationSplit: options.validationSplit,
      keras: options.keras,
      ...(options.kerasVersion === undefined ? {} : { kerasVersion: options.kerasVersion }),
      // Keras 1.x and 2.0–2.2 default to hard_sigmoid although they run under the Keras 2.3 profile
      recurrentActivation: options.recurrentActivation ?? (options.kerasVersion !== undefined ? olderDefaultActivation(options.kerasVersion) : undefined) ?? profile.defaultRecurrentActivation,
      cell: options.cell ?? 'lstm',
      bidirectional: options.bidirectional ?? false,
      ...(options.layers
        ? {
            layers: options.layers.map(
              (layer): LayerSpecInput => ({
                cell: layer.cell ?? options.cell ?? 'lstm',
                units: layer.units,
                ...(layer.stateful === undefined ? {} : { stateful: layer.stateful }),
                ...(layer.bidirectional === undefined ? {} : { bidirectional: layer.bidirectional }),
              }),
            ),
          }
        : {}),
      ...(options.maskTail === undefined || options.padding !== undefined ? {} : { maskTail: options.maskTail, maskFraction: options.maskFraction ?? 1 }),
      // --lengths, or --padding with --mask-tail K (every sample has T - K real steps)
      ...(options.lengths !== undefined
        ? { padding: { side: options.padding ?? 'pre', lengths: options.lengths } }
        : options.padding !== undefined && options.maskTail !== undefined
          ? { padding: { side: options.padding, lengths: { kind: 'list' as const, values: [shape.timesteps - options.maskTail] } } }
          : {}),
      ...(options.initialState ? { initialStatePassed: true } : {}),
      ...(options.backend === undefined ? {} : { backend: options.backend }),
      ...(options.runEagerly === undefined ? {} : { runEagerly: options.runEagerly }),
      ...(options.jitCompile === undefined ? {} : { jitCompile: options.jitCompile }),
      ...(options.trainable === undefined ? {} : { trainable: options.trainable }),
      ...(options.setRandomSeed ? { setRandomSeed: true } : {}),
      ...(options.input === 'shape' ? { unknownStateBatch: true } : options.input === 'none' ? { builtByFirstCall: true } : {}),
    },
  };
}
