"""The per-user grading server's process (``python -m studyapp.cli.grading_server PATH
VERSION``): grading/server.py serves the socket with warm grader clients; this module gives
it the learner's databases, where each graded submission is stored (the CLI layer composes
grading and storage, so the grader never imports storage)."""

from __future__ import annotations

import os
import signal
import sys
from datetime import datetime
from pathlib import Path

from studyapp.cli.context import CliContext
from studyapp.cli.grade import store_submission
from studyapp.content.service import configured_roots
from studyapp.grading.server import IDLE_S, GradingServer
from studyapp.grading.verdict import Verdict


class CliWorkspace:
    """One database named by a `studyapp grade` request, opened (and migrated) once."""

    def __init__(self, db_url: str) -> None:
        self.context = CliContext(db_url=db_url)
        self._roots = configured_roots(self.context.synced_database)

    @property
    def roots(self) -> list[Path]:
        return self._roots

    def store(self, exercise_id: str, code: str, verdict: Verdict, now: datetime | None) -> None:
        store_submission(self.context, exercise_id, code, verdict, now=now)

    def close(self) -> None:
        self.context.close()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    path, version = Path(argv[0]), argv[1]
    idle = float(os.environ.get("STUDYAPP_GRADER_IDLE_S", IDLE_S))
    server = GradingServer(path, version, CliWorkspace, idle)
    signal.signal(signal.SIGTERM, lambda *_: server.stop.set())
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    server.serve()
    return 0


if __name__ == "__main__":
    sys.exit(main())
