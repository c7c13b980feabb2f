"""
Which TensorFlow node a stateful model's partial batch fails at, by model head and call (issue 9).

Keras 3.15.1, tensorflow 2.21 (CPU), a stateful recurrent layer of batch B=6 fed N=15 samples, so the
last batch of fit/predict/evaluate has 3 rows and an unknown batch dimension in the tf.function
(section R2). Run: KERAS_BACKEND is set here; `/work/venv-keras/bin/python scripts/keras-goldens/probes/incompatible-shapes.py`.
What it printed is in incompatible-shapes.txt: predict and evaluate always fail at the cell's add
([3, W] vs. [6, W], W = 4U for LSTM, U for GRU and SimpleRNN); fit may instead name a gradient node
that needs only shapes: the loss's ([3, 1] vs. [6, 1] under Dense(1), [3, 4, 1] with
return_sequences) or the cell's add gradient. src/keras/backends.ts kerasError('dynamic-shape')
therefore quotes only the rows for training calls.
"""
import os, re, sys, json
os.environ["KERAS_BACKEND"] = "tensorflow"
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np, keras
B, T, D, N = 6, 4, 2, 15
rng = np.random.default_rng(0)
x = rng.standard_normal((N, T, D)).astype("float32")
def model(cell, units, head, seq=False):
    layers = [keras.Input(batch_shape=(B, T, D)), getattr(keras.layers, cell)(units, stateful=True, return_sequences=seq)]
    if head is not None:
        layers.append(keras.layers.Dense(head))
    m = keras.Sequential(layers)
    m.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    return m
out = []
for cell, units, head, seq in [("LSTM", 3, None, False), ("LSTM", 3, 1, False), ("LSTM", 3, 5, False), ("GRU", 3, 1, False), ("SimpleRNN", 2, 1, False), ("LSTM", 3, 1, True), ("LSTM", 8, 1, False)]:
    for op in ("fit", "predict", "evaluate"):
        m = model(cell, units, head, seq)
        yw = head if head is not None else units
        y = np.zeros((N, T, yw) if seq else (N, yw), "float32")
        try:
            if op == "fit": m.fit(x, y, batch_size=B, shuffle=False, verbose=0)
            elif op == "predict": m.predict(x, batch_size=B, verbose=0)
            else: m.evaluate(x, y, batch_size=B, verbose=0)
            r = "ok"
        except Exception as e:
            msg = str(e)
            r = type(e).__name__ + " " + "; ".join(re.findall(r"Incompatible shapes: \[[^\]]*\] vs\. \[[^\]]*\]", msg)) + " node=" + ",".join(re.findall(r"Detected at node (\S+)", msg))
        line = f"{cell}({units}) head={head} seq={seq} {op}: {r}"
        print(line, flush=True)
