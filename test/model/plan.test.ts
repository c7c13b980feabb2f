/** The JSON training plan: schema, errors with JSON paths, expansion, JSON Schema output. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { countExpandedSteps, expandPlan, parsePlan, parsePlanValue, planSchema } from '../../src/model/plan.ts';
import { expectModelError, fixtureText } from './helpers.ts';

describe('plan fixtures', () => {
  it('stateful-loop.json: nested repeat, fit/reset/evaluate/predict', () => {
    const plan = parsePlan(fixtureText('plans/stateful-loop.json'), 'plan.json');
    expect(plan.steps).toHaveLength(4);
    expect(plan.steps[0]).toEqual({
      type: 'repeat',
      times: 3,
      steps: [{ type: 'fit', epochs: 1, batchSize: 2, shuffle: false, validationSplit: 0.25 }, { type: 'reset' }],
    });
    expect(expandPlan(plan).map((s) => s.type)).toEqual(['fit', 'reset', 'fit', 'reset', 'fit', 'reset', 'evaluate', 'reset', 'predict']);
    expect(countExpandedSteps(plan.steps)).toBe(9);
  });

  it('bare-list.json: a list of steps is a plan; shuffle may be "batch"', () => {
    const plan = parsePlan(fixtureText('plans/bare-list.json'), 'plan.json');
    expect(plan.steps).toEqual([{ type: 'fit', epochs: 5, batchSize: 32, shuffle: 'batch' }, { type: 'evaluate' }]);
  });

  it('invalid-nested.json: the error names the file and the nested JSON path', () => {
    expectModelError(() => parsePlan(fixtureText('plans/invalid-nested.json'), 'plan.json'), 'plan.json', /steps\[1\]\.steps\[0\]\.epochs: Too small/);
  });
});

describe('plan errors', () => {
  const fit = { type: 'fit', epochs: 1, batchSize: 4, shuffle: false };
  const bad = (value: unknown, ...patterns: RegExp[]) => expectModelError(() => parsePlanValue(value, 'p.json'), 'p.json', ...patterns);

  it('unknown step type', () => bad({ steps: [fit, { type: 'train' }] }, /steps\[1\]\.type: Invalid discriminator value/, /'fit' \| 'evaluate'/));
  it('missing required key', () => bad({ steps: [{ type: 'fit', batchSize: 4, shuffle: true }] }, /steps\[0\]\.epochs: required key is missing/));
  it('a negative sample index', () => bad({ steps: [{ type: 'call', indices: [0, -1] }] }, /steps\[0\]\.indices\[1\]/));
  it('unknown plan option', () => bad({ backend: 'cntk', steps: [fit] }, /backend/));
  it('non-integer batch size', () => bad({ steps: [{ type: 'evaluate', batchSize: 2.5 }] }, /steps\[0\]\.batchSize: expected an integer, got 2\.5/));
  it('bad shuffle', () => bad({ steps: [{ ...fit, shuffle: 'yes' }] }, /steps\[0\]\.shuffle: expected true, false or "batch"/));
  it('missing shuffle is a missing key, not a bad value', () => bad({ steps: [{ type: 'fit', epochs: 1 }] }, /steps\[0\]\.shuffle: required key is missing/));
  it('validationSplit out of range', () => bad({ steps: [{ ...fit, validationSplit: 1 }] }, /steps\[0\]\.validationSplit/));
  it('unknown keys', () => bad({ steps: [{ type: 'reset', now: true }] }, /steps\[0\]: Unrecognized key: "now"/));
  it('empty repeat', () => bad({ steps: [{ type: 'repeat', times: 2, steps: [] }] }, /steps\[0\]\.steps: Too small/));
  it('repeat times 0', () => bad({ steps: [{ type: 'repeat', times: 0, steps: [fit] }] }, /steps\[0\]\.times/));
  it('not an object', () => bad('fit', /\(top level\)/));
  it('a plan that expands too far', () =>
    bad({ steps: [{ type: 'repeat', times: 100_000, steps: [{ type: 'repeat', times: 100_000, steps: [{ type: 'reset' }] }] }] }, /expand to 10000000000 steps/));
  it('repeats nested too deep', () => {
    let steps: unknown[] = [{ type: 'reset' }];
    for (let i = 0; i < 17; i++) steps = [{ type: 'repeat', times: 1, steps }];
    bad({ steps }, /nested more than 16 deep/);
  });
  it('invalid JSON text', () => expectModelError(() => parsePlan('{"steps": [', 'p.json'), 'p.json', /not valid JSON/, /training plan/));
});

describe('JSON Schema', () => {
  it('z.toJSONSchema produces a recursive schema with the eight step types', () => {
    const schema = z.toJSONSchema(planSchema) as unknown as { $defs?: Record<string, { oneOf?: { properties: { type: { const: string } } }[] }> };
    const defs = Object.values(schema.$defs ?? {});
    const union = defs.find((d) => d.oneOf);
    expect(union?.oneOf?.map((o) => o.properties.type.const)).toEqual(['fit', 'evaluate', 'predict', 'train_on_batch', 'predict_on_batch', 'call', 'reset', 'repeat']);
    expect(JSON.stringify(schema)).toContain('"$ref"');
  });
});
