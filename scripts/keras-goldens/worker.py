"""Runs golden scenarios in real Keras on ONE backend and writes what happened, one JSON line each.

    KERAS_BACKEND=jax python worker.py SCENARIOS.json OUT.jsonl

generate.py starts this in a fresh process per backend (KERAS_BACKEND must be set before keras is
imported). SCENARIOS.json is a list of scenarios exactly as scenarios.py builds them (the fixture's
"scenario" plus id). For every scenario OUT.jsonl gets {"start": id} before it runs and
{"id": id, "result": {...}} after, so the parent can tell which scenario a crashed process was in.

How each field is decided is written down in README.md ("How each field is decided").
"""
import gc
import importlib.metadata
import itertools
import json
import os
import platform
import random
import re
import sys
import time

import numpy as np

BACKEND = os.environ.get("KERAS_BACKEND")
if BACKEND not in ("jax", "tensorflow", "torch"):
    sys.exit("worker.py: set KERAS_BACKEND to jax, tensorflow or torch before starting it")

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import keras  # noqa: E402
from keras import ops  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference as ref  # noqa: E402

# A start candidate matches when it reproduces every observed value within this (float32 vs float64:
# Keras's own results differ from the float64 recomputation by ~1e-7).
TOL = 2e-5
HERE = os.path.dirname(os.path.abspath(__file__))


def versions():
    out = {}
    for name in ("keras", "jax", "jaxlib", "tensorflow", "torch", "numpy", "h5py"):
        try:
            out[name] = importlib.metadata.version(name if name != "tensorflow" else "tensorflow-cpu")
        except importlib.metadata.PackageNotFoundError:
            try:
                out[name] = importlib.metadata.version(name)
            except importlib.metadata.PackageNotFoundError:
                out[name] = None
    out["python"] = platform.python_version()
    return out


def normalize_message(text):
    """Keras's text, with machine-specific paths replaced so fixtures do not depend on where they were made."""
    site = os.path.dirname(os.path.dirname(keras.__file__))
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)  # Keras prints the core sentence in ANSI bold
    text = text.replace(site + os.sep, "<site-packages>/")
    text = text.replace(HERE + os.sep, "<keras-goldens>/")
    text = text.replace(os.path.dirname(os.__file__) + os.sep, "<python-lib>/")
    # tensorflow's "defined at (most recent call last)" frames name this generator's own lines: elided
    text = re.sub(r'(\n  File "[^"\n]*", line \d+, in [^\n]*\n)+', "\n  <traceback frames elided>\n", text)
    # the traced function's id counts the functions traced earlier in the process: not Keras semantics
    text = re.sub(r"(__inference_[A-Za-z_]+?)_\d+\b", r"\1_<n>", text)
    return text


# ----------------------------------------------------------------------------------------------------
# Observation


class Probe(keras.metrics.Metric):
    """A metric that keeps, after every train/test step, the batch's model output and the first target
    value of every row (padded with NaN to a fixed size). It reads y_true/y_pred only; it never touches
    the recurrent layers. Its result is a dict of arrays, which Keras passes to batch-end callbacks."""

    def __init__(self, max_rows, width, name="goldens_probe"):
        super().__init__(name=name)
        self.max_rows, self.width = max_rows, width
        self.pred = self.add_variable(shape=(max_rows, width), initializer="zeros", name="pred")
        self.ytrue = self.add_variable(shape=(max_rows,), initializer="zeros", name="ytrue")
        self.rows = self.add_variable(shape=(), initializer="zeros", name="rows")

    def update_state(self, y_true, y_pred, sample_weight=None):
        p = ops.reshape(ops.cast(y_pred, "float32"), (-1, self.width))
        self.pred.assign(ops.concatenate([p, ops.full((self.max_rows, self.width), float("nan"))], axis=0)[: self.max_rows])
        y = ops.reshape(ops.cast(y_true, "float32"), (ops.shape(y_true)[0], -1))[:, 0]
        self.ytrue.assign(ops.concatenate([y, ops.full((self.max_rows,), float("nan"))], axis=0)[: self.max_rows])
        self.rows.assign(ops.cast(ops.shape(p)[0], "float32"))

    def result(self):
        # copies, not the variables' own tensors (returning those breaks tensorflow's run_eagerly=True fit)
        return {"goldens_pred": ops.convert_to_tensor(self.pred) * 1.0, "goldens_y": ops.convert_to_tensor(self.ytrue) * 1.0,
                "goldens_rows": ops.convert_to_tensor(self.rows) * 1.0}

    def reset_state(self):
        pass


def to_np(v):
    return np.array(ops.convert_to_numpy(v), dtype=np.float64)


class Run:
    """Everything observed while one scenario runs on this backend."""

    def __init__(self, sc):
        self.sc = sc
        self.raw = []  # raw events in order: calls, resets, raises
        self.step = None
        self.in_fit = False
        self.epoch = None
        self.phase = None
        self.pending = None
        self.rnn = []  # the recurrent layer objects, in model order
        self.step_snapshots = []

    def states(self):
        """Per recurrent layer: per direction list of state arrays, or None (stateless / not built)."""
        out = []
        for layer in self.rnn:
            subs = [layer.forward_layer, layer.backward_layer] if isinstance(layer, keras.layers.Bidirectional) else [layer]
            per = []
            for s in subs:
                if getattr(s, "states", None) is None:
                    per = None
                    break
                per.append([to_np(v.value) for v in s.states])
            out.append(per)
        return out

    def begin_call(self, phase, batch, source):
        self.pending = {"kind": "call", "step": self.step, "phase": phase, "epoch": self.epoch if phase in ("fit", "validate") else None,
                        "batch": batch, "source": source, "before": self.states(), "t0": time.time()}

    def end_call(self, output=None, yfirst=None, out_rows=None):
        call = self.pending
        self.pending = None
        call["after"] = self.states()
        call["output"] = None if output is None else np.asarray(output, dtype=np.float64)
        call["yfirst"] = yfirst
        call["raised"] = False
        self.raw.append(call)

    def fail_pending(self):
        if self.pending is not None:
            call = self.pending
            self.pending = None
            call["after"] = self.states()
            call["output"] = None
            call["yfirst"] = None
            call["raised"] = True
            self.raw.append(call)
            return call
        return None


class ObserveAfter(keras.callbacks.Callback):
    """First in the callback list: reads the states right after a batch, before any user callback resets."""

    def __init__(self, run, width):
        super().__init__()
        self.run, self.width = run, width

    def on_train_begin(self, logs=None):
        self.run.in_fit = True

    def on_train_end(self, logs=None):
        self.run.in_fit = False

    def on_epoch_begin(self, epoch, logs=None):
        self.run.epoch = epoch + 1

    def _probe(self, logs):
        rows = int(round(float(np.asarray(logs["goldens_rows"]))))
        pred = np.asarray(logs["goldens_pred"], dtype=np.float64)[:rows]
        y = np.asarray(logs["goldens_y"], dtype=np.float64)
        y = y[~np.isnan(y)]
        return pred, y

    def on_train_batch_end(self, batch, logs=None):
        pred, y = self._probe(logs)
        self.run.end_call(pred, y)

    def on_test_batch_end(self, batch, logs=None):
        pred, y = self._probe(logs)
        self.run.end_call(pred, y)

    def on_predict_batch_end(self, batch, logs=None):
        out = np.asarray(ops.convert_to_numpy(logs["outputs"]), dtype=np.float64)
        self.run.end_call(out.reshape(out.shape[0], -1), None)


class ObserveBefore(keras.callbacks.Callback):
    """Last in the callback list: reads the states right before a batch runs."""

    def __init__(self, run, val_source):
        super().__init__()
        self.run, self.val_source = run, val_source

    def on_train_batch_begin(self, batch, logs=None):
        self.run.begin_call("fit", batch + 1, "x")

    def on_test_batch_begin(self, batch, logs=None):
        if self.run.in_fit:
            self.run.begin_call("validate", batch + 1, self.val_source)
        else:
            self.run.begin_call("evaluate", batch + 1, "x")

    def on_predict_batch_begin(self, batch, logs=None):
        self.run.begin_call("predict", batch + 1, "x")


class ResetStates(keras.callbacks.Callback):
    """The user's callback: reset_state() of every stateful layer at each epoch end, or after every K
    training batches (its batch index restarts every epoch, as Keras's does)."""

    def __init__(self, run, spec):
        super().__init__()
        self.run, self.spec = run, spec

    def _reset(self, epoch, after_batch):
        names = reset_all(self.run)
        self.run.raw.append({"kind": "reset", "step": self.run.step, "source": "callback", "when": self.spec["when"],
                             "epoch": epoch, "after_batch": after_batch, "layers": names, "after": self.run.states()})

    def on_train_batch_end(self, batch, logs=None):
        if self.spec["when"] == "batch_end" and (batch + 1) % self.spec["every"] == 0:
            self._reset(self.run.epoch, batch + 1)

    def on_epoch_end(self, epoch, logs=None):
        if self.spec["when"] == "epoch_end":
            self._reset(epoch + 1, None)


def stateful_layers(run):
    return [l for l in run.rnn if getattr(l, "stateful", False)]


def reset_all(run, method="reset_state"):
    names = []
    for layer in stateful_layers(run):
        getattr(layer, method)()
        names.append(layer.name)
    return names


# ----------------------------------------------------------------------------------------------------
# Building the model


class ArrayInit(keras.initializers.Initializer):
    """Initialises a weight with a fixed array (used only when the model cannot be built before fit)."""

    def __init__(self, value):
        self.value = np.asarray(value, dtype="float32")

    def __call__(self, shape, dtype=None):
        if tuple(shape) != self.value.shape:
            raise ValueError(f"goldens: weight shape {tuple(shape)} != stored {self.value.shape}")
        return ops.convert_to_tensor(self.value, dtype=dtype)

    def get_config(self):
        return {"value": self.value.tolist()}


def make_rnn(spec, with_initializers):
    cls = {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU, "simple": keras.layers.SimpleRNN}[spec["cell"]]
    kw = {"units": spec["units"], "stateful": spec["stateful"], "return_sequences": spec["return_sequences"],
          "activation": spec["activation"]}
    if spec["cell"] != "simple":
        kw["recurrent_activation"] = spec["recurrent_activation"]
    if spec["cell"] == "gru":
        kw["reset_after"] = spec["reset_after"]
    if with_initializers:
        ws = {w["name"]: w["value"] for w in spec["weights"] if w["direction"] == "forward"}
        kw.update(kernel_initializer=ArrayInit(ws["kernel"]), recurrent_initializer=ArrayInit(ws["recurrent_kernel"]),
                  bias_initializer=ArrayInit(ws["bias"]))
        if spec["cell"] == "lstm":
            kw["unit_forget_bias"] = False
    layer = cls(**kw)
    if spec["bidirectional"]:
        if with_initializers:
            raise ValueError("goldens: Bidirectional without an Input is not supported by this generator")
        layer = keras.layers.Bidirectional(layer, merge_mode=spec["merge_mode"])
    return layer


def weight_arrays(spec):
    return [np.asarray(w["value"], dtype="float32") for w in spec["weights"]]


def build_model(sc, run):
    m = sc["scenario"]["model"]
    inp = m["input"]
    layers = []
    if inp["kind"] == "batch_shape":
        layers.append(keras.Input(batch_shape=tuple(inp["batch_shape"])))
    elif inp["kind"] == "shape_batch_size":
        layers.append(keras.Input(shape=tuple(inp["shape"]), batch_size=inp["batch_size"]))
    elif inp["kind"] == "shape":
        layers.append(keras.Input(shape=tuple(inp["shape"])))
    with_init = inp["kind"] == "none"
    for spec in m["layers"]:
        if spec["type"] == "masking":
            layers.append(keras.layers.Masking(mask_value=spec["mask_value"]))
        else:
            layer = make_rnn(spec, with_init)
            run.rnn.append(layer)
            layers.append(layer)
    model = keras.Sequential(layers)
    for layer in run.rnn:
        layer.trainable = bool(sc["scenario"]["trainable"])
    if not with_init:
        for layer, spec in zip(run.rnn, [l for l in m["layers"] if l["type"] == "rnn"]):
            layer.set_weights(weight_arrays(spec))
    return model


def weights_check(run, sc):
    """Max |get_weights() - stored| over every recurrent layer, and the Keras variable paths in order."""
    specs = [l for l in sc["scenario"]["model"]["layers"] if l["type"] == "rnn"]
    dev, paths = 0.0, []
    for layer, spec in zip(run.rnn, specs):
        got = layer.get_weights()
        want = weight_arrays(spec)
        if len(got) != len(want) or any(g.shape != w.shape for g, w in zip(got, want)):
            return None, [w.path for w in layer.weights]
        dev = max(dev, max(float(np.max(np.abs(g - w))) for g, w in zip(got, want)))
        paths.append([w.path for w in layer.weights])
    return dev, paths


# ----------------------------------------------------------------------------------------------------
# Running the plan


def run_plan(sc, run, model, result):
    s = sc["scenario"]
    data = s["data"]
    x = np.asarray(data["x"], dtype="float32")
    y = np.asarray(data["y"], dtype="float32")
    val = data.get("validation_data")
    width = int(np.prod(y.shape[1:]))
    max_rows = max(32, x.shape[0], len(val["x"]) if val else 0, 64)
    probe = Probe(max_rows, width)
    c = s["compile"]
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=c["learning_rate"]), loss=c["loss"], metrics=[probe],
                  run_eagerly=c["run_eagerly"], jit_compile=c["jit_compile"])
    result["resolved"] = {"run_eagerly": bool(model.run_eagerly), "jit_compile": bool(model.jit_compile)}

    for i, step in enumerate(s["plan"]):
        run.step = i
        run.step_snapshots.append(run.states())
        op = step["op"]
        try:
            run_step(step, run, model, x, y, val, width)
        except Exception as e:  # noqa: BLE001 - every raise is the observation
            import traceback

            print(f"--- {sc['id']} step {i} ({op}) raised:", file=sys.stderr)
            traceback.print_exc(file=sys.stderr)
            failing = run.fail_pending()
            run.raw.append({"kind": "raise", "step": i, "op": op, "exc": e, "failing": failing, "caught": bool(step.get("catch")),
                            "after": run.states(), "epoch": run.epoch if op == "fit" else None})
            run.in_fit = False
            if not step.get("catch"):
                result["steps_run"] = i + 1
                return
        run.epoch = None
    result["steps_run"] = len(s["plan"])


def run_step(step, run, model, x, y, val, width):
    op = step["op"]
    idx = step.get("samples")
    if op == "fit":
        cbs = [ObserveAfter(run, width)] + [ResetStates(run, c) for c in step["callbacks"]]
        cbs.append(ObserveBefore(run, "validation_data" if step["validation_data"] else "x"))
        kw = {"epochs": step["epochs"], "shuffle": step["shuffle"], "verbose": 0, "callbacks": cbs}
        if step["batch_size"] is not None:
            kw["batch_size"] = step["batch_size"]
        if step["validation_split"]:
            kw["validation_split"] = step["validation_split"]
        if step["validation_data"]:
            kw["validation_data"] = (np.asarray(val["x"], dtype="float32"), np.asarray(val["y"], dtype="float32"))
        if step["validation_batch_size"] is not None:
            kw["validation_batch_size"] = step["validation_batch_size"]
        run.in_fit = False
        model.fit(x[idx], y[idx], **kw)
    elif op in ("evaluate", "predict"):
        cbs = [ObserveAfter(run, width), ObserveBefore(run, "x")]
        kw = {"verbose": 0, "callbacks": cbs}
        if step["batch_size"] is not None:
            kw["batch_size"] = step["batch_size"]
        if op == "evaluate":
            model.evaluate(x[idx], y[idx], **kw)
        else:
            model.predict(x[idx], **kw)
    elif op == "reset_state":
        names = reset_all(run, step["method"])
        run.raw.append({"kind": "reset", "step": run.step, "source": "plan", "when": None, "epoch": None, "after_batch": None,
                        "layers": names, "method": step["method"], "after": run.states()})
    elif op == "model_reset_states":
        model.reset_states()
    elif op == "train_on_batch":
        run.begin_call("train_on_batch", None, "x")
        logs = model.train_on_batch(x[idx], y[idx], return_dict=True)
        rows = int(round(float(np.asarray(logs["goldens_rows"]))))
        yv = np.asarray(logs["goldens_y"], dtype=np.float64)
        run.end_call(np.asarray(logs["goldens_pred"], dtype=np.float64)[:rows], yv[~np.isnan(yv)])
    elif op == "predict_on_batch":
        run.begin_call("predict_on_batch", None, "x")
        out = np.asarray(ops.convert_to_numpy(model.predict_on_batch(x[idx])), dtype=np.float64)
        run.end_call(out.reshape(out.shape[0], -1))
    elif op == "call":
        run.begin_call("call", None, "x")
        out = to_np(model(x[idx], training=step["training"]))
        run.end_call(out.reshape(out.shape[0], -1))
    elif op == "layer_call":
        run.begin_call("layer_call", None, "x")
        layer = run.rnn[step["layer"]]
        init = step.get("initial_state")
        kw = {}
        if init is not None:
            kw["initial_state"] = [np.asarray(a, dtype="float32") for a in init]
        out = to_np(layer(x[idx], **kw))
        run.end_call(out.reshape(out.shape[0], -1))
    else:
        raise ValueError(f"goldens: unknown op {op}")


# ----------------------------------------------------------------------------------------------------
# Deciding what happened (float64 recomputation)


def split_train_val(step, n_total):
    idx = step["samples"]
    vs = step.get("validation_split")
    if vs:
        split_at = int(len(idx) * (1 - vs))
        return idx[:split_at], idx[split_at:]
    return idx, None


def expected_samples(sc, call):
    """Which samples Keras should put in the call's rows when nothing is shuffled (None if shuffled)."""
    step = sc["scenario"]["plan"][call["step"]]
    op = step["op"]
    if op in ("train_on_batch", "predict_on_batch", "call", "layer_call"):
        return list(step["samples"])
    bs = step.get("batch_size") or 32
    b = call["batch"] - 1
    if op in ("evaluate", "predict"):
        return list(step["samples"][b * bs : (b + 1) * bs])
    train, val = split_train_val(step, None)
    if call["phase"] == "fit":
        if step["shuffle"]:
            return None
        return list(train[b * bs : (b + 1) * bs])
    vbs = step.get("validation_batch_size") or bs
    if step["validation_data"]:
        n = len(sc["scenario"]["data"]["validation_data"]["x"])
        return list(range(n))[b * vbs : (b + 1) * vbs]
    return list(val[b * vbs : (b + 1) * vbs])


def samples_from_targets(yfirst, source_y):
    """Maps each row's first target value back to the sample it belongs to (targets are unique)."""
    firsts = np.asarray(source_y, dtype=np.float32).reshape(len(source_y), -1)[:, 0]
    out = []
    for v in yfirst:
        hits = np.nonzero(firsts == np.float32(v))[0]
        out.append(int(hits[0]) if len(hits) == 1 else None)
    return out


def maxabs(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return float("inf")
    return float(np.max(np.abs(a - b))) if a.size else 0.0


def same_states(a, b):
    """Per-direction lists of arrays equal within TOL (None never equal)."""
    if a is None or b is None:
        return False
    return all(maxabs(x, y) <= TOL for da, db in zip(a, b) for x, y in zip(da, db))


ORDER = ["zeros", "previous", "stored", "initial_state"]


def label_key(name):
    if name in ORDER:
        return (ORDER.index(name), 0)
    return (len(ORDER), int(name.split(":")[1]))


class Decider:
    """Replays the raw calls in order, deciding each call's start by float64 recomputation."""

    def __init__(self, sc, run):
        self.sc = sc
        s = sc["scenario"]
        self.layers = [l for l in s["model"]["layers"] if l["type"] == "rnn"]
        self.weights = [ref.layer_weight_arrays(l) for l in self.layers]
        masking = [l for l in s["model"]["layers"] if l["type"] == "masking"]
        self.mask_value = masking[0]["mask_value"] if masking else None
        self.data = {"x": s["data"]["x"], "validation_data": (s["data"]["validation_data"] or {}).get("x")}
        self.ydata = {"x": s["data"]["y"], "validation_data": (s["data"]["validation_data"] or {}).get("y")}
        self.previous = [None] * len(self.layers)
        self.snapshots = run.step_snapshots
        self.seeded = s["random_seed"] is not None
        self.max_dev = 0.0
        self.min_sep = None

    def candidates(self, li, rows_in, call, tier2):
        layer = self.layers[li]
        ndir = 2 if layer["bidirectional"] else 1
        nst = 2 if layer["cell"] == "lstm" else 1
        u = layer["units"]
        out = []
        before = call["before"][li] if call["before"] else None
        zero_rows = {rows_in}
        if before is not None:
            zero_rows.add(before[0][0].shape[0])
        for r in sorted(zero_rows):
            out.append(("zeros", [[np.zeros((r, u)) for _ in range(nst)] for _ in range(ndir)]))
        if self.previous[li] is not None:
            out.append(("previous", self.previous[li]))
        if before is not None:
            out.append(("stored", before))
        step = self.sc["scenario"]["plan"][call["step"]]
        if step["op"] == "layer_call" and step.get("initial_state") is not None and step["layer"] == li:
            arrs = [ref.f32(a) for a in step["initial_state"]]
            out.append(("initial_state", [arrs[d * nst : (d + 1) * nst] for d in range(ndir)]))
        if tier2:
            for k in range(call["step"] + 1):
                snap = self.snapshots[k][li] if k < len(self.snapshots) else None
                if snap is not None:
                    out.append((f"stored_at_step:{k}", snap))
        # a candidate must fit the input rows, or one side must be a single row (broadcast)
        return [(n, st) for n, st in out if st[0][0].shape[0] in (rows_in, 1) or rows_in == 1]

    def forward(self, li, x, mask, combo, call, tier2, results):
        """Depth-first over the layers' candidates. combo: per layer (name, finals, broadcast) so far;
        results gets (combo, output of the last layer)."""
        if li == len(self.layers):
            results.append((list(combo), x))
            return
        rows_in = x.shape[0]
        step = self.sc["scenario"]["plan"][call["step"]]
        if step["op"] == "layer_call" and li != step["layer"]:
            # a direct layer call involves one layer only
            self.forward(li + 1, x, mask, combo + [(None, None, None)], call, tier2, results)
            return
        for name, start in self.candidates(li, rows_in, call, tier2):
            out, finals, out_mask = ref.run_layer(self.layers[li], self.weights[li], x, mask, start, BACKEND)
            rows_c = start[0][0].shape[0]
            broadcast = "input" if (rows_in == 1 and rows_c > 1) else "state" if (rows_c == 1 and rows_in > 1) else None
            entry = (name, finals, broadcast)
            if step["op"] == "layer_call":
                results.append((combo + [entry], out))
                continue
            self.forward(li + 1, out, out_mask, combo + [entry], call, tier2, results)

    def decide(self, call):
        """Adds start/final/written/samples to a raw call."""
        sc = self.sc
        step = sc["scenario"]["plan"][call["step"]]
        source = call["source"]
        expected = expected_samples(sc, call)
        observed = None
        if call.get("yfirst") is not None and len(call["yfirst"]):
            observed = samples_from_targets(call["yfirst"], self.ydata[source])
        samples = observed if observed is not None and None not in observed else expected
        info = {"expected_samples": expected, "observed_samples": observed}
        if samples is None:
            return info, None
        xs = ref.f32(np.asarray(self.data[source])[samples])
        if step["op"] == "layer_call":
            mask = None  # a direct layer call bypasses the Masking layer
        else:
            mask = ref.masking_mask(xs, self.mask_value) if self.mask_value is not None else None
        observables = call["output"] is not None or any(
            b is not None and a is not None and not same_states(a, b) for a, b in zip(call["before"] or [], call["after"] or []))
        if not observables:
            return info, None
        for tier2 in (False, True):
            results = []
            self.forward(0, xs, mask, [], call, tier2, results)
            scored = []
            for combo, out in results:
                names = [c[0] for c in combo]
                finals = [c[1] for c in combo]
                dev = 0.0
                if call["output"] is not None:
                    flat = np.asarray(out).reshape(np.asarray(out).shape[0], -1)
                    dev = max(dev, maxabs(flat, call["output"]))
                for li, fin in enumerate(finals):
                    b, a = (call["before"] or [None] * len(finals))[li], (call["after"] or [None] * len(finals))[li]
                    if fin is None or a is None or b is None or same_states(a, b):
                        continue
                    # the variable changed during the call: it must hold this combination's final state
                    dev = max(dev, max(maxabs(f, v) for fd, vd in zip(fin, a) for f, v in zip(fd, vd)))
                scored.append((dev, names, finals, [c[2] for c in combo]))
            matching = [r for r in scored if r[0] <= TOL]
            if matching:
                break
        best = min(scored, key=lambda r: r[0]) if scored else None
        # a candidate of another shape (maxabs = inf) separates nothing: JSON has no Infinity
        others = [r[0] for r in scored if TOL < r[0] < float("inf")]
        sep = min(others) if others else None
        return info, {"matching": matching, "best": best, "sep": sep, "tier2": tier2, "samples": samples}

    def process(self, call):
        info, dec = self.decide(call)
        ev = {"kind": "call", "step": call["step"], "op": self.sc["scenario"]["plan"][call["step"]]["op"], "phase": call["phase"],
              "epoch": call["epoch"], "batch": call["batch"], "data": call["source"]}
        step = self.sc["scenario"]["plan"][call["step"]]
        shuffled = step["op"] == "fit" and call["phase"] == "fit" and step["shuffle"]
        samples = info["observed_samples"] if info["observed_samples"] is not None else info["expected_samples"]
        if shuffled:
            ev["order"] = "seeded" if self.seeded else "unseeded"
        else:
            ev["order"] = "fixed"
        ev["samples"] = None if (shuffled and not self.seeded) else samples
        if shuffled:
            ev["observed_samples"] = info["observed_samples"]
        if info["expected_samples"] is not None and info["observed_samples"] is not None and info["observed_samples"] != info["expected_samples"]:
            ev["expected_samples"] = info["expected_samples"]  # Keras put other samples in the rows than the plan implies
        ev["rows"] = len(samples) if samples is not None else None
        ev["output_rows"] = None if call["output"] is None else int(call["output"].shape[0])
        ev["raised"] = call["raised"]
        layers = []
        best = dec["best"] if dec else None
        matching = dec["matching"] if dec else []
        for li, spec in enumerate(self.layers):
            if step["op"] == "layer_call" and li != step["layer"]:
                continue
            entry = {"layer": li}
            names = sorted({m[1][li] for m in matching}, key=label_key) if matching else []
            entry["start"] = names if dec is not None else None
            entry["written"] = None
            entry["broadcast"] = None
            fin = best[2][li] if (best is not None and matching) else None
            b = call["before"][li] if call["before"] else None
            a = call["after"][li] if call["after"] else None
            if spec["stateful"] and a is not None:
                written = []
                if fin is not None and same_states(fin, a):
                    written.append("final")
                if b is not None and same_states(b, a):
                    written.append("unchanged")
                if not written:
                    written = ["other"]
                    entry["stored_after"] = states_json(spec, a)
                entry["written"] = written
            if fin is not None:
                entry["broadcast"] = best[3][li]
                entry["final"] = states_json(spec, fin)
                self.previous[li] = [[np.array(t) for t in d] for d in fin]
            else:
                entry["final"] = None
                if spec["stateful"] and a is not None and b is not None and not same_states(a, b):
                    # the variable changed but no candidate explains it: carry the variable on as "previous"
                    self.previous[li] = a
            layers.append(entry)
        ev["layers"] = layers
        if dec is not None and matching:
            ev["dev"] = float(f"{best[0]:.3g}")
            ev["sep"] = None if dec["sep"] is None else float(f"{dec['sep']:.3g}")
            self.max_dev = max(self.max_dev, best[0])
            if dec["sep"] is not None:
                self.min_sep = dec["sep"] if self.min_sep is None else min(self.min_sep, dec["sep"])
            if dec["tier2"]:
                ev["note"] = "no start among zeros/previous/stored/initial_state matched; matched an earlier stored value"
        elif dec is not None:
            ev["dev"] = None
            ev["note"] = f"no candidate start reproduces what Keras produced (closest max|diff| {best[0]:.3g})" if best else "no candidate applies"
        return ev


def states_json(spec, per_dir):
    names = ref.STATE_NAMES[spec["cell"]]
    dirs = ["forward", "backward"] if spec["bidirectional"] else ["forward"]
    out = []
    for d, arrs in zip(dirs, per_dir):
        entry = {"direction": d}
        for n, a in zip(names, arrs):
            entry[n] = [[float(f"{v:.9g}") for v in row] for row in np.asarray(a, dtype=np.float64)]
        out.append(entry)
    return out


def exception_json(e):
    msg = normalize_message(str(e))
    return {"class": type(e).__name__, "module": type(e).__module__, "message": msg}


def finish(sc, run, result):
    dec = Decider(sc, run)
    events = []
    for raw in run.raw:
        if raw["kind"] == "call":
            events.append(dec.process(raw))
        elif raw["kind"] == "reset":
            specs = dec.layers
            zeroed = all(all(np.all(t == 0) for d in (raw["after"][li] or []) for t in d)
                         for li, s in enumerate(specs) if s["stateful"] and raw["after"][li] is not None)
            ev = {"kind": "reset", "step": raw["step"], "source": raw["source"], "when": raw["when"], "epoch": raw["epoch"],
                  "after_batch": raw["after_batch"], "layers": [li for li, s in enumerate(specs) if s["stateful"]], "zeroed": bool(zeroed)}
            if raw["source"] == "plan":
                ev["method"] = raw["method"]
            events.append(ev)
        else:
            e = raw["exc"]
            failing = raw["failing"]
            ev = {"kind": "raise", "step": raw["step"], "op": raw["op"],
                  "phase": failing["phase"] if failing else raw["op"],
                  "epoch": failing["epoch"] if failing else raw["epoch"],
                  "batch": failing["batch"] if failing else None,
                  "in_call": failing is not None, "caught": raw["caught"]}
            ev.update(exception_json(e))
            # did any state variable change between the start of the failing call (or step) and the raise?
            ref_states = failing["before"] if failing else (run.step_snapshots[raw["step"]] if raw["step"] < len(run.step_snapshots) else None)
            changed = None
            if ref_states is not None:
                changed = any(b is not None and a is not None and not same_states(a, b) for a, b in zip(ref_states, raw["after"]))
            ev["state_changed"] = changed
            events.append(ev)
    result["events"] = events
    result["max_dev"] = float(f"{dec.max_dev:.3g}")
    result["min_sep"] = None if dec.min_sep is None else float(f"{dec.min_sep:.3g}")
    raises = [e for e in events if e["kind"] == "raise" and not e["caught"]]
    result["status"] = "raised" if raises else "ok"
    result["error"] = raises[0] if raises else None


def reseed(seed):
    if seed is not None:
        keras.utils.set_random_seed(int(seed))
        return
    # an unseeded scenario: as a fresh process would be (OS entropy), whatever earlier scenarios seeded
    random.seed()
    np.random.seed()
    try:
        import tensorflow as tf

        tf.random.set_seed(None)
    except Exception:  # noqa: BLE001
        pass
    if BACKEND == "torch":
        import torch

        torch.seed()


def run_scenario(sc):
    keras.backend.clear_session()
    gc.collect()
    reseed(sc["scenario"]["random_seed"])
    run = Run(sc)
    result = {"backend": BACKEND, "versions": versions()}
    t0 = time.time()
    try:
        model = build_model(sc, run)
    except Exception as e:  # noqa: BLE001
        ev = {"kind": "raise", "step": None, "op": "build", "phase": "build", "epoch": None, "batch": None, "in_call": False, "caught": False}
        ev.update(exception_json(e))
        ev["state_changed"] = None
        result.update(status="raised", error=ev, events=[ev], steps_run=0, weights_set_by=None)
        result["seconds"] = round(time.time() - t0, 2)
        return result
    result["weights_set_by"] = "initializers" if sc["scenario"]["model"]["input"]["kind"] == "none" else "set_weights"
    run_plan(sc, run, model, result)
    result["layer_names"] = [l.name for l in run.rnn]
    try:
        dev, paths = weights_check(run, sc) if all(l.built for l in run.rnn) else (None, None)
    except Exception as e:  # noqa: BLE001 - e.g. jax after a raise inside predict: the model's variables were purged
        dev, paths = None, None
        result["weights_unreadable_at_end"] = exception_json(e)
    result["weights_max_dev_at_end"] = dev
    result["weight_paths"] = paths
    finish(sc, run, result)
    result["seconds"] = round(time.time() - t0, 2)
    return result


def main():
    scen_path, out_path = sys.argv[1], sys.argv[2]
    with open(scen_path) as f:
        scs = json.load(f)
    with open(out_path, "a") as out:
        for sc in scs:
            out.write(json.dumps({"start": sc["id"]}) + "\n")
            out.flush()
            try:
                res = run_scenario(sc)
            except Exception as e:  # noqa: BLE001 - a generator bug, not a Keras observation
                import traceback

                res = {"backend": BACKEND, "status": "generator_error", "error": {"class": type(e).__name__, "message": str(e),
                                                                                   "traceback": traceback.format_exc()}}
            out.write(json.dumps({"id": sc["id"], "result": res}, default=float) + "\n")
            out.flush()


if __name__ == "__main__":
    main()
