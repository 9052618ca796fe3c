"""Long campaign of the ONNX structural fuzzer (test/python/onnx_fuzz.py).

Mutants 0..N-1 of one seed are split among worker processes, each running
them in process through `tigris compile` / `tigris analyze` as the bounded
test does (test/python/test_onnx_fuzz.py, 300 mutants). A worker that dies
(a crash) or is silent for --timeout seconds (a hang) fails its mutant and is
restarted after it. The report counts outcomes, exit codes, mutation kinds
and the kinds of refusal, and lists every failure.

    .venv/bin/python bench/onnx_fuzz.py [--mutants N] [--seed S] [--workers W] > bench/onnx_fuzz.txt
"""
from __future__ import annotations

import argparse
import collections
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "test" / "python"))


def worker(seed: int, start: int, stop: int) -> None:
    """Print `start i` before and one JSON line after each mutant."""
    import onnx_fuzz as fz
    seeds = fz.load_seeds()
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(start, stop):
            print(f"start {i}", flush=True)
            mu = fz.make_mutant(seeds, seed, i)
            t = time.perf_counter()
            o = fz.run_mutant(mu, Path(tmp))
            print(json.dumps({"i": i, "kind": o.kind, "code": o.code, "line": o.line,
                              "kinds": mu.kinds, "changes": mu.changes, "seed": mu.seed_model,
                              "command": mu.command, "budget": mu.budget,
                              "s": round(time.perf_counter() - t, 3)}), flush=True)


def _spawn(seed: int, start: int, stop: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, __file__, "--worker", str(seed), str(start),
                             str(stop)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True, bufsize=1)


def campaign(seed: int, mutants: int, workers: int, timeout: float, log=None) -> list[dict]:
    """Every mutant's record (also written to `log` as they come, one JSON line
    each); a crash or hang becomes a failure record."""
    import select
    chunk = (mutants + workers - 1) // workers
    todo = [(w * chunk, min(mutants, (w + 1) * chunk)) for w in range(workers)]
    procs = {}
    for start, stop in todo:
        if start < stop:
            procs[_spawn(seed, start, stop)] = [start, stop, None, time.monotonic()]
    records = []
    while procs:
        ready, _, _ = select.select([p.stdout for p in procs], [], [], 5.0)
        now = time.monotonic()
        for p, state in list(procs.items()):
            start, stop, current, last = state
            if p.stdout in ready:
                line = p.stdout.readline()
                if line:
                    state[3] = now
                    if line.startswith("start "):
                        state[2] = int(line.split()[1])
                    else:
                        records.append(json.loads(line))
                        state[2] = None
                        if log:
                            log.write(line)
                            log.flush()
                    continue
                p.wait()
                if current is None or p.returncode == 0:
                    del procs[p]
                    continue
                what = f"worker died (exit {p.returncode})"
            elif now - last > timeout and current is not None:
                p.kill()
                p.wait()
                what = f"no result after {timeout:.0f} s"
            else:
                continue
            records.append({"i": current, "kind": "failure", "code": None, "line": what,
                            "kinds": [], "changes": [], "seed": "", "command": "",
                            "budget": "", "s": None})
            del procs[p]
            if current + 1 < stop:
                procs[_spawn(seed, current + 1, stop)] = [current + 1, stop, None, now]
    return sorted(records, key=lambda r: r["i"])


def report(records: list[dict], args, wall: float) -> str:
    import onnx_fuzz as fz
    out = collections.Counter(r["kind"] for r in records)
    codes = collections.Counter(r["code"] for r in records)
    kinds = collections.Counter(k for r in records for k in r["kinds"])
    cmds = collections.Counter((r["command"], r["kind"]) for r in records)
    refusals = collections.Counter(fz.error_kind(r["line"]) for r in records
                                   if r["kind"] == "refused")
    times = sorted(r["s"] for r in records if r["s"] is not None)
    lines = [
        f"mutants {len(records)}, seed {args.seed}, workers {args.workers}, "
        + (f"wall {wall:.0f} s ({len(records) / wall:.1f} mutants/s)" if wall > 0
           else "wall not recorded (a report from --log)"),
        f"per mutant: median {times[len(times) // 2]:.3f} s, max {times[-1]:.2f} s"
        if times else "per mutant: -",
        "outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(out.items())),
        "exit codes: " + ", ".join(f"{k} {v}" for k, v in sorted(codes.items(), key=str)),
        "by command: " + ", ".join(f"{c or '-'} {k} {v}" for (c, k), v in sorted(cmds.items())),
        "mutations applied: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())),
        f"failures (internal error, traceback, several lines, warning, leftover file, "
        f"plan the runtime rejects, crash, hang): {out['failure']}",
    ]
    for r in records:
        if r["kind"] == "failure":
            lines.append(f"  FAIL mutant {r['i']} ({r['seed']} {r['command']} -m {r['budget']}; "
                         f"{'; '.join(r['changes'])}): {r['line']}")
    lines.append(f"refusal kinds ({len(refusals)} distinct; the 40 most frequent):")
    for text, n in refusals.most_common(40):
        lines.append(f"  {n:6d}  {text}")
    return "\n".join(lines)


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(*map(int, sys.argv[2:5]))
        return 0
    ap = argparse.ArgumentParser()
    ap.add_argument("--mutants", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=2)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=300.0,
                    help="seconds a mutant may take before it counts as a hang")
    ap.add_argument("--log", metavar="FILE.jsonl", help="also write every record as it comes")
    ap.add_argument("--report-from", metavar="FILE.jsonl",
                    help="only report the records of an earlier --log (a partial run)")
    args = ap.parse_args()
    if args.report_from:
        records = [json.loads(ln) for ln in open(args.report_from) if ln.strip()]
        print(report(sorted(records, key=lambda r: r["i"]), args, 0.0))
        return 1 if any(r["kind"] == "failure" for r in records) else 0
    t0 = time.perf_counter()
    with open(args.log, "w") if args.log else open("/dev/null", "w") as log:
        records = campaign(args.seed, args.mutants, args.workers, args.timeout, log)
    print(report(records, args, time.perf_counter() - t0))
    return 1 if any(r["kind"] == "failure" for r in records) else 0


if __name__ == "__main__":
    sys.exit(main())
