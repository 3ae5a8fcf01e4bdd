"""Grader latency: warm worker vs a fresh interpreter per submission, with the full sandbox.

    /tmp/v/bin/python benchmarks/grader_latency.py [--n 50] [--cold 5] [--gap 0.25]

- worker start: ``GraderClient.start()`` until the worker reports ready (median of the
  cold runs' starts and the warm worker's own start);
- warm: one worker, 50 submissions of the adam-step reference solution, submit-to-verdict
  as the client sees it.  ``warm_*`` are paced like a learner (``--gap`` seconds between a
  verdict and the next submission, default 0.25); ``back_to_back_*`` submit again the
  moment a verdict arrives; ``warm_fail_*`` grade a failing mutant (with its diagnosis);
- cold: a fresh worker (new interpreter, torch import, sandbox setup) per submission.

The last line printed is one JSON object.  The machine's load average is reported with
the figures, since other processes on a 2-core machine move them.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from studyapp.grading import GraderClient, load_exercise  # noqa: E402


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    if not values:
        return float("nan")
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def loadavg() -> float:
    try:
        return float(open("/proc/loadavg").read().split()[0])
    except OSError:
        return float("nan")


def timed(client: GraderClient, exercise: str, code: str, expect: str) -> float:
    t0 = time.perf_counter()
    verdict = client.grade_sync(exercise, code)
    ms = (time.perf_counter() - t0) * 1000
    if verdict.status != expect:
        raise SystemExit(f"unexpected verdict {verdict.status}: {verdict.message}")
    return ms


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=50, help="warm submissions per series")
    ap.add_argument("--cold", type=int, default=5, help="cold (fresh worker) submissions")
    ap.add_argument("--gap", type=float, default=0.25, help="think time between warm submissions")
    ap.add_argument("--exercise", default="adam-step")
    args = ap.parse_args()

    meta = load_exercise(args.exercise)
    solution = meta.solution_path.read_text()
    mutant = (meta.path / meta.mutants[0].file).read_text()
    load_before = loadavg()

    # -- warm ------------------------------------------------------------------------------
    t0 = time.perf_counter()
    client = GraderClient(device="cpu")
    client.start()
    client.wait_ready_sync()
    start_warm = time.perf_counter() - t0
    layers = client.info.get("layers", [])
    first_ms = timed(client, args.exercise, solution, "passed")  # computes expected values
    timed(client, args.exercise, mutant, "failed")  # computes mutant outputs
    paced, parts = [], []
    for _ in range(args.n):
        time.sleep(args.gap)
        paced.append(timed(client, args.exercise, solution, "passed"))
        parts.append(dict(client.last_timing))
    back = [timed(client, args.exercise, solution, "passed") for _ in range(args.n)]
    fails = []
    for _ in range(max(10, args.n // 5)):
        time.sleep(args.gap)
        fails.append(timed(client, args.exercise, mutant, "failed"))
    client.close()

    # -- cold --------------------------------------------------------------------------------
    cold, starts = [], [start_warm]
    for _ in range(args.cold):
        t0 = time.perf_counter()
        c = GraderClient(device="cpu")
        c.start()
        c.wait_ready_sync()
        starts.append(time.perf_counter() - t0)
        timed(c, args.exercise, solution, "passed")
        cold.append((time.perf_counter() - t0) * 1000)
        c.close()

    def med(key: str) -> float:
        return round(statistics.median(p.get(key, 0.0) for p in parts), 2)

    result = {
        "exercise": args.exercise,
        "n": args.n,
        "gap_s": args.gap,
        "warm_p50_ms": round(pct(paced, 0.5), 1),
        "warm_p95_ms": round(pct(paced, 0.95), 1),
        "warm_max_ms": round(max(paced), 1),
        "back_to_back_p50_ms": round(pct(back, 0.5), 1),
        "back_to_back_p95_ms": round(pct(back, 0.95), 1),
        "warm_fail_p50_ms": round(pct(fails, 0.5), 1),
        "first_grade_ms": round(first_ms, 1),
        "cold_p50_ms": round(pct(cold, 0.5), 1),
        "cold_runs": args.cold,
        "worker_start_s": round(statistics.median(starts), 3),
        "worker_start_max_s": round(max(starts), 3),
        "warm_breakdown_p50_ms": {k: med(k) for k in ("prepare_ms", "static_ms", "sandbox_ms",
                                                      "child_wall_ms", "compare_ms")},
        "loadavg_before": load_before,
        "loadavg_after": loadavg(),
        "cpus": os.cpu_count(),
        "layers": layers,
    }
    print(f"adam-step warm p50 {result['warm_p50_ms']} ms, p95 {result['warm_p95_ms']} ms; "
          f"back-to-back p50 {result['back_to_back_p50_ms']} ms; cold p50 "
          f"{result['cold_p50_ms']} ms; worker start {result['worker_start_s']} s")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
