"""One reader of exercise.toml: the content loader and the grader accept and reject the
same files, with the same `file:line` sentences.  Where the two parsers used to disagree,
the stricter rule now holds on both sides (each case below failed on one side before)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from studyapp.content.decks import Problems
from studyapp.content.exercises import load_exercise_folder, read_exercise_toml
from studyapp.content.loader import load_content
from studyapp.grading.exercises import (
    GradingError,
    list_exercises,
    load_exercise,
    load_exercise_meta,
)

GOOD_TOML = '''id = "ex-one"
title = "Exercise one"
topic = "optim"
deck = "demo"
kind = "implement"
entry = "f"
signature = "f(x) -> y"
target_seconds = 300
requires = ["demo"]
hints = ["a", "b", "c"]
bans_from = []
'''
MUTANT = '[[mutants]]\nid = "m"\nfile = "mutants/m.py"\nmisconception = "x"\n'


def make_exercise(root: Path, toml: str, folder: str = "ex-one", mutant_file: bool = True) -> Path:
    path = root / "exercises" / folder
    (path / "mutants").mkdir(parents=True)
    (path / "exercise.toml").write_text(toml, encoding="utf-8")
    (path / "prompt.md").write_text("# Do it\n", encoding="utf-8")
    (path / "starter.py").write_text("def f(x):\n    ...\n", encoding="utf-8")
    (path / "solution.py").write_text("def f(x):\n    return x\n", encoding="utf-8")
    (path / "checks.py").write_text("", encoding="utf-8")
    if mutant_file:
        (path / "mutants" / "m.py").write_text("def f(x):\n    return -x\n", encoding="utf-8")
    return path


def both_sides(folder: Path) -> tuple[list[str], str | None]:
    """(the content loader's problems, the grader's error or None)."""
    problems = Problems()
    load_exercise_folder(folder, problems)
    try:
        load_exercise_meta(folder)
    except GradingError as exc:
        return list(problems), str(exc)
    return list(problems), None


def test_a_good_file_loads_on_both_sides(tmp_path):
    folder = make_exercise(tmp_path, GOOD_TOML + MUTANT)
    problems, error = both_sides(folder)
    assert problems == [] and error is None
    meta = load_exercise_meta(folder)
    assert meta.hints == ("a", "b", "c") and meta.mutants[0].file == "mutants/m.py"
    assert meta.extra == {}


@pytest.mark.parametrize(("toml", "mutant_file", "sentence"), [
    # used to be optional for the grader
    (GOOD_TOML.replace('hints = ["a", "b", "c"]\n', ""), True,
     ":1: exercise is missing the key 'hints'"),
    (GOOD_TOML.replace('hints = ["a", "b", "c"]', "hints = []"), True, ":10: hints must be"),
    # the grader checked the mutant's fields, never that its file exists
    (GOOD_TOML + MUTANT, False, "names a file that does not exist: mutants/m.py"),
    # the content loader took any value for these
    (GOOD_TOML.replace('title = "Exercise one"', "title = 3"), True, ":2: title must be a text"),
    (GOOD_TOML + MUTANT + 'fix = 3\n', True, "mutant #1: fix must be texts"),
    (GOOD_TOML.replace("bans_from = []", 'bans_from = "torch"'), True,
     ":11: bans_from must be a list of texts"),
    # neither checked: the grader crashed with ValueError on float("soon")
    (GOOD_TOML + 'timeout_s = "soon"\n', True, ":12: timeout_s must be a positive number"),
    (GOOD_TOML.replace("target_seconds = 300", "target_seconds = true"), True,
     ":8: target_seconds must be a positive whole number"),
    (GOOD_TOML + 'mutants = "m.py"\n', True, "mutants must be a list of [[mutants]] tables"),
])
def test_the_stricter_rule_holds_on_both_sides(tmp_path, toml, mutant_file, sentence):
    folder = make_exercise(tmp_path, toml, mutant_file=mutant_file)
    problems, error = both_sides(folder)
    assert any(sentence in p for p in problems), problems
    assert error is not None and sentence in error
    assert error.startswith(str(folder / "exercise.toml") + ":")


def test_the_grader_checks_the_id_pattern_and_names_the_line(tmp_path):
    folder = make_exercise(tmp_path, GOOD_TOML.replace('"ex-one"', '"Ex_One"'), folder="Ex_One")
    with pytest.raises(GradingError, match=r"toml:1: exercise id 'Ex_One' must be lowercase"):
        load_exercise_meta(folder)


def test_the_grader_reports_one_line_with_a_count(tmp_path):
    folder = make_exercise(tmp_path, GOOD_TOML.replace('kind = "implement"', 'kind = "guess"')
                           .replace("target_seconds = 300", "target_seconds = 0"))
    with pytest.raises(GradingError) as info:
        load_exercise_meta(folder)
    assert str(info.value).endswith("unknown exercise kind 'guess' (one of implement, fix) "
                                    "(and 1 more problem)")
    assert ":5: " in str(info.value) and "\n" not in str(info.value)


def test_the_grader_skips_draft_folders_like_the_content_loader(tmp_path):
    make_exercise(tmp_path, GOOD_TOML)
    make_exercise(tmp_path, GOOD_TOML.replace('"ex-one"', '"_draft"'), folder="_draft")
    assert [m.id for m in list_exercises([tmp_path])] == ["ex-one"]


def test_unknown_keys_stay_available_to_the_grader(tmp_path):
    folder = make_exercise(tmp_path, GOOD_TOML + 'difficulty = "hard"\n')
    assert load_exercise_meta(folder).extra == {"difficulty": "hard"}
    assert load_exercise(folder.name, [tmp_path]).extra == {"difficulty": "hard"}


def test_both_sides_read_the_shipped_exercises_alike():
    content = {e.id: e for e in load_content().exercises}
    grading = {m.id: m for m in list_exercises()}
    assert content.keys() == grading.keys()
    for ex_id, meta in grading.items():
        spec = content[ex_id]
        assert (spec.title, spec.kind, spec.deck, spec.target_seconds, tuple(spec.hints)) == (
            meta.title, meta.kind, meta.deck, meta.target_seconds, meta.hints)
        toml = read_exercise_toml(meta.path, Problems())
        assert toml is not None and len(toml.mutants) == len(meta.mutants)


def test_reading_exercises_for_the_grader_imports_no_storage():
    code = ("import sys\nimport studyapp.grading.exercises\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'sqlalchemy'"
            " or m.startswith('studyapp.storage')))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
