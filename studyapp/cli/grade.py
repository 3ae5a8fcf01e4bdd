"""`studyapp grade EXERCISE FILE` and `studyapp exercises`.

``grade`` runs the file through the sandboxed grader (see docs/grader.md), prints a readable
report (or exactly one JSON object with ``--json``) and stores the submission.  Exit code:
0 passed, 1 not passed, 2 usage error.  ``--watch`` keeps one warm worker and grades again
every time the file is saved (with ``--json``: one JSON object per line, per grading).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from studyapp.errors import UserError

DEVICES = ("cpu", "cuda", "auto")


def register(subparsers, parents) -> None:
    grade = subparsers.add_parser(
        "grade", parents=parents, help="grade a solution file for an exercise (sandboxed)",
        description="Grade FILE against EXERCISE's checks, in the sandbox. Exit 0 when it "
                    "passes, 1 when it does not, 2 on a usage error.")
    grade.add_argument("exercise", metavar="EXERCISE", help="exercise id (see `studyapp exercises`)")
    grade.add_argument("file", metavar="FILE", type=Path, help="the Python file to grade")
    grade.add_argument("--device", choices=DEVICES, default="cpu",
                       help="where the submission runs (auto: CUDA when available)")
    grade.add_argument("--json", action="store_true", help="print exactly one JSON object")
    grade.add_argument("--watch", action="store_true",
                       help="keep a warm grader and grade again each time FILE is saved")
    grade.add_argument("--variant", type=int, default=None, metavar="SEED",
                       help="grade a fresh variant of the checks (shapes, hyperparameters)")
    grade.set_defaults(handler=run_grade)

    exercises = subparsers.add_parser("exercises", parents=parents,
                                      help="list the graded exercises")
    exercises.add_argument("--json", action="store_true", help="print one JSON document")
    exercises.set_defaults(handler=run_exercises)


# -- helpers ----------------------------------------------------------------------------------


def _roots(ctx) -> list[Path] | None:
    try:
        from studyapp.content.service import configured_roots
    except ImportError:  # pragma: no cover - older checkouts
        return None
    return configured_roots(ctx.database)


def _read_source(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UserError(f"{path}: is a directory, not a Python file") from None
    except UnicodeDecodeError as exc:
        raise UserError(f"{path}:1: not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise UserError(f"{path}: cannot read: {exc.strerror or exc}") from None


def _meta(exercise_id: str, roots):
    from studyapp.grading.exercises import GradingError, load_exercise

    try:
        return load_exercise(exercise_id, roots)
    except GradingError as exc:
        raise UserError(str(exc)) from None


def store_submission(ctx, exercise_id: str, code: str, verdict) -> None:
    """One Submission row per graded run; card_id from the exercise's card when it exists."""
    from sqlalchemy import select

    from studyapp.storage.models import Card, Submission

    data = verdict.to_json()
    with ctx.unit_of_work() as session:
        card_id = session.scalars(
            select(Card.id).where(Card.content_id == exercise_id).limit(1)).first()
        session.add(Submission(
            card_id=card_id, exercise_id=exercise_id, code=code, status=verdict.status,
            verdict=data, device=str(verdict.device)[:10], duration_ms=int(verdict.duration_ms),
            created_at=ctx.clock.now()))


_MARK = {"passed": "PASS", "failed": "FAIL", "skipped": "skip"}


def format_report(verdict, meta=None) -> str:
    """The human-readable report of a verdict."""
    n_pass = sum(t.status == "passed" for t in verdict.tests)
    lines = [f"{verdict.exercise}: {verdict.status.upper().replace('_', ' ')}  "
             f"({n_pass}/{len(verdict.tests)} checks passed, {verdict.device}, "
             f"{verdict.duration_ms} ms)"]
    test_lines = {t.message.split("\n")[0] for t in verdict.tests if t.message}
    if verdict.message and verdict.status != "passed" and verdict.message not in test_lines:
        lines.append("")
        lines.extend("  " + ln for ln in verdict.message.splitlines())
    if verdict.tests:
        lines.append("")
        width = max(len(t.name) for t in verdict.tests)
        for t in verdict.tests:
            mark = _MARK.get(t.status, t.status.upper())
            lines.append(f"  {mark:<5} {t.name:<{width}}  {t.regime}")
            if t.status not in ("passed", "skipped") and t.message:
                for ln in t.message.splitlines()[:12]:
                    lines.append(f"        {ln}")
    if verdict.diagnosis:
        lines.append("")
        lines.append(f"Diagnosis ({verdict.diagnosis.id}):")
        from studyapp.content.mathtext import render_math

        lines.append(f"  {render_math(verdict.diagnosis.text)}")
    if verdict.stdout.strip() and verdict.status != "passed":
        lines.append("")
        lines.append("Your program printed:")
        lines.extend("  " + ln for ln in verdict.stdout.rstrip().splitlines()[:20])
    return "\n".join(lines)


def _grader_failure(exercise_id: str, device: str, exc: Exception) -> dict[str, Any]:
    return {"exercise": exercise_id, "status": "error", "device": device, "duration_ms": 0,
            "tests": [], "diagnosis": None, "message": f"the grader failed: {exc}"}


# -- commands ---------------------------------------------------------------------------------


def run_grade(args: argparse.Namespace, ctx) -> int:
    from studyapp.grading import GraderClient, GraderError, GradingError

    roots = _roots(ctx)
    meta = _meta(args.exercise, roots)
    code = _read_source(args.file)
    client = GraderClient(device=args.device, roots=roots)
    client.start()
    try:
        if not args.watch:
            return _grade_once(ctx, client, meta, args, code)
        return _watch(ctx, client, meta, args, code)
    except GradingError as exc:
        raise UserError(str(exc)) from None
    except GraderError as exc:
        if args.json:
            ctx.print(json.dumps(_grader_failure(meta.id, args.device, exc)))
        else:
            print(f"studyapp: error: the grader failed: {exc}", file=ctx.stderr)
        return 1
    finally:
        client.close()


def _grade_once(ctx, client, meta, args, code: str) -> int:
    verdict = client.grade_sync(meta.id, code, variant_seed=args.variant,
                                filename=args.file.name)
    store_submission(ctx, meta.id, code, verdict)
    if args.json:
        ctx.print(json.dumps(verdict.to_json()))
    else:
        ctx.print(format_report(verdict, meta))
    try:
        ctx.stdout.flush()
    except (AttributeError, OSError):
        pass
    return 0 if verdict.status == "passed" else 1


def _watch(ctx, client, meta, args, code: str, *, poll_s: float = 0.25,
           max_rounds: int | None = None) -> int:
    """Grade now, then again after every save; Ctrl-C stops (exit code of the last run)."""
    if not args.json:
        print(f"watching {args.file} (Ctrl-C to stop)", file=ctx.stderr)
    last = _grade_once(ctx, client, meta, args, code)
    stamp = _stamp(args.file)
    rounds = 0
    try:
        while max_rounds is None or rounds < max_rounds:
            time.sleep(poll_s)
            now = _stamp(args.file)
            if now == stamp or now is None:
                continue
            stamp = now
            try:
                code = _read_source(args.file)
            except UserError as exc:
                print(f"studyapp: {exc}", file=ctx.stderr)
                continue
            if not args.json:
                ctx.print("\n" + "-" * 60)
            last = _grade_once(ctx, client, meta, args, code)
            rounds += 1
    except KeyboardInterrupt:
        pass
    return last


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def run_exercises(args: argparse.Namespace, ctx) -> int:
    from studyapp.grading import GradingError, list_exercises

    try:
        metas = list_exercises(_roots(ctx))
    except GradingError as exc:
        raise UserError(str(exc)) from None
    if args.json:
        ctx.print(json.dumps({"exercises": [m.summary() for m in metas]}, indent=2))
        return 0
    if not metas:
        ctx.print("no exercises")
        return 0
    wid = max(len(m.id) for m in metas)
    wtopic = max(len(m.topic) for m in metas)
    header = f"{'id':<{wid}}  {'kind':<9}  {'topic':<{wtopic}}  title"
    ctx.print(header)
    ctx.print("-" * len(header))
    for m in metas:
        ctx.print(f"{m.id:<{wid}}  {m.kind:<9}  {m.topic:<{wtopic}}  {m.title}")
    return 0
