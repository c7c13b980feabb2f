/**
 * A training plan: the ordered calls a user's script makes on a stateful model, as JSON.
 *
 *   { "backend": "jax", "runEagerly": false,
 *     "steps": [
 *       { "type": "repeat", "times": 10, "steps": [
 *           { "type": "fit", "epochs": 1, "batchSize": 4, "shuffle": false, "validationSplit": 0.25 },
 *           { "type": "reset" } ] },
 *       { "type": "evaluate", "batchSize": 4 },
 *       { "type": "predict", "samples": 8 },
 *       { "type": "predict_on_batch", "indices": [0, 1, 2, 3] },
 *       { "type": "call", "from": 4, "samples": 4 } ] }
 *
 * A bare list of steps is accepted too. Sample ranges (`from`, `samples`, `indices`) must lie inside
 * the data; the run refuses a plan that reaches past it. `planSchema` (and the step schemas) are zod 4 schemas, so
 * `z.toJSONSchema(planSchema)` gives the JSON Schema for editors.
 */
import * as z from 'zod';
import { fileError } from './errors.ts';
import { parseJsonText } from './json.ts';
import { describeIssues } from './zod-issues.ts';

/** Most iterations one repeat step may ask for, and most steps a plan may expand to. */
export const MAX_REPEAT_TIMES = 100_000;
export const MAX_EXPANDED_STEPS = 1_000_000;
export const MAX_PLAN_DEPTH = 16;
/** Most fit epochs a plan may add up to, repeats included: the limit of --epochs. */
export const MAX_PLAN_EPOCHS = 1_000_000;

const positiveInt = z.int().min(1);

const sampleIndex = z.int().min(0);
const from = sampleIndex.optional().describe('index of the first sample of the data this call gets (default 0)');

export const dataRangeSchema = z
  .strictObject({
    from,
    samples: positiveInt.optional().describe('how many samples (default: the rest of the data)'),
  })
  .describe('samples [from, from + samples) of the data');

const catchField = z
  .boolean()
  .optional()
  .describe('the script catches an exception from this call and goes on (try/except): the error finding is reported as caught and fails the run (exit 3) only with --strict');

const resetPolicySchema = z
  .union([z.literal('never'), z.literal('epoch'), z.strictObject({ everyBatches: positiveInt })])
  .describe("a reset_states() callback: 'never', 'epoch' (on_epoch_end, after validation) or { everyBatches: K } (on_train_batch_end)");

export const fitStepSchema = z
  .strictObject({
    type: z.literal('fit'),
    epochs: positiveInt.describe('fit(epochs=...)'),
    batchSize: positiveInt.optional().describe('fit(batch_size=...); Keras defaults to 32'),
    shuffle: z.union([z.boolean(), z.literal('batch')], { error: (issue) => (issue.input === undefined ? undefined : 'expected true, false or "batch"') }).describe("fit(shuffle=...): true, false or 'batch'"),
    validationSplit: z.number().min(0).lt(1).optional().describe('fit(validation_split=...), in [0, 1)'),
    validationData: dataRangeSchema.optional().describe('fit(validation_data=...): these samples are evaluated after each epoch (instead of a split)'),
    validationBatchSize: positiveInt.optional().describe('fit(validation_batch_size=...), Keras 3 and tf.keras only; Keras defaults to batch_size'),
    resetEvery: resetPolicySchema.optional().describe("this fit's reset_states() callback (default: --reset-every)"),
    from,
    samples: positiveInt.optional().describe('how many samples fit gets (default: the rest of the data)'),
    catch: catchField,
  })
  .describe('model.fit(...)');

export const evaluateStepSchema = z
  .strictObject({
    type: z.literal('evaluate'),
    batchSize: positiveInt.optional().describe('evaluate(batch_size=...); Keras defaults to 32'),
    from,
    samples: positiveInt.optional().describe('how many samples are evaluated (default: the rest of the data)'),
    catch: catchField,
  })
  .describe('model.evaluate(...)');

export const predictStepSchema = z
  .strictObject({
    type: z.literal('predict'),
    batchSize: positiveInt.optional().describe('predict(batch_size=...); Keras defaults to 32'),
    from,
    samples: positiveInt.optional().describe('how many samples are predicted (default: the rest of the data)'),
    catch: catchField,
  })
  .describe('model.predict(...)');

const batchRows = {
  indices: z.array(sampleIndex).min(1).optional().describe('the sample of each row of the batch'),
  from,
  samples: positiveInt.optional().describe("rows of the batch, samples from `from` on (default: the model's batch size)"),
  catch: catchField,
};

export const trainOnBatchStepSchema = z.strictObject({ type: z.literal('train_on_batch'), ...batchRows }).describe('model.train_on_batch(x, y): one batch, with gradients');
export const predictOnBatchStepSchema = z.strictObject({ type: z.literal('predict_on_batch'), ...batchRows }).describe('model.predict_on_batch(x): one batch');
export const callStepSchema = z
  .strictObject({
    type: z.literal('call'),
    ...batchRows,
    initialState: z.boolean().optional().describe('the call passes initial_state to the recurrent layers (zeros unless a replay gives values)'),
  })
  .describe('model(x): a direct call on one batch (eager on every backend)');

export const resetStepSchema = z
  .strictObject({
    type: z.literal('reset'),
    method: z
      .enum(['reset_state', 'reset_states', 'model.reset_states'])
      .optional()
      .describe("layer.reset_state() / its alias reset_states() on every stateful layer (default), or model.reset_states(), which Keras 3 lacks (AttributeError)"),
    catch: catchField,
  })
  .describe('model.reset_states() / layer.reset_state()');

export interface DataRange {
  from?: number | undefined;
  samples?: number | undefined;
  catch?: boolean | undefined;
}
export type ResetPolicyValue = 'never' | 'epoch' | { everyBatches: number };
export interface FitStep extends DataRange {
  type: 'fit';
  epochs: number;
  batchSize?: number | undefined;
  shuffle: boolean | 'batch';
  validationSplit?: number | undefined;
  validationData?: Omit<DataRange, 'catch'> | undefined;
  validationBatchSize?: number | undefined;
  resetEvery?: ResetPolicyValue | undefined;
}
export interface EvaluateStep extends DataRange {
  type: 'evaluate';
  batchSize?: number | undefined;
}
export interface PredictStep extends DataRange {
  type: 'predict';
  batchSize?: number | undefined;
}
export interface BatchStep extends DataRange {
  type: 'train_on_batch' | 'predict_on_batch' | 'call';
  indices?: number[] | undefined;
  initialState?: boolean | undefined;
}
export interface ResetStep {
  type: 'reset';
  method?: 'reset_state' | 'reset_states' | 'model.reset_states' | undefined;
  catch?: boolean | undefined;
}
export interface RepeatStep {
  type: 'repeat';
  times: number;
  steps: PlanStep[];
}
export type PlanStep = FitStep | EvaluateStep | PredictStep | BatchStep | ResetStep | RepeatStep;
/** A step with no repeat left in it (see expandPlan). */
export type FlatPlanStep = Exclude<PlanStep, RepeatStep>;

/** What the script sets once for the whole run (each overrides the flag of the same meaning). */
export interface PlanOptions {
  backend?: 'tensorflow' | 'jax' | 'torch' | undefined;
  runEagerly?: boolean | undefined;
  jitCompile?: boolean | undefined;
  trainable?: boolean | undefined;
  setRandomSeed?: boolean | undefined;
  initialState?: boolean | undefined;
}

export interface TrainingPlan {
  steps: PlanStep[];
  options: PlanOptions;
}

export const repeatStepSchema = z
  .strictObject({
    type: z.literal('repeat'),
    times: positiveInt.max(MAX_REPEAT_TIMES).describe('how many times the steps run'),
    get steps(): z.ZodArray<typeof planStepSchema> {
      return z.array(planStepSchema).min(1);
    },
  })
  .describe('runs its steps `times` times in order');

export const planStepSchema: z.ZodDiscriminatedUnion<
  [
    typeof fitStepSchema,
    typeof evaluateStepSchema,
    typeof predictStepSchema,
    typeof trainOnBatchStepSchema,
    typeof predictOnBatchStepSchema,
    typeof callStepSchema,
    typeof resetStepSchema,
    typeof repeatStepSchema,
  ]
> = z.discriminatedUnion('type', [
  fitStepSchema,
  evaluateStepSchema,
  predictStepSchema,
  trainOnBatchStepSchema,
  predictOnBatchStepSchema,
  callStepSchema,
  resetStepSchema,
  repeatStepSchema,
]);

/** The plan-level settings, named as Keras names them (camelCase), each also a flag. */
export const planOptionsShape = {
  backend: z.enum(['tensorflow', 'jax', 'torch']).optional().describe('KERAS_BACKEND (Keras 3; default tensorflow)'),
  runEagerly: z.boolean().optional().describe('model.compile(run_eagerly=...)'),
  jitCompile: z.boolean().optional().describe('model.compile(jit_compile=...) (default "auto")'),
  trainable: z.boolean().optional().describe('the recurrent layers are trainable (default true)'),
  setRandomSeed: z.boolean().optional().describe('the script calls keras.utils.set_random_seed(...)'),
  initialState: z.boolean().optional().describe('initial_state is passed to the stateful layers on every call'),
};

export const planSchema = z
  .strictObject({
    $schema: z.string().optional(),
    description: z.string().optional(),
    ...planOptionsShape,
    steps: z.array(planStepSchema),
  })
  .describe('lstm-reset training plan');

/** Validates an already parsed JSON value (an object with "steps", or a bare list of steps). */
export function parsePlanValue(value: unknown, file: string): TrainingPlan {
  const input = Array.isArray(value) ? { steps: value } : value;
  // before zod, whose recursive schema would overflow the stack on thousands of nested repeats
  checkRepeatDepth(input, file);
  const parsed = planSchema.safeParse(input, { error: planErrorMessage });
  if (!parsed.success) throw fileError(file, `invalid training plan at ${describeIssues(parsed.error.issues)}`);
  const { steps, $schema: _schema, description: _description, ...options } = parsed.data;
  const plan: TrainingPlan = { steps: steps as PlanStep[], options };
  checkPlanSize(plan, file);
  return plan;
}

/** Friendlier wording for the common zod messages (undefined keeps zod's own). */
function planErrorMessage(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code === 'invalid_type') {
    if (issue.input === undefined) return 'required key is missing';
    if (issue.expected === 'int') return `expected an integer, got ${JSON.stringify(issue.input)}`;
  }
  return undefined;
}

/** Parses the text of a plan file. Errors name the file and the JSON path of the problem. */
export function parsePlan(text: string, file: string): TrainingPlan {
  return parsePlanValue(parseJsonText(text, file, 'a training plan'), file);
}

/** Unrolls every repeat into its steps, in order. */
export function expandPlan(plan: TrainingPlan): FlatPlanStep[] {
  const out: FlatPlanStep[] = [];
  const walk = (steps: readonly PlanStep[]) => {
    for (const step of steps) {
      if (step.type === 'repeat') {
        for (let i = 0; i < step.times; i++) walk(step.steps);
      } else {
        out.push(step);
      }
    }
  };
  walk(plan.steps);
  return out;
}

/** Number of steps expandPlan would return, without expanding. */
export function countExpandedSteps(steps: readonly PlanStep[]): number {
  let total = 0;
  for (const step of steps) total += step.type === 'repeat' ? step.times * countExpandedSteps(step.steps) : 1;
  return total;
}

/** Refuses repeats nested deeper than MAX_PLAN_DEPTH, walking the raw JSON without recursion. */
function checkRepeatDepth(input: unknown, file: string): void {
  const stack: { value: unknown; path: string; level: number }[] = [{ value: input, path: '', level: 0 }];
  while (stack.length > 0) {
    const { value, path, level } = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    const steps = (value as { steps?: unknown }).steps;
    if (!Array.isArray(steps)) continue;
    const inner = path === '' ? 'steps' : `${path}.steps`;
    steps.forEach((step, index) => {
      if (step === null || typeof step !== 'object' || !('steps' in step)) return;
      const here = `${inner}[${index}]`;
      if (level + 1 > MAX_PLAN_DEPTH) {
        const shown = here.length > 80 ? `${here.slice(0, 40)}…${here.slice(-30)}` : here;
        throw fileError(file, `invalid training plan at ${shown}: repeats are nested more than ${MAX_PLAN_DEPTH} deep`);
      }
      stack.push({ value: step, path: here, level: level + 1 });
    });
  }
}

/** Fit epochs the plan adds up to, repeats multiplied out. */
export function countPlanEpochs(steps: readonly PlanStep[]): number {
  let total = 0;
  for (const step of steps) total += step.type === 'fit' ? step.epochs : step.type === 'repeat' ? step.times * countPlanEpochs(step.steps) : 0;
  return total;
}

function checkPlanSize(plan: TrainingPlan, file: string): void {
  if (countExpandedSteps(plan.steps) === 0) {
    throw fileError(file, 'invalid training plan: it has no steps; give at least one fit, evaluate or predict step, e.g. [{"type": "fit", "epochs": 1, "batchSize": 32, "shuffle": true}]');
  }
  const depth = (steps: readonly PlanStep[], path: string, level: number): void => {
    steps.forEach((step, index) => {
      if (step.type !== 'repeat') return;
      const here = `${path}[${index}]`;
      if (level + 1 > MAX_PLAN_DEPTH) throw fileError(file, `invalid training plan at ${here}: repeats are nested more than ${MAX_PLAN_DEPTH} deep`);
      depth(step.steps, `${here}.steps`, level + 1);
    });
  };
  depth(plan.steps, 'steps', 0);
  const total = countExpandedSteps(plan.steps);
  if (total > MAX_EXPANDED_STEPS) throw fileError(file, `invalid training plan: its repeats expand to ${total} steps, more than the ${MAX_EXPANDED_STEPS} allowed`);
  const epochs = countPlanEpochs(plan.steps);
  if (epochs > MAX_PLAN_EPOCHS) {
    throw fileError(file, `invalid training plan: its fit steps add up to ${epochs} epochs, more than the ${MAX_PLAN_EPOCHS} allowed (as for --epochs); fewer epochs or repeats`);
  }
}
