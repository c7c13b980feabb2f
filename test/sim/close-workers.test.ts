/**
 * A run's worker threads (the two-thread LSTM kernel) end with the run however it ends: returned, or
 * abandoned by its caller between two calls (the generator's return(), as a consumer that stops early).
 */
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SimulationConfig } from '../../src/keras/config.ts';
import { simulateSteps } from '../../src/sim/simulate.ts';

const workerThreads = createRequire(import.meta.url)('node:worker_threads') as typeof import('node:worker_threads');

/** Records every worker the kernel starts and whether it has exited. */
function watchWorkers(): { started: () => number; running: () => number } {
  const RealWorker = workerThreads.Worker;
  const workers: { exited: boolean }[] = [];
  vi.spyOn(workerThreads, 'Worker').mockImplementation(function (this: unknown, ...args: ConstructorParameters<typeof RealWorker>) {
    const worker = new RealWorker(...args);
    const record = { exited: false };
    workers.push(record);
    worker.on('exit', () => (record.exited = true));
    return worker;
  } as unknown as typeof RealWorker);
  return { started: () => workers.length, running: () => workers.filter((w) => !w.exited).length };
}

// big enough for the two-thread kernel (a small run never starts a worker)
const config: SimulationConfig = {
  samples: 4000, timesteps: 20, features: 8, batchSize: 1000, epochs: 2, stateful: false, shuffle: false, units: 64,
  seed: 1, resetEvery: 'never', validationSplit: 0, keras: '3', recurrentActivation: 'sigmoid',
};

const exited = async (watch: { running: () => number }) => {
  for (let i = 0; i < 100 && watch.running() > 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  return watch.running();
};

describe('worker threads end with the run', () => {
  afterEach(() => vi.restoreAllMocks());

  it('a run left after two calls (return()) stops its workers', async () => {
    const watch = watchWorkers();
    const steps = simulateSteps(config);
    steps.next();
    steps.next();
    expect(watch.started()).toBeGreaterThan(0);
    steps.return(undefined as never);
    expect(await exited(watch)).toBe(0);
  });

  it('a run to its end stops its workers', async () => {
    const watch = watchWorkers();
    const steps = simulateSteps(config);
    while (!steps.next().done);
    expect(watch.started()).toBeGreaterThan(0);
    expect(await exited(watch)).toBe(0);
  });
});
