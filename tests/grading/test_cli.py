"""`studyapp grade` and `studyapp exercises`, in-process, on a file database."""

from __future__ import annotations

import argparse
import io
import json
import threading
import time

import pytest
from sqlalchemy import select

from studyapp.cli.context import CliContext
from studyapp.cli.grade import _watch, format_report
from studyapp.cli.main import main
from studyapp.grading import load_exercise
from studyapp.storage.db import open_database
from studyapp.storage.models import Card, Submission

from .conftest import SGD_OK


def run_cli(args, db_url, clock):
    out, err = io.StringIO(), io.StringIO()
    code = main(["--db", db_url, *args], CliContext(clock=clock, stdout=out, stderr=err))
    return code, out.getvalue(), err.getvalue()


def submissions(db_url):
    db = open_database(db_url)
    try:
        with db.unit_of_work() as session:
            rows = session.scalars(select(Submission).order_by(Submission.id)).all()
            card = dict(session.execute(select(Card.content_id, Card.id)).all())
            return [(r.exercise_id, r.status, r.card_id, r.device, r.verdict, r.code)
                    for r in rows], card
    finally:
        db.dispose()


def test_grade_json_pass_and_readable_fail_are_stored(tmp_path, file_db_url, clock):
    good = tmp_path / "good.py"
    good.write_text(SGD_OK)
    code, out, err = run_cli(["grade", "sgd-step", str(good), "--json"], file_db_url, clock)
    assert code == 0, err
    doc = json.loads(out)  # exactly one JSON object
    assert doc["status"] == "passed" and doc["exercise"] == "sgd-step"
    assert {"device", "duration_ms", "tests", "diagnosis"} <= set(doc)

    bad = tmp_path / "bad.py"
    bad.write_text("def sgd_step(param, grad, lr):\n    return param - grad\n")
    code, out, err = run_cli(["grade", "sgd-step", str(bad)], file_db_url, clock)
    assert code == 1
    assert "sgd-step: FAILED" in out and "Diagnosis (missing-lr)" in out

    rows, cards = submissions(file_db_url)
    assert [(r[0], r[1]) for r in rows] == [("sgd-step", "passed"), ("sgd-step", "failed")]
    assert rows[0][2] == cards.get("sgd-step")  # card_id from the exercise's card (or None)
    assert rows[0][3] == "cpu" and rows[0][4]["status"] == "passed" and rows[0][5] == SGD_OK


@pytest.mark.parametrize(("args", "needle"), [
    (["grade", "no-such-exercise", "x.py"], "unknown exercise 'no-such-exercise'"),
    (["grade", "sgd-step", "/no/such/file.py"], "no such file"),
])
def test_usage_errors_exit_2(file_db_url, clock, args, needle):
    code, out, err = run_cli(args, file_db_url, clock)
    assert code == 2 and out == "" and needle in err
    assert len(err.strip().splitlines()) == 1


def test_exercises_lists_the_issue_exercises(file_db_url, clock):
    code, out, _ = run_cli(["exercises", "--json"], file_db_url, clock)
    assert code == 0
    listed = {e["id"]: e for e in json.loads(out)["exercises"]}
    for ex_id in ("sgd-step", "rmsprop-step", "adam-step", "adam-fix-bias-correction",
                  "xavier-uniform", "batchnorm-forward"):
        assert {"id", "title", "topic", "kind"} <= set(listed[ex_id])
    assert listed["adam-fix-bias-correction"]["kind"] == "fix"
    code, out, _ = run_cli(["exercises"], file_db_url, clock)
    assert code == 0 and "adam-step" in out and "implement" in out


def test_watch_grades_again_on_save(grader, tmp_path, file_db_url, clock):
    path = tmp_path / "watch.py"
    path.write_text("def sgd_step(param, grad, lr):\n    return param + lr * grad\n")
    out, err = io.StringIO(), io.StringIO()
    ctx = CliContext(db_url=file_db_url, clock=clock, stdout=out, stderr=err)
    args = argparse.Namespace(file=path, json=True, variant=None)

    def save_later():
        time.sleep(0.6)
        path.write_text(SGD_OK)

    threading.Thread(target=save_later).start()
    try:
        code = _watch(ctx, grader, load_exercise("sgd-step"), args, path.read_text(),
                      poll_s=0.05, max_rounds=1)
    finally:
        ctx.close()
    lines = [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]
    assert [d["status"] for d in lines] == ["failed", "passed"]
    assert code == 0


def test_report_shows_the_failure_details(grader):
    v = grader.grade_sync("adam-step", load_exercise("adam-step").path.joinpath(
        "mutants", "eps_inside_sqrt.py").read_text())
    text = format_report(v)
    assert "FAIL  tiny-grads" in text and "max abs err" in text and "worst at index" in text
    assert "Diagnosis (eps-inside-sqrt)" in text
