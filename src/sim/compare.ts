/**
 * The counterpart of a run for a side-by-side picture: the same data, batches, weights and seed with
 * every layer's `stateful` flipped. A stateful run becomes stateless (no reset_states() callback is
 * left to call); a stateless one becomes stateful as Keras would run it with stateful=True and
 * nothing else changed (no reset callback, the same shuffle), findings included.
 */
import { isStatefulModel, type SimulationConfig } from '../keras/config.ts';

export function flippedStatefulness(config: SimulationConfig): SimulationConfig {
  const stateful = !isStatefulModel(config);
  const { initialStatePassed: _initialState, ...rest } = config;
  return {
    ...rest,
    stateful,
    resetEvery: 'never',
    ...(config.layers ? { layers: config.layers.map((layer) => ({ ...layer, stateful })) } : {}),
  };
}
