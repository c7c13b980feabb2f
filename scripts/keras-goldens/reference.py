"""Float64 numpy recomputation of the recurrent layers the goldens use (no Keras import).

Used by worker.py to decide, for every layer call Keras made, which candidate start state reproduces
what Keras produced. Equations follow Keras 3.15.1 (keras/src/layers/rnn/{lstm,gru,simple_rnn}.py);
masking follows keras/src/backend/{jax,tensorflow,torch}/rnn.py (see `masked_output_rule`).
"""
import numpy as np


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


ACTIVATIONS = {
    "tanh": np.tanh,
    "sigmoid": _sigmoid,
    # Keras 3: relu6(x + 3) / 6 (keras/src/activations/activations.py), not Keras 2's 0.2x + 0.5
    "hard_sigmoid": lambda x: np.clip(x / 6.0 + 0.5, 0.0, 1.0),
    "relu": lambda x: np.maximum(x, 0.0),
    "linear": lambda x: x,
}

STATE_NAMES = {"lstm": ["h", "c"], "gru": ["h"], "simple": ["h"]}


def f32(a):
    """What Keras holds: the JSON numbers rounded to float32, then widened for the float64 maths."""
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def masked_output_rule(backend):
    """Output of a masked step (zero_output_for_mask=False).

    jax (lax.scan path): the previous state h_{t-1} (`states[0]`), so leading masked steps give the start h.
    tensorflow / torch (while-loop path): the previous *output*, zeros before the first step.
    """
    return "state" if backend == "jax" else "output"


def cell_step(cell, w, x_t, states, act, ract, reset_after):
    """One step; x_t (R,D), states list of (R,U) (rows may broadcast). Returns (output, new_states)."""
    kernel, recurrent, bias = w
    if cell == "lstm":
        h, c = states
        u = recurrent.shape[0]
        z = x_t @ kernel + h @ recurrent + bias
        i = ract(z[..., :u])
        f = ract(z[..., u : 2 * u])
        cc = act(z[..., 2 * u : 3 * u])
        o = ract(z[..., 3 * u :])
        c2 = f * c + i * cc
        h2 = o * act(c2)
        return h2, [h2, c2]
    if cell == "gru":
        (h,) = states
        u = recurrent.shape[0]
        if reset_after:
            mx = x_t @ kernel + bias[0]
            mh = h @ recurrent + bias[1]
            z = ract(mx[..., :u] + mh[..., :u])
            r = ract(mx[..., u : 2 * u] + mh[..., u : 2 * u])
            hh = act(mx[..., 2 * u :] + r * mh[..., 2 * u :])
        else:
            mx = x_t @ kernel + bias
            mh = h @ recurrent[:, : 2 * u]
            z = ract(mx[..., :u] + mh[..., :u])
            r = ract(mx[..., u : 2 * u] + mh[..., u : 2 * u])
            hh = act(mx[..., 2 * u :] + (r * h) @ recurrent[:, 2 * u :])
        h2 = z * h + (1.0 - z) * hh
        return h2, [h2]
    if cell == "simple":
        (h,) = states
        h2 = act(x_t @ kernel + bias + h @ recurrent)
        return h2, [h2]
    raise ValueError(f"unknown cell {cell}")


def run_direction(layer, w, x, mask, start, backend, go_backwards, zero_output_for_mask):
    """One direction of one layer. x (R,T,D), mask (R,T) bool or None, start list of (R',U).

    Rows broadcast as numpy (and the backends) do: a 1-row input against R-row states, or a 1-row state
    against an R-row input. Returns (outputs (R,T,U) in the order processed, last_output, final_states).
    """
    act = ACTIVATIONS[layer["activation"]]
    ract = ACTIVATIONS[layer.get("recurrent_activation") or "sigmoid"]
    reset_after = layer.get("reset_after")
    steps = list(range(x.shape[1]))
    if go_backwards:
        steps.reverse()
    states = [np.asarray(s, dtype=np.float64) for s in start]
    rule = masked_output_rule(backend)
    prev_out = None
    outs = []
    for t in steps:
        out, new = cell_step(layer["cell"], w, x[:, t, :], states, act, ract, reset_after)
        if mask is not None:
            m = mask[:, t][:, None]
            if zero_output_for_mask:
                masked_out = np.zeros_like(out)
            elif rule == "state":
                masked_out = np.broadcast_to(states[0], out.shape)
            else:
                masked_out = np.zeros_like(out) if prev_out is None else np.broadcast_to(prev_out, out.shape)
            out = np.where(m, out, masked_out)
            new = [np.where(m, n, np.broadcast_to(s, n.shape)) for n, s in zip(new, states)]
        states = [np.array(n) for n in new]
        prev_out = out
        outs.append(out)
    rows = max(o.shape[0] for o in outs)
    outputs = np.stack([np.broadcast_to(o, (rows,) + o.shape[1:]) for o in outs], axis=1)
    return outputs, outputs[:, -1, :], [np.broadcast_to(s, (rows,) + s.shape[1:]).copy() for s in states]


def run_layer(layer, weights, x, mask, starts, backend):
    """A recurrent layer (maybe Bidirectional). weights: per direction [kernel, recurrent_kernel, bias];
    starts: per direction list of state arrays. Returns (output, finals per direction, output mask)."""
    bidi = layer.get("bidirectional", False)
    rs = layer.get("return_sequences", False)
    if not bidi:
        outputs, last, finals = run_direction(layer, weights[0], x, mask, starts[0], backend, False, False)
        return (outputs if rs else last), [finals], (mask if rs else None)
    # Keras 3 Bidirectional forces zero_output_for_mask = return_sequences on both sub-layers
    fo, fl, ff = run_direction(layer, weights[0], x, mask, starts[0], backend, False, rs)
    bo, bl, bf = run_direction(layer, weights[1], x, mask, starts[1], backend, True, rs)
    if rs:
        bo = bo[:, ::-1, :]  # the backward outputs are flipped back to input time order
        rows = max(fo.shape[0], bo.shape[0])
        out = np.concatenate([np.broadcast_to(fo, (rows,) + fo.shape[1:]), np.broadcast_to(bo, (rows,) + bo.shape[1:])], axis=-1)
    else:
        rows = max(fl.shape[0], bl.shape[0])
        out = np.concatenate([np.broadcast_to(fl, (rows, fl.shape[1])), np.broadcast_to(bl, (rows, bl.shape[1]))], axis=-1)
    return out, [ff, bf], (mask if rs else None)


def layer_weight_arrays(layer):
    """The layer's weights as float64 arrays, per direction: [[kernel, recurrent_kernel, bias], ...]."""
    dirs = ["forward", "backward"] if layer.get("bidirectional") else ["forward"]
    out = []
    for d in dirs:
        ws = {w["name"]: f32(w["value"]) for w in layer["weights"] if w["direction"] == d}
        out.append([ws["kernel"], ws["recurrent_kernel"], ws["bias"]])
    return out


def masking_mask(x, mask_value):
    """keras.layers.Masking: a step is kept when any feature differs from mask_value."""
    return np.any(x != mask_value, axis=-1)
