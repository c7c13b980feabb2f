/**
 * The timeline recorder (sim/timeline.ts): fed by the hooks, it must account for every reset event,
 * every carried call and every padded row that the run's totals count (and that the closed-form
 * counter derives on its own), build the sequences of data[i::B], and stay within its limits on a
 * large run without losing a count.
 */
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { addModelOptions, configFromOptions } from '../../src/commands/options.ts';
import { countOnly } from '../../src/sim/count.ts';
import { simulate } from '../../src/sim/simulate.ts';
import { carryCount, createTimelineRecorder, resetCount, startMarkCount, type CallRecord, type TimelineLimits } from '../../src/sim/timeline.ts';
import type { SimulationConfig } from '../../src/keras/config.ts';

function config(args: readonly string[]): SimulationConfig {
  const command = addModelOptions(new Command()).exitOverride();
  command.parse([...args], { from: 'user' });
  const outcome = configFromOptions(command);
  if (!outcome.ok) throw new Error(outcome.message);
  return outcome.config;
}

function record(c: SimulationConfig, limits?: TimelineLimits) {
  const recorder = createTimelineRecorder(c, limits);
  const result = simulate(c, { hooks: recorder.hooks });
  return { result, timeline: recorder.finish() };
}

const runs: Record<string, string[]> = {
  'the seed question': ['--shape', '1000,20,1', '--batch', '200', '--epochs', '3'],
  'stateful continuation': ['--shape', '20,7,1', '--batch', '10', '--stateful', '--no-shuffle'],
  'reset every 2 batches, validation': ['--shape', '60,4,2', '--batch', '6', '--stateful', '--no-shuffle', '--epochs', '3', '--reset-every', '2', '--validation-split', '0.2'],
  'stateful, shuffled': ['--shape', '40,3,1', '--batch', '10', '--stateful', '--epochs', '2'],
  'stateless, partial last batch': ['--shape', '103,5,1', '--batch', '10', '--epochs', '2'],
  'stacked, Bidirectional, mixed, masked': ['--shape', '50,6,2', '--batch', '10', '--layers', 'lstm:4:stateful,gru:3:stateless,simple:2:bidirectional:stateful', '--no-shuffle', '--epochs', '2', '--mask-tail', '6', '--mask-fraction', '0.4'],
  'Keras raises (batch 300)': ['--shape', '1000,5,1', '--batch', '300', '--stateful', '--no-shuffle'],
  'Keras 3.10: a 1-row last batch broadcast into every row': ['--shape', '21,5,1', '--batch', '10', '--stateful', '--no-shuffle', '--keras', '3.10', '--epochs', '2'],
  'JAX: calls start from the stored value': ['--shape', '40,5,1', '--batch', '10', '--stateful', '--no-shuffle', '--backend', 'jax', '--epochs', '2'],
  'tf.keras: initial_state passed': ['--shape', '40,5,1', '--batch', '10', '--stateful', '--no-shuffle', '--keras', 'tf', '--initial-state', '--epochs', '2'],
};

describe('the timeline accounts for every count of the run', () => {
  it.each(Object.entries(runs))('%s', (_name, args) => {
    const c = config(args);
    const { result, timeline } = record(c);
    const closedForm = countOnly(c).totals;
    expect(timeline.summarised).toBe(false);
    expect(timeline.calls).toBe(result.totals.batches + (result.completed ? 0 : 1));
    expect(timeline.layers.map((l) => l.layer.name)).toEqual(result.totals.perLayer.map((l) => l.name));
    timeline.layers.forEach((layer, i) => {
      const items = layer.items;
      expect(items.every((item) => item.kind === 'call')).toBe(true);
      const resets = items.reduce((n, item) => n + resetCount(item), 0) + layer.orphanResets.length;
      const carries = items.reduce((n, item) => n + carryCount(item), 0);
      expect(resets).toBe(result.totals.perLayer[i]!.resetEvents);
      expect(resets).toBe(closedForm.perLayer[i]!.resetEvents);
      expect(carries).toBe(result.totals.perLayer[i]!.carries);
      expect(carries).toBe(closedForm.perLayer[i]!.carries);
      // the other starts: one mark each, never counted as resets or carries
      const marks = (reason: 'broadcast' | 'not-stored' | 'initial-state') => items.reduce((n, item) => n + startMarkCount(item, reason), 0);
      const counts = result.totals.perLayer[i]!;
      expect([marks('broadcast'), marks('not-stored'), marks('initial-state')]).toEqual([counts.broadcastStarts, counts.storedRestarts, counts.initialStateStarts]);
      expect(items.filter((item) => item.kind === 'call' && item.start === 'broadcast').length).toBe(counts.broadcastStarts);
      const calls = items as CallRecord[];
      expect(calls.reduce((n, call) => n + call.passThroughRows, 0)).toBe(result.totals.passThroughRows);
      // a carried call starts from where the previous call of the layer ended
      for (let k = 1; k < calls.length; k++) {
        if (calls[k]!.start === 'carried') expect(calls[k]!.startMeanAbsH).toBeCloseTo(calls[k - 1]!.endMeanAbsH, 12);
        if (calls[k]!.start === 'zeros') expect(calls[k]!.startMeanAbsH).toBe(0);
      }
      // a call starts from zeros exactly when a zeroing reset came just before it
      for (const call of calls) {
        if (call.start === 'failed') continue;
        expect(call.start === 'zeros').toBe(['initial', 'batch-start', 'reset-states'].includes(call.startReason ?? ''));
      }
    });
  });

  it('stateless: the discarded state of each batch-start is the previous call\'s final mean |h|', () => {
    const { result, timeline } = record(config(runs['the seed question']!));
    const calls = timeline.layers[0]!.items as CallRecord[];
    const events = result.events;
    calls.forEach((call, k) => {
      expect(call.before).toHaveLength(1);
      expect(call.before[0]!.discardedMeanAbsH).toBe(events[k]!.discardedMeanAbsH);
      if (k > 0) expect(call.before[0]!.discardedMeanAbsH).toBeCloseTo(calls[k - 1]!.endMeanAbsH, 12);
    });
  });

  it('the starts Keras 3 backends and versions add: broadcast (not a carry), not-stored, initial-state', () => {
    const starts = (args: string[]) => (record(config(args)).timeline.layers[0]!.items as CallRecord[]).map((call) => [call.start, call.carried]);
    expect(starts(runs['Keras 3.10: a 1-row last batch broadcast into every row']!)).toEqual([
      ['zeros', false], ['carried', true], ['broadcast', false], ['carried', true], ['carried', true], ['broadcast', false],
    ]);
    expect(starts(runs['JAX: calls start from the stored value']!).slice(0, 3)).toEqual([['zeros', false], ['not-stored', false], ['not-stored', false]]);
    expect(starts(runs['tf.keras: initial_state passed']!).slice(0, 3)).toEqual([['initial-state', false], ['carried', true], ['carried', true]]);
  });

  it('a failed call closes the timeline: Keras raises at the 4th batch of 100 rows', () => {
    const { timeline } = record(config(runs['Keras raises (batch 300)']!));
    const last = timeline.layers[0]!.items.at(-1) as CallRecord;
    expect(last).toMatchObject({ start: 'failed', rows: 100, phase: 'fit', epoch: 1, batch: 4 });
  });
});

describe('the sequences the carries build', () => {
  it('20 windows of 7 in 2 stateful batches of 10 are 10 sequences of 14 steps, data[i::10]', () => {
    const { sequences } = record(config(runs['stateful continuation']!)).timeline.layers[0]!;
    expect(sequences.total).toBe(10);
    expect(sequences.lengths).toEqual([{ windows: 2, steps: 14, count: 10 }]);
    expect(sequences.examples.slice(0, 3).map((e) => e.samples)).toEqual([[0, 10], [1, 11], [2, 12]]);
    expect(sequences.ordered).toBe(10);
  });

  it('a reset after every epoch: one sequence per row per epoch, the same windows each time', () => {
    const { sequences } = record(config([...runs['stateful continuation']!, '--epochs', '3', '--reset-every', 'epoch'])).timeline.layers[0]!;
    expect(sequences.total).toBe(30);
    expect(sequences.examples[0]).toMatchObject({ row: 0, samples: [0, 10], count: 3 });
  });

  it('stateless: every window is its own sequence (as many as rows zeroed)', () => {
    const c = config(runs['stateless, partial last batch']!);
    const { result, timeline } = record(c);
    expect(timeline.layers[0]!.sequences.total).toBe(result.totals.rowResets);
    expect(timeline.layers[0]!.sequences.lengths).toEqual([{ windows: 1, steps: 5, count: 206 }]);
  });

  it('shuffled stateful data strings unrelated windows together; validation windows are counted', () => {
    expect(record(config(runs['stateful, shuffled']!)).timeline.layers[0]!.sequences.ordered).toBe(0);
    const validated = record(config(['--shape', '50,4,1', '--batch', '10', '--stateful', '--no-shuffle', '--validation-split', '0.2'])).timeline.layers[0]!.sequences;
    // 4 training batches then 1 validation batch: row i runs through samples i, i+10, …, i+40
    expect(validated.examples[0]).toMatchObject({ samples: [0, 10, 20, 30, 40], validationWindows: 1, ordered: true });
  });

  it('padded steps do not count as steps of the sequence', () => {
    const { sequences } = record(config(['--shape', '20,7,1', '--batch', '10', '--stateful', '--no-shuffle', '--mask-tail', '3'])).timeline.layers[0]!;
    expect(sequences.lengths).toEqual([{ windows: 2, steps: 8, count: 10 }]);
  });
});

describe('a large run is summarised without losing a count', () => {
  const limits: TimelineLimits = { detailedCalls: 40, groupHead: 6, groupTail: 3, headEpochs: 2, tailEpochs: 1, listedRows: 4, examples: 3, exampleSamples: 3 };

  it('keeps the first and last epochs, folds the ones between, and caps each phase of an epoch', () => {
    const c = config(['--shape', '20,2,1', '--batch', '1', '--stateful', '--no-shuffle', '--epochs', '12', '--reset-every', 'epoch', '--units', '2']);
    const { result, timeline } = record(c, limits);
    const layer = timeline.layers[0]!;
    expect(timeline.summarised).toBe(true);
    expect(timeline.detailedCalls).toBeLessThanOrEqual(limits.detailedCalls);
    const calls = layer.items.filter((i) => i.kind === 'call') as CallRecord[];
    // epochs 1 and 2, and the last ones the budget holds (11 and 12), in part: the first 6 and last 3 calls each
    expect([...new Set(calls.map((call) => call.epoch))]).toEqual([1, 2, 11, 12]);
    expect(calls.filter((call) => call.epoch === 1).map((call) => call.batch)).toEqual([1, 2, 3, 4, 5, 6, 18, 19, 20]);
    const spans = layer.items.filter((i) => i.kind === 'span');
    expect(spans.map((span) => (span.kind === 'span' ? [span.first.epoch, span.last.epoch, span.calls] : []))).toEqual([
      [1, 1, 11],
      [2, 2, 11],
      [3, 10, 160],
      [11, 11, 11],
      [12, 12, 11],
    ]);
    expect(layer.items.reduce((n, item) => n + resetCount(item), 0)).toBe(result.totals.resetEvents);
    expect(layer.items.reduce((n, item) => n + carryCount(item), 0)).toBe(result.totals.carries);
    expect(layer.items.reduce((n, item) => n + (item.kind === 'call' ? 1 : item.calls), 0)).toBe(result.totals.batches);
  });
});
