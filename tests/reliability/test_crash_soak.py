"""A small crash soak (the full one is benchmarks/crash_soak.py): SIGKILL a reviewing
process 5 times at random moments; no review it reported as committed may be lost."""

import importlib.util
from pathlib import Path

SOAK = Path(__file__).resolve().parents[2] / "benchmarks" / "crash_soak.py"


def load_soak():
    spec = importlib.util.spec_from_file_location("crash_soak", SOAK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_sigkill_never_loses_a_committed_review(tmp_path):
    figures = load_soak().run_soak(trials=5, seed=7, workdir=tmp_path, max_wait_s=0.8)
    assert figures["reviews_committed"] > 0  # the worker really reviewed before being killed
    assert figures["lost_reviews"] == 0
    assert figures["integrity_failures"] == 0
    assert figures["state_mismatches"] == 0


def test_the_checker_notices_a_lost_review(tmp_path):
    soak = load_soak()
    db_path = tmp_path / "soak.db"
    soak.prepare(db_path)
    lost, integrity_ok, mismatched = soak.check(db_path, printed=[12345])
    assert (lost, integrity_ok, mismatched) == (1, True, 0)
