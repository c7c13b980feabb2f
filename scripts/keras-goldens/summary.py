"""Writes SUMMARY.md: backend x behaviour tables computed from the fixtures alone (no Keras import).

    python scripts/keras-goldens/summary.py [FIXTURE_DIR] [OUT.md]
"""
import collections
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BACKENDS = ["jax", "tensorflow", "torch"]
PHASES = [("fit", "fit (train batches)"), ("validate", "validation in fit"), ("evaluate", "evaluate"), ("predict", "predict"),
          ("train_on_batch", "train_on_batch"), ("predict_on_batch", "predict_on_batch"), ("call", "direct model(x)"),
          ("layer_call", "direct layer(x)")]


def load(fixture_dir):
    out = []
    for name in sorted(os.listdir(fixture_dir)):
        if name.endswith(".json") and name != "index.json":
            with open(os.path.join(fixture_dir, name)) as f:
                out.append(json.load(f))
    return out


def setting(fx, backend):
    c = fx["scenario"]["compile"]
    if c["run_eagerly"]:
        return f"{backend}, run_eagerly=True"
    if c["jit_compile"] is False:
        return f"{backend}, jit_compile=False"
    if c["jit_compile"] is True:
        return f"{backend}, jit_compile=True"
    return f"{backend} (default)"


def classify(start):
    """What a stateful layer's call started from, when the candidates can tell."""
    if start is None or not start:
        return None
    s = set(start)
    if "initial_state" in s:
        return "initial_state"
    if "previous" in s and "zeros" in s:
        return None  # the previous final state was zero: cannot tell
    if "previous" in s:
        return "carried"
    if "zeros" in s:
        return "zeros"
    if "stored" in s:
        return "stored"
    return "earlier"


WORDS = {"carried": "carries", "zeros": "zeros", "stored": "stored value", "earlier": "an earlier stored value",
         "initial_state": "initial_state"}


def cell(counter):
    if not counter:
        return "–"
    total = sum(counter.values())
    parts = [f"{WORDS[k]} {v}/{total}" for k, v in counter.most_common()]
    return ", ".join(parts)


def write(fixture_dir, out_path):
    fixtures = load(fixture_dir)
    starts = collections.defaultdict(collections.Counter)
    writes = collections.defaultdict(collections.Counter)
    r1 = collections.defaultdict(collections.Counter)
    settings = []
    status = collections.Counter()
    per_backend = collections.Counter()
    for fx in fixtures:
        stateful = [i for i, l in enumerate(l for l in fx["scenario"]["model"]["layers"] if l["type"] == "rnn") if l["stateful"]]
        for b, obs in fx["observed"].items():
            per_backend[b] += 1
            status[(b, obs.get("status"))] += 1
            key = setting(fx, b)
            if key not in settings:
                settings.append(key)
            just_reset = set(stateful)  # the first call of a layer has no previous call either
            seen = set()
            for ev in obs.get("events", []):
                if ev["kind"] == "reset":
                    just_reset.update(ev["layers"])
                if ev["kind"] != "call" or ev.get("raised"):
                    continue
                for le in ev["layers"]:
                    if le["layer"] not in stateful:
                        continue
                    if le["start"] and "initial_state" not in le["start"] and le.get("written"):
                        var = any(x == "stored" or x.startswith("stored_at_step:") for x in le["start"])
                        if le["layer"] not in seen and le["start"] == ["zeros"]:
                            var = True  # built by this very call (no Input): its new variable held zeros
                        earlier = not ("stored" in le["start"]) and var
                        wrote = "final" in le["written"] and "unchanged" not in le["written"]
                        kept = "unchanged" in le["written"] and "final" not in le["written"]
                        r1[(key, ev["phase"])]["var" if var else "novar"] += 1
                        r1[(key, ev["phase"])]["wrote" if wrote else "kept" if kept else "either"] += 1
                        if earlier:
                            r1[(key, ev["phase"])]["earlier"] += 1
                    seen.add(le["layer"])
                    after_reset = le["layer"] in just_reset
                    just_reset.discard(le["layer"])
                    k = None if after_reset else classify(le["start"])
                    if k:
                        starts[(key, ev["phase"])][k] += 1
                    if le.get("written"):
                        writes[(key, ev["phase"])]["written" if "final" in le["written"] and "unchanged" not in le["written"]
                                                   else "unchanged" if "unchanged" in le["written"] and "final" not in le["written"]
                                                   else "either"] += 1
    settings.sort(key=lambda s: (BACKENDS.index(s.split(",")[0].split(" ")[0]), "(default)" not in s, s))

    lines = ["# Keras 3.15.1 golden corpus: what real Keras did, by backend", "",
             "Generated by `scripts/keras-goldens/summary.py` from the fixtures in `test/fixtures/keras-goldens/`",
             "(do not edit by hand). Every count is over layer calls of **stateful** layers whose start could be told",
             "apart by recomputation (left out: calls whose previous final state was zero, a layer's first call, and the",
             "first call after a `reset_state()`, which start from zeros everywhere). \"carries\" = started",
             "from the previous call's final state; \"zeros\" = from zeros although the previous call ended elsewhere;",
             "\"stored value\" = from what the state variable held, which was neither; \"an earlier stored value\" = from",
             "what the variable held at the start of an earlier step (a value captured when a function was traced).", ""]
    versions = None
    for fx in fixtures:
        for obs in fx["observed"].values():
            if obs.get("versions"):
                versions = obs["versions"]
                break
        if versions:
            break
    if versions:
        lines.append("Versions: " + ", ".join(f"{k} {v}" for k, v in versions.items() if v) + ".")
        lines.append("")
    lines.append(f"Scenarios: {len(fixtures)}; runs per backend: " + ", ".join(f"{b} {per_backend[b]}" for b in BACKENDS) + ".")
    lines.append("Outcomes: " + "; ".join(f"{b}: " + ", ".join(f"{s} {n}" for (bb, s), n in sorted(status.items()) if bb == b) for b in BACKENDS) + ".")
    tags = collections.Counter(t for fx in fixtures for t in fx["tags"])
    lines.append("Scenarios per tag: " + ", ".join(f"{t} {n}" for t, n in sorted(tags.items())) + ".")
    lines.append("")
    lines.append("## In one table (like section R1)")
    lines.append("")
    lines.append("Over every completed call of a stateful layer (no initial_state): **carries** = every call started from the")
    lines.append("state variable's value and wrote its final state back (so the next call continues it); **never** = every call")
    lines.append("started from the variable's value and left the variable unchanged (\"as traced\": some started from a value")
    lines.append("the variable held earlier, not the current one). Raises are in the last table.")
    lines.append("")
    groups = [("fit",), ("validate",), ("evaluate",), ("predict",), ("train_on_batch", "predict_on_batch"), ("call", "layer_call")]
    lines.append("| backend | fit train batches | validation in fit | evaluate | predict | train_on_batch / predict_on_batch | direct model(x) / layer(x) |")
    lines.append("|---|---|---|---|---|---|---|")
    for key in settings:
        row = []
        for g in groups:
            c = collections.Counter()
            for p in g:
                c.update(r1.get((key, p), {}))
            n = c["var"] + c["novar"]
            if not n:
                row.append("–")
            elif c["var"] == n and c["kept"] + c["either"] == n and c["kept"]:
                row.append("never" + (", as traced" if c["earlier"] else "") + f" ({n} calls)")
            elif c["var"] == n and c["wrote"] + c["either"] == n and c["wrote"]:
                row.append(f"carries ({n} calls)")
            else:
                row.append(f"mixed: from the variable {c['var']}/{n}, wrote it {c['wrote']}/{n}")
        lines.append(f"| {key} | " + " | ".join(row) + " |")
    lines.append("")
    lines.extend(r_section(fixtures))
    lines.append("## Where a stateful layer's call starts")
    lines.append("")
    header = "| backend | " + " | ".join(label for _, label in PHASES) + " |"
    lines.append(header)
    lines.append("|" + "---|" * (len(PHASES) + 1))
    for key in settings:
        lines.append(f"| {key} | " + " | ".join(cell(starts.get((key, p))) for p, _ in PHASES) + " |")
    lines.append("")
    lines.append("## Does the call write the state variable?")
    lines.append("")
    lines.append("written = the variable holds the call's final state afterwards; unchanged = it still holds what it held before.")
    lines.append("")
    lines.append(header)
    lines.append("|" + "---|" * (len(PHASES) + 1))
    for key in settings:
        row = []
        for p, _ in PHASES:
            c = writes.get((key, p))
            if not c:
                row.append("–")
                continue
            tot = sum(c.values())
            row.append(", ".join(f"{k} {v}/{tot}" for k, v in c.most_common()))
        lines.append(f"| {key} | " + " | ".join(row) + " |")
    lines.append("")

    # seeded shuffles: does every epoch of one fit use the same order?
    lines.append("## Seeded `fit(shuffle=...)`: is every epoch fed in the same order?")
    lines.append("")
    lines.append("| scenario | " + " | ".join(BACKENDS) + " |")
    lines.append("|---|" + "---|" * len(BACKENDS))
    for fx in fixtures:
        if fx["scenario"]["random_seed"] is None:
            continue
        fits = [i for i, s in enumerate(fx["scenario"]["plan"]) if s["op"] == "fit" and s["shuffle"] and s["epochs"] > 1]
        if not fits:
            continue
        row = []
        for b in BACKENDS:
            obs = fx["observed"].get(b)
            if not obs:
                row.append("–")
                continue
            orders = collections.defaultdict(list)
            for ev in obs.get("events", []):
                if ev["kind"] == "call" and ev["step"] == fits[0] and ev["phase"] == "fit":
                    orders[ev["epoch"]].append(tuple(ev.get("observed_samples") or ev["samples"] or ()))
            eps = [orders[e] for e in sorted(orders)]
            if len(eps) < 2:
                row.append("–")
            else:
                row.append("same order every epoch" if all(e == eps[0] for e in eps) else "reshuffled each epoch")
        lines.append(f"| {fx['id']} | " + " | ".join(row) + " |")
    lines.append("")

    lines.append("## Scenarios that raised on some backend")
    lines.append("")
    lines.append("Where the run stopped (or a caught raise), as `Class at phase epoch/batch`; `ok` = the plan ran to the end.")
    lines.append("")
    lines.append("| scenario | " + " | ".join(BACKENDS) + " |")
    lines.append("|---|" + "---|" * len(BACKENDS))
    for fx in fixtures:
        cells = []
        any_raise = False
        for b in BACKENDS:
            obs = fx["observed"].get(b)
            if not obs:
                cells.append("–")
                continue
            raises = [e for e in obs.get("events", []) if e["kind"] == "raise"]
            if obs.get("status") in ("worker_crashed", "generator_error"):
                any_raise = True
                cells.append(obs["status"])
                continue
            if not raises:
                cells.append("ok")
                continue
            any_raise = True
            txt = []
            for e in raises:
                where = e["phase"]
                if e.get("epoch"):
                    where += f" epoch {e['epoch']}"
                if e.get("batch"):
                    where += f" batch {e['batch']}"
                txt.append(f"{e['class']} at {where}" + (" (caught)" if e.get("caught") else "") +
                           ("; state changed first" if e.get("state_changed") else ""))
            cells.append("; ".join(txt))
        if any_raise:
            lines.append(f"| {fx['id']} | " + " | ".join(cells) + " |")
    lines.append("")
    with open(out_path, "w") as f:
        f.write("\n".join(lines))



# ----------------------------------------------------------------------------------------------------
# Section R of /work/shared/keras-semantics.md, claim by claim, against the corpus


def rnn_specs(fx):
    return [l for l in fx["scenario"]["model"]["layers"] if l["type"] == "rnn"]


def runs(fixtures, backend=None, setting_filter=None):
    """(fixture, backend, observed) for every run, optionally one backend / compile setting."""
    for fx in fixtures:
        for b, obs in fx["observed"].items():
            if backend and b != backend:
                continue
            c = fx["scenario"]["compile"]
            kind = "eager" if c["run_eagerly"] else "nojit" if c["jit_compile"] is False else "xla" if c["jit_compile"] is True else "default"
            if setting_filter and kind not in setting_filter:
                continue
            yield fx, b, obs


def stateful_calls(fx, obs, phases=None):
    """(event, layer entry, after_reset) for every stateful layer of every completed call."""
    specs = rnn_specs(fx)
    just_reset = {i for i, l in enumerate(specs) if l["stateful"]}
    for ev in obs.get("events", []):
        if ev["kind"] == "reset":
            just_reset.update(ev["layers"])
        if ev["kind"] != "call":
            continue
        for le in ev["layers"]:
            if not specs[le["layer"]]["stateful"]:
                continue
            if ev.get("raised") and "final" not in (le["written"] or []):
                continue  # a call that raised before writing anything: the next one is still the first
            fresh = le["layer"] in just_reset
            just_reset.discard(le["layer"])
            if ev.get("raised") or (phases and ev["phase"] not in phases):
                continue
            yield ev, le, fresh


def verdict(ok, n, what, bad):
    if n == 0:
        return "not covered", what
    if ok:
        return "confirmed", f"{what}: {n} of {n}"
    return "differs", f"{what}: {len(bad)} of {n} do not: " + "; ".join(bad[:4]) + (" …" if len(bad) > 4 else "")


INFER = ("fit", "validate", "evaluate", "predict", "train_on_batch", "predict_on_batch")


def check_carry(fixtures, backend, settings, phases):
    n, bad = 0, []
    for fx, b, obs in runs(fixtures, backend, settings):
        if obs.get("status") not in ("ok", "raised"):
            continue
        for ev, le, fresh in stateful_calls(fx, obs, phases):
            if fresh or not le["start"] or ("previous" in le["start"] and "zeros" in le["start"]) or "initial_state" in le["start"]:
                continue
            n += 1
            if not ("previous" in le["start"] and le.get("written") and "final" in le["written"]):
                bad.append(f"{fx['id']} {ev['phase']} {ev['epoch'] or ''}/{ev['batch'] or ''} start {le['start']} written {le['written']}")
    return n, bad


def r_checks(fixtures):
    out = []

    def add(claim, res):
        out.append((claim,) + res)

    n, bad = check_carry(fixtures, "tensorflow", ("default", "nojit", "xla", "eager"), None)
    add("R1 tensorflow: a stateful layer carries its state (and writes the variable) in fit, validation, evaluate, predict, *_on_batch and direct calls",
        verdict(not bad, n, "stateful layer calls that start from the previous final state and write it", bad))
    n, bad = check_carry(fixtures, "torch", ("default", "eager"), None)
    add("R1 torch: carries in fit, validation, evaluate, predict (and *_on_batch, direct calls)",
        verdict(not bad, n, "stateful layer calls that start from the previous final state and write it", bad))

    # jax jitted: never writes; every batch starts from a stored value (the one when traced)
    n, bad, earlier = 0, [], 0
    for fx, b, obs in runs(fixtures, "jax", ("default", "xla")):
        for ev, le, fresh in stateful_calls(fx, obs, INFER):
            if le["start"] is None:
                continue
            n += 1
            stored = [s for s in le["start"] if s == "stored" or s.startswith("stored_at_step:")]
            if any(s.startswith("stored_at_step:") for s in le["start"]):
                earlier += 1
            if not stored or "unchanged" not in (le["written"] or []):
                bad.append(f"{fx['id']} {ev['phase']} {ev['batch']} start {le['start']} written {le['written']}")
    add("R1 jax (jitted): never writes the state variable inside fit/evaluate/predict/*_on_batch; every batch starts from the value the variable held when the function was traced",
        verdict(not bad, n, f"calls that leave the variable unchanged and start from a stored value ({earlier} of them from an earlier value, after reset_state() did not reach the traced function)", bad))
    n, bad = 0, []
    for fx, b, obs in runs(fixtures, "jax", ("eager", "nojit")):
        for ev, le, fresh in stateful_calls(fx, obs, INFER):
            if le["start"] is None:
                continue
            n += 1
            if "stored" not in le["start"] or "unchanged" not in (le["written"] or []):
                bad.append(f"{fx['id']} {ev['phase']} {ev['batch']} start {le['start']} written {le['written']}")
    add("R1 jax, run_eagerly=True or jit_compile=False: never writes; every batch starts from the variable's current value",
        verdict(not bad, n, "calls that start from the current stored value and leave it unchanged", bad))
    n, bad = 0, []
    for fx, b, obs in runs(fixtures, "jax"):
        for ev, le, fresh in stateful_calls(fx, obs, ("call", "layer_call")):
            if le["start"] is None or "initial_state" in le["start"]:
                continue
            n += 1
            if "stored" not in le["start"] or "final" not in (le["written"] or []):
                bad.append(f"{fx['id']} {ev['phase']} start {le['start']} written {le['written']}")
    add("R1 jax: direct model(x) / layer(x) calls carry (start from the variable, write it)",
        verdict(not bad, n, "direct calls", bad))

    # R2: tensorflow partial batches (the document says the shapes are [b,4U] LSTM, [b,3U] GRU, [b,U] SimpleRNN)
    n, bad = 0, []
    for fx, b, obs in runs(fixtures, "tensorflow", ("default",)):
        specs = rnn_specs(fx)
        for ev in obs.get("events", []):
            if ev["kind"] != "raise" or ev["class"] != "InvalidArgumentError":
                continue
            n += 1
            m = re.search(r"Incompatible shapes: \[(\d+),(\d+)\] vs\. \[(\d+),(\d+)\]", ev["message"])
            first = specs[0]
            gates = {"lstm": 4, "gru": 3, "simple": 1}[first["cell"]]
            if not m or ev.get("state_changed"):
                bad.append(f"{fx['id']}: {ev['message'][-120:]!r}")
            elif int(m.group(2)) != gates * first["units"]:
                bad.append(f"{fx['id']} ({first['class_name']}({first['units']})): the shapes are "
                           f"[{m.group(1)},{m.group(2)}] vs. [{m.group(3)},{m.group(4)}], i.e. {int(m.group(2)) // first['units']}U, not {gates}U")
    add("R2 tensorflow: a last batch of b > 1 rows (or a default batch of 32 with N not a multiple of it) fails inside the graph at that batch: InvalidArgumentError 'Incompatible shapes: [b,GU] vs. [B,GU]', the state left as it was",
        verdict(not bad, n, "InvalidArgumentError raises with that message and an unchanged state", bad))
    n, bad = 0, []
    for fx, b, obs in runs(fixtures, "tensorflow", ("default", "xla", "nojit")):
        specs = rnn_specs(fx)
        for ev in obs.get("events", []):
            if ev["kind"] != "call" or ev["rows"] != 1 or ev["phase"] not in ("fit", "validate", "evaluate", "predict"):
                continue
            st = [le for le in ev["layers"] if specs[le["layer"]]["stateful"]]
            if not st or not st[0].get("final") or len(st[0]["final"][0]["h"]) == 1:
                if ev.get("raised"):
                    n += 1
                    bad.append(f"{fx['id']} {ev['phase']} batch {ev['batch']} raised")
                continue
            n += 1
            le = st[0]
            if ev.get("raised") or le["broadcast"] != "input" or ev["output_rows"] != len(le["final"][0]["h"]) or "final" not in le["written"]:
                bad.append(f"{fx['id']} {ev['phase']} batch {ev['batch']}")
    add("R2 tensorflow: a 1-row remainder raises nothing; the sample is broadcast against all B state rows, all B rows are overwritten, and predict returns B rows for it",
        verdict(not bad, n, "1-row batches against a B-row state", bad))
    n, bad = 0, []
    for fx, b, obs in runs(fixtures):
        if b == "tensorflow" and fx["scenario"]["compile"]["run_eagerly"] is False:
            continue
        specs = rnn_specs(fx)
        if not any(l["stateful"] for l in specs):
            continue
        for ev in obs.get("events", []):
            if ev["kind"] == "call" and ev.get("raised") is False:
                st = [le for le in ev["layers"] if specs[le["layer"]]["stateful"] and le.get("final")]
                if st and ev["rows"] is not None and len(st[0]["final"][0]["h"]) != ev["rows"]:
                    n += 1
                    bad.append(f"{b} {fx['id']} {ev['phase']} batch {ev['batch']}: ran with {ev['rows']} rows against a {len(st[0]['final'][0]['h'])}-row state")
            if ev["kind"] == "raise" and "must be the same as the batch size of the initial state" in ev["message"]:
                n += 1
                if ev["class"] != "ValueError":
                    bad.append(f"{b} {fx['id']}: {ev['class']}")
    add("R2 jax, torch and tensorflow run_eagerly=True: every batch whose size differs from the state's raises the 3.12 ValueError ('If an RNN is stateful, the batch size of the input sequences must be the same …'), 1-row batches included",
        verdict(not bad, n, "wrong-size batches (raised or run)", bad))

    # R3: torch trainable LSTM/GRU
    n, bad, fine = 0, [], 0
    for fx, b, obs in runs(fixtures, "torch"):
        specs = rnn_specs(fx)
        if not fx["scenario"]["trainable"] or not any(l["stateful"] for l in specs):
            continue
        masked = any(l["type"] == "masking" for l in fx["scenario"]["model"]["layers"])
        fused = any(l["stateful"] and l["cell"] in ("lstm", "gru") for l in specs) and not masked
        trains = [s["op"] for s in fx["scenario"]["plan"] if s["op"] in ("fit", "train_on_batch")]
        if not trains:
            continue
        n += 1
        # the first exception of a training step, caught by the script or not
        err = next((ev for ev in obs["events"] if ev["kind"] == "raise" and ev["phase"] in ("fit", "train_on_batch")), obs.get("error"))
        compiled = fx["scenario"]["compile"]["jit_compile"] is True
        if fused:
            first_train = next(ev for ev in obs["events"] if ev["kind"] == "call" and ev["phase"] in ("fit", "train_on_batch"))
            # eager: the batch ran and wrote the state, then the backward raised; torch.compile
            # (jit_compile=True): inductor's compile raises before the batch runs, the state unchanged
            ok = (err and err["class"] == ("BackendCompilerFailed" if compiled else "RuntimeError")
                  and "modified by an inplace operation" in err["message"]
                  and err["phase"] in ("fit", "train_on_batch") and (err["batch"] in (1, None))
                  and bool(err.get("state_changed")) is not compiled and first_train.get("raised"))
            if not ok:
                what = [f"{l['class_name']}(reset_after={l['reset_after']})" if l["cell"] == "gru" else l["class_name"] for l in specs]
                bad.append(f"{fx['id']} ({', '.join(what)}): {err['class'] if err else 'no raise, it trains'}")
        else:
            fine += 1
            if err:
                bad.append(f"{fx['id']} (SimpleRNN or masked) raised {err['class']}")
    add("R3 torch: fit of a stateful LSTM or GRU with trainable weights raises RuntimeError '… modified by an inplace operation' at batch 1, after that batch overwrote the state (with jit_compile=True: torch.compile raises BackendCompilerFailed with that message before the batch runs, the state unchanged); SimpleRNN and masked inputs are not affected",
        verdict(not bad, n, f"torch runs with trainable stateful layers ({fine} SimpleRNN/masked ones that must run)", bad))

    # R4: seeded shuffles
    n, bad = 0, []
    for fx, b, obs in runs(fixtures):
        plan = fx["scenario"]["plan"]
        for si, st in enumerate(plan):
            if st["op"] != "fit" or not st["shuffle"]:
                continue
            orders = collections.defaultdict(list)
            for ev in obs.get("events", []):
                if ev["kind"] == "call" and ev["step"] == si and ev["phase"] == "fit" and not ev.get("raised"):
                    orders[ev["epoch"]].append(tuple(ev.get("observed_samples") or ev["samples"] or ()))
            eps = [orders[e] for e in sorted(orders)]
            if st["shuffle"] == "batch":
                bs = st["batch_size"] or 32
                train = st["samples"][: int(len(st["samples"]) * (1 - st["validation_split"])) if st["validation_split"] else None]
                for e in eps:
                    n += 1
                    if [sorted(x) for x in e] != [sorted(train[i: i + bs]) for i in range(0, len(train), bs)][: len(e)]:
                        bad.append(f"{b} {fx['id']}: shuffle='batch' changed a batch's members")
            if len(eps) < 2 or fx["scenario"]["random_seed"] is None:
                continue
            n += 1
            same = all(e == eps[0] for e in eps)
            if same != (b == "tensorflow"):
                bad.append(f"{b} {fx['id']}: {'same order every epoch' if same else 'reshuffled'}")
    add("R4 seeded shuffle: tensorflow feeds every epoch in the same order, jax and torch reshuffle; shuffle='batch' keeps each batch's members and permutes its rows",
        verdict(not bad, n, "seeded multi-epoch fits and shuffle='batch' epochs", bad))

    # R5
    n, bad = 0, []
    for fx, b, obs in runs(fixtures):
        kind = fx["scenario"]["model"]["input"]["kind"]
        specs = rnn_specs(fx)
        if not any(l["stateful"] for l in specs) or kind not in ("none", "shape"):
            continue
        first = fx["scenario"]["plan"][0]["op"]
        if kind == "none" and first != "fit":
            continue
        n += 1
        err = obs.get("error")
        if kind == "shape":
            if not (err and err["phase"] == "build" and err["class"] == "ValueError" and "batch size must be static" in err["message"]):
                bad.append(f"{b} {fx['id']}")
        elif b == "tensorflow":
            if obs.get("status") != "ok":
                bad.append(f"{b} {fx['id']}: {obs.get('status')}")
        elif not (err and err["class"] == "ValueError" and "stateless scope" in err["message"] and err["phase"] == "fit"):
            bad.append(f"{b} {fx['id']}: {err['class'] if err else 'ok'}")
    add("R5 Sequential([LSTM(stateful=True)]) without Input: tensorflow builds it at the first fit and runs; jax and torch raise ValueError '… create a variable while in a stateless scope' in fit. Input(shape=(T, D)) raises 'batch size must be static' at construction everywhere",
        verdict(not bad, n, "stateful models without a batch size", bad))

    # R6
    n, bad = 0, []
    for fx, b, obs in runs(fixtures):
        specs = rnn_specs(fx)
        for ev in obs.get("events", []):
            if ev["kind"] != "call" or ev.get("raised"):
                continue
            for le in ev["layers"]:
                if specs[le["layer"]]["stateful"] or le["start"] is None:
                    continue
                step = fx["scenario"]["plan"][ev["step"]]
                if step["op"] == "layer_call" and step.get("initial_state") is not None:
                    continue
                n += 1
                if "zeros" not in le["start"]:
                    bad.append(f"{b} {fx['id']} {ev['phase']} {ev['batch']}: {le['start']}")
    add("R6 stateless layers start every call from zeros", verdict(not bad, n, "stateless layer calls", bad))
    n, bad = 0, []
    for fx, b, obs in runs(fixtures):
        for ev in obs.get("events", []):
            if ev["kind"] == "call" and ev.get("expected_samples") is not None and ev["order"] == "fixed":
                bad.append(f"{b} {fx['id']} {ev['phase']} {ev['batch']}")
            if ev["kind"] == "call" and ev["order"] == "fixed" and ev["phase"] in ("fit", "validate", "evaluate") and ev.get("samples"):
                n += 1
    add("R6 row i -> row i with the data[i::B] layout; validation is the last N - floor(N(1-F)) samples, taken before shuffling",
        verdict(not bad, n, "unshuffled fit/validation/evaluate batches whose rows hold exactly the samples the plan implies", bad))
    n, bad = 0, []
    for fx, b, obs in runs(fixtures, None, ("default", "eager", "nojit", "xla")):
        if b == "jax":
            continue
        evs = obs.get("events", [])
        for i, ev in enumerate(evs):
            if ev["kind"] == "call" and ev["phase"] == "fit" and ev["batch"] == 1 and ev["epoch"] and ev["epoch"] > 1:
                prev = [e for e in evs[:i] if e["kind"] in ("call", "reset")]
                if not prev or prev[-1]["kind"] != "call" or prev[-1]["phase"] != "validate":
                    continue
                n += 1
                specs = rnn_specs(fx)
                for le in ev["layers"]:
                    if specs[le["layer"]]["stateful"] and le["start"] and "previous" not in le["start"]:
                        bad.append(f"{b} {fx['id']} epoch {ev['epoch']}")
    add("R6 tensorflow, torch: the next epoch's first training batch starts from the last validation batch's state",
        verdict(not bad, n, "first batches after a validation", bad))
    n, bad = 0, []
    for fx, b, obs in runs(fixtures):
        evs = obs.get("events", [])
        for i, ev in enumerate(evs):
            if ev["kind"] == "reset" and ev["when"] == "epoch_end":
                n += 1
                later_val = [e for e in evs[i + 1:] if e["kind"] == "call" and e["phase"] == "validate" and e["epoch"] == ev["epoch"]]
                if later_val:
                    bad.append(f"{b} {fx['id']} epoch {ev['epoch']}")
    add("R6 a reset in on_epoch_end runs after that epoch's validation", verdict(not bad, n, "epoch-end resets", bad))
    n, bad = 0, []
    for fx, b, obs in runs(fixtures):
        data = fx["scenario"]["data"]
        specs = rnn_specs(fx)
        if data["mask"] is None:
            continue
        for ev in obs.get("events", []):
            if ev["kind"] != "call" or ev.get("raised") or not ev.get("samples"):
                continue
            src = data["mask"] if ev["data"] == "x" else data["validation_data"]["mask"]
            le = ev["layers"][0]
            if not specs[le["layer"]]["stateful"] or not le.get("final") or not le["start"]:
                continue
            for r, s in enumerate(ev["samples"]):
                if any(src[s]):
                    continue
                n += 1  # a fully padded row: its final state must be its start (stored) row
                if "stored" not in le["start"] and "previous" not in le["start"]:
                    bad.append(f"{b} {fx['id']}")
    add("R6 masking carries state; a fully padded row passes its state through the call (into the next batch when stateful)",
        verdict(not bad, n, "fully padded rows in stateful calls that started from the carried/stored state", bad))
    n, bad = 0, []
    for fx, b, obs in runs(fixtures):
        for ev in obs.get("events", []):
            if ev["kind"] == "raise" and ev["op"] == "model_reset_states":
                n += 1
                if ev["class"] != "AttributeError":
                    bad.append(f"{b} {fx['id']}: {ev['class']}")
            if ev["kind"] == "reset" and ev["source"] == "plan":
                n += 1
                if not ev["zeroed"]:
                    bad.append(f"{b} {fx['id']}: reset did not zero")
    add("R6 Model.reset_states does not exist (AttributeError); layer.reset_state() and its alias reset_states() zero the state",
        verdict(not bad, n, "model.reset_states() calls and plan resets", bad))
    n, bad = 0, []
    for fx, b, obs in runs(fixtures):
        for ev in obs.get("events", []):
            if ev["kind"] == "call" and ev["phase"] == "layer_call" and not ev.get("raised"):
                step = fx["scenario"]["plan"][ev["step"]]
                if step.get("initial_state") is None:
                    continue
                n += 1
                le = ev["layers"][0]
                if not le["start"] or "initial_state" not in le["start"]:
                    bad.append(f"{b} {fx['id']}: {le['start']}")
    add("R6 a passed initial_state wins over the stored state (Bidirectional: 4 tensors, forward then backward)",
        verdict(not bad, n, "layer calls with initial_state", bad))
    devs = [obs.get("max_dev") or 0.0 for fx, b, obs in runs(fixtures)]
    worst = max(devs) if devs else 0.0
    add("R6 final states agree with a float64 recomputation to <= 2.2e-7",
        ("confirmed" if worst <= 2.2e-7 else "differs", f"largest difference in the corpus {worst:.3g} over {len(devs)} runs"))
    return out


def r_section(fixtures):
    lines = ["## Section R of keras-semantics.md, claim by claim", "",
             "Each claim of `/work/shared/keras-semantics.md` section R, checked against every fixture it applies to",
             "(`summary.py` `r_checks`). \"differs\" lists the first cases where Keras did something else.", "",
             "| claim | verdict | evidence |", "|---|---|---|"]
    for claim, v, detail in r_checks(fixtures):
        lines.append(f"| {claim} | **{v}** | {detail.replace('|', '/')} |")
    lines.append("")
    return lines


if __name__ == "__main__":
    d = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "test", "fixtures", "keras-goldens")
    o = sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, "SUMMARY.md")
    write(d, o)
