"""Two processes reviewing the same cards at once lose no review, on either engine
(PostgreSQL lost 23 of 300 before its write transactions took turns)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "concurrent_reviews.py"


def _run(url: str) -> dict:
    result = subprocess.run([sys.executable, str(SCRIPT), "--db", url, "--cards", "20",
                             "--rounds", "4"], capture_output=True, text=True, timeout=600)
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert result.returncode == 0, result.stderr
    return figures


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_two_processes_reviewing_the_same_cards_lose_nothing(engine, tmp_path, request):
    url = (f"sqlite:///{tmp_path / 'c.db'}" if engine == "sqlite"
           else request.getfixturevalue("pg_url"))
    figures = _run(url)
    assert figures["reviews"] == figures["expected_reviews"] == 160
    assert figures["lost_reviews"] == 0
