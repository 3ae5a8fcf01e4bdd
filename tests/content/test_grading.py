"""Every shipped exercise, graded for real (sandboxed worker, on CPU): each reference
solution passes its checks, each mutant fails and is diagnosed as itself (mutation score
100%), and starters do not pass.  One warm grader serves the whole module."""

from __future__ import annotations

import pytest

from studyapp.grading import GraderClient, list_exercises
from studyapp.grading.static import normalized_source

EXERCISES = list_exercises()
BY_ID = {m.id: m for m in EXERCISES}
MUTANTS = [(m.id, mm.id) for m in EXERCISES for mm in m.mutants]
VARIANT_SEEDS = (11, 12)


@pytest.fixture(scope="module")
def grader():
    client = GraderClient(device="cpu")
    client.start()
    client.wait_ready_sync(120)
    yield client
    client.close()


@pytest.fixture(scope="module")
def grade(grader):
    cache: dict[tuple, object] = {}

    def _grade(exercise_id: str, path, seed: int | None = None):
        key = (exercise_id, str(path), seed)
        if key not in cache:
            code = path.read_text(encoding="utf-8")
            cache[key] = grader.grade_sync(exercise_id, code, variant_seed=seed,
                                           filename=path.name)
        return cache[key]

    return _grade


def _is_starter(meta, path) -> bool:
    """The mutant is the fix exercise's starter as given: graded, it is named as the
    unchanged starter (which must not explain the fix), not as the mutant."""
    if meta.kind != "fix":
        return False
    return (normalized_source(path.read_text(encoding="utf-8"))
            == normalized_source(meta.starter()))


def _explain(verdict) -> str:
    bad = [f"{t.name}: {t.status} {t.message[:300]}" for t in verdict.tests
           if t.status != "passed"]
    diag = verdict.diagnosis.id if verdict.diagnosis else None
    return f"{verdict.status} ({verdict.message[:300]}); diagnosis={diag}; " + " | ".join(bad[:4])


@pytest.mark.parametrize("exercise_id", list(BY_ID))
def test_reference_solution_passes(grade, exercise_id):
    meta = BY_ID[exercise_id]
    verdict = grade(exercise_id, meta.solution_path)
    assert verdict.status == "passed", _explain(verdict)
    assert len(verdict.tests) >= 3 and all(t.status == "passed" for t in verdict.tests)


@pytest.mark.parametrize(("exercise_id", "mutant_id"), MUTANTS,
                         ids=[f"{e}/{m}" for e, m in MUTANTS])
def test_mutant_fails_and_is_diagnosed_as_itself(grade, exercise_id, mutant_id):
    meta = BY_ID[exercise_id]
    mutant = next(mm for mm in meta.mutants if mm.id == mutant_id)
    verdict = grade(exercise_id, meta.path / mutant.file)
    assert verdict.status == "failed", _explain(verdict)
    assert verdict.diagnosis is not None, _explain(verdict)
    if _is_starter(meta, meta.path / mutant.file):
        assert verdict.diagnosis.id == "unchanged-starter", _explain(verdict)
        return
    if mutant.expected_diagnosis() != mutant_id:  # only inf/NaN evidence: named generically
        assert verdict.diagnosis.id == mutant.expected_diagnosis(), _explain(verdict)
        return
    assert verdict.diagnosis.id == mutant_id, _explain(verdict)
    assert verdict.diagnosis.text == mutant.misconception
    assert verdict.diagnosis.source == "mutant"
    assert verdict.diagnosis.what and verdict.diagnosis.evidence


def test_mutation_score_is_100_percent(grade):
    killed = 0
    survivors = []
    for exercise_id, mutant_id in MUTANTS:
        meta = BY_ID[exercise_id]
        mutant = next(mm for mm in meta.mutants if mm.id == mutant_id)
        verdict = grade(exercise_id, meta.path / mutant.file)
        diagnosed = verdict.diagnosis.id if verdict.diagnosis else None
        expected = ("unchanged-starter" if _is_starter(meta, meta.path / mutant.file)
                    else mutant.expected_diagnosis())
        if verdict.status == "failed" and diagnosed == expected:
            killed += 1
        else:
            survivors.append(f"{exercise_id}/{mutant_id}: {verdict.status}, diagnosed {diagnosed}")
    score = killed / len(MUTANTS)
    print(f"mutation score: {killed}/{len(MUTANTS)} = {score:.0%}")
    assert score == 1.0, survivors


@pytest.mark.parametrize("exercise_id", list(BY_ID))
def test_starter_does_not_pass(grade, exercise_id):
    meta = BY_ID[exercise_id]
    verdict = grade(exercise_id, meta.starter_path)
    assert verdict.status != "passed", _explain(verdict)
    if meta.kind == "fix":
        # A fix starter runs and is wrong in a known way: one of the exercise's mutants.
        assert verdict.status == "failed", _explain(verdict)
        assert verdict.diagnosis is not None, _explain(verdict)
        # it says the code is unchanged and still has the bug, without explaining the fix
        assert verdict.diagnosis.id == "unchanged-starter", _explain(verdict)
        assert verdict.diagnosis.fix == ""
        assert "unchanged" in verdict.diagnosis.what
        mutant_texts = [mm.misconception for mm in meta.mutants]
        assert verdict.diagnosis.text not in mutant_texts


@pytest.mark.parametrize("seed", VARIANT_SEEDS)
@pytest.mark.parametrize("exercise_id", list(BY_ID))
def test_reference_solution_passes_variants(grade, exercise_id, seed):
    meta = BY_ID[exercise_id]
    verdict = grade(exercise_id, meta.solution_path, seed)
    assert verdict.status == "passed", _explain(verdict)
    assert verdict.variant_seed == seed
