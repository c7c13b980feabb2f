"""Model files with real weights, and the states they must give: test/fixtures/models/<name>/.

Run by hand (never by npm test or CI), with the machine's Keras 3 venv:

    KERAS_BACKEND=tensorflow /work/venv-keras/bin/python scripts/model-fixtures.py

Each fixture folder holds a model file, its input data x.npy (float32, (N, T, D), or token ids for an
Embedding model), and expected.json: for every model call of `audit MODEL --data x.npy --batch B
--no-shuffle` (one epoch), every recurrent layer's final states in Keras order ([h, c] for LSTM,
forward then backward for Bidirectional).

Where each file comes from:
  - k3-*: built and saved by real Keras 3 (`model.save('model.keras')` and `model.save('model.h5')`,
    the legacy HDF5 format); expected states from Keras 3 itself (the layer re-run with
    return_state=True on the input Keras gives it, same weights).
  - k1-*, k2-*, tfk-*: older layouts, written here with h5py following the writers of those versions
    (Keras 1.2.2 models.py save_model + engine/topology.py save_weights_to_hdf5_group; Keras 2.2.4
    engine/saving.py save_model; tf-keras saving/legacy/hdf5_format.py) with weights taken from a Keras
    3 model: Keras 1 per-gate arrays (LSTM W_i, U_i, b_i, W_c, …, GRU W_z, …), CuDNNLSTM/CuDNNGRU arrays
    in the CuDNN layout (the inverse of Keras 2.3.1 engine/saving.py _convert_rnn_weights), tf.keras
    names (lstm/lstm_cell/kernel:0). No Keras 1, 2 or tf.keras runs here, so where those versions
    compute what Keras 3 cannot (hard_sigmoid = clip(0.2x + 0.5, 0, 1)), the expected states come from
    the float64 numpy reference below, which this script first checks against Keras 3 (sigmoid) to 1e-6.
"""
import json
import os
import shutil
import sys
import zlib

os.environ.setdefault('KERAS_BACKEND', 'tensorflow')
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')

import h5py  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import layers  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'models')
keras.utils.set_random_seed(7)
rng = np.random.default_rng(7)


def folder(name):
    # each fixture seeds its own numbers, so regenerating one leaves the others' bytes alone
    global rng
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    keras.utils.set_random_seed(zlib.crc32(name.encode()) % (2 ** 31))
    path = os.path.join(ROOT, name)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def write_expected(path, batch, calls, note):
    with open(os.path.join(path, 'expected.json'), 'w') as f:
        json.dump({'batch': batch, 'note': note, 'calls': calls}, f, indent=1)
        f.write('\n')


def randomize(model):
    """Non-trivial weights and biases (Keras initialises biases to zeros)."""
    for layer in model.layers:
        weights = layer.get_weights()
        if weights:
            layer.set_weights([rng.uniform(-0.6, 0.6, w.shape).astype('float32') for w in weights])


# ------------------------------------------------------------------------------ numpy reference (float64)

def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def hard_sigmoid_k2(x):
    # Keras 2 / tf.keras / TF.js: clip(0.2x + 0.5, 0, 1)
    return np.clip(0.2 * x + 0.5, 0, 1)


def ref_run(cell, weights, x, states, gate, reset_after=False, mask=None, go_backwards=False):
    """One layer call over x (B, T, D) from `states`; returns the final states (Keras order)."""
    kernel, recurrent, bias = [np.asarray(w, dtype=np.float64) for w in weights]
    x = np.asarray(x, dtype=np.float64)
    B, T, _ = x.shape
    h = np.array(states[0], dtype=np.float64)
    c = np.array(states[1], dtype=np.float64) if cell == 'lstm' else None
    order = range(T - 1, -1, -1) if go_backwards else range(T)
    U = recurrent.shape[0]
    for t in order:
        xt = x[:, t, :]
        if cell == 'lstm':
            z = xt @ kernel + h @ recurrent + bias
            i, f, g, o = gate(z[:, :U]), gate(z[:, U:2 * U]), np.tanh(z[:, 2 * U:3 * U]), gate(z[:, 3 * U:])
            c_new = f * c + i * g
            h_new = o * np.tanh(c_new)
        elif cell == 'gru':
            if reset_after:
                xz = xt @ kernel + bias[0]
                hz = h @ recurrent + bias[1]
                z = gate(xz[:, :U] + hz[:, :U])
                r = gate(xz[:, U:2 * U] + hz[:, U:2 * U])
                hh = np.tanh(xz[:, 2 * U:] + r * hz[:, 2 * U:])
            else:
                xz = xt @ kernel + bias
                z = gate(xz[:, :U] + h @ recurrent[:, :U])
                r = gate(xz[:, U:2 * U] + h @ recurrent[:, U:2 * U])
                hh = np.tanh(xz[:, 2 * U:] + (r * h) @ recurrent[:, 2 * U:])
            h_new = z * h + (1 - z) * hh
            c_new = None
        else:
            h_new = np.tanh(xt @ kernel + bias + h @ recurrent)
            c_new = None
        if mask is not None:
            keep = mask[:, t:t + 1].astype(bool)
            h_new = np.where(keep, h_new, h)
            if c_new is not None:
                c_new = np.where(keep, c_new, c)
        h, c = h_new, c_new
    return [h, c] if cell == 'lstm' else [h]


def ref_sequence(cell, weights, x, gate, reset_after=False):
    """The output sequence of a stateless call (return_sequences=True), for stacking."""
    B, T, _ = x.shape
    U = weights[1].shape[0]
    out = np.zeros((B, T, U))
    states = [np.zeros((B, U))] * (2 if cell == 'lstm' else 1)
    for t in range(T):
        states = ref_run(cell, weights, x[:, t:t + 1, :], states, gate, reset_after)
        out[:, t, :] = states[0]
    return out


def keras_states(layer, x, initial_state=None, mask=None):
    """Final states of a Keras 3 layer on x: the same layer rebuilt with return_state=True, same weights."""
    config = layer.get_config()
    if isinstance(layer, layers.Bidirectional):
        config['layer']['config']['return_state'] = True
        if config.get('backward_layer'):
            config['backward_layer']['config']['return_state'] = True
        config['layer']['config']['stateful'] = False
        if config.get('backward_layer'):
            config['backward_layer']['config']['stateful'] = False
    else:
        config['return_state'] = True
        config['stateful'] = False
    probe = layer.__class__.from_config(config)
    kwargs = {}
    if initial_state is not None:
        kwargs['initial_state'] = [keras.ops.convert_to_tensor(s) for s in initial_state]
    if mask is not None:
        kwargs['mask'] = keras.ops.convert_to_tensor(mask.astype(bool))
    probe(keras.ops.convert_to_tensor(x), **kwargs)  # builds
    probe.set_weights(layer.get_weights())
    out = probe(keras.ops.convert_to_tensor(x), **kwargs)
    return [np.asarray(s) for s in out[1:]]


def layer_input(model, layer, x):
    """What `layer` receives when the model runs on x (through the layers before it)."""
    return np.asarray(keras.Model(model.inputs, layer.input)(x))


def expected_calls(per_call_states):
    return [{'layers': [{'layer': name, 'finalStates': [np.asarray(s, dtype=np.float64).round(8).tolist() for s in states]}
                        for name, states in call]} for call in per_call_states]


# check the reference against Keras 3 (sigmoid gates) before trusting it for hard_sigmoid
def check_reference():
    x = rng.uniform(-1, 1, (3, 5, 2)).astype('float32')
    for cell, build in [('lstm', lambda: layers.LSTM(4)), ('gru', lambda: layers.GRU(3, reset_after=True)),
                        ('gru', lambda: layers.GRU(3, reset_after=False)), ('simple', lambda: layers.SimpleRNN(3))]:
        inp = keras.Input(shape=(5, 2))
        layer = build()
        model = keras.Model(inp, layer(inp))
        randomize(model)
        want = keras_states(layer, x)
        zeros = [np.zeros((3, layer.units))] * len(want)
        got = ref_run(cell, layer.get_weights(), x, zeros, sigmoid, getattr(layer, 'reset_after', False))
        diff = max(float(np.max(np.abs(a - b))) for a, b in zip(want, got))
        assert diff < 1e-6, (cell, diff)
    # go_backwards, as the backward direction of a Bidirectional layer runs
    inp = keras.Input(shape=(5, 2))
    layer = layers.LSTM(4, go_backwards=True)
    model = keras.Model(inp, layer(inp))
    randomize(model)
    want = keras_states(layer, x)
    got = ref_run('lstm', layer.get_weights(), x, [np.zeros((3, 4))] * 2, sigmoid, go_backwards=True)
    assert max(float(np.max(np.abs(a - b))) for a, b in zip(want, got)) < 1e-6
    print('numpy reference agrees with Keras 3:', 'ok')


# ------------------------------------------------------------------------------ legacy .h5 writer

def write_legacy_h5(path, model_config, keras_version, backend, weights_by_layer):
    """The layout save_model writes: root attributes and model_weights/<layer>/<weight name> datasets."""
    with h5py.File(path, 'w') as f:
        f.attrs['keras_version'] = keras_version.encode('utf8')
        f.attrs['backend'] = backend.encode('utf8')
        f.attrs['model_config'] = json.dumps(model_config).encode('utf8')
        group = f.create_group('model_weights')
        group.attrs['layer_names'] = [name.encode('utf8') for name, _ in weights_by_layer]
        group.attrs['backend'] = backend.encode('utf8')
        group.attrs['keras_version'] = keras_version.encode('utf8')
        for name, weights in weights_by_layer:
            g = group.create_group(name)
            g.attrs['weight_names'] = [w.encode('utf8') for w, _ in weights]
            for weight_name, value in weights:
                g.create_dataset(weight_name, data=np.asarray(value, dtype='float32'))


def to_cudnn_kernel(kernel, gates):
    """Inverse of _convert_rnn_weights' transpose_input(from_cudnn=True): per gate k -> k.T.reshape(k.shape, 'C')."""
    return np.hstack([k.T.reshape(k.shape, order='C') for k in np.hsplit(kernel, gates)])


def from_cudnn_kernel(kernel, gates):
    return np.hstack([k.T.reshape(k.shape, order='F') for k in np.hsplit(kernel, gates)])


# ------------------------------------------------------------------------------ Keras 3 files

def k3_stack():
    """Sequential LSTM -> GRU(reset_after=True) -> SimpleRNN, stateless."""
    path = folder('k3-stack')
    model = keras.Sequential([
        keras.Input(shape=(5, 3)),
        layers.LSTM(4, return_sequences=True, name='lstm'),
        layers.GRU(3, return_sequences=True, name='gru'),
        layers.SimpleRNN(2, name='simple_rnn'),
        layers.Dense(1, name='dense'),
    ], name='stack')
    randomize(model)
    model.save(os.path.join(path, 'model.keras'))
    model.save(os.path.join(path, 'model.h5'))
    x = rng.uniform(-1, 1, (6, 5, 3)).astype('float32')
    np.save(os.path.join(path, 'x.npy'), x)
    calls = []
    for start in range(0, 6, 3):
        batch = x[start:start + 3]
        calls.append([(l.name, keras_states(l, layer_input(model, l, batch))) for l in model.layers[:3]])
    write_expected(path, 3, expected_calls(calls), 'Keras 3 on the same weights')


def k3_bidirectional():
    """Bidirectional(GRU(reset_after=False)) -> Bidirectional(LSTM), stateless."""
    path = folder('k3-bidirectional')
    inp = keras.Input(shape=(4, 2), name='series')
    mid = layers.Bidirectional(layers.GRU(3, reset_after=False, return_sequences=True), name='bidi_gru')(inp)
    out = layers.Bidirectional(layers.LSTM(2), name='bidi_lstm')(mid)
    out = layers.Dense(1, name='dense')(out)
    model = keras.Model(inp, out, name='bidirectional_model')
    randomize(model)
    model.save(os.path.join(path, 'model.keras'))
    model.save(os.path.join(path, 'model.h5'))
    x = rng.uniform(-1, 1, (4, 4, 2)).astype('float32')
    np.save(os.path.join(path, 'x.npy'), x)
    calls = []
    for start in range(0, 4, 2):
        batch = x[start:start + 2]
        calls.append([(name, keras_states(model.get_layer(name), layer_input(model, model.get_layer(name), batch))) for name in ['bidi_gru', 'bidi_lstm']])
    write_expected(path, 2, expected_calls(calls), 'Keras 3 on the same weights')


def k3_stateful():
    """Input(batch_shape=(2, 5, 3)) -> stateful LSTM -> stateful GRU: states carry from batch to batch."""
    path = folder('k3-stateful')
    model = keras.Sequential([
        keras.Input(batch_shape=(2, 5, 3)),
        layers.LSTM(3, stateful=True, return_sequences=True, name='lstm'),
        layers.GRU(2, stateful=True, name='gru'),
    ], name='stateful')
    randomize(model)
    model.save(os.path.join(path, 'model.keras'))
    model.save(os.path.join(path, 'model.h5'))
    x = rng.uniform(-1, 1, (6, 5, 3)).astype('float32')
    np.save(os.path.join(path, 'x.npy'), x)
    lstm, gru = model.layers
    calls = []
    carried = {'lstm': [np.zeros((2, 3))] * 2, 'gru': [np.zeros((2, 2))]}
    for start in range(0, 6, 2):
        batch = x[start:start + 2]
        s1 = keras_states(lstm, batch, carried['lstm'])
        # the GRU's input: the LSTM's output sequence from the carried state
        lstm_seq = ref_sequence_from(lstm, batch, carried['lstm'])
        s2 = keras_states(gru, lstm_seq, carried['gru'])
        carried = {'lstm': s1, 'gru': s2}
        calls.append([('lstm', s1), ('gru', s2)])
    write_expected(path, 2, expected_calls(calls), 'Keras 3 on the same weights, state carried row by row')
    # the legacy .h5 as Keras 3 writes it on JAX: the same file with the root backend attribute "jax"
    shutil.copy(os.path.join(path, 'model.h5'), os.path.join(path, 'model-jax.h5'))
    with h5py.File(os.path.join(path, 'model-jax.h5'), 'a') as f:
        f.attrs['backend'] = 'jax'
        f['model_weights'].attrs['backend'] = 'jax'


def ref_sequence_from(lstm, x, initial):
    """A Keras 3 LSTM's output sequence from a given initial state (return_sequences, stateless copy)."""
    config = {**lstm.get_config(), 'stateful': False, 'return_sequences': True, 'return_state': False}
    probe = layers.LSTM.from_config(config)
    init = [keras.ops.convert_to_tensor(s) for s in initial]
    probe(keras.ops.convert_to_tensor(x), initial_state=init)
    probe.set_weights(lstm.get_weights())
    return np.asarray(probe(keras.ops.convert_to_tensor(x), initial_state=init))


# ------------------------------------------------------------------------------ older layouts by hand

def keras2_layer(class_name, name, **config):
    return {'class_name': class_name, 'config': {'name': name, 'trainable': True, **config}}


def k1_lstm_gru():
    """Keras 1.2.2 (Theano) Sequential: LSTM (12 per-gate arrays) -> GRU (9), hard_sigmoid gates."""
    path = folder('k1-lstm-gru')
    inp = keras.Input(shape=(5, 3))
    lstm = layers.LSTM(4, return_sequences=True)
    gru = layers.GRU(3, reset_after=False)
    model = keras.Model(inp, gru(lstm(inp)))
    randomize(model)
    W, U, b = lstm.get_weights()
    Wg, Ug, bg = gru.get_weights()
    split = lambda a, n: np.split(a, n, axis=-1)
    wi, wf, wc, wo = split(W, 4)
    ui, uf, uc, uo = split(U, 4)
    bi, bf, bc, bo = split(b, 4)
    wz, wr, wh = split(Wg, 3)
    uz, ur, uh = split(Ug, 3)
    bz, br, bh = split(bg, 3)
    # Keras 1.2.2 recurrent.py LSTM.build (consume_less='cpu'): trainable_weights order i, c, f, o
    lstm_weights = [('lstm_1_W_i', wi), ('lstm_1_U_i', ui), ('lstm_1_b_i', bi), ('lstm_1_W_c', wc), ('lstm_1_U_c', uc), ('lstm_1_b_c', bc),
                    ('lstm_1_W_f', wf), ('lstm_1_U_f', uf), ('lstm_1_b_f', bf), ('lstm_1_W_o', wo), ('lstm_1_U_o', uo), ('lstm_1_b_o', bo)]
    gru_weights = [('gru_1_W_z', wz), ('gru_1_U_z', uz), ('gru_1_b_z', bz), ('gru_1_W_r', wr), ('gru_1_U_r', ur), ('gru_1_b_r', br),
                   ('gru_1_W_h', wh), ('gru_1_U_h', uh), ('gru_1_b_h', bh)]
    common = {'return_sequences': False, 'go_backwards': False, 'stateful': False, 'unroll': False, 'consume_less': 'cpu',
              'init': 'glorot_uniform', 'inner_init': 'orthogonal', 'activation': 'tanh', 'inner_activation': 'hard_sigmoid',
              'W_regularizer': None, 'U_regularizer': None, 'b_regularizer': None, 'dropout_W': 0.0, 'dropout_U': 0.0}
    config = {'class_name': 'Sequential', 'config': [
        keras2_layer('LSTM', 'lstm_1', **{**common, 'batch_input_shape': [None, 5, 3], 'input_dtype': 'float32', 'return_sequences': True,
                                           'input_dim': 3, 'input_length': 5, 'output_dim': 4, 'forget_bias_init': 'one'}),
        keras2_layer('GRU', 'gru_1', **{**common, 'output_dim': 3}),
        keras2_layer('Dense', 'dense_1', output_dim=1, init='glorot_uniform', activation='linear', bias=True, input_dim=3),
    ]}
    dense = [('dense_1_W', rng.uniform(-1, 1, (3, 1))), ('dense_1_b', np.zeros(1))]
    write_legacy_h5(os.path.join(path, 'model.h5'), config, '1.2.2', 'theano',
                    [('lstm_1', lstm_weights), ('gru_1', gru_weights), ('dense_1', dense)])
    x = rng.uniform(-1, 1, (4, 5, 3)).astype('float32')
    np.save(os.path.join(path, 'x.npy'), x)
    calls = []
    for start in range(0, 4, 2):
        batch = x[start:start + 2]
        s1 = ref_run('lstm', [W, U, b], batch, [np.zeros((2, 4))] * 2, hard_sigmoid_k2)
        seq = ref_sequence('lstm', [W, U, b], batch, hard_sigmoid_k2)
        s2 = ref_run('gru', [Wg, Ug, bg], seq, [np.zeros((2, 3))], hard_sigmoid_k2)
        calls.append([('lstm_1', s1), ('gru_1', s2)])
    write_expected(path, 2, expected_calls(calls), 'numpy reference, hard_sigmoid = clip(0.2x + 0.5, 0, 1)')


def k2_cudnn():
    """Keras 2.2.4 Sequential: CuDNNLSTM -> CuDNNGRU, weights in the CuDNN layout."""
    path = folder('k2-cudnn')
    inp = keras.Input(shape=(5, 3))
    lstm = layers.LSTM(4, return_sequences=True)
    gru = layers.GRU(3, reset_after=True)
    model = keras.Model(inp, gru(lstm(inp)))
    randomize(model)
    W, U, b = lstm.get_weights()
    Wg, Ug, bg = gru.get_weights()
    # CuDNN layout: kernels per gate as cuDNN reads them, LSTM bias split into input and recurrent halves,
    # GRU bias (2, 3U) flattened (Keras 2.3.1 engine/saving.py _convert_rnn_weights, from_cudnn=False)
    split_bias = rng.uniform(-0.3, 0.3, b.shape).astype('float32')
    cudnn_lstm = [to_cudnn_kernel(W, 4), np.hstack([k.T for k in np.hsplit(U, 4)]), np.concatenate([split_bias, b - split_bias])]
    cudnn_gru = [to_cudnn_kernel(Wg, 3), np.hstack([k.T for k in np.hsplit(Ug, 3)]), bg.reshape(-1)]
    assert np.allclose(from_cudnn_kernel(cudnn_lstm[0], 4), W)
    common = {'return_sequences': False, 'return_state': False, 'go_backwards': False, 'stateful': False,
              'kernel_initializer': {'class_name': 'VarianceScaling', 'config': {'scale': 1.0, 'mode': 'fan_avg', 'distribution': 'uniform', 'seed': None}},
              'recurrent_initializer': {'class_name': 'Orthogonal', 'config': {'gain': 1.0, 'seed': None}},
              'bias_initializer': {'class_name': 'Zeros', 'config': {}}, 'kernel_regularizer': None, 'recurrent_regularizer': None,
              'bias_regularizer': None, 'activity_regularizer': None, 'kernel_constraint': None, 'recurrent_constraint': None, 'bias_constraint': None}
    config = {'class_name': 'Sequential', 'config': {'name': 'sequential_1', 'layers': [
        keras2_layer('CuDNNLSTM', 'cu_dnnlstm_1', **{**common, 'batch_input_shape': [None, 5, 3], 'dtype': 'float32', 'units': 4,
                                                     'unit_forget_bias': True, 'return_sequences': True}),
        keras2_layer('CuDNNGRU', 'cu_dnngru_1', **{**common, 'units': 3}),
        keras2_layer('Dense', 'dense_1', units=1, activation='linear', use_bias=True),
    ]}}
    dense = [('dense_1/kernel:0', rng.uniform(-1, 1, (3, 1))), ('dense_1/bias:0', np.zeros(1))]
    write_legacy_h5(os.path.join(path, 'model.h5'), config, '2.2.4', 'tensorflow', [
        ('cu_dnnlstm_1', [('cu_dnnlstm_1/kernel:0', cudnn_lstm[0]), ('cu_dnnlstm_1/recurrent_kernel:0', cudnn_lstm[1]), ('cu_dnnlstm_1/bias:0', cudnn_lstm[2])]),
        ('cu_dnngru_1', [('cu_dnngru_1/kernel:0', cudnn_gru[0]), ('cu_dnngru_1/recurrent_kernel:0', cudnn_gru[1]), ('cu_dnngru_1/bias:0', cudnn_gru[2])]),
        ('dense_1', dense),
    ])
    x = rng.uniform(-1, 1, (4, 5, 3)).astype('float32')
    np.save(os.path.join(path, 'x.npy'), x)
    calls = []
    for start in range(0, 4, 2):
        batch = x[start:start + 2]
        calls.append([('cu_dnnlstm_1', keras_states(lstm, batch)), ('cu_dnngru_1', keras_states(gru, layer_input(model, gru, batch)))])
    write_expected(path, 2, expected_calls(calls), 'Keras 3 LSTM and GRU(reset_after=True) on the converted weights')


def tfk_functional():
    """tf.keras 2.9 Functional: Bidirectional(LSTM) -> GRU (reset_after=True) -> SimpleRNN, tf.keras weight names."""
    path = folder('tfk-functional')
    inp = keras.Input(shape=(5, 2))
    bidi = layers.Bidirectional(layers.LSTM(3, return_sequences=True))
    gru = layers.GRU(3, return_sequences=True, reset_after=True)
    simple = layers.SimpleRNN(2)
    model = keras.Model(inp, simple(gru(bidi(inp))))
    randomize(model)
    fw = bidi.forward_layer.get_weights()
    bw = bidi.backward_layer.get_weights()
    rnn_common = {'return_sequences': True, 'return_state': False, 'go_backwards': False, 'stateful': False, 'unroll': False,
                  'time_major': False, 'activation': 'tanh', 'use_bias': True, 'dropout': 0.0, 'recurrent_dropout': 0.0}
    lstm_config = {'name': 'lstm', 'trainable': True, 'dtype': 'float32', **rnn_common, 'units': 3, 'recurrent_activation': 'sigmoid',
                   'unit_forget_bias': True, 'implementation': 2}
    layers_config = [
        {'class_name': 'InputLayer', 'config': {'batch_input_shape': [None, 5, 2], 'dtype': 'float32', 'sparse': False, 'ragged': False, 'name': 'input_1'},
         'name': 'input_1', 'inbound_nodes': []},
        {'class_name': 'Bidirectional', 'config': {'name': 'bidirectional', 'trainable': True, 'dtype': 'float32',
                                                   'layer': {'class_name': 'LSTM', 'config': lstm_config}, 'merge_mode': 'concat'},
         'name': 'bidirectional', 'inbound_nodes': [[['input_1', 0, 0, {}]]]},
        {'class_name': 'GRU', 'config': {'name': 'gru', 'trainable': True, 'dtype': 'float32', **rnn_common, 'units': 3,
                                         'recurrent_activation': 'sigmoid', 'reset_after': True, 'implementation': 2},
         'name': 'gru', 'inbound_nodes': [[['bidirectional', 0, 0, {}]]]},
        {'class_name': 'SimpleRNN', 'config': {'name': 'simple_rnn', 'trainable': True, 'dtype': 'float32', **rnn_common, 'return_sequences': False, 'units': 2},
         'name': 'simple_rnn', 'inbound_nodes': [[['gru', 0, 0, {}]]]},
    ]
    config = {'class_name': 'Functional', 'config': {'name': 'model', 'layers': layers_config,
                                                     'input_layers': [['input_1', 0, 0]], 'output_layers': [['simple_rnn', 0, 0]]}}
    names = lambda scope, cell: [f'{scope}/{cell}/kernel:0', f'{scope}/{cell}/recurrent_kernel:0', f'{scope}/{cell}/bias:0']
    write_legacy_h5(os.path.join(path, 'model.h5'), config, '2.9.0', 'tensorflow', [
        ('input_1', []),
        ('bidirectional', list(zip(names('bidirectional/forward_lstm', 'lstm_cell_1'), fw)) + list(zip(names('bidirectional/backward_lstm', 'lstm_cell_2'), bw))),
        ('gru', list(zip(names('gru', 'gru_cell'), gru.get_weights()))),
        ('simple_rnn', list(zip(names('simple_rnn', 'simple_rnn_cell'), simple.get_weights()))),
    ])
    x = rng.uniform(-1, 1, (4, 5, 2)).astype('float32')
    np.save(os.path.join(path, 'x.npy'), x)
    calls = []
    for start in range(0, 4, 2):
        batch = x[start:start + 2]
        calls.append([(n, keras_states(l, layer_input(model, l, batch))) for n, l in [('bidirectional', bidi), ('gru', gru), ('simple_rnn', simple)]])
    write_expected(path, 2, expected_calls(calls), 'Keras 3 on the same weights')


def k2_stateful():
    """Keras 2.2.4 stateful LSTM (hard_sigmoid) -> stateful GRU (reset_after=False, hard_sigmoid), batch 2."""
    path = folder('k2-stateful')
    inp = keras.Input(shape=(5, 3))
    lstm = layers.LSTM(3, return_sequences=True)
    gru = layers.GRU(2, reset_after=False)
    model = keras.Model(inp, gru(lstm(inp)))
    randomize(model)
    W, U, b = lstm.get_weights()
    Wg, Ug, bg = gru.get_weights()
    common = {'return_state': False, 'go_backwards': False, 'stateful': True, 'unroll': False, 'activation': 'tanh',
              'recurrent_activation': 'hard_sigmoid', 'use_bias': True, 'dropout': 0.0, 'recurrent_dropout': 0.0, 'implementation': 1}
    config = {'class_name': 'Sequential', 'config': {'name': 'sequential_1', 'layers': [
        keras2_layer('LSTM', 'lstm_1', **{**common, 'batch_input_shape': [2, 5, 3], 'dtype': 'float32', 'return_sequences': True, 'units': 3, 'unit_forget_bias': True}),
        keras2_layer('GRU', 'gru_1', **{**common, 'return_sequences': False, 'units': 2, 'reset_after': False}),
    ]}}
    write_legacy_h5(os.path.join(path, 'model.h5'), config, '2.2.4', 'tensorflow', [
        ('lstm_1', [('lstm_1/kernel:0', W), ('lstm_1/recurrent_kernel:0', U), ('lstm_1/bias:0', b)]),
        ('gru_1', [('gru_1/kernel:0', Wg), ('gru_1/recurrent_kernel:0', Ug), ('gru_1/bias:0', bg)]),
    ])
    x = rng.uniform(-1, 1, (6, 5, 3)).astype('float32')
    np.save(os.path.join(path, 'x.npy'), x)
    calls = []
    s_lstm = [np.zeros((2, 3))] * 2
    s_gru = [np.zeros((2, 2))]
    for start in range(0, 6, 2):
        batch = x[start:start + 2]
        # the LSTM's output sequence from its carried state, step by step
        seq = np.zeros((2, 5, 3))
        states = s_lstm
        for t in range(5):
            states = ref_run('lstm', [W, U, b], batch[:, t:t + 1], states, hard_sigmoid_k2)
            seq[:, t] = states[0]
        s_lstm = states
        s_gru = ref_run('gru', [Wg, Ug, bg], seq, s_gru, hard_sigmoid_k2)
        calls.append([('lstm_1', s_lstm), ('gru_1', s_gru)])
    write_expected(path, 2, expected_calls(calls), 'numpy reference, hard_sigmoid = clip(0.2x + 0.5, 0, 1), state carried row by row')


def keras1_lstm_arrays(prefix, W, U, b):
    """A Keras 1.2.2 LSTM's 12 arrays (consume_less='cpu': trainable_weights order i, c, f, o)."""
    wi, wf, wc, wo = np.split(W, 4, axis=-1)
    ui, uf, uc, uo = np.split(U, 4, axis=-1)
    bi, bf, bc, bo = np.split(b, 4, axis=-1)
    return [(f'{prefix}_W_i', wi), (f'{prefix}_U_i', ui), (f'{prefix}_b_i', bi), (f'{prefix}_W_c', wc), (f'{prefix}_U_c', uc), (f'{prefix}_b_c', bc),
            (f'{prefix}_W_f', wf), (f'{prefix}_U_f', uf), (f'{prefix}_b_f', bf), (f'{prefix}_W_o', wo), (f'{prefix}_U_o', uo), (f'{prefix}_b_o', bo)]


def k1_bidi_simple():
    """Keras 1.2.2 (TensorFlow) Sequential: Bidirectional(LSTM) (24 per-gate arrays) -> SimpleRNN, hard_sigmoid."""
    path = folder('k1-bidi-simple')
    inp = keras.Input(shape=(4, 2))
    bidi = layers.Bidirectional(layers.LSTM(3, return_sequences=True))
    simple = layers.SimpleRNN(2)
    model = keras.Model(inp, simple(bidi(inp)))
    randomize(model)
    fw, bw = bidi.forward_layer.get_weights(), bidi.backward_layer.get_weights()
    Ws, Us, bs = simple.get_weights()
    lstm = {'name': 'lstm_1', 'trainable': True, 'return_sequences': True, 'go_backwards': False, 'stateful': False, 'unroll': False,
            'consume_less': 'cpu', 'output_dim': 3, 'init': 'glorot_uniform', 'inner_init': 'orthogonal', 'forget_bias_init': 'one',
            'activation': 'tanh', 'inner_activation': 'hard_sigmoid', 'W_regularizer': None, 'U_regularizer': None, 'b_regularizer': None,
            'dropout_W': 0.0, 'dropout_U': 0.0, 'input_dim': 2, 'input_length': 4}
    config = {'class_name': 'Sequential', 'config': [
        {'class_name': 'Bidirectional', 'config': {'name': 'bidirectional_1', 'trainable': True, 'batch_input_shape': [None, 4, 2],
                                                   'input_dtype': 'float32', 'layer': {'class_name': 'LSTM', 'config': lstm}, 'merge_mode': 'concat'}},
        keras2_layer('SimpleRNN', 'simplernn_1', output_dim=2, init='glorot_uniform', inner_init='orthogonal', activation='tanh',
                     return_sequences=False, go_backwards=False, stateful=False, unroll=False, consume_less='cpu',
                     W_regularizer=None, U_regularizer=None, b_regularizer=None, dropout_W=0.0, dropout_U=0.0),
    ]}
    # Keras 1.2.2 wrappers.py Bidirectional: forward_lstm_1 then backward_lstm_1 weights; TF backend names end in :0
    weights = [(f'{n}:0', v) for n, v in keras1_lstm_arrays('forward_lstm_1', *fw) + keras1_lstm_arrays('backward_lstm_1', *bw)]
    write_legacy_h5(os.path.join(path, 'model.h5'), config, '1.2.2', 'tensorflow', [
        ('bidirectional_1', weights),
        ('simplernn_1', [('simplernn_1_W:0', Ws), ('simplernn_1_U:0', Us), ('simplernn_1_b:0', bs)]),
    ])
    x = rng.uniform(-1, 1, (4, 4, 2)).astype('float32')
    np.save(os.path.join(path, 'x.npy'), x)
    calls = []
    for start in range(0, 4, 2):
        batch = x[start:start + 2]
        zeros = [np.zeros((2, 3))] * 2
        f_states = ref_run('lstm', fw, batch, zeros, hard_sigmoid_k2)
        b_states = ref_run('lstm', bw, batch, zeros, hard_sigmoid_k2, go_backwards=True)
        # the Bidirectional output sequence: forward outputs, then backward outputs put back in time order
        f_seq = ref_sequence('lstm', fw, batch, hard_sigmoid_k2)
        b_seq = ref_sequence('lstm', bw, batch[:, ::-1], hard_sigmoid_k2)[:, ::-1]
        s_states = ref_run('simple', [Ws, Us, bs], np.concatenate([f_seq, b_seq], -1), [np.zeros((2, 2))], np.tanh)
        calls.append([('bidirectional_1', f_states + b_states), ('simplernn_1', s_states)])
    write_expected(path, 2, expected_calls(calls), 'numpy reference, hard_sigmoid = clip(0.2x + 0.5, 0, 1)')


def k2_bidi_simple():
    """Keras 2.2.4 Functional: Bidirectional(GRU(reset_after=False)) -> SimpleRNN, Keras 2 weight names."""
    path = folder('k2-bidi-simple')
    inp = keras.Input(shape=(4, 2))
    bidi = layers.Bidirectional(layers.GRU(3, reset_after=False, return_sequences=True))
    simple = layers.SimpleRNN(2)
    model = keras.Model(inp, simple(bidi(inp)))
    randomize(model)
    fw, bw = bidi.forward_layer.get_weights(), bidi.backward_layer.get_weights()
    gru = {'name': 'gru_1', 'trainable': True, 'return_sequences': True, 'return_state': False, 'go_backwards': False, 'stateful': False,
           'unroll': False, 'units': 3, 'activation': 'tanh', 'recurrent_activation': 'sigmoid', 'use_bias': True, 'dropout': 0.0,
           'recurrent_dropout': 0.0, 'implementation': 1, 'reset_after': False}
    layers_config = [
        {'name': 'input_1', 'class_name': 'InputLayer', 'config': {'batch_input_shape': [None, 4, 2], 'dtype': 'float32', 'sparse': False, 'name': 'input_1'}, 'inbound_nodes': []},
        {'name': 'bidirectional_1', 'class_name': 'Bidirectional',
         'config': {'name': 'bidirectional_1', 'trainable': True, 'layer': {'class_name': 'GRU', 'config': gru}, 'merge_mode': 'concat'},
         'inbound_nodes': [[['input_1', 0, 0, {}]]]},
        {'name': 'simple_rnn_1', 'class_name': 'SimpleRNN',
         'config': {'name': 'simple_rnn_1', 'trainable': True, 'return_sequences': False, 'return_state': False, 'go_backwards': False,
                    'stateful': False, 'unroll': False, 'units': 2, 'activation': 'tanh', 'use_bias': True},
         'inbound_nodes': [[['bidirectional_1', 0, 0, {}]]]},
    ]
    config = {'class_name': 'Model', 'config': {'name': 'model_1', 'layers': layers_config, 'input_layers': [['input_1', 0, 0]], 'output_layers': [['simple_rnn_1', 0, 0]]}}
    names = lambda scope: [f'{scope}/kernel:0', f'{scope}/recurrent_kernel:0', f'{scope}/bias:0']
    write_legacy_h5(os.path.join(path, 'model.h5'), config, '2.2.4', 'tensorflow', [
        ('input_1', []),
        ('bidirectional_1', list(zip(names('bidirectional_1/forward_gru_1'), fw)) + list(zip(names('bidirectional_1/backward_gru_1'), bw))),
        ('simple_rnn_1', list(zip(names('simple_rnn_1'), simple.get_weights()))),
    ])
    x = rng.uniform(-1, 1, (4, 4, 2)).astype('float32')
    np.save(os.path.join(path, 'x.npy'), x)
    calls = []
    for start in range(0, 4, 2):
        batch = x[start:start + 2]
        calls.append([('bidirectional_1', keras_states(bidi, batch)), ('simple_rnn_1', keras_states(simple, layer_input(model, simple, batch)))])
    write_expected(path, 2, expected_calls(calls), 'Keras 3 on the same weights')


def tfk_gru():
    """tf.keras 2.13 Sequential: GRU(reset_after=False) -> LSTM, tf.keras weight names."""
    path = folder('tfk-gru')
    inp = keras.Input(shape=(5, 2))
    gru = layers.GRU(3, reset_after=False, return_sequences=True)
    lstm = layers.LSTM(2)
    model = keras.Model(inp, lstm(gru(inp)))
    randomize(model)
    common = {'trainable': True, 'dtype': 'float32', 'go_backwards': False, 'stateful': False, 'unroll': False, 'time_major': False,
              'activation': 'tanh', 'recurrent_activation': 'sigmoid', 'use_bias': True, 'dropout': 0.0, 'recurrent_dropout': 0.0, 'implementation': 2}
    config = {'class_name': 'Sequential', 'config': {'name': 'sequential', 'layers': [
        {'class_name': 'InputLayer', 'config': {'batch_input_shape': [None, 5, 2], 'dtype': 'float32', 'sparse': False, 'ragged': False, 'name': 'gru_input'}},
        {'class_name': 'GRU', 'config': {'name': 'gru', **common, 'return_sequences': True, 'return_state': False, 'units': 3, 'reset_after': False}},
        {'class_name': 'LSTM', 'config': {'name': 'lstm', **common, 'return_sequences': False, 'return_state': False, 'units': 2, 'unit_forget_bias': True}},
    ]}}
    names = lambda scope, cell: [f'{scope}/{cell}/kernel:0', f'{scope}/{cell}/recurrent_kernel:0', f'{scope}/{cell}/bias:0']
    write_legacy_h5(os.path.join(path, 'model.h5'), config, '2.13.1', 'tensorflow', [
        ('gru', list(zip(names('gru', 'gru_cell'), gru.get_weights()))),
        ('lstm', list(zip(names('lstm', 'lstm_cell'), lstm.get_weights()))),
    ])
    x = rng.uniform(-1, 1, (4, 5, 2)).astype('float32')
    np.save(os.path.join(path, 'x.npy'), x)
    calls = []
    for start in range(0, 4, 2):
        batch = x[start:start + 2]
        calls.append([('gru', keras_states(gru, batch)), ('lstm', keras_states(lstm, layer_input(model, lstm, batch)))])
    write_expected(path, 2, expected_calls(calls), 'Keras 3 on the same weights')


def save_both(model, path):
    model.save(os.path.join(path, 'model.keras'))
    model.save(os.path.join(path, 'model.h5'))


def k3_seq2seq():
    """Encoder-decoder (keras.io lstm_seq2seq): the decoder's initial_state is the encoder's final [h, c]."""
    path = folder('k3-seq2seq')
    enc_in = keras.Input(shape=(None, 3), name='encoder_inputs')
    _, h, c = layers.LSTM(4, return_state=True, name='encoder_lstm')(enc_in)
    dec_in = keras.Input(shape=(None, 2), name='decoder_inputs')
    dec_seq, _, _ = layers.LSTM(4, return_sequences=True, return_state=True, name='decoder_lstm')(dec_in, initial_state=[h, c])
    out = layers.Dense(2, activation='softmax', name='decoder_dense')(dec_seq)
    model = keras.Model([enc_in, dec_in], out, name='seq2seq')
    randomize(model)
    save_both(model, path)
    x = rng.uniform(-1, 1, (6, 5, 3)).astype('float32')
    y = rng.uniform(-1, 1, (6, 4, 2)).astype('float32')
    np.save(os.path.join(path, 'x.npy'), x)
    np.save(os.path.join(path, 'x2.npy'), y)
    encoder, decoder = model.get_layer('encoder_lstm'), model.get_layer('decoder_lstm')
    calls = []
    for start in range(0, 6, 3):
        enc_states = keras_states(encoder, x[start:start + 3])
        dec_states = keras_states(decoder, y[start:start + 3], initial_state=enc_states)
        calls.append([('encoder_lstm', enc_states), ('decoder_lstm', dec_states)])
    write_expected(path, 3, expected_calls(calls), 'Keras 3: the decoder starts from the encoder final states of the same batch')
    # the same model in the Keras 2.2.4 layout (keras/examples/lstm_seq2seq.py saves s2s.h5 like this): the decoder's
    # inbound node lists its input and then the initial states, [["decoder_inputs", 0, 0, {}], ["encoder_lstm", 0, 1, {}], …]
    common = {'return_sequences': False, 'return_state': True, 'go_backwards': False, 'stateful': False, 'unroll': False, 'activation': 'tanh',
              'recurrent_activation': 'sigmoid', 'use_bias': True, 'unit_forget_bias': True, 'dropout': 0.0, 'recurrent_dropout': 0.0, 'implementation': 1, 'units': 4}
    node = lambda *refs: [[[name, 0, tensor, {}] for name, tensor in refs]]
    layers_config = [
        {'name': 'encoder_inputs', 'class_name': 'InputLayer', 'config': {'batch_input_shape': [None, None, 3], 'dtype': 'float32', 'sparse': False, 'name': 'encoder_inputs'}, 'inbound_nodes': []},
        {'name': 'decoder_inputs', 'class_name': 'InputLayer', 'config': {'batch_input_shape': [None, None, 2], 'dtype': 'float32', 'sparse': False, 'name': 'decoder_inputs'}, 'inbound_nodes': []},
        {'name': 'encoder_lstm', 'class_name': 'LSTM', 'config': {'name': 'encoder_lstm', 'trainable': True, **common}, 'inbound_nodes': node(('encoder_inputs', 0))},
        {'name': 'decoder_lstm', 'class_name': 'LSTM', 'config': {'name': 'decoder_lstm', 'trainable': True, **common, 'return_sequences': True},
         'inbound_nodes': node(('decoder_inputs', 0), ('encoder_lstm', 1), ('encoder_lstm', 2))},
        {'name': 'decoder_dense', 'class_name': 'Dense', 'config': {'name': 'decoder_dense', 'trainable': True, 'units': 2, 'activation': 'softmax', 'use_bias': True},
         'inbound_nodes': node(('decoder_lstm', 0))},
    ]
    config = {'class_name': 'Model', 'config': {'name': 'model_1', 'layers': layers_config,
                                                'input_layers': [['encoder_inputs', 0, 0], ['decoder_inputs', 0, 0]], 'output_layers': [['decoder_dense', 0, 0]]}}
    k2 = lambda layer, n: [(f'{n}/kernel:0', layer.get_weights()[0]), (f'{n}/recurrent_kernel:0', layer.get_weights()[1]), (f'{n}/bias:0', layer.get_weights()[2])]
    dense = model.get_layer('decoder_dense')
    write_legacy_h5(os.path.join(path, 'keras2.h5'), config, '2.2.4', 'tensorflow', [
        ('encoder_inputs', []), ('decoder_inputs', []), ('encoder_lstm', k2(encoder, 'encoder_lstm')), ('decoder_lstm', k2(decoder, 'decoder_lstm')),
        ('decoder_dense', [('decoder_dense/kernel:0', dense.get_weights()[0]), ('decoder_dense/bias:0', dense.get_weights()[1])]),
    ])


def k3_stateful_seq2seq():
    """A stateful decoder given initial_state each call: Keras 3 starts every call from the passed state (section R6)."""
    path = folder('k3-stateful-seq2seq')
    enc_in = keras.Input(batch_shape=(2, 4, 2), name='encoder_inputs')
    _, h = layers.GRU(3, return_state=True, name='encoder_gru')(enc_in)
    dec_in = keras.Input(batch_shape=(2, 3, 2), name='decoder_inputs')
    dec = layers.GRU(3, stateful=True, name='decoder_gru')(dec_in, initial_state=h)
    model = keras.Model([enc_in, dec_in], dec, name='stateful_seq2seq')
    randomize(model)
    save_both(model, path)
    x = rng.uniform(-1, 1, (6, 4, 2)).astype('float32')
    y = rng.uniform(-1, 1, (6, 3, 2)).astype('float32')
    np.save(os.path.join(path, 'x.npy'), x)
    np.save(os.path.join(path, 'x2.npy'), y)
    encoder, decoder = model.get_layer('encoder_gru'), model.get_layer('decoder_gru')
    calls = []
    for start in range(0, 6, 2):
        model([x[start:start + 2], y[start:start + 2]])  # a real call: the stateful decoder stores its final state
        stored = [np.asarray(v) for v in decoder.states]
        enc_states = keras_states(encoder, x[start:start + 2])
        # what the stored state must be if the passed initial_state wins over the previous call's
        check = keras_states(decoder, y[start:start + 2], initial_state=enc_states)
        assert max(float(np.max(np.abs(a - b))) for a, b in zip(stored, check)) < 1e-5
        calls.append([('encoder_gru', enc_states), ('decoder_gru', stored)])
    write_expected(path, 2, expected_calls(calls), "Keras 3 direct calls: the stateful decoder's stored state after each call")


def k3_embedding_mask():
    """Embedding(mask_zero=True) -> LSTM -> GRU on token ids padded with 0 (pre and post, one row fully padded)."""
    path = folder('k3-embedding-mask')
    inp = keras.Input(shape=(6,), dtype='int32', name='tokens')
    emb = layers.Embedding(20, 3, mask_zero=True, name='embedding')(inp)
    seq = layers.LSTM(4, return_sequences=True, name='lstm')(emb)
    out = layers.GRU(3, name='gru')(seq)
    model = keras.Model(inp, layers.Dense(1, name='dense')(out), name='embedding_model')
    randomize(model)
    save_both(model, path)
    x = rng.integers(1, 20, (6, 6)).astype('int32')
    x[0, :2] = 0   # pre-padding
    x[1, 4:] = 0   # post-padding
    x[3, :] = 0    # a fully padded row: its state passes through
    x[4, 2] = 0    # a hole in the middle
    np.save(os.path.join(path, 'x.npy'), x)
    lstm, gru = model.get_layer('lstm'), model.get_layer('gru')
    embed = keras.Model(inp, emb)
    calls = []
    for start in range(0, 6, 3):
        batch = x[start:start + 3]
        mask = batch != 0
        vectors = np.asarray(embed(batch))
        s1 = keras_states(lstm, vectors, mask=mask)
        seq_out = ref_masked_sequence(lstm, vectors, mask)
        s2 = keras_states(gru, seq_out, mask=mask)
        calls.append([('lstm', s1), ('gru', s2)])
    write_expected(path, 3, expected_calls(calls), 'Keras 3 with the mask Embedding(mask_zero=True) computes from the ids')


def ref_masked_sequence(layer, x, mask):
    """A Keras 3 layer's output sequence (return_sequences) under a mask, as the next layer receives it."""
    if getattr(layer, 'return_sequences', False) and not getattr(layer, 'stateful', False):
        return np.asarray(layer(keras.ops.convert_to_tensor(x), mask=keras.ops.convert_to_tensor(mask.astype(bool))))
    config = {**layer.get_config(), 'return_sequences': True, 'return_state': False, 'stateful': False}
    probe = layer.__class__.from_config(config)
    m = keras.ops.convert_to_tensor(mask.astype(bool))
    probe(keras.ops.convert_to_tensor(x), mask=m)
    probe.set_weights(layer.get_weights())
    return np.asarray(probe(keras.ops.convert_to_tensor(x), mask=m))


def k3_masking():
    """Masking(0.0) -> Bidirectional(LSTM) -> SimpleRNN(go_backwards=True): all-zero steps are masked."""
    path = folder('k3-masking')
    inp = keras.Input(shape=(5, 2), name='series')
    masked = layers.Masking(mask_value=0.0, name='masking')(inp)
    seq = layers.Bidirectional(layers.LSTM(3, return_sequences=True), name='bidirectional')(masked)
    out = layers.SimpleRNN(2, go_backwards=True, name='simple_rnn')(seq)
    model = keras.Model(inp, out, name='masking_model')
    randomize(model)
    save_both(model, path)
    x = rng.uniform(-1, 1, (4, 5, 2)).astype('float32')
    x[0, 3:] = 0.0   # post-padding
    x[1, :2] = 0.0   # pre-padding
    x[2, 2, 0] = 0.0  # one zero feature is not a masked step
    x[3, :] = 0.0    # all padding
    np.save(os.path.join(path, 'x.npy'), x)
    bidi, simple = model.get_layer('bidirectional'), model.get_layer('simple_rnn')
    calls = []
    for start in range(0, 4, 2):
        batch = x[start:start + 2]
        mask = np.any(batch != 0.0, axis=-1)
        s1 = keras_states(bidi, batch, mask=mask)
        seq_out = ref_masked_sequence(bidi, batch, mask)
        s2 = keras_states(simple, seq_out, mask=mask)
        calls.append([('bidirectional', s1), ('simple_rnn', s2)])
    write_expected(path, 2, expected_calls(calls), 'Keras 3 with the mask Masking(0.0) computes from the data')


def k3_shared():
    """A shared LSTM called on two inputs (a siamese model): two calls per batch, each from zeros."""
    path = folder('k3-shared')
    a = keras.Input(shape=(4, 2), name='left')
    b = keras.Input(shape=(4, 2), name='right')
    shared = layers.LSTM(3, name='shared_lstm')
    merged = layers.Subtract(name='difference')([shared(a), shared(b)])
    model = keras.Model([a, b], layers.Dense(1, name='dense')(merged), name='siamese')
    randomize(model)
    save_both(model, path)
    x = rng.uniform(-1, 1, (4, 4, 2)).astype('float32')
    y = rng.uniform(-1, 1, (4, 4, 2)).astype('float32')
    np.save(os.path.join(path, 'x.npy'), x)
    np.save(os.path.join(path, 'x2.npy'), y)
    calls = []
    for start in range(0, 4, 2):
        calls.append([('shared_lstm', keras_states(shared, x[start:start + 2])), ('shared_lstm', keras_states(shared, y[start:start + 2]))])
    write_expected(path, 2, expected_calls(calls), 'Keras 3: one layer, two calls per batch')


def k3_repeat():
    """addition-rnn shape: LSTM encoder -> RepeatVector(3) -> LSTM(return_sequences) -> TimeDistributed(Dense)."""
    path = folder('k3-repeat')
    inp = keras.Input(shape=(5, 4), name='digits')
    enc = layers.LSTM(3, name='encoder')(inp)
    rep = layers.RepeatVector(3, name='repeat')(enc)
    dec = layers.LSTM(2, return_sequences=True, name='decoder')(rep)
    out = layers.TimeDistributed(layers.Dense(4, activation='softmax'), name='time_distributed')(dec)
    model = keras.Model(inp, out, name='addition_rnn')
    randomize(model)
    save_both(model, path)
    x = rng.uniform(-1, 1, (4, 5, 4)).astype('float32')
    np.save(os.path.join(path, 'x.npy'), x)
    encoder, decoder = model.get_layer('encoder'), model.get_layer('decoder')
    calls = []
    for start in range(0, 4, 2):
        batch = x[start:start + 2]
        calls.append([('encoder', keras_states(encoder, batch)), ('decoder', keras_states(decoder, layer_input(model, decoder, batch)))])
    write_expected(path, 2, expected_calls(calls), 'Keras 3 on the same weights')


def k3_bidi_seq2seq():
    """BatchNormalization -> Bidirectional(LSTM) encoder whose concatenated states start an LSTM decoder."""
    path = folder('k3-bidi-seq2seq')
    enc_in = keras.Input(shape=(5, 3), name='encoder_inputs')
    normal = layers.BatchNormalization(name='batch_normalization')(enc_in)
    _, fh, fc, bh, bc = layers.Bidirectional(layers.LSTM(3, return_state=True), name='encoder')(normal)
    h = layers.Concatenate(name='state_h')([fh, bh])
    c = layers.Concatenate(name='state_c')([fc, bc])
    dec_in = keras.Input(shape=(4, 2), name='decoder_inputs')
    dec = layers.LSTM(6, return_sequences=True, name='decoder')(dec_in, initial_state=[h, c])
    model = keras.Model([enc_in, dec_in], layers.Dense(2, name='dense')(dec), name='bidi_seq2seq')
    randomize(model)
    bn = model.get_layer('batch_normalization')
    gamma, beta, mean, _ = bn.get_weights()
    bn.set_weights([gamma, beta, mean, rng.uniform(0.5, 1.5, gamma.shape).astype('float32')])
    save_both(model, path)
    x = rng.uniform(-1, 1, (4, 5, 3)).astype('float32')
    y = rng.uniform(-1, 1, (4, 4, 2)).astype('float32')
    np.save(os.path.join(path, 'x.npy'), x)
    np.save(os.path.join(path, 'x2.npy'), y)
    encoder, decoder = model.get_layer('encoder'), model.get_layer('decoder')
    calls = []
    for start in range(0, 4, 2):
        normalised = np.asarray(bn(keras.ops.convert_to_tensor(x[start:start + 2]), training=False))
        enc = keras_states(encoder, normalised)
        fh_, fc_, bh_, bc_ = enc
        dec = keras_states(decoder, y[start:start + 2], initial_state=[np.concatenate([fh_, bh_], -1), np.concatenate([fc_, bc_], -1)])
        calls.append([('encoder', enc), ('decoder', dec)])
    write_expected(path, 2, expected_calls(calls), 'Keras 3: BatchNormalization in inference, the decoder from the concatenated encoder states')
    write_pre_310_archive(os.path.join(path, 'model.keras'), os.path.join(path, 'model-3.9.keras'), '3.9.2')


def write_pre_310_archive(source, target, version):
    """The archive as Keras 3.0-3.9 writes it: the same, without the `name` attribute of each vars group
    (saving_lib.py writes it since 3.10, commit d865f5f0f2), and metadata.json saying `version`."""
    import io
    import zipfile
    with zipfile.ZipFile(source) as z:
        entries = {name: z.read(name) for name in z.namelist()}
    weights = io.BytesIO(entries['model.weights.h5'])
    with h5py.File(weights, 'a') as f:
        def strip(name, obj):
            if isinstance(obj, h5py.Group) and 'name' in obj.attrs:
                del obj.attrs['name']
        f.visititems(strip)
        if 'name' in f['vars'].attrs:
            del f['vars'].attrs['name']
    entries['model.weights.h5'] = weights.getvalue()
    metadata = json.loads(entries['metadata.json'])
    metadata['keras_version'] = version
    entries['metadata.json'] = json.dumps(metadata).encode()
    with zipfile.ZipFile(target, 'w') as z:
        for name in ['metadata.json', 'config.json', 'model.weights.h5']:
            z.writestr(name, entries[name])


def write_weights_only_h5(path, keras_version, backend, weights_by_layer):
    """What save_weights writes in Keras 1.2.2 / 2.x / tf.keras (save_weights_to_hdf5_group): the
    model_weights layout at the root of the file, and no model_config."""
    with h5py.File(path, 'w') as f:
        f.attrs['layer_names'] = [name.encode('utf8') for name, _ in weights_by_layer]
        f.attrs['backend'] = backend.encode('utf8')
        f.attrs['keras_version'] = keras_version.encode('utf8')
        for name, weights in weights_by_layer:
            g = f.create_group(name)
            g.attrs['weight_names'] = [w.encode('utf8') for w, _ in weights]
            for weight_name, value in weights:
                g.create_dataset(weight_name, data=np.asarray(value, dtype='float32'))


def json_weights():
    """A model.to_json() kept apart from its weights (save_weights), for `audit MODEL.json --weights FILE`:
    Keras 3 (model.json + model.weights.h5, both by real Keras 3), Keras 2.2.4 and Keras 1.2.2
    (JSON and weights-only .h5 by hand, as their to_json / save_weights write them). One model:
    LSTM(4, return_sequences) -> GRU(3, reset_after=False) -> Dense(1), sigmoid gates stated."""
    path = folder('json-weights')
    model = keras.Sequential([
        keras.Input(shape=(5, 3)),
        layers.LSTM(4, return_sequences=True, name='lstm_1'),
        layers.GRU(3, reset_after=False, name='gru_1'),
        layers.Dense(1, name='dense_1'),
    ], name='sequential_1')
    randomize(model)
    lstm, gru, dense = model.layers
    with open(os.path.join(path, 'k3-model.json'), 'w') as f:
        f.write(model.to_json())
    model.save_weights(os.path.join(path, 'k3-model.weights.h5'))
    W, U, b = lstm.get_weights()
    Wg, Ug, bg = gru.get_weights()
    Wd, bd = dense.get_weights()
    # Keras 2.2.4: to_json adds keras_version and backend; save_weights names weights <layer>/<var>:0
    common = {'return_state': False, 'go_backwards': False, 'stateful': False, 'unroll': False, 'activation': 'tanh',
              'recurrent_activation': 'sigmoid', 'use_bias': True, 'dropout': 0.0, 'recurrent_dropout': 0.0, 'implementation': 1}
    k2 = {'class_name': 'Sequential', 'config': {'name': 'sequential_1', 'layers': [
        keras2_layer('LSTM', 'lstm_1', **{**common, 'batch_input_shape': [None, 5, 3], 'dtype': 'float32', 'return_sequences': True, 'units': 4, 'unit_forget_bias': True}),
        keras2_layer('GRU', 'gru_1', **{**common, 'return_sequences': False, 'units': 3, 'reset_after': False}),
        keras2_layer('Dense', 'dense_1', units=1, activation='linear', use_bias=True),
    ]}, 'keras_version': '2.2.4', 'backend': 'tensorflow'}
    with open(os.path.join(path, 'k2-model.json'), 'w') as f:
        json.dump(k2, f)
    write_weights_only_h5(os.path.join(path, 'k2-weights.h5'), '2.2.4', 'tensorflow', [
        ('lstm_1', [('lstm_1/kernel:0', W), ('lstm_1/recurrent_kernel:0', U), ('lstm_1/bias:0', b)]),
        ('gru_1', [('gru_1/kernel:0', Wg), ('gru_1/recurrent_kernel:0', Ug), ('gru_1/bias:0', bg)]),
        ('dense_1', [('dense_1/kernel:0', Wd), ('dense_1/bias:0', bd)]),
    ])
    # Keras 1.2.2: per-gate arrays, inner_activation stated
    k1_common = {'go_backwards': False, 'stateful': False, 'unroll': False, 'consume_less': 'cpu', 'init': 'glorot_uniform', 'inner_init': 'orthogonal',
                 'activation': 'tanh', 'inner_activation': 'sigmoid', 'W_regularizer': None, 'U_regularizer': None, 'b_regularizer': None,
                 'dropout_W': 0.0, 'dropout_U': 0.0}
    k1 = {'class_name': 'Sequential', 'config': [
        keras2_layer('LSTM', 'lstm_1', **{**k1_common, 'batch_input_shape': [None, 5, 3], 'input_dtype': 'float32', 'return_sequences': True,
                                           'input_dim': 3, 'input_length': 5, 'output_dim': 4, 'forget_bias_init': 'one'}),
        keras2_layer('GRU', 'gru_1', **{**k1_common, 'return_sequences': False, 'output_dim': 3}),
        keras2_layer('Dense', 'dense_1', output_dim=1, init='glorot_uniform', activation='linear', bias=True, input_dim=3),
    ], 'keras_version': '1.2.2'}
    with open(os.path.join(path, 'k1-model.json'), 'w') as f:
        json.dump(k1, f)
    wz, wr, wh = np.split(Wg, 3, axis=-1)
    uz, ur, uh = np.split(Ug, 3, axis=-1)
    bz, br, bh = np.split(bg, 3, axis=-1)
    write_weights_only_h5(os.path.join(path, 'k1-weights.h5'), '1.2.2', 'theano', [
        ('lstm_1', keras1_lstm_arrays('lstm_1', W, U, b)),
        ('gru_1', [('gru_1_W_z', wz), ('gru_1_U_z', uz), ('gru_1_b_z', bz), ('gru_1_W_r', wr), ('gru_1_U_r', ur), ('gru_1_b_r', br),
                   ('gru_1_W_h', wh), ('gru_1_U_h', uh), ('gru_1_b_h', bh)]),
        ('dense_1', [('dense_1_W', Wd), ('dense_1_b', bd)]),
    ])
    x = rng.uniform(-1, 1, (4, 5, 3)).astype('float32')
    np.save(os.path.join(path, 'x.npy'), x)
    calls = []
    for start in range(0, 4, 2):
        batch = x[start:start + 2]
        calls.append([(l.name, keras_states(l, layer_input(model, l, batch))) for l in [lstm, gru]])
    write_expected(path, 2, expected_calls(calls), 'Keras 3 on the same weights')


def k1_merge():
    """Keras 1.2.2 Sequential starting with Merge([left, right], mode='concat') of two Sequential branches
    (LSTM on one input, GRU on another), hard_sigmoid; weights flattened per layer (Sequential.flattened_layers)."""
    path = folder('k1-merge')
    a = keras.Input(shape=(5, 2))
    b = keras.Input(shape=(4, 3))
    lstm = layers.LSTM(3)
    gru = layers.GRU(2, reset_after=False)
    model = keras.Model([a, b], layers.Concatenate()([lstm(a), gru(b)]))
    randomize(model)
    W, U, bias = lstm.get_weights()
    Wg, Ug, bg = gru.get_weights()
    common = {'return_sequences': False, 'go_backwards': False, 'stateful': False, 'unroll': False, 'consume_less': 'cpu',
              'init': 'glorot_uniform', 'inner_init': 'orthogonal', 'activation': 'tanh', 'inner_activation': 'hard_sigmoid',
              'W_regularizer': None, 'U_regularizer': None, 'b_regularizer': None, 'dropout_W': 0.0, 'dropout_U': 0.0}
    left = {'class_name': 'Sequential', 'config': [
        keras2_layer('LSTM', 'lstm_1', **{**common, 'batch_input_shape': [None, 5, 2], 'input_dtype': 'float32', 'input_dim': 2, 'input_length': 5,
                                           'output_dim': 3, 'forget_bias_init': 'one'})]}
    right = {'class_name': 'Sequential', 'config': [
        keras2_layer('GRU', 'gru_1', **{**common, 'batch_input_shape': [None, 4, 3], 'input_dtype': 'float32', 'input_dim': 3, 'input_length': 4,
                                         'output_dim': 2})]}
    merge = {'class_name': 'Merge', 'config': {'name': 'merge_1', 'mode': 'concat', 'concat_axis': -1, 'dot_axes': -1, 'mode_type': 'raw',
                                               'output_shape': None, 'output_shape_type': 'raw', 'output_mask': None, 'output_mask_type': 'raw',
                                               'arguments': {}, 'layers': [left, right]}}
    config = {'class_name': 'Sequential', 'config': [
        merge,
        keras2_layer('Dense', 'dense_1', output_dim=1, init='glorot_uniform', activation='sigmoid', bias=True, input_dim=None),
    ]}
    wz, wr, wh = np.split(Wg, 3, axis=-1)
    uz, ur, uh = np.split(Ug, 3, axis=-1)
    bz, br, bh = np.split(bg, 3, axis=-1)
    dense = [('dense_1_W', rng.uniform(-1, 1, (5, 1))), ('dense_1_b', np.zeros(1))]
    write_legacy_h5(os.path.join(path, 'model.h5'), config, '1.2.2', 'tensorflow', [
        ('lstm_1', keras1_lstm_arrays('lstm_1', W, U, bias)),
        ('gru_1', [('gru_1_W_z', wz), ('gru_1_U_z', uz), ('gru_1_b_z', bz), ('gru_1_W_r', wr), ('gru_1_U_r', ur), ('gru_1_b_r', br),
                   ('gru_1_W_h', wh), ('gru_1_U_h', uh), ('gru_1_b_h', bh)]),
        ('merge_1', []),
        ('dense_1', dense),
    ])
    x = rng.uniform(-1, 1, (4, 5, 2)).astype('float32')
    x2 = rng.uniform(-1, 1, (4, 4, 3)).astype('float32')
    np.save(os.path.join(path, 'x.npy'), x)
    np.save(os.path.join(path, 'x2.npy'), x2)
    calls = []
    for start in range(0, 4, 2):
        s1 = ref_run('lstm', [W, U, bias], x[start:start + 2], [np.zeros((2, 3))] * 2, hard_sigmoid_k2)
        s2 = ref_run('gru', [Wg, Ug, bg], x2[start:start + 2], [np.zeros((2, 2))], hard_sigmoid_k2)
        calls.append([('lstm_1', s1), ('gru_1', s2)])
    write_expected(path, 2, expected_calls(calls), 'numpy reference, hard_sigmoid = clip(0.2x + 0.5, 0, 1)')


def k3_conv_lstm():
    """Keras 3 CNN-LSTM: Conv1D(causal, dilation 2, relu) -> AveragePooling1D(same) -> Conv1D(same, strides 2)
    -> MaxPooling1D(2, strides 1) -> LSTM: the LSTM reads 2 steps of 9 (every length rule on the way)."""
    path = folder('k3-conv-lstm')
    model = keras.Sequential([
        keras.Input(shape=(9, 3)),
        layers.Conv1D(4, 3, padding='causal', dilation_rate=2, activation='relu', name='conv_a'),
        layers.AveragePooling1D(2, padding='same', name='avg'),
        layers.Conv1D(3, 2, strides=2, padding='same', name='conv_b'),
        layers.MaxPooling1D(2, strides=1, name='max'),
        layers.LSTM(3, name='lstm'),
        layers.Dense(1, name='dense'),
    ], name='cnn_lstm')
    randomize(model)
    model.save(os.path.join(path, 'model.keras'))
    model.save(os.path.join(path, 'model.h5'))
    x = rng.uniform(-1, 1, (4, 9, 3)).astype('float32')
    np.save(os.path.join(path, 'x.npy'), x)
    lstm = model.get_layer('lstm')
    calls = []
    for start in range(0, 4, 2):
        batch = x[start:start + 2]
        calls.append([('lstm', keras_states(lstm, layer_input(model, lstm, batch)))])
    write_expected(path, 2, expected_calls(calls), 'Keras 3 on the same weights')


def k1_conv_lstm():
    """Keras 1.2.2 (Theano) Sequential: Convolution1D(border_mode='same', relu) -> MaxPooling1D(2) -> LSTM;
    the kernel stored flipped along the steps (Theano convolves; Keras 2 flips it back on loading)."""
    path = folder('k1-conv-lstm')
    inp = keras.Input(shape=(6, 2))
    conv = layers.Conv1D(4, 3, padding='same', activation='relu')
    pool = layers.MaxPooling1D(2)
    lstm = layers.LSTM(3)
    model = keras.Model(inp, lstm(pool(conv(inp))))
    randomize(model)
    kernel, bias = conv.get_weights()  # (3, 2, 4)
    W, U, b = lstm.get_weights()
    theano_w = kernel[::-1].reshape(3, 1, 2, 4)  # Keras 1 Convolution1D W: (filter_length, 1, input_dim, nb_filter)
    common = {'go_backwards': False, 'stateful': False, 'unroll': False, 'consume_less': 'cpu', 'init': 'glorot_uniform', 'inner_init': 'orthogonal',
              'activation': 'tanh', 'inner_activation': 'sigmoid', 'W_regularizer': None, 'U_regularizer': None, 'b_regularizer': None,
              'dropout_W': 0.0, 'dropout_U': 0.0}
    config = {'class_name': 'Sequential', 'config': [
        keras2_layer('Convolution1D', 'convolution1d_1', batch_input_shape=[None, 6, 2], input_dtype='float32', nb_filter=4, filter_length=3,
                     init='glorot_uniform', activation='relu', border_mode='same', subsample_length=1, W_regularizer=None, b_regularizer=None,
                     activity_regularizer=None, W_constraint=None, b_constraint=None, bias=True, input_dim=2, input_length=6),
        keras2_layer('MaxPooling1D', 'maxpooling1d_1', pool_length=2, stride=2, border_mode='valid'),
        keras2_layer('LSTM', 'lstm_1', **{**common, 'return_sequences': False, 'output_dim': 3, 'forget_bias_init': 'one'}),
    ]}
    write_legacy_h5(os.path.join(path, 'model.h5'), config, '1.2.2', 'theano', [
        ('convolution1d_1', [('convolution1d_1_W', theano_w), ('convolution1d_1_b', bias)]),
        ('maxpooling1d_1', []),
        ('lstm_1', keras1_lstm_arrays('lstm_1', W, U, b)),
    ])
    x = rng.uniform(-1, 1, (4, 6, 2)).astype('float32')
    np.save(os.path.join(path, 'x.npy'), x)
    calls = []
    for start in range(0, 4, 2):
        batch = x[start:start + 2]
        calls.append([('lstm_1', keras_states(lstm, layer_input(model, lstm, batch)))])
    write_expected(path, 2, expected_calls(calls), 'Keras 3 on the same weights (the unflipped kernel)')


def k3_reshape():
    """Keras 3: Input (4, 6) -> Reshape((8, 3)) -> Permute((2, 1)) -> LSTM: the LSTM reads 3 steps of 8 features."""
    path = folder('k3-reshape')
    model = keras.Sequential([
        keras.Input(shape=(4, 6)),
        layers.Reshape((8, 3), name='reshape'),
        layers.Permute((2, 1), name='permute'),
        layers.LSTM(3, name='lstm'),
    ], name='reshape_lstm')
    randomize(model)
    model.save(os.path.join(path, 'model.keras'))
    x = rng.uniform(-1, 1, (4, 4, 6)).astype('float32')
    np.save(os.path.join(path, 'x.npy'), x)
    lstm = model.get_layer('lstm')
    calls = []
    for start in range(0, 4, 2):
        batch = x[start:start + 2]
        calls.append([('lstm', keras_states(lstm, layer_input(model, lstm, batch)))])
    write_expected(path, 2, expected_calls(calls), 'Keras 3 on the same weights')


def k2_cudnn_bidi():
    """Keras 2.2.4 Functional: Bidirectional(CuDNNLSTM) -> Bidirectional(CuDNNGRU), each direction in the CuDNN layout
    (bidirectional_1/forward_cu_dnnlstm_1/kernel:0, …; forward weights, then backward)."""
    path = folder('k2-cudnn-bidi')
    inp = keras.Input(shape=(4, 3))
    bl = layers.Bidirectional(layers.LSTM(3, return_sequences=True))
    bg = layers.Bidirectional(layers.GRU(2, reset_after=True))
    model = keras.Model(inp, bg(bl(inp)))
    randomize(model)

    def cudnn_lstm(weights):
        W, U, b = weights
        split_bias = rng.uniform(-0.3, 0.3, b.shape).astype('float32')
        return [to_cudnn_kernel(W, 4), np.hstack([k.T for k in np.hsplit(U, 4)]), np.concatenate([split_bias, b - split_bias])]

    def cudnn_gru(weights):
        W, U, b = weights
        return [to_cudnn_kernel(W, 3), np.hstack([k.T for k in np.hsplit(U, 3)]), b.reshape(-1)]

    common = {'return_state': False, 'go_backwards': False, 'stateful': False, 'kernel_regularizer': None, 'recurrent_regularizer': None,
              'bias_regularizer': None, 'activity_regularizer': None, 'kernel_constraint': None, 'recurrent_constraint': None, 'bias_constraint': None}
    wrap = lambda name, inner, inbound: {'class_name': 'Bidirectional', 'name': name, 'inbound_nodes': [[[inbound, 0, 0, {}]]],
                                         'config': {'name': name, 'trainable': True, 'layer': inner, 'merge_mode': 'concat'}}
    config = {'class_name': 'Model', 'config': {'name': 'model_1', 'layers': [
        {'class_name': 'InputLayer', 'name': 'input_1', 'inbound_nodes': [], 'config': {'batch_input_shape': [None, 4, 3], 'dtype': 'float32', 'sparse': False, 'name': 'input_1'}},
        wrap('bidirectional_1', keras2_layer('CuDNNLSTM', 'cu_dnnlstm_1', **{**common, 'units': 3, 'unit_forget_bias': True, 'return_sequences': True}), 'input_1'),
        wrap('bidirectional_2', keras2_layer('CuDNNGRU', 'cu_dnngru_1', **{**common, 'units': 2, 'return_sequences': False}), 'bidirectional_1'),
    ], 'input_layers': [['input_1', 0, 0]], 'output_layers': [['bidirectional_2', 0, 0]]}}
    names = lambda scope, cell: [f'{scope}/{cell}/kernel:0', f'{scope}/{cell}/recurrent_kernel:0', f'{scope}/{cell}/bias:0']
    write_legacy_h5(os.path.join(path, 'model.h5'), config, '2.2.4', 'tensorflow', [
        ('input_1', []),
        ('bidirectional_1', list(zip(names('bidirectional_1', 'forward_cu_dnnlstm_1'), cudnn_lstm(bl.forward_layer.get_weights())))
         + list(zip(names('bidirectional_1', 'backward_cu_dnnlstm_1'), cudnn_lstm(bl.backward_layer.get_weights())))),
        ('bidirectional_2', list(zip(names('bidirectional_2', 'forward_cu_dnngru_1'), cudnn_gru(bg.forward_layer.get_weights())))
         + list(zip(names('bidirectional_2', 'backward_cu_dnngru_1'), cudnn_gru(bg.backward_layer.get_weights())))),
    ])
    x = rng.uniform(-1, 1, (4, 4, 3)).astype('float32')
    np.save(os.path.join(path, 'x.npy'), x)
    calls = []
    for start in range(0, 4, 2):
        batch = x[start:start + 2]
        calls.append([('bidirectional_1', keras_states(bl, batch)), ('bidirectional_2', keras_states(bg, layer_input(model, bg, batch)))])
    write_expected(path, 2, expected_calls(calls), 'Keras 3 Bidirectional(LSTM) and Bidirectional(GRU(reset_after=True)) on the converted weights')
def k3_stateful_masking():
    """Input(batch_shape=(4, 5, 2)) -> Masking -> stateful LSTM -> Dense: post-padded samples of lengths 5, 3, 0, 4.

    Beside it the same model without the Masking layer (nomask.keras) and with LSTM(recurrent_dropout=0.1)
    (recdrop.keras): on torch a trainable stateful LSTM takes the fused kernel (and fails in fit) only
    without a mask and without recurrent_dropout (§R3; use_cudnn=False would avoid it too, but Keras 3
    does not save use_cudnn, so a loaded model has "auto" again).
    """
    path = folder('k3-stateful-masking')
    def make(masking, recurrent_dropout):
        return keras.Sequential([
            keras.Input(batch_shape=(4, 5, 2)),
            *([layers.Masking(mask_value=0.0, name='masking')] if masking else []),
            layers.LSTM(3, stateful=True, recurrent_dropout=recurrent_dropout, name='lstm'),
            layers.Dense(1, name='dense'),
        ], name='stateful_masking')
    model = make(True, 0.0)
    randomize(model)
    model.save(os.path.join(path, 'model.keras'))
    for name, masking, recurrent_dropout in (('nomask.keras', False, 0.0), ('recdrop.keras', False, 0.1)):
        other = make(masking, recurrent_dropout)
        other.set_weights(model.get_weights())
        other.save(os.path.join(path, name))
    x = rng.uniform(0.1, 1, (12, 5, 2)).astype('float32')
    for i, length in enumerate([5, 3, 0, 4] * 3):
        x[i, length:] = 0.0
    np.save(os.path.join(path, 'x.npy'), x)
    lstm = model.get_layer('lstm')
    calls = []
    carried = [np.zeros((4, 3))] * 2
    for start in range(0, 12, 4):
        batch = x[start:start + 4]
        carried = keras_states(lstm, batch, carried, mask=np.any(batch != 0.0, axis=-1))
        calls.append([('lstm', carried)])
    write_expected(path, 4, expected_calls(calls), 'Keras 3 with the mask Masking(0.0) computes from the data, state carried row by row')


def k3_mask_seq2seq():
    """Masking on both sides of a seq2seq; the decoder LSTM is given initial_state=[h, c], then a GRU reads its sequence.

    Keras 3's Layer.__call__ fills `mask` only for a call with one tensor argument (layer.py __call__,
    "Populate mask argument(s)"): the decoder, given initial_state, runs every step (padded ones too),
    while its output still carries the Masking mask on to the GRU. expected.json is what the loaded
    model.keras computes (its own return_state outputs). expected-tfk.json is the rule of tf.keras,
    Keras 2 and TF.js (the mask reaches the decoder: tf_keras base_rnn.py __call__ passes
    [inputs] + initial_state as one input list and RNN.call takes mask[0]), computed by Keras 3 with
    mask= passed explicitly. plain.keras is the same model without the GRU (its decoder's mask is
    applied by nothing in Keras 3).
    """
    path = folder('k3-mask-seq2seq')
    enc_in = keras.Input(shape=(None, 3), name='encoder_inputs')
    _, h, c = layers.LSTM(4, return_state=True, name='encoder')(layers.Masking(0.0, name='enc_masking')(enc_in))
    dec_in = keras.Input(shape=(None, 2), name='decoder_inputs')
    dec_seq, dh, dc = layers.LSTM(4, return_sequences=True, return_state=True, name='decoder')(layers.Masking(0.0, name='dec_masking')(dec_in), initial_state=[h, c])
    _, gh = layers.GRU(3, return_state=True, name='gru')(dec_seq)
    model = keras.Model([enc_in, dec_in], [layers.Dense(1, name='dense')(gh)], name='mask_seq2seq')
    randomize(model)
    model.save(os.path.join(path, 'model.keras'))
    plain = keras.Model([enc_in, dec_in], layers.Dense(2, name='dense2')(dec_seq), name='mask_seq2seq_plain')
    plain.save(os.path.join(path, 'plain.keras'))
    x = rng.uniform(0.1, 1, (6, 5, 3)).astype('float32')
    y = rng.uniform(0.1, 1, (6, 4, 2)).astype('float32')
    for i, (le, ld) in enumerate([(5, 4), (3, 2), (0, 4), (4, 0), (2, 1), (5, 3)]):
        x[i, le:] = 0.0
        y[i, ld:] = 0.0
    np.save(os.path.join(path, 'x.npy'), x)
    np.save(os.path.join(path, 'x2.npy'), y)
    loaded = keras.models.load_model(os.path.join(path, 'model.keras'), compile=False)
    probe = keras.Model(loaded.inputs, [loaded.get_layer('encoder').output[1], loaded.get_layer('encoder').output[2],
                                        loaded.get_layer('decoder').output[1], loaded.get_layer('decoder').output[2], loaded.get_layer('gru').output[1]])
    encoder, decoder, gru = (model.get_layer(n) for n in ('encoder', 'decoder', 'gru'))
    calls, tfk = [], []
    for start in range(0, 6, 3):
        xb, yb = x[start:start + 3], y[start:start + 3]
        eh, ec, dh_, dc_, g = (np.asarray(v) for v in probe([xb, yb]))
        calls.append([('encoder', [eh, ec]), ('decoder', [dh_, dc_]), ('gru', [g])])
        ym = np.any(yb != 0.0, axis=-1)
        enc = keras_states(encoder, xb, mask=np.any(xb != 0.0, axis=-1))
        assert max(float(np.max(np.abs(a - b))) for a, b in zip(enc, [eh, ec])) < 1e-5
        unmasked = keras_states(decoder, yb, initial_state=enc)
        assert max(float(np.max(np.abs(a - b))) for a, b in zip(unmasked, [dh_, dc_])) < 1e-5, 'Keras 3 no longer drops the mask'
        dec = keras_states(decoder, yb, initial_state=enc, mask=ym)
        seq = np.asarray(decoder(keras.ops.convert_to_tensor(yb), initial_state=[keras.ops.convert_to_tensor(s) for s in enc], mask=keras.ops.convert_to_tensor(ym))[0])
        tfk.append([('encoder', enc), ('decoder', dec), ('gru', keras_states(gru, seq, mask=ym))])
    write_expected(path, 3, expected_calls(calls), 'Keras 3: the decoder given initial_state gets no mask; the GRU after it does')
    with open(os.path.join(path, 'expected-tfk.json'), 'w') as f:
        json.dump({'batch': 3, 'note': 'tf.keras / Keras 2 / TF.js: the mask reaches the decoder too (Keras 3 with mask= passed)', 'calls': expected_calls(tfk)}, f, indent=1)
        f.write('\n')


def write_converted_tfjs(model, path, prefix):
    """model.json + one shard as tensorflowjs_converter 4.22 writes a Keras 3 save (its modelTopology is Keras 3's own config; weight names as it names them)."""
    manifest, blob = [], b''
    for layer in model.layers:
        for w in layer.weights:
            name = f'{prefix}{w.path}'  # e.g. sequential/lstm/lstm_cell/kernel
            value = np.asarray(w.numpy(), dtype='float32')
            manifest.append({'name': name, 'shape': list(value.shape), 'dtype': 'float32'})
            blob += value.tobytes()
    doc = {'format': 'layers-model', 'generatedBy': f'keras v{keras.__version__}', 'convertedBy': 'TensorFlow.js Converter v4.22.0',
           'modelTopology': {'keras_version': keras.__version__, 'backend': keras.backend.backend(), 'model_config': json.loads(model.to_json())},
           'weightsManifest': [{'paths': ['group1-shard1of1.bin'], 'weights': manifest}]}
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, 'model.json'), 'w') as f:
        json.dump(doc, f)
    with open(os.path.join(path, 'group1-shard1of1.bin'), 'wb') as f:
        f.write(blob)


def k3_tfjs():
    """Keras 3 models as tensorflowjs_converter writes them: TF.js 4.22 cannot load them (tfjs-keras3-config).

    sequential/: Sequential([Input((6, 2)), LSTM(3), Dense(1)]): TF.js stops at the InputLayer (batch_shape);
    functional/: the same InputLayer edited to batch_input_shape (so TF.js reads past it): TF.js stops at
    the LSTM's {"args", "kwargs"} inbound node. Messages checked with @tensorflow/tfjs 4.22.0 loadLayersModel.
    """
    path = folder('k3-tfjs')
    seq = keras.Sequential([keras.Input((6, 2), name='series'), layers.LSTM(3, name='lstm'), layers.Dense(1, name='dense')], name='sequential')
    randomize(seq)
    write_converted_tfjs(seq, os.path.join(path, 'sequential'), '')
    inp = keras.Input((6, 2), name='series')
    fun = keras.Model(inp, layers.Dense(1, name='dense')(layers.LSTM(3, name='lstm')(inp)), name='functional')
    fun.set_weights(seq.get_weights())
    write_converted_tfjs(fun, os.path.join(path, 'functional'), '')
    with open(os.path.join(path, 'functional', 'model.json')) as f:
        doc = json.load(f)
    for layer in doc['modelTopology']['model_config']['config']['layers']:
        if layer['class_name'] == 'InputLayer':
            layer['config']['batch_input_shape'] = layer['config'].pop('batch_shape')
    with open(os.path.join(path, 'functional', 'model.json'), 'w') as f:
        json.dump(doc, f)
    np.save(os.path.join(path, 'x.npy'), rng.uniform(-1, 1, (4, 6, 2)).astype('float32'))


def k3_vector_first():
    """A model whose FIRST input is a plain vector: Input((3,)) -> Dense(4, tanh) gives the LSTM's initial_state [h, h]; the second input is the sequence.

    x.npy is the vector data, 2-D (N, 3); x2.npy the sequences (N, 6, 2). expected.json: the LSTM's final
    states as the loaded model computes them (its return_state outputs).
    """
    path = folder('k3-vector-first')
    v = keras.Input((3,), name='context')
    s = keras.Input((6, 2), name='series')
    h0 = layers.Dense(4, activation='tanh', name='context_dense')(v)
    _, h, c = layers.LSTM(4, return_state=True, name='lstm')(s, initial_state=[h0, h0])
    model = keras.Model([v, s], layers.Dense(1, name='dense')(h), name='vector_first')
    randomize(model)
    model.save(os.path.join(path, 'model.keras'))
    x = rng.uniform(-1, 1, (6, 3)).astype('float32')
    y = rng.uniform(-1, 1, (6, 6, 2)).astype('float32')
    np.save(os.path.join(path, 'x.npy'), x)
    np.save(os.path.join(path, 'x2.npy'), y)
    loaded = keras.models.load_model(os.path.join(path, 'model.keras'), compile=False)
    probe = keras.Model(loaded.inputs, list(loaded.get_layer('lstm').output[1:]))
    calls = []
    for start in range(0, 6, 3):
        h_, c_ = (np.asarray(t) for t in probe([x[start:start + 3], y[start:start + 3]]))
        calls.append([('lstm', [h_, c_])])
    write_expected(path, 3, expected_calls(calls), 'Keras 3: the LSTM starts from Dense(context); the vector input takes (N, 3) data')


def k3_other_units():
    """The k3-stack layers (same names) with LSTM(5) in place of LSTM(4), saved with save_weights and as a legacy .h5:
    weights whose shapes do not fit k3-stack's layers. Keras's own load_weights refuses them (checked here)."""
    path = folder('k3-other-units')
    model = keras.Sequential([
        keras.Input(shape=(5, 3)),
        layers.LSTM(5, return_sequences=True, name='lstm'),
        layers.GRU(3, return_sequences=True, name='gru'),
        layers.SimpleRNN(2, name='simple_rnn'),
        layers.Dense(1, name='dense'),
    ], name='stack')
    randomize(model)
    model.save_weights(os.path.join(path, 'model.weights.h5'))
    target = keras.models.load_model(os.path.join(ROOT, 'k3-stack', 'model.keras'), compile=False)
    try:
        target.load_weights(os.path.join(path, 'model.weights.h5'))
    except ValueError as error:
        print('  Keras refuses them:', str(error).splitlines()[0][:120])
    else:
        raise AssertionError('Keras loaded weights of other shapes')


if __name__ == '__main__':
    check_reference()
    os.makedirs(ROOT, exist_ok=True)
    only = set(sys.argv[1:])
    for make in [k3_stack, k3_bidirectional, k3_stateful, k1_lstm_gru, k2_cudnn, tfk_functional, k2_stateful, k3_seq2seq, k3_stateful_seq2seq,
                 k3_embedding_mask, k3_masking, k3_shared, k3_repeat, k3_bidi_seq2seq, k1_bidi_simple, k2_bidi_simple, tfk_gru,
                 json_weights, k1_merge, k3_conv_lstm, k1_conv_lstm, k3_reshape, k2_cudnn_bidi, k3_stateful_masking,
                 k3_mask_seq2seq, k3_tfjs, k3_vector_first,
                 k3_other_units]:
        if not only or make.__name__ in only:
            make()
            print('wrote', make.__name__)
