"""Realistic wrong submissions for every exercise, graded through ONE shared warm grader.

Each file under ``wrong_submissions/<exercise>/`` was written the way a learner writes a
mistake (not copied from the exercise's mutants); ``manifest.toml`` says which diagnosis it
must get, or "none".  Every one must fail, none may get a wrong name (a diagnosis where the
manifest says "none" is a wrong name too), and at least 90% must get a name.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from studyapp.grading import GraderClient, list_exercises

HERE = Path(__file__).parent / "wrong_submissions"
MANIFEST = tomllib.loads((HERE / "manifest.toml").read_text(encoding="utf-8"))
CASES = [(ex, name, expected) for ex, files in sorted(MANIFEST.items())
         for name, expected in sorted(files.items())]


@pytest.fixture(scope="module")
def verdicts():
    """Every case graded once, by one warm grader (default limits: the sandbox is shared
    with other graders on a busy machine)."""
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


def test_manifest_lists_every_file_and_every_exercise():
    on_disk = {(p.parent.name, p.name) for p in HERE.glob("*/*.py")}
    listed = {(ex, name) for ex, name, _e in CASES}
    assert on_disk == listed
    exercises = {m.id for m in list_exercises()}
    per_exercise = {ex: len(files) for ex, files in MANIFEST.items()}
    assert set(per_exercise) == exercises
    assert all(n >= 5 for n in per_exercise.values()), per_exercise


@pytest.mark.parametrize(("exercise", "name", "expected"), CASES,
                         ids=[f"{e}/{n}" for e, n, _x in CASES])
def test_wrong_submission_fails_with_the_right_name_or_none(verdicts, exercise, name, expected):
    v = verdicts[(exercise, name)]
    got = v.diagnosis.id if v.diagnosis else "none"
    assert v.status == "failed", f"{v.status}: {v.message[:300]}"
    assert got == expected, (v.diagnosis.evidence if v.diagnosis else v.message[:300])
    if v.diagnosis:
        d = v.diagnosis
        assert d.what and d.evidence, d
        if d.source == "starter":
            assert d.fix == ""  # it must not explain the fix
        else:
            assert d.fix, d


def test_diagnosis_rate_is_at_least_90_percent(verdicts):
    per: dict[str, list[int]] = {}
    for (ex, _name), v in verdicts.items():
        named = v.status == "failed" and v.diagnosis is not None
        per.setdefault(ex, [0, 0])
        per[ex][0] += named
        per[ex][1] += 1
    for ex, (k, n) in sorted(per.items()):
        print(f"{ex}: {k}/{n} diagnosed ({k / n:.0%})")
    named = sum(k for k, _n in per.values())
    total = sum(n for _k, n in per.values())
    print(f"overall: {named}/{total} = {named / total:.1%}")
    assert named / total >= 0.90
