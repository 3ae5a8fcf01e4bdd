"""`studyapp grade EXERCISE FILE` and `studyapp exercises`.

``grade`` runs the file through the sandboxed grader (see docs/grader.md), prints a readable
report (or exactly one JSON object with ``--json``) and stores the submission.  Exit code:
0 passed, 1 not passed, 2 usage error.  By default it asks this user's grading server
(``studyapp.grading.server``, started on first use) so a warm worker answers; when no server
can answer it grades in its own process, as ``--no-server`` always does.  ``--watch`` keeps
one warm worker and grades again every time the file is saved (with ``--json``: one JSON
object per line, per grading); a grader failure is reported and watching goes on.
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
    grade.add_argument(
        "exercise", metavar="EXERCISE", help="exercise id (see `studyapp exercises`)"
    )
    grade.add_argument("file", metavar="FILE", type=Path, help="the Python file to grade")
    grade.add_argument("--device", choices=DEVICES, default="cpu",
                       help="where the submission runs (auto: CUDA when available)")
    grade.add_argument("--json", action="store_true", help="print exactly one JSON object")
    grade.add_argument("--watch", action="store_true",
                       help="keep a warm grader and grade again each time FILE is saved")
    grade.add_argument("--variant", type=int, default=None, metavar="SEED",
                       help="grade a fresh variant of the checks (shapes, hyperparameters)")
    grade.add_argument("--no-server", action="store_true",
                       help="grade in this process instead of this user's warm grading server")
    grade.set_defaults(handler=run_grade)

    exercises = subparsers.add_parser("exercises", parents=parents,
                                      help="list the graded exercises")
    exercises.add_argument("--json", action="store_true", help="print one JSON document")
    exercises.set_defaults(handler=run_exercises)


# -- helpers ----------------------------------------------------------------------------------


def _roots(ctx) -> list[Path] | None:
    # deferred: CLI start-up (loaded by the command that needs it)
    from studyapp.content.service import configured_roots

    return configured_roots(ctx.synced_database)


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
    # deferred: CLI start-up (loaded by the command that needs it)
    from studyapp.grading.exercises import GradingError, load_exercise

    try:
        return load_exercise(exercise_id, roots)
    except GradingError as exc:
        raise UserError(str(exc)) from None


def store_submission(ctx, exercise_id: str, code: str, verdict, now=None) -> None:
    """One Submission row per graded run; card_id from the exercise's card when it exists.
    ``now``: when it was graded (default: the context's clock)."""
    # deferred: CLI start-up (loaded by the command that needs it)
    from sqlalchemy import select

    from studyapp.storage.models import Card
    from studyapp.study.submissions import record_submission

    with ctx.unit_of_work() as session:
        card_id = session.scalars(
            select(Card.id).where(Card.content_id == exercise_id).limit(1)).first()
        record_submission(session, card_id=card_id, exercise_id=exercise_id, code=code,
                          verdict=verdict, now=now or ctx.clock.now())


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
        d = verdict.diagnosis
        lines.append("")
        # deferred: CLI start-up (loaded by the command that needs it)
        from studyapp.content.mathtext import render_math

        lines.append(f"Diagnosis ({d.id}):")
        lines.append(f"  {render_math(d.what or d.text)}")
        if d.evidence:
            lines.append(f"  Evidence: {render_math(d.evidence)}")
        if d.fix:
            lines.append(f"  How to fix it: {render_math(d.fix)}")
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
    if not args.watch and not args.no_server:
        status = _grade_via_server(args, ctx)
        if status is not None:
            return status
    # deferred: CLI start-up (loaded by the command that needs it)
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
        _print_grader_failure(ctx, args, meta.id, exc)
        return 1
    finally:
        client.close()


def _grade_via_server(args: argparse.Namespace, ctx) -> int | None:
    """Grade through this user's warm grading server (it stores the submission too).
    None when no server could answer: the caller grades in this process instead."""
    # deferred: `studyapp grade`'s warm path loads only server and verdict
    from studyapp.grading import server
    from studyapp.grading.verdict import Verdict

    try:
        code, read_error = _read_source(args.file), None
    except UserError as exc:  # reported after the exercise id is checked, as in-process
        code, read_error = "", str(exc)
    try:
        reply = server.request({
            "op": "grade", "db": ctx.db_url, "exercise": args.exercise, "code": code,
            "read_error": read_error,
            "variant_seed": args.variant, "filename": args.file.name, "device": args.device,
            "now": ctx.clock.now().isoformat()})
        verdict = Verdict.from_json(reply["verdict"])
    except server.ServerReplyError as exc:
        if exc.kind == "usage":
            raise UserError(str(exc)) from None
        if exc.kind == "grader":
            _print_grader_failure(ctx, args, args.exercise, exc)
            return 1
        print(f"studyapp: note: the grading server failed ({exc}); grading in this process",
              file=ctx.stderr)
        return None
    except (server.ServerUnavailable, KeyError, TypeError, ValueError) as exc:
        print(f"studyapp: note: no grading server ({exc}); grading in this process",
              file=ctx.stderr)
        return None
    _print_verdict(ctx, args, verdict)
    return 0 if verdict.status == "passed" else 1


def _print_grader_failure(ctx, args, exercise_id: str, exc: Exception) -> None:
    if args.json:
        ctx.print(json.dumps(_grader_failure(exercise_id, args.device, exc)))
    else:
        print(f"studyapp: error: the grader failed: {exc}", file=ctx.stderr)


def _print_verdict(ctx, args, verdict) -> None:
    if args.json:
        ctx.print(json.dumps(verdict.to_json()))
    else:
        ctx.print(format_report(verdict))
    try:
        ctx.stdout.flush()
    except (AttributeError, OSError):
        pass


def _grade_once(ctx, client, meta, args, code: str) -> int:
    verdict = client.grade_sync(meta.id, code, variant_seed=args.variant,
                                filename=args.file.name)
    store_submission(ctx, meta.id, code, verdict)
    _print_verdict(ctx, args, verdict)
    return 0 if verdict.status == "passed" else 1


def _watch(ctx, client, meta, args, code: str, *, poll_s: float = 0.25,
           max_rounds: int | None = None) -> int:
    """Grade now, then again after every save; Ctrl-C stops (exit code of the last run)."""
    if not args.json:
        print(f"watching {args.file} (Ctrl-C to stop)", file=ctx.stderr)
    stamp = _stamp(args.file)  # before grading: a save during the first grading counts
    last = _grade_round(ctx, client, meta, args, code)
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
            last = _grade_round(ctx, client, meta, args, code)
            rounds += 1
    except KeyboardInterrupt:
        pass
    return last


def _grade_round(ctx, client, meta, args, code: str) -> int:
    """One grading of ``--watch``: a grader failure is reported and watching goes on (the
    client has already restarted a dead worker and retried once)."""
    # deferred: CLI start-up (loaded by the command that needs it)
    from studyapp.grading import GraderError

    try:
        return _grade_once(ctx, client, meta, args, code)
    except GraderError as exc:
        _print_grader_failure(ctx, args, meta.id, exc)
        return 1


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def run_exercises(args: argparse.Namespace, ctx) -> int:
    # deferred: CLI start-up (loaded by the command that needs it)
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
