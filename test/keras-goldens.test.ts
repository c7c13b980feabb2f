/**
 * Real Keras as the oracle: every fixture of test/fixtures/keras-goldens/ (what Keras 3.15.1 did on
 * jax, tensorflow and torch, recorded by scripts/keras-goldens/) replayed through the simulator with
 * the same weights, inputs, masks and plan. Per call: its phase, plan step, epoch and batch, the
 * rows' samples where Keras's order is deterministic, each recurrent layer's start (one of the
 * candidates Keras's own recomputation matched) and its final states to 1e-5, whether the state
 * variable kept the final state; every reset; every exception (class, message, where). A fixture
 * the simulator does not reproduce fails; none is skipped.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadFixtures, replay, type CallEvent, type Fixture, type GoldenEvent, type RaiseEvent, type Replay, type ResetEventObs, type SimCall } from './helpers/goldens.ts';

const fixtures = loadFixtures();

/** Keras's message matches ours: our "…" stands for elided text, a tensor width and torch's version counter may differ. */
export function messageMatches(ours: string, keras: string): boolean {
  const normal = (text: string) => text.replace(/\s+/g, ' ').trim();
  const escaped = normal(ours)
    .split('…')
    .map((part) =>
      part
        .trim()
        .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
        // "[rows,width]": the rows are ours to get right, the width depends on the node TF names
        .replace(/\\\[(\d+),\d+\\\]/g, '\\[$1,\\d+\\]')
        .replace(/version \d+/g, 'version \\d+'),
    );
  return new RegExp(escaped.join('.*')).test(normal(keras));
}

/** Fit epochs before each flat plan step of the simulator (the fixture counts epochs per fit call). */
function epochOffsets(run: Replay): (planStep: number) => number {
  const offsets: number[] = [];
  let epochs = 0;
  (run.config.plan ?? []).forEach((step, i) => {
    offsets[i + 1] = epochs;
    if (step.type === 'fit') epochs += step.epochs;
  });
  return (planStep) => offsets[planStep] ?? 0;
}

/** Every difference between what Keras recorded and what the simulator did, as readable lines. */
function differences(fixture: Fixture, backend: 'jax' | 'tensorflow' | 'torch'): string[] {
  const observed = fixture.observed[backend]!;
  const run = replay(fixture, backend);
  const offset = epochOffsets(run);
  const out: string[] = [];
  const calls = [...run.calls];
  const resets = [...run.resets];
  const raises = [...run.raises];
  const where = (e: GoldenEvent) => `step ${e.step} ${'phase' in e ? e.phase : e.kind} epoch ${e.epoch ?? '-'} ${'batch' in e ? `batch ${e.batch ?? '-'}` : ''}`;
  for (const event of observed.events) {
    if (event.kind === 'call') {
      // a call that raised before anything was observable left no trace: Keras stopped before it ran
      if (event.raised && event.layers.every((l) => l.start === null)) continue;
      const ours = calls.shift();
      if (!ours) {
        out.push(`${where(event)}: Keras ran a call the simulator did not`);
        continue;
      }
      out.push(...compareCall(event, ours, run, offset));
    } else if (event.kind === 'reset') {
      const ours = resets.shift();
      out.push(...compareReset(event, ours, run, offset));
    } else {
      const ours = raises.shift();
      out.push(...compareRaise(event, ours, run, offset));
    }
  }
  for (const call of calls) out.push(`the simulator ran a call Keras did not: step ${run.fixtureStep(call.planStep)} ${call.phase} batch ${call.batch}`);
  for (const reset of resets) out.push(`the simulator reset where Keras did not: step ${run.fixtureStep(reset.planStep)} ${reset.phase}`);
  for (const raise of raises) out.push(`the simulator raised where Keras did not: step ${run.fixtureStep(raise.planStep)} ${raise.className}: ${raise.message}`);
  out.push(...compareShuffles(observed.events, run, backend));
  const kerasStopped = observed.status === 'raised';
  if (kerasStopped === run.result.completed) out.push(`Keras ${kerasStopped ? 'stopped with an exception' : 'ran to the end'}, the simulator ${run.result.completed ? 'ran to the end' : 'stopped'}`);
  return out;
}

function compareCall(event: CallEvent, ours: SimCall, run: Replay, offset: (planStep: number) => number): string[] {
  const out: string[] = [];
  const at = `step ${event.step} ${event.phase} epoch ${event.epoch ?? '-'} batch ${event.batch ?? '-'}`;
  const phase = event.phase === 'layer_call' ? 'call' : event.phase;
  const epoch = event.epoch === null ? null : ours.epoch - offset(ours.planStep);
  const mine = `step ${run.fixtureStep(ours.planStep)} ${ours.phase} epoch ${epoch ?? '-'} batch ${ours.batch}`;
  if (phase !== ours.phase || event.step !== run.fixtureStep(ours.planStep) || (event.epoch !== null && event.epoch !== epoch) || (event.batch ?? 1) !== ours.batch) {
    return [`${at}: the simulator's call is ${mine}`];
  }
  if (event.rows !== ours.rows) out.push(`${at}: ${event.rows} rows, the simulator ${ours.rows}`);
  // the rows' samples, where Keras's order does not come from its RNG
  if (event.order === 'fixed' && (event.samples!.join() !== ours.samples.join() || event.data !== ours.data)) {
    out.push(`${at}: samples ${event.data}[${event.samples!.join(',')}], the simulator ${ours.data}[${ours.samples.join(',')}]`);
  }
  event.layers.forEach((layer) => {
    const sim = ours.layers[layer.layer];
    if (!sim) {
      out.push(`${at}: layer ${layer.layer} has no call in the simulator`);
      return;
    }
    if (layer.start !== null && !layer.start.some((label) => sim.start.includes(label))) {
      out.push(`${at}: layer ${layer.layer} started from ${layer.start.join('|') || 'nothing Keras could match'}, the simulator from ${sim.start.join('|') || 'something else'}`);
    }
    if (layer.written !== null && sim.stateful && !layer.written.some((w) => sim.written.includes(w))) {
      out.push(`${at}: layer ${layer.layer}'s variable after the call: Keras ${layer.written.join('|')}, the simulator ${sim.written.join('|') || 'other'}`);
    }
    if (layer.final) {
      // Keras order per direction: h, then c for LSTM
      const expected = layer.final.flatMap((direction) => [direction.h, ...(direction.c ? [direction.c] : [])]);
      expected.forEach((tensor, k) => {
        const values = tensor.flat();
        const got = sim.final[k];
        if (!got || got.length !== values.length) {
          out.push(`${at}: layer ${layer.layer} state ${k}: ${values.length} values, the simulator ${got?.length ?? 0}`);
          return;
        }
        const worst = values.reduce((max, v, j) => Math.max(max, Math.abs(v - got[j]!)), 0);
        if (!(worst <= 1e-5)) out.push(`${at}: layer ${layer.layer} state ${k} differs by ${worst.toExponential(2)}`);
      });
    }
  });
  return out;
}

/**
 * Shuffled fits, where Keras's order comes from its RNG and the simulator's from its own: the same
 * structure. Every epoch a permutation of the same samples; seeded tensorflow repeats one order in
 * every epoch (and the simulator too), else both reshuffle; shuffle='batch' keeps each batch's
 * members (the simulator's batches hold the same samples).
 */
function compareShuffles(events: readonly GoldenEvent[], run: Replay, backend: string): string[] {
  const out: string[] = [];
  const shuffled = events.filter((e): e is CallEvent => e.kind === 'call' && e.phase === 'fit' && e.order !== 'fixed' && !e.raised);
  const epochs = new Map<string, { keras: number[][]; ours: number[][] }>();
  for (const e of shuffled) {
    const key = `${e.step}:${e.epoch}`;
    const entry = epochs.get(key) ?? { keras: [], ours: [] };
    entry.keras.push(e.samples ?? e.observed_samples!);
    entry.ours.push(run.ownOrder.get(`${e.step}:${e.epoch}:${e.batch}`) ?? []);
    epochs.set(key, entry);
  }
  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b).join();
  const orders = { keras: [] as string[], ours: [] as string[] };
  for (const [key, { keras, ours }] of epochs) {
    if (sorted(keras.flat()) !== sorted(ours.flat())) out.push(`fit ${key}: the simulator's epoch holds other samples`);
    orders.keras.push(keras.flat().join());
    orders.ours.push(ours.flat().join());
    const batchShuffle = run.config.plan?.some((step) => step.type === 'fit' && step.shuffle === 'batch');
    if (batchShuffle && keras.some((batch, i) => sorted(batch) !== sorted(ours[i] ?? []))) out.push(`fit ${key}: shuffle='batch' batches hold other samples than the simulator's`);
  }
  if (orders.keras.length > 1) {
    const kerasRepeats = new Set(orders.keras).size === 1;
    const oursRepeats = new Set(orders.ours).size === 1;
    if (kerasRepeats !== oursRepeats) out.push(`${backend}: Keras ${kerasRepeats ? 'repeats one order' : 'reshuffles'} across epochs, the simulator ${oursRepeats ? 'repeats one' : 'reshuffles'}`);
  }
  return out;
}

function compareReset(event: ResetEventObs, ours: Replay['resets'][number] | undefined, run: Replay, offset: (planStep: number) => number): string[] {
  const at = `step ${event.step} reset (${event.source}${event.when ? `, ${event.when}` : ''})`;
  if (!ours) return [`${at}: the simulator did not reset`];
  if (run.fixtureStep(ours.planStep) !== event.step) return [`${at}: the simulator reset at step ${run.fixtureStep(ours.planStep)}`];
  if (event.source === 'callback') {
    const timing = event.when === 'epoch_end' ? 'epoch-end' : 'after-batch';
    const epoch = ours.epoch - offset(ours.planStep);
    if (ours.timing !== timing || epoch !== event.epoch || (event.when === 'batch_end' && ours.batch !== event.after_batch)) {
      return [`${at} epoch ${event.epoch} after batch ${event.after_batch}: the simulator's is ${ours.timing} epoch ${epoch} batch ${ours.batch}`];
    }
  } else if (ours.timing !== 'between-calls') {
    return [`${at}: the simulator's is ${ours.timing}`];
  }
  return [];
}

function compareRaise(event: RaiseEvent, ours: Replay['raises'][number] | undefined, run: Replay, offset: (planStep: number) => number): string[] {
  const at = `step ${event.step ?? 'build'} ${event.phase} raise ${event.class}`;
  if (!ours) return [`${at}: the simulator did not raise`];
  const out: string[] = [];
  if (ours.className !== event.class) out.push(`${at}: the simulator raised ${ours.className}`);
  if (!messageMatches(ours.message, event.message)) out.push(`${at}: message "${event.message.replace(/\s+/g, ' ').slice(0, 300)}" is not the simulator's "${ours.message}"`);
  if (event.phase === 'build') {
    if (ours.code !== 'stateful-unknown-batch-size') out.push(`${at}: the simulator raised ${ours.code}, not at build`);
    return out;
  }
  const phase = event.phase === 'layer_call' ? 'call' : event.phase === 'model_reset_states' ? 'reset' : event.phase;
  const epoch = event.epoch === null ? null : ours.epoch - offset(ours.planStep);
  if (event.step !== run.fixtureStep(ours.planStep) || phase !== ours.phase || (event.epoch !== null && epoch !== event.epoch) || (event.batch !== null && event.batch !== ours.batch)) {
    out.push(`${at} at epoch ${event.epoch} batch ${event.batch}: the simulator raised at step ${run.fixtureStep(ours.planStep)} ${ours.phase} epoch ${epoch} batch ${ours.batch}`);
  }
  return out;
}

describe('Keras golden fixtures, replayed', () => {
  it('has fixtures of the format this replay reads', () => {
    expect(fixtures.length).toBeGreaterThan(0);
    for (const fixture of fixtures) expect([fixture.format, fixture.format_version]).toEqual(['lstm-reset/keras-goldens', 1]);
  });

  const cases = fixtures.flatMap((fixture) =>
    (['jax', 'tensorflow', 'torch'] as const).filter((backend) => fixture.observed[backend] !== undefined).map((backend) => [fixture.id, backend, fixture] as const),
  );
  it.each(cases)('%s on %s', (_id, backend, fixture) => {
    const observed = fixture.observed[backend]!;
    // a run Keras could not record is not a scenario the simulator can be held to: the corpus must not have one
    expect(observed.status, 'the generator recorded no run').toMatch(/^(ok|raised)$/);
    expect(differences(fixture, backend)).toEqual([]);
  });
});

describe("the README's table of what Keras did per backend", () => {
  it('is the corpus summary (npm run readme regenerates it)', () => {
    const result = spawnSync('node', [join(import.meta.dirname, '..', 'scripts', 'readme-goldens.mjs'), '--check'], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
