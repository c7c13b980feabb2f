/**
 * What a start is, counted honestly, against real Keras: for every golden fixture (what Keras 3.15.1
 * did on jax, tensorflow and torch, test/fixtures/keras-goldens), the kinds of call starts are
 * derived from Keras's own per-call records (which candidates each layer's start equalled, whether
 * the input was broadcast, what the state variable held afterwards, every reset and exception),
 * without the simulator's code, and the run's totals must equal them: resets and rows zeroed count
 * only real zeroing (a build's zeros, reset_state(), a stateless call's fresh zeros); a carry is a
 * start from the previous call's final state; a broadcast 1-row batch, JAX's restart from the stored
 * value, a passed initial_state and an exception are each counted apart.
 */
import { describe, expect, it } from 'vitest';
import { loadFixtures, replay, type Fixture, type RnnLayer } from '../helpers/goldens.ts';

type Backend = 'jax' | 'tensorflow' | 'torch';

interface Derived {
  resetEvents: number;
  statefulRowResets: number;
  carries: number;
  broadcastStarts: number;
  storedRestarts: number;
  initialStateStarts: number;
  failedCalls: number;
}

/** The counts Keras's records imply (shared/keras-semantics.md §R1, §R2, §6). */
function derive(fixture: Fixture, backend: Backend): Derived {
  const { scenario } = fixture;
  const observed = fixture.observed[backend]!;
  const rnns = scenario.model.layers.filter((l): l is RnnLayer => l.type === 'rnn');
  const stateful = rnns.map((l) => l.stateful);
  const input = scenario.model.input;
  const counts: Derived = { resetEvents: 0, statefulRowResets: 0, carries: 0, broadcastStarts: 0, storedRestarts: 0, initialStateStarts: 0, failedCalls: 0 };
  // the state rows: the model's batch size, or (a Sequential without Input, built by its first call) that call's rows
  let stateRows: number | undefined = input.kind === 'batch_shape' ? input.batch_shape![0] : input.kind === 'shape' ? undefined : input.batch_size;
  const zeroed = rnns.map(() => true);
  const zeroStateful = () => {
    stateful.forEach((s, i) => {
      if (!s) return;
      counts.resetEvents++;
      counts.statefulRowResets += stateRows!;
      zeroed[i] = true;
    });
  };
  if (stateRows !== undefined && input.kind !== 'shape') zeroStateful();
  for (const event of observed.events) {
    if (event.kind === 'raise') {
      counts.failedCalls++;
      continue;
    }
    if (event.kind === 'reset') {
      zeroStateful();
      continue;
    }
    if (event.layers.every((layer) => layer.start === null)) continue;
    if (stateRows === undefined && input.kind === 'none') {
      stateRows = event.rows;
      zeroStateful();
    }
    for (const layer of event.layers) {
      if (layer.start === null) continue;
      const i = layer.layer;
      const labels = layer.start;
      if (!stateful[i]) {
        // stateless: fresh zeros every call, unless initial_state is passed
        if (labels.includes('initial_state')) counts.initialStateStarts++;
        else counts.resetEvents++;
        continue;
      }
      if (labels.includes('initial_state')) counts.initialStateStarts++;
      else if (layer.broadcast !== null && layer.written?.includes('final')) counts.broadcastStarts++;
      else if (labels.includes('previous')) counts.carries++;
      else if (zeroed[i] && labels.includes('zeros')) {
        // the zeros of the build or reset just before: counted by that reset
      } else counts.storedRestarts++;
      zeroed[i] = false;
    }
  }
  return counts;
}

const fixtures = loadFixtures();
const cases = fixtures.flatMap((fixture) =>
  (['jax', 'tensorflow', 'torch'] as const).filter((backend) => fixture.observed[backend] !== undefined).map((backend) => [fixture.id, backend, fixture] as const),
);

describe('start kinds, derived from what Keras recorded per call, equal the totals', () => {
  it.each(cases)('%s on %s', (_id, backend, fixture) => {
    const { result } = replay(fixture, backend);
    const { totals } = result;
    const statefulNames = new Set(result.config.resolvedLayers.filter((l) => l.stateful).map((l) => l.name));
    const counted: Derived = {
      resetEvents: totals.resetEvents,
      statefulRowResets: totals.perLayer.filter((l) => statefulNames.has(l.name)).reduce((n, l) => n + l.rowResets, 0),
      carries: totals.carries,
      broadcastStarts: totals.broadcastStarts,
      storedRestarts: totals.storedRestarts,
      initialStateStarts: totals.initialStateStarts,
      failedCalls: totals.failedCalls,
    };
    expect(counted).toEqual(derive(fixture, backend));
    // resets are the zeroing reasons only; each other start is its reason's count
    expect(totals.resetEvents).toBe(totals.byReason.initial + totals.byReason['batch-start'] + totals.byReason['reset-states']);
    expect([totals.broadcastStarts, totals.storedRestarts, totals.initialStateStarts]).toEqual([
      totals.byReason.broadcast,
      totals.byReason['not-stored'],
      totals.byReason['initial-state'],
    ]);
  });

  it('the corpus has every kind (so none of the comparisons above is vacuous)', () => {
    const sums = cases.reduce(
      (acc, [, backend, fixture]) => {
        const d = derive(fixture, backend);
        return { carries: acc.carries + d.carries, broadcast: acc.broadcast + d.broadcastStarts, stored: acc.stored + d.storedRestarts, initialState: acc.initialState + d.initialStateStarts, failed: acc.failed + d.failedCalls };
      },
      { carries: 0, broadcast: 0, stored: 0, initialState: 0, failed: 0 },
    );
    for (const [kind, n] of Object.entries(sums)) expect(n, kind).toBeGreaterThan(0);
  });
});

describe('by hand: stateful LSTM B=4, fit(9 samples, batch 4, 2 epochs, no shuffle), then predict(8)', () => {
  // fixture lstm-stateful-fit-partial1: batches of 4, 4, 1 rows per epoch
  const fixture = fixtures.find((f) => f.id === 'lstm-stateful-fit-partial1')!;

  it('tensorflow: the 1-row batches broadcast (2), every other call after the first carries (5 of 8), 1 reset (the build)', () => {
    const { totals } = replay(fixture, 'tensorflow').result;
    // epoch 1: zeros, carry, broadcast; epoch 2: carry, carry, broadcast; predict: carry, carry
    expect([totals.resetEvents, totals.rowResets, totals.carries, totals.broadcastStarts, totals.storedRestarts, totals.failedCalls]).toEqual([1, 4, 5, 2, 0, 0]);
  });

  it('jax: batch 2 restarts from the traced zeros (not a reset, not a carry), batch 3 raises', () => {
    const { totals } = replay(fixture, 'jax').result;
    expect([totals.resetEvents, totals.rowResets, totals.carries, totals.broadcastStarts, totals.storedRestarts, totals.failedCalls]).toEqual([1, 4, 0, 0, 1, 1]);
  });
});
