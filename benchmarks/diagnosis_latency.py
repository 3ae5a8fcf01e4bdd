"""What diagnosis costs: warm submit-to-verdict for a passing submission (probes never run)
and for failing ones named by a mutant, by a contract probe and by a sensitivity re-run.

    python benchmarks/diagnosis_latency.py [--n 15] [--gap 0.25]

One warm worker, adam-step.  ``first_*`` is the first failing grade of its kind (it
computes and caches the mutant and probe records); the p50 figures are repeats.  The last
line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from studyapp.grading import GraderClient, load_exercise  # noqa: E402

WRONG = ROOT / "tests" / "grading" / "wrong_submissions" / "adam-step"
SENSITIVITY = """import torch
def adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad.abs()
    m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
    return param - 0.001 * m_hat / (v_hat.sqrt() + eps), m, v
"""


def timed(client: GraderClient, code: str, expect: str | None) -> float:
    t0 = time.perf_counter()
    v = client.grade_sync("adam-step", code)
    ms = (time.perf_counter() - t0) * 1000
    got = v.diagnosis.id if v.diagnosis else None
    if (v.status == "passed") != (expect is None) or (expect and got != expect):
        raise SystemExit(f"unexpected verdict: {v.status} {got} (wanted {expect})")
    return ms


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=15)
    ap.add_argument("--gap", type=float, default=0.25)
    args = ap.parse_args()
    solution = load_exercise("adam-step").solution_path.read_text()
    cases = {
        "pass": (solution, None),
        "mutant": ((WRONG / "notes_style_no_correction.py").read_text(), "no-bias-correction"),
        "probe": ((WRONG / "hardcoded_lr.py").read_text(), "ignores-lr"),
        "sensitivity": (SENSITIVITY, "ignores-lr"),
    }
    out: dict[str, float | str] = {"load_avg": " ".join(f"{x:.2f}" for x in os.getloadavg())}
    with GraderClient(device="cpu") as client:
        client.start()
        client.wait_ready_sync(180)
        for _ in range(3):
            timed(client, solution, None)  # warm: expected values, a pre-armed child
        for name, (code, expect) in cases.items():
            out[f"first_{name}_ms"] = round(timed(client, code, expect), 1)
            runs = []
            for _ in range(args.n):
                time.sleep(args.gap)
                runs.append(timed(client, code, expect))
            out[f"{name}_p50_ms"] = round(statistics.median(runs), 1)
    base = float(out["pass_p50_ms"])
    for name in ("mutant", "probe", "sensitivity"):
        out[f"{name}_added_ms"] = round(float(out[f"{name}_p50_ms"]) - base, 1)
    for k, v in out.items():
        print(f"{k:>24}: {v}")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
