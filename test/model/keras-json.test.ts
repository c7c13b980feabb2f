/** Keras model.to_json() output of every generation (hand-written fixtures, see test/fixtures/README.md). */
import { describe, expect, it } from 'vitest';
import { parseKerasJson, parseKerasModelObject } from '../../src/model/keras-json.ts';
import { activationName, classifyKerasVersion, firstInboundSource } from '../../src/model/topology.ts';
import { expectModelError, fixtureText } from './helpers.ts';

const read = (name: string) => parseKerasJson(fixtureText(`keras/${name}`), name);

describe('Keras 2 (multi-backend) Sequential', () => {
  const info = read('keras2-sequential.json');
  it('takes batch, timesteps and features from batch_input_shape of the first layer', () => {
    expect(info).toMatchObject({ source: 'keras-json', kerasVersion: '2', versionString: '2.2.4', modelClass: 'Sequential', batchSize: 1, timesteps: 10, features: 1 });
  });
  it('lists the stateful LSTM with hard_sigmoid gates', () => {
    expect(info.layers).toEqual([
      {
        name: 'lstm_1', className: 'LSTM', cell: 'lstm', units: 4, stateful: true, returnSequences: false, returnState: false,
        bidirectional: false, recurrentActivation: 'hard_sigmoid', activation: 'tanh', goBackwards: false, useBias: true, inputDim: 1,
      },
    ]);
    expect(info.notes).toEqual([]);
  });
});

describe('Keras 1 Sequential (config is the layer list)', () => {
  const info = read('keras1-sequential.json');
  it('reads output_dim and inner_activation, and maps Keras 1 to the Keras 2 profile with a note', () => {
    expect(info).toMatchObject({ kerasVersion: '2', batchSize: 25, timesteps: 1, features: 3, modelName: null });
    expect(info.layers[0]).toMatchObject({ name: 'lstm_1', units: 8, stateful: true, recurrentActivation: 'hard_sigmoid' });
    expect(info.notes.join(' ')).toMatch(/Keras 1/);
  });
});

describe('tf.keras Functional', () => {
  const info = read('tfkeras-functional.json');
  it('classifies keras_version 2.15.0 as tf.keras and reads the InputLayer', () => {
    expect(info).toMatchObject({ kerasVersion: 'tf', modelClass: 'Functional', batchSize: 8, timesteps: 20, features: 3 });
  });
  it('follows inbound_nodes through Dropout for the input dimension of each layer', () => {
    expect(info.layers.map((l) => [l.name, l.cell, l.units, l.inputDim])).toEqual([
      ['lstm', 'lstm', 16, 3],
      ['gru', 'gru', 8, 16],
    ]);
  });
  it('reads return_sequences, return_state, go_backwards and reset_after', () => {
    expect(info.layers[0]).toMatchObject({ stateful: true, returnSequences: true, returnState: false, recurrentActivation: 'sigmoid' });
    expect(info.layers[1]).toMatchObject({ stateful: true, returnSequences: false, returnState: true, goBackwards: true, resetAfter: true });
    expect(info.layers[0]).not.toHaveProperty('resetAfter');
  });
});

describe('Keras 3 Sequential', () => {
  const info = read('keras3-sequential.json');
  it('infers Keras 3 from the serialisation format and reads InputLayer batch_shape', () => {
    expect(info).toMatchObject({ kerasVersion: '3', batchSize: 4, timesteps: 12, features: 2 });
    expect(info).not.toHaveProperty('versionString');
    expect(info.notes.join(' ')).toMatch(/Keras 3 inferred/);
  });
  it('reads Bidirectional(LSTM) with the wrapper name, the concat merge and the doubled output', () => {
    expect(info.layers[0]).toMatchObject({
      name: 'bidirectional', className: 'Bidirectional(LSTM)', cell: 'lstm', units: 5, bidirectional: true, stateful: true,
      returnSequences: true, mergeMode: 'concat', goBackwards: false, inputDim: 2,
    });
    expect(info.layers[1]).toMatchObject({ name: 'gru', cell: 'gru', inputDim: 10, recurrentActivation: 'hard_sigmoid', resetAfter: true });
  });
  it('does not note the backward_layer that Keras 3 always writes', () => {
    expect(info.notes.join(' ')).not.toMatch(/backward_layer/);
  });
});

describe('Keras 3 Functional', () => {
  const info = read('keras3-functional.json');
  it('reads batch_shape with a None time dimension', () => {
    expect(info).toMatchObject({ kerasVersion: '3', batchSize: 16, timesteps: null, features: 5 });
  });
  it('follows __keras_tensor__ inbound nodes, lists the nested model (with its LSTM) as not simulated, and reads RNN(LSTMCell)', () => {
    expect(info.layers.map((l) => [l.name, l.className, l.units, l.inputDim])).toEqual([
      ['simple_rnn', 'SimpleRNN', 6, 5],
      ['rnn', 'RNN(LSTMCell)', 7, 6],
    ]);
    expect(info.layers[0]).toMatchObject({ cell: 'simple', activation: 'relu', useBias: false });
    expect(info.layers[1]).toMatchObject({ cell: 'lstm', recurrentActivation: 'hard_sigmoid' });
    expect(info.unsupported).toEqual([{ name: 'head', className: 'Sequential', why: expect.stringMatching(/nested in this one \(with LSTM\)/) }]);
  });
});

describe('hand-made variations', () => {
  const base = (layers: unknown[], extra: Record<string, unknown> = {}) => ({ class_name: 'Sequential', config: { name: 's', layers }, keras_version: '2.15.0', ...extra });
  const lstm = (config: Record<string, unknown>) => ({ class_name: 'LSTM', config: { name: 'l', units: 3, ...config } });

  it('normalises TF.js camelCase hardSigmoid and the class-object form', () => {
    expect(parseKerasModelObject(base([lstm({ recurrent_activation: 'hardSigmoid' })]), 'm.json', 'keras-json').layers[0]?.recurrentActivation).toBe('hard_sigmoid');
    expect(activationName({ class_name: 'HardSigmoid', config: {} })).toBe('hard_sigmoid');
    expect(activationName({ module: 'keras.activations', class_name: 'function', config: 'sigmoid', registered_name: 'sigmoid' })).toBe('sigmoid');
  });

  it('accepts TF.js camelCase keys (className, batchInputShape, recurrentActivation, returnSequences)', () => {
    const model = base([{ className: 'GRU', config: { name: 'g', units: 2, batchInputShape: [3, 4, 5], recurrentActivation: 'hardSigmoid', returnSequences: true, resetAfter: false } }]);
    const info = parseKerasModelObject(model, 'm.json', 'keras-json');
    expect(info).toMatchObject({ batchSize: 3, timesteps: 4, features: 5 });
    expect(info.layers[0]).toMatchObject({ cell: 'gru', recurrentActivation: 'hard_sigmoid', returnSequences: true, resetAfter: false, inputDim: 5 });
  });

  it('uses the version default when recurrent_activation is absent (Keras 2.2: hard_sigmoid, 2.15: sigmoid)', () => {
    const layer = lstm({});
    expect(parseKerasModelObject(base([layer], { keras_version: '2.2.4' }), 'm.json', 'keras-json').layers[0]?.recurrentActivation).toBe('hard_sigmoid');
    expect(parseKerasModelObject(base([layer]), 'm.json', 'keras-json').layers[0]?.recurrentActivation).toBe('sigmoid');
  });

  it('reads tf.keras TensorShape objects and Input batch_size + shape', () => {
    const tensorShape = base([{ class_name: 'InputLayer', config: { batch_input_shape: { class_name: 'TensorShape', items: [3, 7, 2] } } }, lstm({})]);
    expect(parseKerasModelObject(tensorShape, 'm.json', 'keras-json')).toMatchObject({ batchSize: 3, timesteps: 7, features: 2 });
    const batchSize = base([{ class_name: 'InputLayer', config: { shape: [7, 2], batch_size: 5 } }, lstm({})]);
    expect(parseKerasModelObject(batchSize, 'm.json', 'keras-json')).toMatchObject({ batchSize: 5, timesteps: 7, features: 2 });
  });

  it('falls back to build_input_shape when there is no InputLayer', () => {
    const model = { class_name: 'Sequential', config: { name: 's', layers: [lstm({})], build_input_shape: [null, 9, 4] } };
    const info = parseKerasModelObject(model, 'm.json', 'keras-json');
    expect(info).toMatchObject({ batchSize: null, timesteps: 9, features: 4 });
  });

  it('notes a stateful layer without a fixed batch size, and a model without an input shape', () => {
    const info = parseKerasModelObject(base([lstm({ stateful: true })]), 'm.json', 'keras-json');
    expect(info.notes.join(' ')).toMatch(/stateful but the model has no fixed batch size/);
    expect(info.notes.join(' ')).toMatch(/does not state its input shape/);
  });

  it('reads CuDNNGRU as a sigmoid, reset_after GRU and skips ConvLSTM2D and stacked cells with notes', () => {
    const info = parseKerasModelObject(
      base([
        { class_name: 'CuDNNGRU', config: { name: 'c', units: 2, stateful: true } },
        { class_name: 'ConvLSTM2D', config: { name: 'conv', filters: 2 } },
        { class_name: 'RNN', config: { name: 'stack', cell: [{ class_name: 'LSTMCell', config: { units: 2 } }] } },
      ]),
      'm.json',
      'keras-json',
    );
    expect(info.layers).toHaveLength(1);
    expect(info.layers[0]).toMatchObject({ cell: 'gru', recurrentActivation: 'sigmoid', resetAfter: true });
    expect(info.unsupported).toEqual([
      { name: 'conv', className: 'ConvLSTM2D', why: expect.stringMatching(/convolutional LSTM/) },
      { name: 'stack', className: 'RNN([LSTMCell])', why: expect.stringMatching(/stacked cells/) },
    ]);
  });

  it('runs a recurrent activation it does not compute as sigmoid, keeping the name and saying so', () => {
    const info = parseKerasModelObject(base([lstm({ recurrent_activation: 'relu' })]), 'm.json', 'keras-json');
    expect(info.layers[0]).toMatchObject({ recurrentActivation: 'sigmoid', recurrentActivationStated: 'relu' });
    expect(info.notes).toContain('l: recurrent_activation "relu" is not computed here; sigmoid stands in (reset counts do not depend on it, state values do)');
  });

  it('rejects bad units, bad booleans and bad shapes with the layer named', () => {
    expectModelError(() => parseKerasModelObject(base([lstm({ units: 0 })]), 'm.json', 'keras-json'), 'm.json', /units must be a positive integer, got 0/);
    expectModelError(() => parseKerasModelObject(base([lstm({ stateful: 'yes' })]), 'm.json', 'keras-json'), 'm.json', /stateful must be true or false, got "yes"/);
    expectModelError(() => parseKerasModelObject(base([lstm({ batch_input_shape: [2, -1, 3] })]), 'm.json', 'keras-json'), 'm.json', /batch_input_shape has the dimension -1/);
  });

  it('rejects JSON that is not a model', () => {
    expectModelError(() => parseKerasJson('[1, 2]', 'x.json'), 'x.json', /not a Keras model JSON object/);
    expectModelError(() => parseKerasJson('{"class_name": "LSTM", "config": {}}', 'x.json'), 'x.json', /top-level class_name "LSTM" is not a model/);
    expectModelError(() => parseKerasJson('{"class_name": "Sequential", "config": {"name": "s"}}', 'x.json'), 'x.json', /no "layers" list/);
    expectModelError(() => parseKerasJson('{"class_name": "Sequential", "config": {"layers": [5]}}', 'x.json'), 'x.json', /layers\[0\] is a number/);
    expectModelError(() => parseKerasJson('', 'x.json'), 'x.json', /is empty/);
    expectModelError(() => parseKerasJson(fixtureText('hostile/bad-json.json'), 'bad-json.json'), 'bad-json.json', /not valid JSON at line 2 column \d+/);
  });

  it('rejects a non-string keras_version', () => {
    expectModelError(() => parseKerasModelObject(base([], { keras_version: 2 }), 'm.json', 'keras-json'), 'm.json', /keras_version 2 is not a string/);
  });
});

describe('classifyKerasVersion', () => {
  it.each([
    // a Keras 3.6 file has no stateful batch-size check (it came with 3.12, PR keras#21742)
    ['3.6.0', '3.0-3.11'],
    ['3.12.0', '3'],
    ['2.15.0', 'tf'],
    ['2.4.0', 'tf'],
    ['2.2.4-tf', 'tf'],
    ['2.3.1', '2'],
    ['2.0.8', '2'],
    ['1.2.2', '2'],
  ])('%s -> %s', (version, expected) => {
    expect(classifyKerasVersion(version).version).toBe(expected);
  });
  it('leaves unknown versions unclassified with a note', () => {
    expect(classifyKerasVersion('banana')).toEqual({ note: expect.stringMatching(/unrecognised/) });
    expect(classifyKerasVersion('4.0.0').version).toBeUndefined();
  });
});

describe('firstInboundSource', () => {
  it('reads every inbound-node form', () => {
    expect(firstInboundSource([[['a', 0, 0, {}]]])).toBe('a');
    expect(firstInboundSource([['b', 0, 0]])).toBe('b');
    expect(firstInboundSource([{ args: [{ class_name: '__keras_tensor__', config: { keras_history: ['c', 0, 0] } }], kwargs: {} }])).toBe('c');
    expect(firstInboundSource([{ args: [[{ keras_history: ['d', 0, 0] }, { keras_history: ['e', 0, 0] }]], kwargs: {} }])).toBe('d');
    expect(firstInboundSource([])).toBeUndefined();
  });
});
