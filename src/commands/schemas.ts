/**
 * zod schemas of what lstm-reset prints and reads: the `--json` result document (`resultDocumentSchema`)
 * and the CI contract of `lstm-reset check` (`contractSchema`). `lstm-reset schema` prints their JSON
 * Schemas, generated from these with `z.toJSONSchema`, never written by hand.
 *
 * Objects are strict: a key the code adds or drops without the schema following fails the tests that
 * parse real outputs, and the type assertions at the end fail `tsc` when the schema and the TypeScript
 * types of the result drift apart.
 */
import * as z from 'zod';
import { cellKinds } from '../keras/layers.ts';
import type { LayerSpec, LayerSpecInput, PlanStep, ResetPolicy, SimulationConfig } from '../keras/config.ts';
import type { Finding } from '../keras/findings.ts';
import type { RunPosition } from '../keras/events.ts';
import { eventReasons, phases } from '../keras/events.ts';
import { planSchema, planStepSchema } from '../model/plan.ts';
import type { RecurrentLayerInfo, RecurrentModelInfo } from '../model/types.ts';
import { backends, kerasVersions, recurrentActivations, type Backend } from '../keras/profiles.ts';
import type { jsonDocument } from '../render/json.ts';
import type { EpochTotals, LayerTotals, ResetEvent, SimulationResult, Totals } from '../sim/result.ts';

const count = z.int().min(0);
const positive = z.int().min(1);
const kerasVersion = z
  .enum(kerasVersions)
  .describe("Keras version profile: '3' (Keras 3.12+), '3.0-3.11' (no stateful batch-size check), 'tf' (tf.keras / tf-keras), '2' (multi-backend Keras 2.3)");
const backend = z.enum(backends).describe("Keras 3's backend: 'tensorflow', 'jax' or 'torch' (tf.keras and Keras 2.3: 'tensorflow')");
const recurrentActivation = z.enum(recurrentActivations);
const cell = z.enum(cellKinds).describe("'lstm', 'gru' or 'simple' (SimpleRNN)");
const eventReason = z.enum(eventReasons as readonly ['initial', 'batch-start', 'reset-states', 'not-stored', 'initial-state', 'broadcast', 'from-layer']);
const phase = z.enum(phases as readonly ['fit', 'validate', 'evaluate', 'predict', 'train_on_batch', 'predict_on_batch', 'call', 'reset']);
const timing = z.enum(['before-batch', 'after-batch', 'epoch-end', 'between-calls']);

// ---------------------------------------------------------------------------------------------------
// The --json result document

/** A layer as configured (--layers, or a model file's layer); unset fields follow the model-level flags. */
export const layerInputSchema = z.strictObject({
  name: z.string().optional().describe("the layer's own name (a model file's)"),
  cell,
  units: positive,
  stateful: z.boolean().optional(),
  bidirectional: z.boolean().optional(),
  recurrentActivation: recurrentActivation.optional(),
  resetAfter: z.boolean().optional().describe('GRU: reset_after'),
  trainable: z.boolean().optional().describe('layer.trainable (default: the config\'s)'),
  activation: z.enum(['tanh', 'relu']).optional().describe("the layer's activation (default tanh)"),
  initialStateFrom: z.string().optional().describe('the layer whose final states this call receives as initial_state'),
  call: positive.optional().describe("a shared layer's later call (1, 2, …) within one model call"),
  className: z.enum(['CuDNNLSTM', 'CuDNNGRU']).optional().describe("the model file's class when it is a CuDNN layer (TF.js has none)"),
  masked: z.boolean().optional().describe('the layer receives a Keras mask (default: the samples are padded: --lengths, --mask-tail)'),
  fusedKernel: z.boolean().optional().describe("false: recurrent_dropout > 0, so Keras 3 never runs its fused LSTM/GRU kernel"),
});

/** A layer with every field decided. */
export const layerSpecSchema = z.strictObject({
  name: z.string().describe("Keras's name: lstm, lstm_1, gru, simple_rnn, bidirectional, … (or the model file's)"),
  cell,
  units: positive,
  stateful: z.boolean(),
  bidirectional: z.boolean(),
  stateTensors: positive.describe('state tensors per row: LSTM 2 (h, c), GRU 1, SimpleRNN 1; twice for Bidirectional'),
  recurrentActivation,
  resetAfter: z.boolean().nullable().describe('GRU reset_after; null for LSTM and SimpleRNN'),
  trainable: z.boolean().describe('layer.trainable: its weights get gradients in fit'),
  activation: z.literal('relu').optional().describe("the layer's activation when it is not tanh"),
  initialStateFrom: z.string().optional().describe("the layer whose final states this call receives as initial_state (a decoder's encoder)"),
  call: positive.optional().describe("a shared layer's later call (1, 2, …) within one model call"),
  className: z.enum(['CuDNNLSTM', 'CuDNNGRU']).optional().describe("the model file's class when it is a CuDNN layer (TF.js has none)"),
  masked: z.literal(true).optional().describe('the layer receives a Keras mask (Masking, Embedding(mask_zero=True), or padded samples; in Keras 3 not a call given initial_state): Keras 3 runs its generic loop'),
  fusedKernel: z.literal(false).optional().describe("the layer never runs Keras 3's fused LSTM/GRU kernel (recurrent_dropout > 0)"),
});

const resetPolicySchema = z
  .union([z.literal('never'), z.literal('epoch'), z.strictObject({ everyBatches: positive })])
  .describe("--reset-every: 'never', 'epoch', or { everyBatches: K }");

export const configSchema = z
  .strictObject({
    samples: positive.describe('N: samples given to fit (before validation_split)'),
    timesteps: positive.describe('T'),
    features: positive.describe('D'),
    batchSize: positive.describe("fit(batch_size=...); with a plan, the stateful model's batch size"),
    epochs: positive,
    stateful: z.boolean(),
    shuffle: z.union([z.boolean(), z.literal('batch')]),
    units: positive,
    cell: cell.optional(),
    bidirectional: z.boolean().optional(),
    layers: z.array(layerInputSchema).optional().describe('the layers as given (--layers, or the audited model\'s)'),
    maskTail: positive.optional(),
    maskFraction: z.number().min(0).max(1).optional(),
    padding: z
      .strictObject({
        side: z.enum(['pre', 'post']),
        lengths: z.union([
          z.strictObject({ kind: z.literal('list'), values: z.array(count).min(1) }),
          z.strictObject({ kind: z.literal('range'), min: count, max: count }),
        ]),
      })
      .optional()
      .describe('--padding pre|post with --lengths: where each synthetic sample is padded and how many real steps it has'),
    seed: count,
    resetEvery: resetPolicySchema,
    validationSplit: z.number().min(0).lt(1),
    keras: kerasVersion,
    kerasVersion: z.string().optional().describe('the version as given (--keras 3.15.1), when it is not a profile name; keras is its profile'),
    recurrentActivation,
    stateBatchSize: positive.optional().describe("the stateful layers' fixed batch size, when it differs from fit's"),
    unknownStateBatch: z.boolean().optional().describe('the model is stateful but fixes no batch size'),
    tfjsLoadError: z
      .strictObject({ layer: z.string(), message: z.string() })
      .optional()
      .describe("a TF.js model.json whose config TF.js refuses (a Keras 3 InputLayer's batch_shape, …): the layer and TF.js's message"),
    batchSizeDefaulted: z.boolean().optional().describe('--batch not given: Keras uses 32'),
    plan: z.array(planStepSchema).optional().describe('the --plan steps'),
    initialStatePassed: z.boolean().optional().describe('initial_state is passed to the stateful layers on every call'),
    runEagerly: z.boolean().optional().describe('compile(run_eagerly=True)'),
    jitCompile: z.boolean().optional().describe('compile(jit_compile=...); absent: "auto"'),
    trainable: z.boolean().optional().describe('the recurrent layers are trainable (absent: true)'),
    setRandomSeed: z.boolean().optional().describe('the script calls keras.utils.set_random_seed'),
    builtByFirstCall: z.boolean().optional().describe('a Sequential without Input, built by its first call'),
    backend,
    kerasLabel: z.string().describe('the version profile, in words'),
    resolvedLayers: z.array(layerSpecSchema).min(1).describe('the simulated layers, first to last'),
  })
  .describe('the simulated configuration');

export const eventSchema = z
  .strictObject({
    index: positive.describe('1-based position in the event list'),
    reason: eventReason.describe(
      "'initial' (a stateful layer's zeros at build), 'batch-start' (stateless: fresh zeros every call), 'reset-states' (an explicit reset), " +
        "'not-stored' (JAX: the trainer never stored the previous call's state), 'initial-state' (the passed initial_state replaces the carry), " +
        "'broadcast' (a 1-row batch overwrites every state row), 'from-layer' (the call starts from another layer's final states passed as initial_state: not a reset)",
    ),
    phase,
    epoch: count.describe('fit epoch over the whole run (0 before the first fit)'),
    batch: count.describe('1-based within its phase and epoch (0 for a reset between calls)'),
    timing,
    planStep: positive.describe('1-based step of the training plan (1 for a single fit)'),
    layer: z.string(),
    rows: count.describe('sequence rows the event concerns: zeroed (initial, batch-start, reset-states) or started from something else (the other reasons)'),
    stateTensors: positive.describe('state tensors zeroed per row'),
    discardedMeanAbsH: z.number().min(0).nullable().describe('mean |h| of the state thrown away (0 where there is none; null when no forward pass ran: --count-only)'),
  })
  .describe("an event: a layer's state is zeroed here (a reset: initial, batch-start, reset-states), or a call starts from something other than its carry (broadcast, not-stored, initial-state, from-layer: listed, never counted as a reset)");

const byReasonSchema = z
  .strictObject({ initial: count, 'batch-start': count, 'reset-states': count, 'not-stored': count, 'initial-state': count, broadcast: count })
  .describe('listed events by reason: initial + batch-start + reset-states = resetEvents; broadcast, not-stored and initial-state equal broadcastStarts, storedRestarts and initialStateStarts');

const otherStarts = {
  broadcastStarts: count.describe('layer calls whose 1-row batch was broadcast against every carried state row (not a reset, not a carry)'),
  storedRestarts: count.describe("JAX: layer calls that restarted from the state variable's stored value, not the previous call's final state (not a reset: nothing is zeroed)"),
  initialStateStarts: count.describe('layer calls that started from the passed initial_state (not a reset)'),
};

export const epochTotalsSchema = z.strictObject({
  epoch: count,
  batches: count,
  resetEvents: count,
  rowResets: count,
  carries: count,
  ...otherStarts,
});

export const layerTotalsSchema = layerSpecSchema.extend({
  resetEvents: count,
  rowResets: count,
  carries: count,
  ...otherStarts,
  fromLayerStarts: count.describe("calls that started from another layer's final states (initial_state)"),
  byReason: byReasonSchema,
});

export const totalsSchema = z
  .strictObject({
    batches: count.describe('model calls: training, validation, evaluate and predict batches'),
    fitBatches: count,
    validationBatches: count,
    evaluateBatches: count,
    predictBatches: count,
    trainOnBatchBatches: count,
    predictOnBatchBatches: count,
    directCalls: count.describe('direct model(x) calls'),
    resetEvents: count.describe('events that zero the state (initial, batch-start, reset-states); other starts are counted apart'),
    rowResets: count.describe('sequence rows zeroed, summed over the zeroing events'),
    carries: count.describe("layer calls that started from the previous call's final state (a broadcast call is not one)"),
    ...otherStarts,
    fromLayerStarts: count.describe("layer calls that started from another layer's final states (initial_state, e.g. a decoder from its encoder); never counted as resets"),
    failedCalls: count.describe('calls or steps at which Keras raises, caught ones included'),
    byReason: byReasonSchema,
    perEpoch: z.array(epochTotalsSchema),
    epochsCompleted: count,
    trainSamples: count,
    validationSamples: count,
    perLayer: z.array(layerTotalsSchema),
    maskedSteps: count.nullable().describe('masking: padded (row, timestep) pairs (null when not counted)'),
    passThroughRows: count.nullable().describe('masking: rows whose every step was padding (null when not counted)'),
  })
  .describe('the counts; --expect KEY=VALUE and a contract\'s expect.totals read them by dotted key (perEpoch.0.rowResets)');

const runPositionSchema = z.strictObject({
  phase,
  epoch: count,
  batch: count,
  timing,
  planStep: positive.optional(),
});

export const findingSchema = z
  .strictObject({
    code: z.string().describe('stable identifier, e.g. stateful-partial-batch'),
    severity: z.enum(['error', 'warning', 'info']).describe('error: Keras would raise (exit 3 unless caught); warning: runs but likely not what you meant; info'),
    message: z.string(),
    fix: z.string(),
    keras: z.array(kerasVersion),
    backends: z.array(backend).optional().describe('the Keras 3 backends it applies to (absent: all)'),
    source: z.string(),
    at: runPositionSchema.optional(),
    caught: z.literal(true).optional().describe('the script catches this exception (a plan step with catch: true): exit 3 only with --strict'),
  })
  .describe('a finding of the auditor');

/** The audited model (`lstm-reset audit MODEL --json` only). */
export const modelSchema = z
  .strictObject({
    path: z.string().describe('the model file as given'),
    source: z.enum(['keras-json', 'keras-archive', 'tfjs-layers', 'keras-h5']),
    kerasVersion: kerasVersion.optional().describe('the Keras generation, where the file says it'),
    versionString: z.string().optional(),
    versionFrom: z.string().optional().describe('where the file states its version (keras_version attribute, metadata.json, generatedBy, …)'),
    backend: z.string().optional().describe('the backend the file records (a legacy .h5 backend attribute, a converted model.json\'s modelTopology.backend)'),
    tfjsLoadError: z
      .strictObject({ layer: z.string(), message: z.string() })
      .optional()
      .describe('a model.json whose config TF.js refuses to deserialize: the layer it stops at and its message'),
    weightsSource: z
      .strictObject({
        kind: z
          .enum(['h5', 'keras-archive', 'tfjs-shards', 'weights-file', 'none'])
          .describe('where the weights come from (weights-file: the --weights file; none: a model JSON holds none)'),
        file: z.string().optional().describe('the --weights file, for kind weights-file'),
        used: z.boolean().describe("true when every simulated recurrent layer runs on the file's own weights"),
        reason: z.string().nullable().describe('why not, in one line (null when used)'),
      })
      .describe("whether the file's weights drive the forward pass"),
    modelClass: z.string(),
    modelName: z.string().nullable(),
    batchSize: positive.nullable().describe('the fixed batch size, null when dynamic'),
    timesteps: positive.nullable(),
    features: positive.nullable(),
    layers: z.array(
      z.strictObject({
        name: z.string(),
        className: z.string(),
        cell,
        units: positive,
        stateful: z.boolean(),
        returnSequences: z.boolean(),
        returnState: z.boolean(),
        bidirectional: z.boolean(),
        recurrentActivation,
        recurrentActivationStated: z.string().optional().describe("the file's recurrent_activation when lstm-reset does not compute it (sigmoid stands in)"),
        activation: z.string(),
        resetAfter: z.boolean().optional(),
        goBackwards: z.boolean(),
        useBias: z.boolean(),
        inputDim: positive.nullable(),
        mergeMode: z.string().nullable().optional(),
        weightsLoaded: z.boolean().describe("the layer's weights from the file drive the forward pass"),
        input: z.string().nullable().describe('where its input comes from, in words (a model input, a layer, through which layers)'),
        initialStateFrom: z.string().nullable().describe('the layer whose final states it receives as initial_state (null: it starts from zeros or its stored state)'),
        initialState: z
          .array(z.string())
          .nullable()
          .describe('each tensor passed as initial_state, in state order: "enc h", "enc c", "lstm_1 last output", … (null: none passed)'),
        calls: count.describe('calls per model call (2+ for a shared layer; 0 when the graph never calls it)'),
      }),
    ),
    unsupported: z
      .array(z.strictObject({ name: z.string(), className: z.string(), why: z.string() }))
      .describe('recurrent layers of the file lstm-reset does not simulate (ConvLSTM2D, TimeDistributed(LSTM), RNN([cells]), custom cells), and why'),
    inputs: z
      .array(z.strictObject({ name: z.string(), timesteps: positive.nullable(), features: positive.nullable(), tokens: z.boolean().describe('token ids read by an Embedding') }))
      .describe("the model's inputs in order (--data gives one .npy per input)"),
    notes: z.array(z.string()),
  })
  .describe('the audited model (audit only)');

export const resultDocumentSchema = z
  .strictObject({
    model: modelSchema.optional(),
    config: configSchema,
    completed: z.boolean().describe('false when Keras would raise and the run stops early (see the error finding)'),
    events: z.array(eventSchema).describe('the reset events, in order: all of them, or those --events lists (see eventsOmitted)'),
    eventsOmitted: count.describe('events not listed in events (--events none | head:K, or the default for runs of more than 100,000 events); 0 when all are listed'),
    totals: totalsSchema,
    findings: z.array(findingSchema),
    answer: z.array(z.string()).describe('the plain-language answer, one sentence per entry'),
    finalMeanAbsH: z.number().min(0).nullable().describe("mean |h| of the last layer's final state (null when no forward pass ran: --count-only)"),
    countOnly: z.boolean().describe('true when the totals are the closed form and no forward pass ran (--count-only)'),
  })
  .meta({ title: 'lstm-reset --json output', description: 'The document `lstm-reset --json` and `lstm-reset audit MODEL --json` print.' });

export type ResultDocument = z.output<typeof resultDocumentSchema>;

// ---------------------------------------------------------------------------------------------------
// The CI contract of `lstm-reset check`

/** Options whose value names a file, resolved against the contract's folder. */
export const contractPathOptions = ['--data', '--plan', '--trace', '--html', '--weights'] as const;

/** Subcommands a scenario cannot run (they do not print a result document, or would recurse). */
const notScenarioCommands = ['check', 'schema', 'verify', 'help', 'findings'];

const totalKey = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

export const scenarioSchema = z
  .strictObject({
    name: z.string().min(1).describe('shown in the PASS/FAIL row; unique within the contract'),
    description: z.string().optional(),
    args: z
      .array(z.string())
      .min(1)
      .superRefine((args, context) => {
        const first = args[0] ?? '';
        if (notScenarioCommands.includes(first)) {
          context.addIssue({ code: 'custom', path: [0], message: `a scenario runs the main command or audit, not "${first}"` });
        }
        if (first === 'audit' && (args[1] === undefined || args[1].startsWith('-'))) {
          context.addIssue({ code: 'custom', path: [1], message: 'give the model file right after "audit" (["audit", "model.json", …])' });
        }
      })
      .describe(
        'the arguments after `lstm-reset`, e.g. ["--shape", "1000,20,1", "--batch", "200"] or ["audit", "model.json", "--samples", "8"]. ' +
          'check appends --json -q. File paths are resolved against the folder of the contract file: the value after --data, --plan, ' +
          '--weights, --trace or --html (or in --data=FILE form), and the model file, which must come right after "audit"; absolute paths and - stay as they are. ' +
          'The first argument cannot be check, schema, verify, findings or help.',
      ),
    expect: z
      .strictObject({
        totals: z
          .record(z.string().regex(totalKey, { error: 'expected a dotted key into totals, e.g. byReason.batch-start or perEpoch.0.rowResets' }), z.number())
          .optional()
          .describe('exact values of totals, by dotted key as in --expect (list positions 0-based): { "resetEvents": 75, "perEpoch.0.rowResets": 1000 }'),
        findings: z
          .array(z.string().min(1))
          .optional()
          .describe('finding codes that must be present (any severity), e.g. ["stateful-partial-batch"]'),
        noOtherFindings: z.boolean().optional().describe('true: no finding (of any severity, info included) other than those listed in findings'),
        exitCode: z
          .literal([0, 1, 3], { error: 'expected 0, 1 or 3 (exit 2, bad usage, always fails the scenario)' })
          .optional()
          .describe(
            'the exit code of the run; default 0. A run Keras would reject (an error finding, or --strict and a warning) exits 3 and must ' +
              'say exitCode 3; 1 comes only from --expect flags in args. Exit 2 (bad usage) always fails the scenario.',
          ),
        completed: z.boolean().optional().describe('the run ran to its end (false when Keras would raise part-way)'),
      })
      .optional()
      .describe('what the run must show; without it, the run must exit 0 and print a valid document'),
  })
  .describe('one run of lstm-reset and what it must show');

export const contractSchema = z
  .strictObject({
    $schema: z.string().optional().describe('a JSON Schema for editors (lstm-reset schema contract > contract.schema.json)'),
    description: z.string().optional(),
    scenarios: z
      .array(scenarioSchema)
      .min(1)
      .superRefine((scenarios, context) => {
        const seen = new Set<string>();
        scenarios.forEach((scenario, index) => {
          if (seen.has(scenario.name)) context.addIssue({ code: 'custom', path: [index, 'name'], message: `duplicate scenario name ${JSON.stringify(scenario.name)}` });
          seen.add(scenario.name);
        });
      }),
  })
  .meta({
    title: 'lstm-reset contract',
    description: 'Scenarios for `lstm-reset check CONTRACT.json`: each runs lstm-reset in-process with --json -q and compares the result with expect.',
  });

export type Contract = z.output<typeof contractSchema>;
export type Scenario = z.output<typeof scenarioSchema>;

/** The JSON Schemas `lstm-reset schema` prints, generated from the zod schemas. */
export function jsonSchemas() {
  return {
    output: z.toJSONSchema(resultDocumentSchema, { io: 'output' }),
    contract: z.toJSONSchema(contractSchema, { io: 'input' }),
    plan: z.toJSONSchema(planSchema, { io: 'input' }),
  };
}

// ---------------------------------------------------------------------------------------------------
// Compile-time checks: the schemas describe exactly the JSON of the TypeScript result types.

/** The JSON shape of a type: no readonly, no `| undefined` on optional keys (JSON.stringify drops them). */
type Json<T> = T extends readonly (infer U)[] ? Json<U>[] : T extends object ? { -readonly [K in keyof T]: Json<Exclude<T[K], undefined>> } : T;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
/** Without index signatures (jsonDocument spreads its `extra` record). */
type Known<T> = { [K in keyof T as string extends K ? never : K]: T[K] };
type Matches<Schema extends z.ZodType, T> = Same<Json<z.output<Schema>>, Json<T>>;

type AuditModel = Omit<RecurrentModelInfo, 'layers' | 'graph' | 'layerWeights'> & {
  path: string;
  inputs: { name: string; timesteps: number | null; features: number | null; tokens: boolean }[];
  layers: (Omit<RecurrentLayerInfo, 'weights'> & {
    weightsLoaded: boolean;
    input: string | null;
    initialStateFrom: string | null;
    initialState: readonly string[] | null;
    calls: number;
  })[];
};

export type SchemaAssertions = [
  Assert<Matches<typeof layerInputSchema, LayerSpecInput>>,
  Assert<Matches<typeof layerSpecSchema, LayerSpec>>,
  Assert<Matches<typeof resetPolicySchema, ResetPolicy>>,
  Assert<Matches<typeof planStepSchema, PlanStep>>,
  Assert<Matches<typeof configSchema, SimulationResult['config']>>,
  Assert<Matches<typeof configSchema, SimulationConfig & { backend: Backend; kerasLabel: string; resolvedLayers: LayerSpec[] }>>,
  Assert<Matches<typeof eventSchema, ResetEvent>>,
  Assert<Matches<typeof epochTotalsSchema, EpochTotals>>,
  Assert<Matches<typeof layerTotalsSchema, LayerTotals>>,
  Assert<Matches<typeof totalsSchema, Totals>>,
  Assert<Matches<typeof runPositionSchema, RunPosition>>,
  Assert<Matches<typeof findingSchema, Finding>>,
  Assert<Matches<typeof modelSchema, AuditModel>>,
  Assert<Matches<typeof resultDocumentSchema, Known<ReturnType<typeof jsonDocument>> & { model?: AuditModel }>>,
];
