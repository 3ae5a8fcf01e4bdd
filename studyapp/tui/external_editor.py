"""Hand the terminal to the learner's $EDITOR (App.suspend) and take it back."""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from pathlib import Path

from textual.app import App, SuspendNotSupported


def editor_command(app: App) -> list[str] | None:
    configured = (
        getattr(app, "editor", None) or os.environ.get("VISUAL") or os.environ.get("EDITOR")
    )
    return shlex.split(configured) if configured else None


def open_file(app: App, path: str | Path, line: int | None = None) -> str | None:
    """Open a file at a line; returns a sentence saying why not, or None when it ran."""
    command = editor_command(app)
    if command is None:
        return "set $EDITOR to open files from studyapp"
    args = [*command, *([f"+{line}"] if line else []), str(path)]
    try:
        with app.suspend():
            subprocess.run(args, check=False)
    except SuspendNotSupported:
        return "this terminal cannot hand over to an editor"
    except OSError as exc:
        return f"could not run {command[0]}: {exc.strerror or exc}"
    app.refresh()
    return None


def edit_text(app: App, text: str, suffix: str = ".py") -> tuple[str | None, str | None]:
    """Edit `text` in $EDITOR; returns (new text, None) or (None, why not)."""
    handle, name = tempfile.mkstemp(prefix="studyapp-", suffix=suffix)
    path = Path(name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        problem = open_file(app, path)
        if problem:
            return None, problem
        return path.read_text(encoding="utf-8"), None
    finally:
        path.unlink(missing_ok=True)
