"""Generates the Keras golden fixtures: every scenario of scenarios.py on every backend it applies to.

    python scripts/keras-goldens/generate.py [--backends jax,tensorflow,torch] [--only ID,...]
                                             [--isolate] [--jobs N] [--out DIR] [--list]

Each backend runs in its own worker process (KERAS_BACKEND is set before keras is imported); a worker
that dies is restarted on the remaining scenarios and the scenario it died in is recorded as such.
Writes one JSON file per scenario to test/fixtures/keras-goldens/ (or --out), plus index.json, and
regenerates scripts/keras-goldens/SUMMARY.md (with --out elsewhere: SUMMARY.md in that folder).
See README.md in this folder.
"""
import argparse
import concurrent.futures
import json
import json as _json
import os
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import scenarios as scenario_defs  # noqa: E402
import summary  # noqa: E402

BACKENDS = ["jax", "tensorflow", "torch"]
FORMAT = "lstm-reset/keras-goldens"
FORMAT_VERSION = 1
LOCK = threading.Lock()


def log(msg):
    with LOCK:
        print(msg, file=sys.stderr, flush=True)


class _strict_json:
    """json.dumps with allow_nan=False: the fixtures are read by JavaScript's JSON.parse."""

    @staticmethod
    def dumps(value, **kw):
        return _json.dumps(value, allow_nan=False, **kw)


def dumps(value, indent=0, inline=False):
    """JSON with objects one key per line and arrays of scalars (or of arrays of scalars) on one line.
    Strict JSON: a NaN or Infinity (which json.dumps would write and JSON.parse rejects) raises."""
    pad = "  " * indent
    json = _strict_json

    def scalar(v):
        return not isinstance(v, (dict, list))

    def flat(v):
        return isinstance(v, list) and all(scalar(e) or (isinstance(e, list) and all(scalar(x) for x in e)) for e in v)

    if isinstance(value, dict):
        if inline:
            return json.dumps(value, separators=(", ", ": "))
        if not value:
            return "{}"
        # the events of a run and the index entries: one line each (a call with its states is one line of the diff)
        items = [f'{pad}  {json.dumps(k)}: {dumps(v, indent + 1, k in ("events", "fixtures"))}' for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, list):
        if flat(value):
            return json.dumps(value, separators=(", ", ": "))
        items = [pad + "  " + (json.dumps(v, separators=(", ", ": ")) if inline else dumps(v, indent + 1)) for v in value]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    return json.dumps(value)


def run_backend(backend, scs, python, isolate, logdir):
    """Runs the scenarios on one backend; returns {id: result}."""
    results = {}
    todo = list(scs)
    total = len(todo)
    groups = [[sc] for sc in todo] if isolate else [todo]
    done = 0
    while groups:
        group = groups.pop(0)
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, dir=logdir) as f:
            json.dump(group, f)
            scen_path = f.name
        out_path = scen_path[:-5] + ".jsonl"
        err_path = scen_path[:-5] + ".stderr"
        env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="2", PYTHONHASHSEED="0",
                   CUDA_VISIBLE_DEVICES="", JAX_PLATFORMS="cpu")
        t0 = time.time()
        with open(err_path, "w") as err:
            proc = subprocess.Popen([python, os.path.join(HERE, "worker.py"), scen_path, out_path], env=env,
                                    stdout=err, stderr=err)
            seen = 0
            started = None
            while True:
                code = proc.poll()
                lines = open(out_path).read().splitlines() if os.path.exists(out_path) else []
                for line in lines[seen:]:
                    rec = json.loads(line)
                    if "start" in rec:
                        started = rec["start"]
                        t0 = time.time()
                    else:
                        results[rec["id"]] = rec["result"]
                        done += 1
                        st = rec["result"].get("status")
                        extra = ""
                        if st == "raised":
                            e = rec["result"]["error"]
                            extra = f" ({e['class']} at {e['phase']}" + (f" batch {e['batch']}" if e.get("batch") else "") + ")"
                        log(f"[{backend:<10} {done:>3}/{total}] {rec['id']}: {st}{extra} {rec['result'].get('seconds', '')}s")
                        started = None
                seen = len(lines)
                if code is not None:
                    break
                time.sleep(0.2)
        remaining = [sc for sc in group if sc["id"] not in results]
        if remaining:
            tail = open(err_path).read()[-3000:]
            crashed = started or remaining[0]["id"]
            log(f"[{backend}] worker exited with code {proc.returncode} in {crashed}; restarting on the rest")
            results[crashed] = {"backend": backend, "status": "worker_crashed", "exit_code": proc.returncode,
                                "stderr_tail": tail, "events": [], "error": None}
            done += 1
            rest = [sc for sc in remaining if sc["id"] != crashed]
            if rest:
                groups.insert(0, rest)
    return results


def fixture_of(sc, results, previous):
    fx = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "id": sc["id"],
        "title": sc["title"],
        "tags": sc["tags"],
        "notes": sc["notes"],
        "backends_applicable": sc["backends"],
        "not_applicable": sc["not_applicable"],
        "scenario": sc["scenario"],
        "observed": {},
    }
    for b in BACKENDS:
        if b in results:
            # wall time varies run to run: it goes to the progress log, not into the fixture
            fx["observed"][b] = {k: v for k, v in results[b].items() if k != "seconds"}
        elif previous and b in previous.get("observed", {}) and b in sc["backends"]:
            fx["observed"][b] = previous["observed"][b]
    return fx


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backends", default=",".join(BACKENDS))
    ap.add_argument("--only", default=None, help="comma-separated scenario ids (or substrings) to run")
    ap.add_argument("--isolate", action="store_true", help="a fresh Python process per scenario (slower)")
    ap.add_argument("--jobs", type=int, default=1, help="backends run in parallel (default 1)")
    ap.add_argument("--out", default=os.path.join(ROOT, "test", "fixtures", "keras-goldens"))
    ap.add_argument("--python", default=sys.executable, help="the Python with keras 3.15.1 and the backends")
    ap.add_argument("--list", action="store_true", help="list the scenarios and exit")
    args = ap.parse_args()

    all_sc = scenario_defs.scenarios()
    ids = {sc["id"] for sc in all_sc}
    if len(ids) != len(all_sc):
        sys.exit("generate.py: duplicate scenario ids")
    if args.list:
        for sc in all_sc:
            print(f"{sc['id']:<50} {','.join(sc['backends']):<24} {sc['title']}")
        print(f"{len(all_sc)} scenarios, {sum(len(s['backends']) for s in all_sc)} scenario-backend runs", file=sys.stderr)
        return
    chosen = all_sc
    if args.only:
        keys = [k.strip() for k in args.only.split(",") if k.strip()]
        chosen = [sc for sc in all_sc if any(k == sc["id"] or k in sc["id"] for k in keys)]
        if not chosen:
            sys.exit(f"generate.py: --only {args.only} matches no scenario (see --list)")
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    for b in backends:
        if b not in BACKENDS:
            sys.exit(f"generate.py: unknown backend {b!r} (jax, tensorflow, torch)")

    os.makedirs(args.out, exist_ok=True)
    logdir = tempfile.mkdtemp(prefix="keras-goldens-")
    t0 = time.time()
    log(f"{len(chosen)} scenarios on {', '.join(backends)} with {args.python} (worker logs in {logdir})")
    per_backend = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futs = {}
        for b in backends:
            scs = [sc for sc in chosen if b in sc["backends"]]
            if scs:
                futs[pool.submit(run_backend, b, scs, args.python, args.isolate, logdir)] = b
        for fut in concurrent.futures.as_completed(futs):
            per_backend[futs[fut]] = fut.result()

    for sc in chosen:
        path = os.path.join(args.out, sc["id"] + ".json")
        previous = None
        if os.path.exists(path):
            with open(path) as f:
                previous = json.load(f)
        results = {b: per_backend[b][sc["id"]] for b in per_backend if sc["id"] in per_backend[b]}
        fx = fixture_of(sc, results, previous)
        with open(path, "w") as f:
            f.write(dumps(fx) + "\n")

    # drop fixtures of scenarios that no longer exist, then index + summary over the whole corpus
    for name in os.listdir(args.out):
        if name.endswith(".json") and name != "index.json" and name[:-5] not in ids:
            os.remove(os.path.join(args.out, name))
            log(f"removed {name} (no such scenario any more)")
    index = []
    for sc in all_sc:
        path = os.path.join(args.out, sc["id"] + ".json")
        if not os.path.exists(path):
            continue
        with open(path) as f:
            fx = json.load(f)
        index.append({"id": sc["id"], "file": sc["id"] + ".json", "title": sc["title"], "tags": sc["tags"],
                      "status": {b: r.get("status") for b, r in fx["observed"].items()}})
    with open(os.path.join(args.out, "index.json"), "w") as f:
        f.write(dumps({"format": FORMAT, "format_version": FORMAT_VERSION, "fixtures": index}) + "\n")
    default_out = os.path.realpath(args.out) == os.path.realpath(os.path.join(ROOT, "test", "fixtures", "keras-goldens"))
    summary.write(args.out, os.path.join(HERE, "SUMMARY.md") if default_out else os.path.join(args.out, "SUMMARY.md"))
    bad = [(b, i) for b, rs in per_backend.items() for i, r in rs.items() if r.get("status") in ("generator_error", "worker_crashed")]
    log(f"done in {time.time() - t0:.0f}s: {len(chosen)} fixtures written to {os.path.relpath(args.out, ROOT)}")
    for b, i in bad:
        log(f"  {b} {i}: {per_backend[b][i]['status']}")
    if any(per_backend[b][i]["status"] == "generator_error" for b, i in bad):
        sys.exit(1)


if __name__ == "__main__":
    main()
