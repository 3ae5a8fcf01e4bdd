"""Realistic wrong submissions for the exercises of issue 15 (linear-backward ...
multi-head-attention), graded through ONE shared warm grader.

Each file under ``wrong_submissions/<exercise>/`` was written the way a learner writes a
mistake, not copied from the exercise's mutants; ``manifest_x15b.toml`` says which
diagnosis it must get, or "none".  Every one must fail (not error: they all run), none may
get a wrong name (a name where the manifest says "none" is wrong too), and at least 90%
must get a name.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from studyapp.grading import GraderClient, list_exercises

HERE = Path(__file__).parent / "wrong_submissions"
MANIFEST = tomllib.loads((HERE / "manifest_x15b.toml").read_text(encoding="utf-8"))
CASES = [(ex, name, expected) for ex, files in sorted(MANIFEST.items())
         for name, expected in sorted(files.items())]


@pytest.fixture(scope="module")
def verdicts():
    client = GraderClient(device="cpu")
    client.start()
    client.wait_ready_sync(180)
    out = {}
    try:
        for ex, name, _expected in CASES:
            code = (HERE / ex / name).read_text(encoding="utf-8")
            out[(ex, name)] = client.grade_sync(ex, code, filename=name)
    finally:
        client.close()
    return out


def test_manifest_lists_every_file_of_its_exercises():
    exercises = {m.id: m for m in list_exercises()}
    for ex, files in MANIFEST.items():
        assert ex in exercises, ex
        on_disk = {p.name for p in (HERE / ex).glob("*.py")}
        assert on_disk == set(files), ex
        assert len(files) >= 5, ex
        mutant_ids = {m.id for m in exercises[ex].mutants}
        assert all(d == "none" or d in mutant_ids for d in files.values()), ex


@pytest.mark.parametrize(("exercise", "name", "expected"), CASES,
                         ids=[f"{e}/{n}" for e, n, _x in CASES])
def test_wrong_submission_fails_with_the_right_name_or_none(verdicts, exercise, name, expected):
    v = verdicts[(exercise, name)]
    got = v.diagnosis.id if v.diagnosis else "none"
    assert v.status == "failed", f"{v.status}: {v.message[:300]}"
    assert got == expected, v.message[:300]


def test_at_least_90_percent_get_a_name(verdicts):
    named = sum(1 for v in verdicts.values() if v.diagnosis is not None)
    rate = named / len(verdicts)
    print(f"named {named}/{len(verdicts)} = {rate:.0%}")
    assert rate >= 0.9
