"""The layer contracts of pyproject.toml's [tool.importlinter], checked by `lint-imports`.

The contracts are run twice: over the real package, and over a small fake `studyapp` whose
modules import only what the layers allow, to which each test adds one forbidden import, so
that every contract is shown to break when its rule is broken."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

pytestmark = pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter is not installed")


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """Run lint-imports with root's pyproject.toml over the `studyapp` found in root."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", "--no-logo"], cwd=root, env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_package_keeps_its_layer_contracts():
    result = lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr


# The fake package: one module per layer, importing only what the contracts allow, and the
# two deferred imports by which the CLI opens the app (the contracts' ignore_imports).
FAKE_MODULES = {
    "storage/models.py": "import sqlalchemy\n",
    "storage/db.py": "from studyapp.storage import models\nimport studyapp.clock\n",
    "content/service.py": "import studyapp.storage.db\n",
    "scheduling/service.py": "import studyapp.storage.models\nimport studyapp.content.service\n",
    "study/cards.py": "import studyapp.scheduling.service\nimport sqlalchemy\n",
    "stats/api.py": "import studyapp.storage.models\n",
    "interop/backup.py": "import studyapp.storage.db\nimport studyapp.study.cards\n",
    "grading/verdict.py": "import studyapp.errors\n",
    "grading/client.py": "from studyapp.grading import verdict\n",
    "grading/server.py": "from studyapp.grading import client\n",
    "grading/worker.py": "import torch\nfrom studyapp.grading import verdict\n",
    "cli/main.py": "import studyapp.study.cards\n\n\ndef main():\n    import studyapp.tui.launch\n",
    "cli/exercise_commands.py": "def run_practice():\n    import studyapp.tui.launch\n",
    "tui/launch.py": "def launch_tui():\n    import studyapp.tui.app\n",
    "tui/app.py": (
        "import textual\nimport textual_plotext\nimport textual_image\n"
        "import studyapp.study.cards\nimport studyapp.stats.api\nimport studyapp.grading.client\n"
    ),
}
TOP_LEVEL = ("clock", "errors", "humanize", "paths")


def make_fake_package(root: Path) -> None:
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    package = root / "studyapp"
    for relative, source in FAKE_MODULES.items():
        path = package / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        (path.parent / "__init__.py").touch()
        path.write_text(source)
    (package / "__init__.py").touch()
    for name in TOP_LEVEL:
        (package / f"{name}.py").touch()


def test_the_fake_package_keeps_every_contract(tmp_path):
    make_fake_package(tmp_path)
    result = lint_imports(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " BROKEN" not in result.stdout


# the start of each contract's name in pyproject.toml
STORAGE = "storage imports no layer"
NO_TEXTUAL = "the core (everything but the TUI) imports no textual"
NO_ORM_IN_TUI = "the TUI reaches the database"
GRADING = "grading imports no storage"
NO_TORCH = "nothing the TUI or the CLI loads imports torch"


@pytest.mark.parametrize(
    ("module", "source", "broken"),
    [
        ("storage/queries.py", "import studyapp.scheduling.service\n", STORAGE),
        ("storage/queries.py", "def later():\n    import studyapp.cli.main\n", STORAGE),
        ("stats/charts.py", "import textual\n", NO_TEXTUAL),
        # indirectly: the CLI importing the TUI at module level drags textual in
        ("cli/stats.py", "import studyapp.tui.app\n", NO_TEXTUAL),
        ("tui/browse.py", "from studyapp.storage.models import *\n", NO_ORM_IN_TUI),
        ("tui/settings.py", "from sqlalchemy import select\n", NO_ORM_IN_TUI),
        ("grading/sandbox.py", "import studyapp.storage.db\n", GRADING),
        # indirectly: through the CLI, as a grade server storing its own submissions would
        ("grading/server.py", "import studyapp.cli.main\n", GRADING),
        ("study/cards.py", "import studyapp.grading.worker\n", NO_TORCH),
    ],
)
def test_a_forbidden_import_breaks_its_contract(tmp_path, module, source, broken):
    make_fake_package(tmp_path)
    path = tmp_path / "studyapp" / module
    path.write_text((path.read_text() if path.exists() else "") + source)
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    # a contract's summary line: "<name> BROKEN", "<name> KEPT (2 ignored imports)"...
    broken_lines = [line for line in result.stdout.splitlines() if " BROKEN" in line]
    assert len(broken_lines) == 1 and broken_lines[0].startswith(broken), result.stdout


def test_an_import_for_type_checking_only_breaks_nothing(tmp_path):
    # it never runs: grading's contract module names a type of the torch side this way
    make_fake_package(tmp_path)
    client = tmp_path / "studyapp" / "grading" / "client.py"
    client.write_text(client.read_text() + "from typing import TYPE_CHECKING\n\n"
                      "if TYPE_CHECKING:\n    import studyapp.grading.worker\n")
    result = lint_imports(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
