/**
 * The output contract as a schema: real `--json` documents of many kinds of run parse with the strict
 * zod schema (so a key the code adds or drops fails here), the JSON Schemas `lstm-reset schema` prints
 * are generated from the zod schemas and accept the same documents, and the example contract is valid.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { contractSchema, jsonSchemas, resultDocumentSchema } from '../src/commands/schemas.ts';
import { planSchema } from '../src/model/plan.ts';
import { run } from './helpers/io.ts';

const fixtures = new URL('./fixtures/', import.meta.url).pathname;
const exampleContract = new URL('../examples/contract.json', import.meta.url).pathname;

const runs: [string, string[], number][] = [
  ['stateless (the seed question)', ['--shape', '1000,20,1', '--batch', '200', '--epochs', '15'], 0],
  ['stateful, validation split, reset every epoch', ['--shape', '20,7,1', '--batch', '10', '--stateful', '--no-shuffle', '--epochs', '2', '--validation-split', '0.5', '--reset-every', 'epoch'], 0],
  ['stateful, reset every 2 batches, Keras 2', ['--shape', '12,3,2', '--batch', '4', '--stateful', '--no-shuffle', '--epochs', '2', '--reset-every', '2', '--keras', '2'], 0],
  ['stacked and bidirectional', ['--shape', '12,3,2', '--batch', '4', '--layers', 'lstm:4,gru:3:bidirectional,simple:2'], 0],
  ['SimpleRNN with masking', ['--shape', '12,4,1', '--batch', '4', '--cell', 'simple', '--mask-tail', '2', '--mask-fraction', '0.5'], 0],
  ['no --batch (Keras default 32)', ['--shape', '40,2,1'], 0],
  ['a training plan', ['--shape', '8,5,3', '--stateful', '--plan', `${fixtures}plans/stateful-loop.json`], 0],
  ['--data', ['--data', `${fixtures}npy/f4-3d-v1.npy`, '--batch', '2'], 0],
  ['audit of a TF.js model (real weights)', ['audit', `${fixtures}tfjs-stateful/model.json`, '--samples', '6', '--batch', '2', '--no-shuffle', '--reset-every', 'epoch'], 0],
  ['audit of a Keras 3 archive', ['audit', `${fixtures}keras/keras3-sequential.keras`, '--samples', '8', '--batch', '4'], 0],
  ['failing stateful run (partial batch)', ['--shape', '1000,20,1', '--batch', '300', '--stateful', '--no-shuffle'], 3],
  ['stateful with fit batch size different from the model (audit)', ['audit', `${fixtures}tfjs-stateful/model.json`, '--samples', '6', '--batch', '3'], 3],
  ['--count-only (no forward pass)', ['--shape', '1000,20,1', '--batch', '200', '--epochs', '15', '--count-only'], 0],
];

/** The JSON Schemas turned back into zod: what an editor or another validator would enforce. */
const roundTrip = {
  output: z.fromJSONSchema(jsonSchemas().output),
  contract: z.fromJSONSchema(jsonSchemas().contract),
  plan: z.fromJSONSchema(jsonSchemas().plan),
};

describe('resultDocumentSchema: every --json document parses', () => {
  it.each(runs)('%s', async (_name, args, exitCode) => {
    const { code, stdout } = await run([...args, '--json', '-q']);
    expect(code).toBe(exitCode);
    const doc: unknown = JSON.parse(stdout);
    const parsed = resultDocumentSchema.safeParse(doc);
    expect(parsed.error?.issues ?? []).toEqual([]);
    expect(roundTrip.output.safeParse(doc).success).toBe(true);
    expect(parsed.data?.model !== undefined).toBe(args[0] === 'audit');
  });

  it('is strict: an unknown key or a missing one is caught', async () => {
    const doc = JSON.parse((await run(['--shape', '20,7,1', '--batch', '10', '--json'])).stdout);
    expect(resultDocumentSchema.safeParse(doc).success).toBe(true);
    expect(resultDocumentSchema.safeParse({ ...doc, extra: 1 }).success).toBe(false);
    expect(resultDocumentSchema.safeParse({ ...doc, totals: { ...doc.totals, newTotal: 3 } }).success).toBe(false);
    const { answer: _answer, ...withoutAnswer } = doc;
    expect(resultDocumentSchema.safeParse(withoutAnswer).success).toBe(false);
    expect(roundTrip.output.safeParse({ ...doc, extra: 1 }).success).toBe(false);
    const event = { ...doc.events[0], reason: 'sometimes' };
    expect(resultDocumentSchema.safeParse({ ...doc, events: [event] }).success).toBe(false);
  });
});

describe('lstm-reset schema', () => {
  it('prints { output, contract, plan }: JSON Schemas generated from the zod schemas; exit 0', async () => {
    const { code, stdout, stderr } = await run(['schema']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const schemas = JSON.parse(stdout);
    expect(Object.keys(schemas)).toEqual(['output', 'contract', 'plan']);
    for (const schema of Object.values(schemas) as Record<string, unknown>[]) {
      expect(schema['$schema']).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(schema['type']).toBe('object');
    }
    expect(schemas).toEqual(JSON.parse(JSON.stringify(jsonSchemas())));
    expect(schemas.output.required).toEqual(expect.arrayContaining(['config', 'events', 'totals', 'findings', 'completed', 'answer']));
    expect(schemas.output.additionalProperties).toBe(false);
    expect(schemas.contract.properties.scenarios.items.properties.args.description).toContain('resolved against the folder of the contract file');
  });

  it.each(['output', 'contract', 'plan'] as const)('schema %s prints that one schema', async (name) => {
    const { code, stdout } = await run(['schema', name]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual(JSON.parse(JSON.stringify(jsonSchemas()[name])));
  });

  it('an unknown name: exit 2, one line', async () => {
    const { code, stdout, stderr } = await run(['schema', 'events']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe("error: schema: unknown name 'events'; give output, contract or plan\n");
  });

  it('the plan schema accepts the plan fixtures', () => {
    const plan = JSON.parse(readFileSync(`${fixtures}plans/stateful-loop.json`, 'utf8'));
    expect(planSchema.safeParse(plan).success).toBe(true);
    expect(roundTrip.plan.safeParse(plan).success).toBe(true);
    expect(roundTrip.plan.safeParse({ steps: [{ type: 'fit', epochs: 0, batchSize: 1, shuffle: false }] }).success).toBe(false);
  });
});

describe('contractSchema', () => {
  const contract = JSON.parse(readFileSync(exampleContract, 'utf8'));

  it('accepts examples/contract.json, also through its JSON Schema', () => {
    expect(contractSchema.safeParse(contract).error?.issues ?? []).toEqual([]);
    expect(roundTrip.contract.safeParse(contract).success).toBe(true);
    expect(contract.scenarios.length).toBeGreaterThanOrEqual(4);
  });

  it.each([
    ['an unknown key', { scenarios: [{ name: 'a', args: ['--shape', '1,1'], expect: { total: {} } }] }],
    ['no scenarios', { scenarios: [] }],
    ['args not strings', { scenarios: [{ name: 'a', args: ['--shape', 1] }] }],
    ['exit code 2', { scenarios: [{ name: 'a', args: ['--shape', '1,1'], expect: { exitCode: 2 } }] }],
    ['a non-number total', { scenarios: [{ name: 'a', args: ['--shape', '1,1'], expect: { totals: { resetEvents: '75' } } }] }],
  ])('rejects %s (zod and JSON Schema alike)', (_name, value) => {
    expect(contractSchema.safeParse(value).success).toBe(false);
    expect(roundTrip.contract.safeParse(value).success).toBe(false);
  });

  it.each([
    ['a duplicate name', { scenarios: [{ name: 'a', args: ['x'] }, { name: 'a', args: ['y'] }] }, 'scenarios[1].name'],
    ['audit without the model right after it', { scenarios: [{ name: 'a', args: ['audit', '--samples', '3'] }] }, 'scenarios[0].args[1]'],
    ['a subcommand that prints no result', { scenarios: [{ name: 'a', args: ['verify', '--shape', '1,1'] }] }, 'scenarios[0].args[0]'],
  ])('rejects %s, at the path of the problem', (_name, value, path) => {
    const parsed = contractSchema.safeParse(value);
    expect(parsed.success).toBe(false);
    const issue = parsed.error!.issues[0]!;
    expect(issue.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('')).toBe(path);
  });
});
