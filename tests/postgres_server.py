"""A throwaway PostgreSQL cluster for the tests: initdb + pg_ctl in a temporary folder,
listening only on a Unix socket there (no TCP port, so parallel test runs never clash).

Found through `pg_ctl` on PATH or Debian's /usr/lib/postgresql/<version>/bin.  When the
server binaries are missing, the PostgreSQL tests skip with one line saying how to get
them (`.ci/run` installs Debian's `postgresql` package, so CI always runs them).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

HOW_TO_GET = "PostgreSQL server binaries not found (apt-get install postgresql, or put pg_ctl on PATH)"


def find_bin_dir() -> Path | None:
    """Debian's newest versioned bin folder, else wherever initdb, pg_ctl and createdb
    all are on PATH (some images put a lone pg_ctl wrapper in /usr/local/bin)."""
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
                      key=lambda p: int(Path(p).parent.parent.name))
    if versions:
        return Path(versions[-1]).parent
    on_path = shutil.which("pg_ctl")
    if on_path and all((Path(on_path).parent / b).exists() for b in ("initdb", "createdb")):
        return Path(on_path).parent
    return None


def _as_server_user() -> tuple[list[str], str | None]:
    """initdb refuses to run as root: as root, run the server as the 'postgres' user."""
    if os.geteuid() != 0:
        return [], None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return [], None
    return ["runuser", "-u", "postgres", "--"], "postgres"


@dataclass
class Cluster:
    bin_dir: Path
    root: Path
    socket_dir: Path
    prefix: list[str]
    user: str | None

    def _run(self, *args: str) -> None:
        subprocess.run([*self.prefix, *args], check=True, capture_output=True, text=True)

    def url(self, dbname: str) -> str:
        return f"postgresql+psycopg://postgres@/{dbname}?host={self.socket_dir}"

    def create_database(self, name: str | None = None) -> str:
        """A fresh, empty database; returns its SQLAlchemy URL."""
        name = name or f"t_{uuid.uuid4().hex[:12]}"
        self._run(str(self.bin_dir / "createdb"), "-h", str(self.socket_dir), "-U", "postgres",
                  name)
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.root / "data"), "-m",
                      "immediate", "stop")
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.root, ignore_errors=True)


def start_cluster() -> Cluster | None:
    bin_dir = find_bin_dir()
    if bin_dir is None:
        return None
    prefix, user = _as_server_user()
    root = Path(tempfile.mkdtemp(prefix="studyapp-pg-"))
    os.chmod(root, 0o755)
    socket_dir = root / "sock"
    socket_dir.mkdir()
    if user:
        info = pwd.getpwnam(user)
        os.chown(root, info.pw_uid, info.pw_gid)
        os.chown(socket_dir, info.pw_uid, info.pw_gid)
    cluster = Cluster(bin_dir, root, socket_dir, prefix, user)
    data = root / "data"
    cluster._run(str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                 "-E", "UTF8", "--locale=C.UTF-8")
    options = (f"-c listen_addresses='' -c unix_socket_directories={socket_dir} "
               "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
               "-c max_connections=60 -c shared_buffers=64MB")
    cluster._run(str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l",
                 str(root / "server.log"), "-w", "start")
    return cluster
