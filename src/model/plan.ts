/**
 * A training plan: the ordered calls a user's script makes on a stateful model, as JSON.
 *
 *   { "steps": [
 *       { "type": "repeat", "times": 10, "steps": [
 *           { "type": "fit", "epochs": 1, "batchSize": 4, "shuffle": false, "validationSplit": 0.25 },
 *           { "type": "reset" } ] },
 *       { "type": "evaluate", "batchSize": 4 },
 *       { "type": "predict", "samples": 8 } ] }
 *
 * A bare list of steps is accepted too. `planSchema` (and the step schemas) are zod 4 schemas, so
 * `z.toJSONSchema(planSchema)` gives the JSON Schema for editors.
 */
import { z } from 'zod';
import { fileError } from './errors.ts';
import { parseJsonText } from './json.ts';
import { describeIssues } from './zod-issues.ts';

/** Most iterations one repeat step may ask for, and most steps a plan may expand to. */
export const MAX_REPEAT_TIMES = 100_000;
export const MAX_EXPANDED_STEPS = 1_000_000;
export const MAX_PLAN_DEPTH = 16;

const positiveInt = z.int().min(1);

export const fitStepSchema = z
  .strictObject({
    type: z.literal('fit'),
    epochs: positiveInt.describe('fit(epochs=...)'),
    batchSize: positiveInt.describe('fit(batch_size=...)'),
    shuffle: z.union([z.boolean(), z.literal('batch')], { error: 'expected true, false or "batch"' }).describe("fit(shuffle=...): true, false or 'batch'"),
    validationSplit: z.number().min(0).lt(1).optional().describe('fit(validation_split=...), in [0, 1)'),
  })
  .describe('model.fit(...)');

export const evaluateStepSchema = z
  .strictObject({
    type: z.literal('evaluate'),
    batchSize: positiveInt.optional().describe('evaluate(batch_size=...); Keras defaults to 32'),
    samples: positiveInt.optional().describe('how many samples are evaluated (default: all)'),
  })
  .describe('model.evaluate(...)');

export const predictStepSchema = z
  .strictObject({
    type: z.literal('predict'),
    batchSize: positiveInt.optional().describe('predict(batch_size=...); Keras defaults to 32'),
    samples: positiveInt.optional().describe('how many samples are predicted (default: all)'),
  })
  .describe('model.predict(...)');

export const resetStepSchema = z.strictObject({ type: z.literal('reset') }).describe('model.reset_states() / layer.reset_state()');

export interface FitStep {
  type: 'fit';
  epochs: number;
  batchSize: number;
  shuffle: boolean | 'batch';
  validationSplit?: number | undefined;
}
export interface EvaluateStep {
  type: 'evaluate';
  batchSize?: number | undefined;
  samples?: number | undefined;
}
export interface PredictStep {
  type: 'predict';
  batchSize?: number | undefined;
  samples?: number | undefined;
}
export interface ResetStep {
  type: 'reset';
}
export interface RepeatStep {
  type: 'repeat';
  times: number;
  steps: PlanStep[];
}
export type PlanStep = FitStep | EvaluateStep | PredictStep | ResetStep | RepeatStep;
/** A step with no repeat left in it (see expandPlan). */
export type FlatPlanStep = Exclude<PlanStep, RepeatStep>;

export interface TrainingPlan {
  steps: PlanStep[];
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
  [typeof fitStepSchema, typeof evaluateStepSchema, typeof predictStepSchema, typeof resetStepSchema, typeof repeatStepSchema]
> = z.discriminatedUnion('type', [fitStepSchema, evaluateStepSchema, predictStepSchema, resetStepSchema, repeatStepSchema]);

export const planSchema = z
  .strictObject({
    $schema: z.string().optional(),
    description: z.string().optional(),
    steps: z.array(planStepSchema),
  })
  .describe('lstm-reset training plan');

/** Validates an already parsed JSON value (an object with "steps", or a bare list of steps). */
export function parsePlanValue(value: unknown, file: string): TrainingPlan {
  const input = Array.isArray(value) ? { steps: value } : value;
  const parsed = planSchema.safeParse(input, { error: planErrorMessage });
  if (!parsed.success) throw fileError(file, `invalid training plan at ${describeIssues(parsed.error.issues)}`);
  const plan: TrainingPlan = { steps: parsed.data.steps as PlanStep[] };
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

function checkPlanSize(plan: TrainingPlan, file: string): void {
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
}
