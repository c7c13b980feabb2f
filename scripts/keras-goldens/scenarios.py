"""The golden scenarios, backend-independent, exactly as written into each fixture's "scenario".

Every number (weights, inputs, targets, initial states) is generated here from numpy's
default_rng(seed), with the seed derived from the scenario id (sha256), rounded to 4 decimals, so a
rerun writes the same scenario bytes. Nothing here imports Keras.
"""
import hashlib

import numpy as np

ALL = ["jax", "tensorflow", "torch"]
GATES = {"lstm": 4, "gru": 3, "simple": 1}
KERAS_NAMES = {"lstm": "LSTM", "gru": "GRU", "simple": "SimpleRNN"}


def stable_seed(text):
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)


def r4(a):
    return np.round(np.asarray(a, dtype=np.float64), 4)


def tolist(a):
    return np.asarray(a).tolist()


def rnn(cell="lstm", units=3, stateful=False, bidirectional=False, return_sequences=False,
        activation="tanh", recurrent_activation="sigmoid", reset_after=None):
    """A recurrent layer spec (weights are filled in by `build`)."""
    if cell == "gru" and reset_after is None:
        reset_after = True  # Keras 3 default
    return {
        "type": "rnn",
        "cell": cell,
        "class_name": KERAS_NAMES[cell],
        "units": units,
        "stateful": stateful,
        "bidirectional": bidirectional,
        "merge_mode": "concat" if bidirectional else None,
        "return_sequences": return_sequences,
        "activation": activation,
        "recurrent_activation": None if cell == "simple" else recurrent_activation,
        "reset_after": reset_after if cell == "gru" else None,
        "use_bias": True,
    }


def masking(mask_value=0.0):
    return {"type": "masking", "mask_value": mask_value}


def weight_specs(layer, input_dim):
    """Names and shapes in Keras get_weights() order: per direction kernel, recurrent_kernel, bias."""
    u, g = layer["units"], GATES[layer["cell"]]
    if layer["cell"] == "gru" and layer["reset_after"]:
        bias_shape = [2, g * u]
    else:
        bias_shape = [g * u]
    shapes = [("kernel", [input_dim, g * u]), ("recurrent_kernel", [u, g * u]), ("bias", bias_shape)]
    dirs = ["forward", "backward"] if layer["bidirectional"] else ["forward"]
    return [(d, n, s) for d in dirs for (n, s) in shapes]


def output_width(layer):
    return layer["units"] * (2 if layer["bidirectional"] else 1)


def state_tensors(layer):
    per = 2 if layer["cell"] == "lstm" else 1
    return per * (2 if layer["bidirectional"] else 1)


def _values(rng, shape, low, high):
    # magnitudes in [low, high], random sign: no value rounds to a mask value of 0
    mag = rng.uniform(low, high, size=shape)
    sign = np.where(rng.uniform(size=shape) < 0.5, -1.0, 1.0)
    return r4(mag * sign)


def _unique_first(rng, y):
    """Targets whose first element differs between samples: the probe metric maps rows to samples with it."""
    flat = y.reshape(y.shape[0], -1)
    seen = set()
    for i in range(flat.shape[0]):
        while float(np.float32(flat[i, 0])) in seen:
            flat[i, 0] = float(_values(rng, (), 0.05, 1.0))
        seen.add(float(np.float32(flat[i, 0])))
    return flat.reshape(y.shape)


def _dataset(rng, n, t, d, out_shape, pad, mask_value):
    x = _values(rng, (n, t, d), 0.05, 1.0)
    if pad:
        for row, k in pad.items():
            if k > 0:
                x[row, t - k :, :] = mask_value
    y = _unique_first(rng, _values(rng, (n,) + tuple(out_shape), 0.05, 1.0))
    return x, y


def build(sid, title, layers, plan, *, n=12, t=4, d=2, batch=4, input_kind="batch_shape", seed=None,
          pad=None, val_n=None, val_pad=None, backends=None, run_eagerly=False, jit_compile="auto",
          trainable=False, tags=(), notes=None, not_applicable=None):
    """Assemble one scenario.

    layers: masking()/rnn() specs in order. plan: user calls (see README FORMAT); "samples" may be
    given as "all" or a (start, stop) tuple and is expanded to an explicit index list.
    pad: {row: k} makes the last k timesteps of that sample padding (needs a masking layer).
    """
    rng = np.random.default_rng(stable_seed(sid))
    mask_value = next((l["mask_value"] for l in layers if l["type"] == "masking"), None)
    in_dim = d
    rnn_layers = [l for l in layers if l["type"] == "rnn"]
    for layer in rnn_layers:
        ws = []
        for direction, name, shape in weight_specs(layer, in_dim):
            ws.append({"direction": direction, "name": name, "shape": shape, "value": tolist(_values(rng, shape, 0.0, 0.5))})
        layer["weights"] = ws
        in_dim = output_width(layer)
    last = rnn_layers[-1]
    out_shape = ((t,) if last["return_sequences"] else ()) + (output_width(last),)
    x, y = _dataset(rng, n, t, d, out_shape, pad, mask_value if mask_value is not None else 0.0)
    data = {"x": tolist(x), "y": tolist(y), "mask": None}
    if mask_value is not None:
        data["mask"] = tolist(np.any(x != mask_value, axis=-1))
    if val_n:
        vx, vy = _dataset(rng, val_n, t, d, out_shape, val_pad, mask_value if mask_value is not None else 0.0)
        data["validation_data"] = {"x": tolist(vx), "y": tolist(vy), "mask": tolist(np.any(vx != mask_value, axis=-1)) if mask_value is not None else None}
    else:
        data["validation_data"] = None

    if input_kind == "batch_shape":
        model_input = {"kind": "batch_shape", "batch_shape": [batch, t, d]}
    elif input_kind == "shape_batch_size":
        model_input = {"kind": "shape_batch_size", "shape": [t, d], "batch_size": batch}
    elif input_kind == "shape":
        model_input = {"kind": "shape", "shape": [t, d]}
    elif input_kind == "none":
        model_input = {"kind": "none"}
    else:
        raise ValueError(input_kind)

    steps = []
    for step in plan:
        step = dict(step)
        step.setdefault("catch", False)
        op = step["op"]
        if op in ("fit", "evaluate", "predict", "train_on_batch", "predict_on_batch", "call", "layer_call"):
            s = step.get("samples", "all")
            if s == "all":
                s = list(range(n))
            elif isinstance(s, tuple):
                s = list(range(*s))
            step["samples"] = [int(i) for i in s]
        if op in ("fit", "evaluate", "predict"):
            step.setdefault("batch_size", batch)
        if op == "fit":
            step.setdefault("epochs", 1)
            step.setdefault("shuffle", False)
            step.setdefault("validation_split", None)
            step.setdefault("validation_data", False)
            step.setdefault("validation_batch_size", None)
            step.setdefault("callbacks", [])
        if op == "call":
            step.setdefault("training", False)
        if op == "layer_call":
            step.setdefault("layer", 0)
            init = step.get("initial_state")
            if init == "random":
                layer = rnn_layers[step["layer"]]
                rows = len(step["samples"])
                step["initial_state"] = [tolist(_values(rng, (rows, layer["units"]), 0.05, 0.9)) for _ in range(state_tensors(layer))]
            else:
                step.setdefault("initial_state", None)
        if op == "reset_state":
            step.setdefault("method", "reset_state")
        steps.append(step)

    return {
        "id": sid,
        "title": title,
        "tags": sorted(set(tags)),
        "notes": notes,
        "backends": backends or list(ALL),
        "not_applicable": not_applicable or {},
        "scenario": {
            "model": {"api": "sequential", "input": model_input, "layers": layers},
            "compile": {"optimizer": "SGD", "learning_rate": 0.0, "loss": "mse", "run_eagerly": run_eagerly, "jit_compile": jit_compile},
            "trainable": trainable,
            "random_seed": seed,
            "data": data,
            "plan": steps,
        },
    }


# ----------------------------------------------------------------------------------------------------
# The corpus


def fit(**kw):
    return {"op": "fit", **kw}


def evaluate(**kw):
    return {"op": "evaluate", **kw}


def predict(**kw):
    return {"op": "predict", **kw}


def reset(**kw):
    return {"op": "reset_state", **kw}


def every_epoch():
    return {"type": "reset_states", "when": "epoch_end"}


def every_batches(k):
    return {"type": "reset_states", "when": "batch_end", "every": k}


def scenarios():
    S = []
    add = S.append
    cells = [("lstm", {}), ("gru", {"reset_after": True}), ("gru-ra0", {"reset_after": False}), ("simple", {})]

    def cell_of(tag):
        return "gru" if tag.startswith("gru") else tag

    # A. stateless and stateful, per cell: fit (no shuffle), evaluate, predict
    for tag, kw in cells:
        c = cell_of(tag)
        add(build(f"{tag}-stateless-basic", f"stateless {tag}: fit 2 epochs without shuffle, evaluate, predict",
                  [rnn(c, 3, **kw)], [fit(epochs=2), evaluate(), predict()], tags=["stateless", c, "fit", "evaluate", "predict"]))
        add(build(f"{tag}-stateful-basic", f"stateful {tag} (batch_shape 4): fit 2 epochs without shuffle, evaluate, predict twice",
                  [rnn(c, 3, stateful=True, **kw)], [fit(epochs=2), evaluate(), predict(), predict()],
                  tags=["stateful", c, "fit", "evaluate", "predict"]))
        add(build(f"{tag}-stateful-trainable", f"stateful {tag} with trainable weights (SGD lr=0): fit 2 epochs, predict",
                  [rnn(c, 3, stateful=True, **kw)], [fit(epochs=2), predict()], trainable=True,
                  tags=["stateful", c, "trainable", "fit", "predict"]))
    add(build("lstm-stateless-trainable", "stateless LSTM with trainable weights (SGD lr=0): fit, predict",
              [rnn("lstm", 3)], [fit(epochs=1), predict()], trainable=True, tags=["stateless", "lstm", "trainable"]))
    add(build("lstm-stateful-hard-sigmoid", "stateful LSTM with recurrent_activation='hard_sigmoid' (Keras 3 formula): fit, predict",
              [rnn("lstm", 3, stateful=True, recurrent_activation="hard_sigmoid")], [fit(epochs=1), predict()],
              tags=["stateful", "lstm", "activation"]))
    add(build("gru-stateful-relu", "stateful GRU(reset_after=False) with activation='relu', recurrent_activation='hard_sigmoid'",
              [rnn("gru", 4, stateful=True, activation="relu", recurrent_activation="hard_sigmoid", reset_after=False)],
              [fit(epochs=1), predict()], d=3, tags=["stateful", "gru", "activation"]))
    add(build("lstm-stateful-return-sequences", "stateful LSTM(return_sequences=True): fit 2 epochs, evaluate, predict",
              [rnn("lstm", 2, stateful=True, return_sequences=True)], [fit(epochs=2), evaluate(), predict()],
              tags=["stateful", "lstm", "return_sequences"]))
    add(build("lstm-stateful-batch1", "stateful LSTM with batch_shape (1, T, D): fit(batch_size=1) over 5 samples, predict",
              [rnn("lstm", 3, stateful=True)], [fit(epochs=1, batch_size=1), predict(batch_size=1)], n=5, batch=1,
              tags=["stateful", "lstm", "batch1"]))

    # B. shuffle
    for sh, label in [(True, "shuffle"), ("batch", "shuffle-batch")]:
        for seeded in (True, False):
            s = "seeded" if seeded else "unseeded"
            add(build(f"lstm-stateful-{label}-{s}", f"stateful LSTM, fit(shuffle={sh!r}) 3 epochs, {s}",
                      [rnn("lstm", 3, stateful=True)], [fit(epochs=3, shuffle=sh), predict()], seed=1234 if seeded else None,
                      tags=["stateful", "lstm", "shuffle", s]))
    add(build("lstm-stateless-shuffle-seeded", "stateless LSTM, fit(shuffle=True) 2 epochs, seeded",
              [rnn("lstm", 3)], [fit(epochs=2, shuffle=True)], seed=7, tags=["stateless", "lstm", "shuffle", "seeded"]))
    add(build("lstm-stateless-shuffle-unseeded", "stateless LSTM, fit(shuffle=True) 2 epochs, unseeded",
              [rnn("lstm", 3)], [fit(epochs=2, shuffle=True)], tags=["stateless", "lstm", "shuffle", "unseeded"]))
    add(build("gru-stateful-shuffle-seeded", "stateful GRU, fit(shuffle=True) 2 epochs, seeded",
              [rnn("gru", 3, stateful=True)], [fit(epochs=2, shuffle=True)], seed=99, tags=["stateful", "gru", "shuffle", "seeded"]))
    add(build("simple-stateful-shuffle-batch-seeded", "stateful SimpleRNN, fit(shuffle='batch') 2 epochs, seeded",
              [rnn("simple", 3, stateful=True)], [fit(epochs=2, shuffle="batch")], seed=5, tags=["stateful", "simple", "shuffle", "seeded"]))
    add(build("lstm-stateful-shuffle-validation-split-seeded", "stateful LSTM, fit(shuffle=True, validation_split=0.25) 2 epochs, seeded (validation is the unshuffled tail)",
              [rnn("lstm", 3, stateful=True)], [fit(epochs=2, shuffle=True, validation_split=0.25)], n=16, seed=21,
              tags=["stateful", "lstm", "shuffle", "seeded", "validation"]))
    add(build("lstm-stateful-shuffle-seeded-twice", "stateful LSTM, seeded: fit(shuffle=True, epochs=1) twice (does the second fit repeat the order?)",
              [rnn("lstm", 3, stateful=True)], [fit(epochs=1, shuffle=True), fit(epochs=1, shuffle=True)], seed=3,
              tags=["stateful", "lstm", "shuffle", "seeded"]))

    # C. validation
    add(build("lstm-stateful-validation-split", "stateful LSTM, fit(validation_split=0.25) 2 epochs: 12 train + 4 validation samples",
              [rnn("lstm", 3, stateful=True)], [fit(epochs=2, validation_split=0.25), predict()], n=16,
              tags=["stateful", "lstm", "validation"]))
    add(build("lstm-stateful-validation-data", "stateful LSTM, fit(validation_data=(8 samples)) 2 epochs",
              [rnn("lstm", 3, stateful=True)], [fit(epochs=2, validation_data=True), evaluate()], n=8, val_n=8,
              tags=["stateful", "lstm", "validation"]))
    add(build("lstm-stateful-validation-partial2", "stateful LSTM, validation_split=1/3 of 18: 12 train + 6 validation (a 2-row last validation batch)",
              [rnn("lstm", 3, stateful=True)], [fit(epochs=2, validation_split=1 / 3)], n=18,
              tags=["stateful", "lstm", "validation", "partial"]))
    add(build("lstm-stateful-validation-partial1", "stateful LSTM, validation_split=0.25 of 17: 12 train + 5 validation (a 1-row last validation batch)",
              [rnn("lstm", 3, stateful=True)], [fit(epochs=2, validation_split=0.25), predict(samples=(0, 12))], n=17,
              tags=["stateful", "lstm", "validation", "partial"]))
    add(build("lstm-stateless-validation-split", "stateless LSTM, fit(validation_split=0.25) 2 epochs",
              [rnn("lstm", 3)], [fit(epochs=2, validation_split=0.25)], n=16, tags=["stateless", "lstm", "validation"]))
    add(build("gru-stateful-validation-reset-epoch", "stateful GRU, validation_split=0.25 with a reset_states() callback at each epoch end (after validation)",
              [rnn("gru", 3, stateful=True)], [fit(epochs=3, validation_split=0.25, callbacks=[every_epoch()])], n=16,
              tags=["stateful", "gru", "validation", "reset"]))
    add(build("lstm-stateful-validation-batch-size", "stateful LSTM B=4, fit(batch_size=4, validation_batch_size=2, validation_data of 4)",
              [rnn("lstm", 3, stateful=True)], [fit(epochs=1, validation_data=True, validation_batch_size=2)], n=8, val_n=4,
              tags=["stateful", "lstm", "validation", "error"]))

    # D. resets
    add(build("lstm-stateful-reset-epoch", "stateful LSTM, 3 epochs with a reset_states() callback at each epoch end",
              [rnn("lstm", 3, stateful=True)], [fit(epochs=3, callbacks=[every_epoch()]), predict()],
              tags=["stateful", "lstm", "reset"]))
    add(build("lstm-stateful-reset-every-2", "stateful LSTM, 2 epochs of 4 batches, reset_states() after every 2 training batches",
              [rnn("lstm", 3, stateful=True)], [fit(epochs=2, callbacks=[every_batches(2)])], n=16,
              tags=["stateful", "lstm", "reset"]))
    add(build("gru-stateful-reset-every-1", "stateful GRU, reset_states() after every training batch",
              [rnn("gru", 3, stateful=True)], [fit(epochs=2, callbacks=[every_batches(1)]), evaluate()],
              tags=["stateful", "gru", "reset"]))
    add(build("simple-stateful-reset-every-3-validation", "stateful SimpleRNN, validation_split=0.2 of 20 (16 + 4), reset every 3 training batches",
              [rnn("simple", 3, stateful=True)], [fit(epochs=2, validation_split=0.2, callbacks=[every_batches(3)])], n=20,
              tags=["stateful", "simple", "reset", "validation"]))
    add(build("lstm-stateful-fit-loop-reset", "the classic loop: stateful LSTM batch_shape (1,T,D); 3 x (fit(epochs=1, batch_size=1, shuffle=False); reset_state())",
              [rnn("lstm", 2, stateful=True)], [fit(epochs=1, batch_size=1), reset()] * 3 + [predict(batch_size=1)], n=4, batch=1,
              tags=["stateful", "lstm", "reset", "plan"]))
    add(build("lstm-stateful-reset-states-alias", "layer.reset_states() (the Keras 3 alias) between two predicts",
              [rnn("lstm", 3, stateful=True)], [predict(), reset(method="reset_states"), predict()],
              tags=["stateful", "lstm", "reset"]))
    add(build("lstm-stateful-model-reset-states", "model.reset_states() does not exist in Keras 3 (caught), then layer.reset_state()",
              [rnn("lstm", 3, stateful=True)], [predict(), {"op": "model_reset_states", "catch": True}, reset(), predict()],
              tags=["stateful", "lstm", "reset", "error"]))

    # E. partial last batches
    for c in ("lstm", "gru", "simple"):
        add(build(f"{c}-stateful-fit-partial2", f"stateful {c} B=4, fit on 10 samples: the last batch has 2 rows",
                  [rnn(c, 3, stateful=True)], [fit(epochs=2), predict(samples=(0, 8))], n=10,
                  tags=["stateful", c, "partial", "error"]))
        add(build(f"{c}-stateful-fit-partial1", f"stateful {c} B=4, fit on 9 samples: the last batch has 1 row",
                  [rnn(c, 3, stateful=True)], [fit(epochs=2), predict(samples=(0, 8))], n=9,
                  tags=["stateful", c, "partial", "broadcast"]))
    add(build("lstm-stateful-predict-partial2", "stateful LSTM B=4: predict on 10 samples (last batch 2 rows)",
              [rnn("lstm", 3, stateful=True)], [predict(), predict(samples=(0, 8))], n=10, tags=["stateful", "lstm", "partial", "predict"]))
    add(build("lstm-stateful-predict-partial1", "stateful LSTM B=4: predict on 9 samples (last batch 1 row), then predict 8",
              [rnn("lstm", 3, stateful=True)], [predict(), predict(samples=(0, 8))], n=9, tags=["stateful", "lstm", "partial", "predict", "broadcast"]))
    add(build("lstm-stateful-evaluate-partial2", "stateful LSTM B=4: evaluate on 10 samples (last batch 2 rows)",
              [rnn("lstm", 3, stateful=True)], [evaluate(), predict(samples=(0, 8))], n=10, tags=["stateful", "lstm", "partial", "evaluate"]))
    add(build("lstm-stateful-evaluate-partial1", "stateful LSTM B=4: evaluate on 9 samples (last batch 1 row)",
              [rnn("lstm", 3, stateful=True)], [evaluate(), predict(samples=(0, 8))], n=9, tags=["stateful", "lstm", "partial", "evaluate", "broadcast"]))
    add(build("lstm-stateless-partial", "stateless LSTM: fit, evaluate and predict on 10 samples with batch 4 (partial batches of 2) and 9 (of 1)",
              [rnn("lstm", 3)], [fit(epochs=1), evaluate(), predict(samples=(0, 9))], n=10, tags=["stateless", "lstm", "partial"]))
    add(build("lstm-stateful-b1-fit-batch4", "stateful LSTM with batch_shape (1, T, D), fit(batch_size=4) on 9 samples (4, 4, 1)",
              [rnn("lstm", 3, stateful=True)], [fit(epochs=1, batch_size=4), predict(batch_size=1, samples=(0, 2))], n=9, batch=1,
              tags=["stateful", "lstm", "error", "partial", "broadcast"]))
    add(build("lstm-stateful-batch-size-mismatch", "stateful LSTM B=4, fit(batch_size=2) on 8 samples (N a multiple of 2: a static shape)",
              [rnn("lstm", 3, stateful=True)], [fit(epochs=1, batch_size=2)], n=8, tags=["stateful", "lstm", "error"]))
    add(build("lstm-stateful-batch-size-mismatch-partial", "stateful LSTM B=4, fit(batch_size=3) on 8 samples (3, 3, 2)",
              [rnn("lstm", 3, stateful=True)], [fit(epochs=1, batch_size=3)], n=8, tags=["stateful", "lstm", "error", "partial"]))
    add(build("lstm-stateful-partial2-run-eagerly", "stateful LSTM B=4, run_eagerly=True: fit on 10 samples (last batch 2 rows)",
              [rnn("lstm", 3, stateful=True)], [fit(epochs=1)], n=10, run_eagerly=True, tags=["stateful", "lstm", "partial", "run_eagerly", "error"]))
    add(build("lstm-stateful-partial1-run-eagerly", "stateful LSTM B=4, run_eagerly=True: predict on 9 samples (last batch 1 row)",
              [rnn("lstm", 3, stateful=True)], [predict()], n=9, run_eagerly=True, tags=["stateful", "lstm", "partial", "run_eagerly", "error"]))

    # F. batch_size omitted (Keras uses 32)
    add(build("lstm-stateful-batch-omitted", "stateful LSTM B=4, fit without batch_size on 8 samples (Keras uses 32: one batch of 8)",
              [rnn("lstm", 3, stateful=True)], [fit(epochs=1, batch_size=None)], n=8, tags=["stateful", "lstm", "batch_omitted", "error"]))
    add(build("lstm-stateless-batch-omitted", "stateless LSTM, fit/evaluate/predict without batch_size on 24 samples (one batch of 24)",
              [rnn("lstm", 2)], [fit(epochs=2, batch_size=None), evaluate(batch_size=None), predict(batch_size=None)], n=24, t=3, d=1,
              tags=["stateless", "lstm", "batch_omitted"]))
    add(build("lstm-stateful-batch-omitted-40", "stateful LSTM B=4 on 40 samples without batch_size (Keras uses 32: batches of 32 and 8): fit, evaluate, predict, each caught",
              [rnn("lstm", 2, stateful=True)],
              [fit(epochs=1, batch_size=None, catch=True), evaluate(batch_size=None, catch=True), predict(batch_size=None, catch=True)],
              n=40, t=2, d=1, tags=["stateful", "lstm", "batch_omitted", "error"]))
    add(build("lstm-stateful-predict-batch-omitted", "stateful LSTM B=4: fit(batch_size=4), then predict without batch_size on 8 samples",
              [rnn("lstm", 3, stateful=True)], [fit(epochs=1), predict(batch_size=None)], n=8, tags=["stateful", "lstm", "batch_omitted", "error"]))
    add(build("lstm-stateful-batch-omitted-b1", "stateful LSTM B=1, predict without batch_size on 1 sample (one batch of 1)",
              [rnn("lstm", 3, stateful=True)], [predict(batch_size=None), predict(batch_size=None)], n=1, batch=1,
              tags=["stateful", "lstm", "batch_omitted"]))

    # G. how the input is declared
    add(build("lstm-stateful-input-shape", "stateful LSTM after Input(shape=(T, D)) without a batch size",
              [rnn("lstm", 3, stateful=True)], [fit(epochs=1)], input_kind="shape", tags=["stateful", "lstm", "input", "error"]))
    add(build("lstm-stateless-input-shape", "stateless LSTM after Input(shape=(T, D)): fit, predict",
              [rnn("lstm", 3)], [fit(epochs=1), predict()], input_kind="shape", tags=["stateless", "lstm", "input"]))
    add(build("lstm-stateful-no-input", "Sequential([LSTM(stateful=True)]) without an Input: fit(batch_size=4), predict",
              [rnn("lstm", 3, stateful=True)], [fit(epochs=2), predict()], input_kind="none", tags=["stateful", "lstm", "input"]))
    add(build("lstm-stateless-no-input", "Sequential([LSTM()]) without an Input: fit, predict",
              [rnn("lstm", 3)], [fit(epochs=1), predict()], input_kind="none", tags=["stateless", "lstm", "input"]))
    add(build("lstm-stateful-input-batch-size", "stateful LSTM after Input(shape=(T, D), batch_size=4): fit, predict",
              [rnn("lstm", 3, stateful=True)], [fit(epochs=1), predict()], input_kind="shape_batch_size", tags=["stateful", "lstm", "input"]))
    add(build("gru-stateful-no-input-predict", "Sequential([GRU(stateful=True)]) without an Input: predict(batch_size=4) first, then fit",
              [rnn("gru", 3, stateful=True)], [predict(), fit(epochs=1)], input_kind="none", tags=["stateful", "gru", "input"]))

    # H. masking
    tail = {1: 1, 4: 2, 6: 1, 9: 3}
    full = {2: 4, 5: 4, 7: 1, 10: 2}
    add(build("lstm-stateful-mask-tail", "Masking + stateful LSTM: some samples tail-padded, fit 2 epochs, predict",
              [masking(), rnn("lstm", 3, stateful=True)], [fit(epochs=2), predict()], pad=tail, tags=["stateful", "lstm", "masking"]))
    add(build("lstm-stateful-mask-full-rows", "Masking + stateful LSTM: fully padded rows pass their state through to the next batch",
              [masking(), rnn("lstm", 3, stateful=True)], [fit(epochs=2), predict()], pad=full, tags=["stateful", "lstm", "masking", "padded_rows"]))
    add(build("lstm-stateless-mask-full-rows", "Masking + stateless LSTM with fully padded rows",
              [masking(), rnn("lstm", 3)], [fit(epochs=1), predict()], pad=full, tags=["stateless", "lstm", "masking", "padded_rows"]))
    add(build("gru-stateful-mask-full-rows", "Masking + stateful GRU with fully padded rows",
              [masking(), rnn("gru", 3, stateful=True)], [fit(epochs=2), predict()], pad=full, tags=["stateful", "gru", "masking", "padded_rows"]))
    add(build("gru-ra0-stateful-mask-tail", "Masking + stateful GRU(reset_after=False), tail padding",
              [masking(), rnn("gru", 3, stateful=True, reset_after=False)], [fit(epochs=1), predict()], pad=tail, tags=["stateful", "gru", "masking"]))
    add(build("simple-stateful-mask-full-rows", "Masking + stateful SimpleRNN with fully padded rows",
              [masking(), rnn("simple", 3, stateful=True)], [fit(epochs=2), predict()], pad=full, tags=["stateful", "simple", "masking", "padded_rows"]))
    add(build("lstm-stateful-mask-return-sequences", "Masking + stateful LSTM(return_sequences=True) with padded rows (what a masked step outputs)",
              [masking(), rnn("lstm", 2, stateful=True, return_sequences=True)], [fit(epochs=1), predict(), predict()], pad=full,
              tags=["stateful", "lstm", "masking", "return_sequences", "padded_rows"]))
    add(build("lstm-stateful-mask-direct-calls", "Masking + stateful LSTM called directly (carries on every backend) with fully padded rows: what a masked step outputs",
              [masking(), rnn("lstm", 3, stateful=True)],
              [{"op": "call", "samples": [0, 1, 2, 3]}, {"op": "call", "samples": [4, 5, 6, 7]}, {"op": "call", "samples": [8, 9, 10, 11]},
               predict()], pad=full, tags=["stateful", "lstm", "masking", "padded_rows", "direct"]))
    add(build("lstm-stateful-mask-value", "Masking(mask_value=-1.0) + stateful LSTM",
              [masking(-1.0), rnn("lstm", 3, stateful=True)], [fit(epochs=1), predict()], pad={0: 2, 3: 4, 8: 1},
              tags=["stateful", "lstm", "masking", "padded_rows"]))
    add(build("lstm-stateful-mask-trainable", "Masking + stateful LSTM with trainable weights (the generic loop instead of the fused one)",
              [masking(), rnn("lstm", 3, stateful=True)], [fit(epochs=2), predict()], pad=tail, trainable=True,
              tags=["stateful", "lstm", "masking", "trainable"]))
    add(build("gru-stateful-mask-trainable", "Masking + stateful GRU with trainable weights",
              [masking(), rnn("gru", 3, stateful=True)], [fit(epochs=1)], pad=full, trainable=True,
              tags=["stateful", "gru", "masking", "trainable", "padded_rows"]))
    add(build("lstm-stateful-mask-validation", "Masking + stateful LSTM, validation_data with fully padded rows",
              [masking(), rnn("lstm", 3, stateful=True)], [fit(epochs=2, validation_data=True)], n=8, val_n=4, pad={1: 2}, val_pad={0: 4, 3: 1},
              tags=["stateful", "lstm", "masking", "validation", "padded_rows"]))

    # I. stacked
    add(build("stacked-lstm-lstm-stateful", "stacked stateful LSTM(3, return_sequences) -> stateful LSTM(2): fit 2 epochs, evaluate, predict",
              [rnn("lstm", 3, stateful=True, return_sequences=True), rnn("lstm", 2, stateful=True)], [fit(epochs=2), evaluate(), predict()],
              tags=["stateful", "lstm", "stacked"]))
    add(build("stacked-lstm-gru-mixed", "stacked stateful LSTM(3) -> stateless GRU(2)",
              [rnn("lstm", 3, stateful=True, return_sequences=True), rnn("gru", 2)], [fit(epochs=2), predict()],
              tags=["stateful", "stateless", "lstm", "gru", "stacked"]))
    add(build("stacked-gru-lstm-mixed", "stacked stateless GRU(3) -> stateful LSTM(2)",
              [rnn("gru", 3, return_sequences=True), rnn("lstm", 2, stateful=True)], [fit(epochs=2), predict()],
              tags=["stateful", "stateless", "lstm", "gru", "stacked"]))
    add(build("stacked-three-stateful", "stacked stateful GRU(2) -> SimpleRNN(3) -> LSTM(2), reset every 2 batches",
              [rnn("gru", 2, stateful=True, return_sequences=True), rnn("simple", 3, stateful=True, return_sequences=True), rnn("lstm", 2, stateful=True)],
              [fit(epochs=1, callbacks=[every_batches(2)]), predict()], n=16, t=3,
              tags=["stateful", "lstm", "gru", "simple", "stacked", "reset"]))
    add(build("stacked-masked-stateful", "Masking + stacked stateful LSTM -> GRU with fully padded rows",
              [masking(), rnn("lstm", 3, stateful=True, return_sequences=True), rnn("gru", 2, stateful=True)], [fit(epochs=1), predict()], pad=full,
              tags=["stateful", "lstm", "gru", "stacked", "masking", "padded_rows"]))
    add(build("stacked-lstm-stateful-trainable", "stacked stateful LSTM -> LSTM with trainable weights",
              [rnn("lstm", 3, stateful=True, return_sequences=True), rnn("lstm", 2, stateful=True)], [fit(epochs=1), predict()], trainable=True,
              tags=["stateful", "lstm", "stacked", "trainable"]))
    add(build("stacked-stateful-partial1", "stacked stateful LSTM -> SimpleRNN, fit on 9 samples (1-row last batch)",
              [rnn("lstm", 3, stateful=True, return_sequences=True), rnn("simple", 2, stateful=True)], [fit(epochs=1), predict(samples=(0, 8))], n=9,
              tags=["stateful", "lstm", "simple", "stacked", "partial", "broadcast"]))

    # J. Bidirectional
    add(build("bidi-lstm-stateless", "Bidirectional(LSTM(3)) stateless: fit, predict",
              [rnn("lstm", 3, bidirectional=True)], [fit(epochs=1), predict()], tags=["stateless", "lstm", "bidirectional"]))
    add(build("bidi-lstm-stateful", "Bidirectional(LSTM(3, stateful=True)): fit 2 epochs, evaluate, predict",
              [rnn("lstm", 3, stateful=True, bidirectional=True)], [fit(epochs=2), evaluate(), predict()], tags=["stateful", "lstm", "bidirectional"]))
    add(build("bidi-gru-stateful", "Bidirectional(GRU(2, stateful=True)): fit 2 epochs, predict",
              [rnn("gru", 2, stateful=True, bidirectional=True)], [fit(epochs=2), predict()], tags=["stateful", "gru", "bidirectional"]))
    add(build("bidi-simple-stateful-seq", "Bidirectional(SimpleRNN(2, stateful=True, return_sequences=True)): fit, predict",
              [rnn("simple", 2, stateful=True, bidirectional=True, return_sequences=True)], [fit(epochs=1), predict()],
              tags=["stateful", "simple", "bidirectional", "return_sequences"]))
    add(build("bidi-lstm-stateful-reset-epoch", "Bidirectional stateful LSTM with a reset_states() callback each epoch",
              [rnn("lstm", 2, stateful=True, bidirectional=True)], [fit(epochs=2, callbacks=[every_epoch()]), reset(), predict()],
              tags=["stateful", "lstm", "bidirectional", "reset"]))
    add(build("bidi-lstm-stateful-trainable", "Bidirectional stateful LSTM with trainable weights",
              [rnn("lstm", 2, stateful=True, bidirectional=True)], [fit(epochs=1), predict()], trainable=True,
              tags=["stateful", "lstm", "bidirectional", "trainable"]))
    add(build("bidi-lstm-stateful-masked", "Masking + Bidirectional stateful LSTM with fully padded rows",
              [masking(), rnn("lstm", 2, stateful=True, bidirectional=True)], [fit(epochs=1), predict()], pad=full,
              tags=["stateful", "lstm", "bidirectional", "masking", "padded_rows"]))
    add(build("bidi-lstm-stateful-partial1", "Bidirectional stateful LSTM, predict on 9 samples (1-row last batch)",
              [rnn("lstm", 2, stateful=True, bidirectional=True)], [predict(), predict(samples=(0, 8))], n=9,
              tags=["stateful", "lstm", "bidirectional", "partial", "broadcast"]))

    # K. plans mixing calls
    add(build("lstm-stateful-plan-mixed", "stateful LSTM: fit, evaluate, predict, reset_state, predict, fit",
              [rnn("lstm", 3, stateful=True)], [fit(epochs=1), evaluate(), predict(), reset(), predict(), fit(epochs=1)],
              tags=["stateful", "lstm", "plan", "reset"]))
    add(build("lstm-stateful-on-batch", "stateful LSTM: train_on_batch x3, predict_on_batch, reset_state, predict_on_batch x2",
              [rnn("lstm", 3, stateful=True)],
              [{"op": "train_on_batch", "samples": [0, 1, 2, 3]}, {"op": "train_on_batch", "samples": [4, 5, 6, 7]},
               {"op": "train_on_batch", "samples": [8, 9, 10, 11]}, {"op": "predict_on_batch", "samples": [0, 1, 2, 3]}, reset(),
               {"op": "predict_on_batch", "samples": [4, 5, 6, 7]}, {"op": "predict_on_batch", "samples": [8, 9, 10, 11]}],
              tags=["stateful", "lstm", "plan", "on_batch", "reset"]))
    add(build("gru-stateful-on-batch-trainable", "stateful GRU with trainable weights: train_on_batch x2, predict_on_batch",
              [rnn("gru", 3, stateful=True)],
              [{"op": "train_on_batch", "samples": [0, 1, 2, 3]}, {"op": "train_on_batch", "samples": [4, 5, 6, 7]},
               {"op": "predict_on_batch", "samples": [8, 9, 10, 11]}], trainable=True, tags=["stateful", "gru", "plan", "on_batch", "trainable"]))
    add(build("lstm-stateful-direct-calls", "stateful LSTM: model(x) three times, reset_state, model(x)",
              [rnn("lstm", 3, stateful=True)],
              [{"op": "call", "samples": [0, 1, 2, 3]}, {"op": "call", "samples": [4, 5, 6, 7]}, {"op": "call", "samples": [8, 9, 10, 11], "training": True},
               reset(), {"op": "call", "samples": [0, 1, 2, 3]}], tags=["stateful", "lstm", "plan", "direct"]))
    add(build("lstm-stateful-call-then-fit", "stateful LSTM: model(x) (carries), fit, reset_state, fit again (a traced function keeps its first value?)",
              [rnn("lstm", 3, stateful=True)],
              [{"op": "call", "samples": [0, 1, 2, 3]}, fit(epochs=1), reset(), fit(epochs=1)], n=8,
              tags=["stateful", "lstm", "plan", "direct"]))
    add(build("lstm-stateful-call-then-predict", "stateful LSTM: model(x), predict, reset_state, predict, model(x)",
              [rnn("lstm", 3, stateful=True)],
              [{"op": "call", "samples": [0, 1, 2, 3]}, predict(), reset(), predict(), {"op": "call", "samples": [4, 5, 6, 7]}], n=8,
              tags=["stateful", "lstm", "plan", "direct"]))
    add(build("gru-stateful-evaluate-fit-evaluate", "stateful GRU: evaluate, fit, evaluate, predict",
              [rnn("gru", 3, stateful=True)], [evaluate(), fit(epochs=1), evaluate(), predict()],
              tags=["stateful", "gru", "plan"]))
    add(build("lstm-stateful-on-batch-wrong-size", "stateful LSTM B=4: train_on_batch with 2 rows",
              [rnn("lstm", 3, stateful=True)], [{"op": "train_on_batch", "samples": [0, 1, 2, 3]}, {"op": "train_on_batch", "samples": [4, 5]}],
              tags=["stateful", "lstm", "on_batch", "error"]))
    add(build("lstm-stateful-predict-on-batch-one-row", "stateful LSTM B=4: predict_on_batch with 1 row (caught), then model(x) with 1 row",
              [rnn("lstm", 3, stateful=True)],
              [{"op": "predict_on_batch", "samples": [0, 1, 2, 3]}, {"op": "predict_on_batch", "samples": [4], "catch": True}, {"op": "call", "samples": [5]}],
              tags=["stateful", "lstm", "on_batch", "error"]))
    add(build("lstm-stateful-predict-on-batch-one-row-first", "stateful LSTM B=4: predict_on_batch with 1 row first (caught), then 4 rows, then 1 row again",
              [rnn("lstm", 3, stateful=True)],
              [{"op": "predict_on_batch", "samples": [0], "catch": True}, {"op": "predict_on_batch", "samples": [1, 2, 3, 4]},
               {"op": "predict_on_batch", "samples": [5], "catch": True}, {"op": "predict_on_batch", "samples": [6, 7, 8, 9]}],
              tags=["stateful", "lstm", "on_batch", "error", "broadcast"]))
    add(build("simple-stateless-direct-and-on-batch", "stateless SimpleRNN: model(x), train_on_batch, predict_on_batch",
              [rnn("simple", 3)],
              [{"op": "call", "samples": [0, 1, 2]}, {"op": "train_on_batch", "samples": [3, 4, 5, 6]}, {"op": "predict_on_batch", "samples": [7, 8]}],
              tags=["stateless", "simple", "plan", "direct", "on_batch"]))
    add(build("lstm-stateful-train-on-batch-trainable", "stateful LSTM with trainable weights: train_on_batch",
              [rnn("lstm", 3, stateful=True)], [{"op": "train_on_batch", "samples": [0, 1, 2, 3]}, {"op": "predict_on_batch", "samples": [4, 5, 6, 7]}],
              trainable=True, tags=["stateful", "lstm", "on_batch", "trainable"]))

    # L. initial_state
    add(build("lstm-stateless-initial-state", "stateless LSTM called directly with initial_state, then without",
              [rnn("lstm", 3)],
              [{"op": "layer_call", "samples": [0, 1, 2, 3], "initial_state": "random"}, {"op": "layer_call", "samples": [4, 5, 6, 7]}],
              tags=["stateless", "lstm", "initial_state"]))
    add(build("lstm-stateful-initial-state", "stateful LSTM: predict (carries), layer call with initial_state (wins over the stored state), layer call without",
              [rnn("lstm", 3, stateful=True)],
              [predict(samples=(0, 4)), {"op": "layer_call", "samples": [4, 5, 6, 7], "initial_state": "random"},
               {"op": "layer_call", "samples": [8, 9, 10, 11]}], tags=["stateful", "lstm", "initial_state"]))
    add(build("gru-stateful-initial-state", "stateful GRU: layer call with initial_state twice, then fit",
              [rnn("gru", 3, stateful=True)],
              [{"op": "layer_call", "samples": [0, 1, 2, 3], "initial_state": "random"},
               {"op": "layer_call", "samples": [4, 5, 6, 7], "initial_state": "random"}, fit(epochs=1)], tags=["stateful", "gru", "initial_state"]))
    add(build("bidi-lstm-stateful-initial-state", "Bidirectional stateful LSTM called with 4 initial_state tensors [fh, fc, bh, bc], then without",
              [rnn("lstm", 2, stateful=True, bidirectional=True)],
              [{"op": "layer_call", "samples": [0, 1, 2, 3], "initial_state": "random"}, {"op": "layer_call", "samples": [4, 5, 6, 7]}],
              tags=["stateful", "lstm", "bidirectional", "initial_state"]))
    add(build("simple-stateful-initial-state-after-reset", "stateful SimpleRNN: layer call, reset_state, layer call with initial_state, predict",
              [rnn("simple", 3, stateful=True)],
              [{"op": "layer_call", "samples": [0, 1, 2, 3]}, reset(), {"op": "layer_call", "samples": [4, 5, 6, 7], "initial_state": "random"}, predict(samples=(8, 12))],
              tags=["stateful", "simple", "initial_state", "reset"]))

    # M. run_eagerly / jit_compile
    for c in ("lstm", "gru"):
        add(build(f"{c}-stateful-run-eagerly", f"stateful {c}, run_eagerly=True: fit 2 epochs with validation_split, reset_state, evaluate, predict",
                  [rnn(c, 3, stateful=True)], [fit(epochs=2, validation_split=0.25), reset(), evaluate(), predict()], n=16, run_eagerly=True,
                  tags=["stateful", c, "run_eagerly"]))
        add(build(f"{c}-stateful-jit-false", f"stateful {c}, jit_compile=False: fit 2 epochs with validation_split, reset_state, evaluate, predict",
                  [rnn(c, 3, stateful=True)], [fit(epochs=2, validation_split=0.25), reset(), evaluate(), predict()], n=16, jit_compile=False,
                  backends=["jax", "tensorflow"], not_applicable={"torch": "jit_compile=False is the torch default (auto resolves to False): same as the basic scenarios"},
                  tags=["stateful", c, "jit_compile"]))
    add(build("lstm-stateful-run-eagerly-call-first", "stateful LSTM, run_eagerly=True: model(x) (carries), predict, reset_state, predict",
              [rnn("lstm", 3, stateful=True)], [{"op": "call", "samples": [0, 1, 2, 3]}, predict(), reset(), predict()], n=8, run_eagerly=True,
              tags=["stateful", "lstm", "run_eagerly", "direct"]))
    add(build("lstm-stateful-jit-false-call-first", "stateful LSTM, jit_compile=False: model(x) (carries), predict, reset_state, predict",
              [rnn("lstm", 3, stateful=True)], [{"op": "call", "samples": [0, 1, 2, 3]}, predict(), reset(), predict()], n=8, jit_compile=False,
              backends=["jax", "tensorflow"], not_applicable={"torch": "jit_compile=False is the torch default"},
              tags=["stateful", "lstm", "jit_compile", "direct"]))
    add(build("simple-stateful-run-eagerly-trainable", "stateful SimpleRNN with trainable weights, run_eagerly=True: fit 2 epochs",
              [rnn("simple", 3, stateful=True)], [fit(epochs=2), predict()], run_eagerly=True, trainable=True,
              tags=["stateful", "simple", "run_eagerly", "trainable"]))
    add(build("lstm-stateful-jit-true", "stateful LSTM, jit_compile=True: fit 2 epochs, predict (XLA on tensorflow; jax's default; torch.compile on torch)",
              [rnn("lstm", 3, stateful=True)], [fit(epochs=2), predict()], jit_compile=True,
              tags=["stateful", "lstm", "jit_compile"]))
    add(build("lstm-stateful-jit-true-partial1", "stateful LSTM, jit_compile=True: fit on 9 samples (1-row last batch)",
              [rnn("lstm", 3, stateful=True)], [fit(epochs=1), predict(samples=(0, 8))], n=9, jit_compile=True,
              tags=["stateful", "lstm", "jit_compile", "partial", "broadcast"]))
    # torch: jit_compile=True is torch.compile (dynamo + inductor), which compiles the backward pass
    # before the first batch runs: what happens to the fused LSTM/GRU's in-place state update (R3)?
    for c in ("lstm", "gru", "simple"):
        add(build(f"{c}-stateful-jit-true-trainable", f"stateful {c} with trainable weights, jit_compile=True: fit 2 epochs, predict",
                  [rnn(c, 3, stateful=True)], [fit(epochs=2), predict()], jit_compile=True, trainable=True,
                  tags=["stateful", c, "jit_compile", "trainable"]))
    add(build("lstm-stateful-mask-jit-true-trainable", "Masking + stateful LSTM with trainable weights, jit_compile=True: fit 2 epochs, predict",
              [masking(), rnn("lstm", 3, stateful=True)], [fit(epochs=2), predict()], pad={1: 1, 4: 2, 6: 1, 9: 3}, jit_compile=True, trainable=True,
              tags=["stateful", "lstm", "masking", "jit_compile", "trainable"]))
    add(build("lstm-stateful-jit-true-call-then-fit-trainable", "stateful LSTM with trainable weights, jit_compile=True: model(x), fit (caught), predict: what the state holds after a failed fit",
              [rnn("lstm", 3, stateful=True)], [{"op": "call", "samples": [0, 1, 2, 3]}, fit(epochs=1, catch=True), predict()], n=8, jit_compile=True, trainable=True,
              tags=["stateful", "lstm", "jit_compile", "trainable", "direct"]))
    add(build("gru-stateful-jit-true-train-on-batch-trainable", "stateful GRU with trainable weights, jit_compile=True: train_on_batch (caught), predict_on_batch",
              [rnn("gru", 3, stateful=True)], [{"op": "train_on_batch", "samples": [0, 1, 2, 3], "catch": True}, {"op": "predict_on_batch", "samples": [4, 5, 6, 7]}],
              jit_compile=True, trainable=True, tags=["stateful", "gru", "jit_compile", "trainable", "on_batch"]))
    add(build("lstm-stateful-jit-true-partial2", "stateful LSTM, jit_compile=True: fit on 10 samples (2-row last batch)",
              [rnn("lstm", 3, stateful=True)], [fit(epochs=1)], n=10, jit_compile=True,
              tags=["stateful", "lstm", "jit_compile", "partial"]))
    return S


def scenario_map():
    out = {}
    for s in scenarios():
        if s["id"] in out:
            raise ValueError(f"duplicate scenario id {s['id']}")
        out[s["id"]] = s
    return out
