"""
What Keras 3.15.1 does with padded samples when the recurrent layers are given initial_state (the
synthetic equivalent of `lstm-reset --initial-state --padding post --lengths ...`).

Model: Input(5, 2) -> Masking(0.0) -> LSTM(3, return_sequences=True) -> LSTM(2), each LSTM called
with initial_state=[h0, c0] (zeros, as --initial-state passes), 4 samples post-padded to lengths
5, 3, 0, 2. Keras 3's Layer.__call__ fills `mask` only for a call with one tensor argument
(keras/src/layers/layer.py __call__), so both LSTMs run every step, the padded zeros as data.
Printed: the final [h, c] of both layers (Keras 3, "nomask"), and the same layers called with mask=
passed explicitly ("masked": what tf.keras, Keras 2 and TF.js compute, whose RNN.__call__ passes the
mask on with initial_state), on the backend named by KERAS_BACKEND (default tensorflow). Weights and
inputs are rounded to 4 decimals. Run:
  KERAS_BACKEND=tensorflow /work/venv-keras/bin/python scripts/keras-goldens/probes/initial-state-mask.py
  KERAS_BACKEND=jax /work/venv-keras/bin/python scripts/keras-goldens/probes/initial-state-mask.py
Both printed the same numbers to 1e-6; the output is test/fixtures/initial-state-mask.json.
"""
import os, json
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np, keras
from keras import layers

T, D, U1, U2, N = 5, 2, 3, 2, 4
lengths = [5, 3, 0, 2]
rng = np.random.default_rng(20261130)
x = np.round(rng.uniform(0.1, 1.0, (N, T, D)), 4).astype("float32")
for i, n in enumerate(lengths):
    x[i, n:] = 0.0

l1 = layers.LSTM(U1, return_sequences=True, return_state=True, name="lstm")
l2 = layers.LSTM(U2, return_state=True, name="lstm_1")
xin = keras.Input((T, D))
s = [keras.Input((U1,)), keras.Input((U1,)), keras.Input((U2,)), keras.Input((U2,))]
m = layers.Masking(0.0)(xin)
seq, h1, c1 = l1(m, initial_state=[s[0], s[1]])
_, h2, c2 = l2(seq, initial_state=[s[2], s[3]])
model = keras.Model([xin] + s, [h1, c1, h2, c2])
weights = {}
for layer in (l1, l2):
    ws = [np.round(rng.uniform(-0.6, 0.6, w.shape), 4).astype("float32") for w in layer.get_weights()]
    layer.set_weights(ws)
    weights[layer.name] = {"kernel": ws[0].tolist(), "recurrent_kernel": ws[1].tolist(), "bias": ws[2].tolist()}
zeros = [np.zeros((N, U1), "float32")] * 2 + [np.zeros((N, U2), "float32")] * 2
nomask = [np.asarray(v) for v in model([x] + zeros)]

# the same layers with mask= passed explicitly (the tf.keras / Keras 2 / TF.js rule)
mask = keras.ops.convert_to_tensor(np.any(x != 0.0, axis=-1))
z = [keras.ops.convert_to_tensor(v) for v in zeros]
seq_m, h1m, c1m = l1(keras.ops.convert_to_tensor(x), initial_state=z[:2], mask=mask)
_, h2m, c2m = l2(seq_m, initial_state=z[2:], mask=mask)
masked = [np.asarray(v) for v in (h1m, c1m, h2m, c2m)]

# a plain Masking -> LSTM -> LSTM without initial_state (one tensor argument) does apply the mask
plain_seq, ph1, pc1 = l1(m)
_, ph2, pc2 = l2(plain_seq)
plain = [np.asarray(v) for v in keras.Model(xin, [ph1, pc1, ph2, pc2])(x)]
assert max(float(np.max(np.abs(a - b))) for a, b in zip(plain, masked)) < 1e-6, "no initial_state: the mask applies"
assert max(float(np.max(np.abs(a - b))) for a, b in zip(nomask, masked)) > 1e-3, "initial_state: the mask is dropped"

print(json.dumps({
    "keras": keras.__version__, "backend": keras.backend.backend(),
    "timesteps": T, "features": D, "lengths": lengths, "units": [U1, U2],
    "x": x.tolist(), "weights": weights,
    "nomask": {"lstm": [nomask[0].tolist(), nomask[1].tolist()], "lstm_1": [nomask[2].tolist(), nomask[3].tolist()]},
    "masked": {"lstm": [masked[0].tolist(), masked[1].tolist()], "lstm_1": [masked[2].tolist(), masked[3].tolist()]},
}))
