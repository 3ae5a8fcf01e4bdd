"""Grader latency: warm worker vs a fresh interpreter per submission, with the full sandbox.

    /tmp/v/bin/python benchmarks/grader_latency.py [--n 50] [--cold 5] [--gap 0.25]

- worker start: ``GraderClient.start()`` until the worker reports ready (median of the
  cold runs' starts and the warm worker's own start);
- warm: one worker, 50 submissions of the adam-step reference solution, submit-to-verdict
  as the client sees it.  ``warm_*`` are paced like a learner (``--gap`` seconds between a
  verdict and the next submission, default 0.25); ``back_to_back_*`` submit again the
  moment a verdict arrives; ``warm_fail_*`` grade a failing mutant (with its diagnosis);
- cold: a fresh worker (new interpreter, torch import, sandbox setup) per submission;
- CLI: `studyapp grade` as a learner runs it (a new process per grading, on a file
  database).  ``cli_cold_ms`` is the first one, which starts this user's grading server
  (and its worker); ``cli_warm_*`` are the next ``--cli-n`` ones, answered by that warm
  server (process start, imports, one socket round trip, printing); ``cli_no_server_ms``
  is one ``--no-server`` run (in-process, as before the server).  They run in a private
  runtime directory whose server is shut down at the end, with Python's bytecode cache on
  (as in an installed package; PYTHONDONTWRITEBYTECODE would add compile time to each).

The last line printed is one JSON object.  The machine's load average is reported with
the figures, since other processes on a 2-core machine move them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
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


def cli_latency(exercise: str, solution: str, n: int, gap: float) -> dict:
    """`studyapp grade` timings, in a private runtime directory (server stopped after)."""
    root = Path(__file__).resolve().parents[1]
    work = Path(tempfile.mkdtemp(prefix="sa-bench-", dir="/tmp"))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(XDG_RUNTIME_DIR=str(work), PYTHONPATH=str(root))
    env.pop("STUDYAPP_GRADER_IDLE_S", None)
    sol = work / "solution.py"
    sol.write_text(solution)
    db = f"sqlite:///{work / 'study.db'}"
    script = Path(sys.executable).with_name("studyapp")  # the installed entry point
    launcher = [str(script)] if script.exists() else [sys.executable, "-m", "studyapp.cli.main"]
    cli = [*launcher, "--db", db]

    def run(*extra: str) -> float:
        t0 = time.perf_counter()
        done = subprocess.run([*cli, "grade", exercise, str(sol), *extra], env=env,
                              capture_output=True, text=True)
        ms = (time.perf_counter() - t0) * 1000
        if done.returncode != 0 or "note:" in done.stderr:
            raise SystemExit(f"studyapp grade failed ({done.returncode}): "
                             f"{done.stdout[-500:]}{done.stderr[-500:]}")
        return ms

    try:
        # the database and the bytecode cache exist already, no server runs yet
        subprocess.run([*cli, "exercises"], env=env, capture_output=True, check=True)
        cold = run()
        warm = []
        for _ in range(n):
            time.sleep(gap)
            warm.append(run())
        no_server = run("--no-server")
    finally:
        _stop_server(work, env)
        shutil.rmtree(work, ignore_errors=True)
    return {"cli_cold_ms": round(cold, 1), "cli_warm_p50_ms": round(pct(warm, 0.5), 1),
            "cli_warm_p95_ms": round(pct(warm, 0.95), 1), "cli_n": n,
            "cli_no_server_ms": round(no_server, 1)}


def _stop_server(runtime: Path, env: dict) -> None:
    from studyapp.grading import protocol, server

    for sock_path in runtime.glob("studyapp/grader-*.sock"):
        version = sock_path.name.removeprefix("grader-").removesuffix(".sock")
        with contextlib.suppress(OSError, EOFError, TimeoutError, server.ServerUnavailable):
            sock = server.connect(sock_path)
            if sock is None:
                continue
            with sock:
                sock.sendall(protocol.encode({"op": "ping", "version": version}))
                pid = protocol.read_frame(sock.fileno(), deadline=time.monotonic() + 30)[0]["pid"]
            sock = server.connect(sock_path)
            with sock:
                sock.sendall(protocol.encode({"op": "shutdown", "version": version}))
                protocol.read_frame(sock.fileno(), deadline=time.monotonic() + 30)
            deadline = time.monotonic() + 30  # it closes its worker on the way out
            while os.path.exists(f"/proc/{pid}") and time.monotonic() < deadline:
                with contextlib.suppress(ChildProcessError, OSError):
                    os.waitpid(pid, os.WNOHANG)
                time.sleep(0.1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=50, help="warm submissions per series")
    ap.add_argument("--cold", type=int, default=5, help="cold (fresh worker) submissions")
    ap.add_argument("--gap", type=float, default=0.25, help="think time between warm submissions")
    ap.add_argument("--exercise", default="adam-step")
    ap.add_argument("--cli-n", type=int, default=20, help="warm `studyapp grade` runs")
    ap.add_argument("--no-cli", action="store_true", help="skip the `studyapp grade` figures")
    ap.add_argument("--cli-only", action="store_true", help="only the `studyapp grade` figures")
    args = ap.parse_args()

    meta = load_exercise(args.exercise)
    solution = meta.solution_path.read_text()
    mutant = (meta.path / meta.mutants[0].file).read_text()
    load_before = loadavg()
    if args.cli_only:
        cli = cli_latency(args.exercise, solution, args.cli_n, args.gap)
        print(f"CLI cold {cli['cli_cold_ms']} ms, warm p50 {cli['cli_warm_p50_ms']} ms")
        print(json.dumps({"exercise": args.exercise, **cli, "loadavg_before": load_before,
                          "loadavg_after": loadavg(), "cpus": os.cpu_count()}))
        return

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

    cli = {} if args.no_cli else cli_latency(args.exercise, solution, args.cli_n, args.gap)

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
        **cli,
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
          f"{result['cold_p50_ms']} ms; worker start {result['worker_start_s']} s"
          + (f"; CLI cold {cli['cli_cold_ms']} ms, warm p50 {cli['cli_warm_p50_ms']} ms"
             if cli else ""))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
