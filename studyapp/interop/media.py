"""Imported images and sounds: one folder of files, names kept, duplicates found by content.

The folder is `media/` beside the SQLite database (for the default database, in the
user data directory), or `media/` in the user data directory for a server database.
A file keeps its name; the same content under the same name is stored once; a different
content under a name already taken is stored as `name-<hash>.ext` and the cards that
name it are told the new name.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import make_url

from studyapp.errors import UserError
from studyapp.paths import user_data_dir

MEDIA_FOLDER = "media"


def media_dir_for(db_url: str) -> Path:
    """Where the media of the database at `db_url` live."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).expanduser().resolve().parent / MEDIA_FOLDER
    return user_data_dir() / MEDIA_FOLDER


def safe_name(name: str) -> str | None:
    """The file name to store, or None for a name that could escape the folder."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not base or base in (".", "..") or base.startswith(".") or "\x00" in base:
        return None
    return base


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class MediaResult:
    stored: int = 0  # files written now
    already: int = 0  # the same content was there under the same name
    renamed: dict[str, str] = field(default_factory=dict)  # package name -> stored name
    refused: list[str] = field(default_factory=list)  # names that could escape the folder

    @property
    def count(self) -> int:
        return self.stored + self.already


def store_media(directory: Path, files: Iterable[tuple[str, bytes]]) -> MediaResult:
    result = MediaResult()
    for name, data in files:
        stored_name = safe_name(name)
        if stored_name is None:
            result.refused.append(name)
            continue
        target = directory / stored_name
        if target.exists():
            if digest(target.read_bytes()) == digest(data):
                result.already += 1
                continue
            stem, dot, suffix = stored_name.rpartition(".")
            short = digest(data)[:10]
            stored_name = f"{stem}-{short}.{suffix}" if dot and stem else f"{stored_name}-{short}"
            target = directory / stored_name
            result.renamed[name] = stored_name
            if target.exists():  # this very content was stored under the new name before
                result.already += 1
                continue
        _write(target, data)
        result.stored += 1
    return result


def _write(target: Path, data: bytes) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        with os.fdopen(handle, "wb") as sink:
            sink.write(data)
        os.replace(temporary, target)  # never a half-written file under the real name
    except OSError as exc:
        raise UserError(f"{target}: cannot store the media file ({exc.strerror or exc})") from exc


def list_media(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.is_file() and not p.name.startswith("."))


_MEDIA_REFERENCE = re.compile(r"\[(?:image|sound): ([^\]\n]+)\]")


def media_names(text: str) -> list[str]:
    """The media files a card's text names (`[image: name]`, `[sound: name]`), in order."""
    return list(dict.fromkeys(m.group(1).strip() for m in _MEDIA_REFERENCE.finditer(text or "")))


def open_with_system_viewer(path: Path) -> str | None:
    """Open the file with the desktop's viewer (xdg-open / open), detached; None when it
    was started, else why not."""
    if not path.is_file():
        return f"{path}: no such media file"
    opener = "open" if sys.platform == "darwin" else "xdg-open"
    if shutil.which(opener) is None:
        return f"no {opener} on this system to show {path}"
    subprocess.Popen([opener, str(path)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL, start_new_session=True)
    return None
