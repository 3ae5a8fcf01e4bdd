"""Interop never loads the UI or torch (checked in a fresh interpreter)."""

import subprocess
import sys

MODULES = [
    "studyapp.interop.anki_import",
    "studyapp.interop.anki_export",
    "studyapp.interop.csv_import",
    "studyapp.interop.backup",
    "studyapp.cli.interop_commands",
]


def test_interop_imports_neither_textual_nor_torch():
    code = (
        "import importlib, sys\n"
        f"for name in {MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        "print('\\n'.join(sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = {name.split(".")[0] for name in result.stdout.split()}
    assert not loaded & {"textual", "torch"}
