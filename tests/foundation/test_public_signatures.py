"""No ``Any`` in the public signatures of the strict layers (issue 18).

mypy --strict checks that every function is annotated, not that the annotations say
anything: ``dict[str, Any]`` passes it and switches checking off for whoever calls.  This
test reads the source of ``storage``, ``scheduling`` and ``grading`` with ``ast`` and fails
on ``Any`` in the parameters or return type of a public function or method.  Public: a
function or class whose name has no leading underscore, in a module whose name has none
(``__init__.py`` included), and dunder methods of public classes.  Nested functions are
private to their function.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("storage", "scheduling", "grading")

# Signatures that still say ``Any``, as "path::Qualified.name", each with why.  The list only
# shrinks: the test below fails on an entry that no longer says ``Any``.  Everywhere else a
# JSON value is ``studyapp.jsontypes.JsonValue``/``JsonObject``, an untrusted or passed-through
# value is ``object``, and a row of named columns is a dataclass or a TypedDict.
ALLOWED = {
    # A driver row's column types depend on each statement's SELECT list: ``tuple[object,
    # ...]`` would make every caller cast each column it unpacks (the queue's hot loops).
    "studyapp/storage/sqldialect.py::RawSql.rows",
    "studyapp/storage/sqldialect.py::RawSql.one",
    "studyapp/storage/sqldialect.py::RawSql.rows_in",
}


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _mentions_any(annotation: ast.expr) -> bool:
    """``Any``, ``typing.Any`` or ``t.Any`` anywhere in the annotation, quoted parts too
    (``AnyStr`` or a name that merely contains "Any" does not count)."""
    for node in ast.walk(annotation):
        if isinstance(node, ast.Name) and node.id == "Any":
            return True
        if isinstance(node, ast.Attribute) and node.attr == "Any":
            return True
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:
                quoted = ast.parse(node.value, mode="eval").body
            except SyntaxError:
                continue
            if _mentions_any(quoted):
                return True
    return False


def _annotations(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[ast.expr]:
    a = fn.args
    for arg in (*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg):
        if arg is not None and arg.annotation is not None:
            yield arg.annotation
    if fn.returns is not None:
        yield fn.returns


def _public_functions(node: ast.AST, prefix: str = ""
                      ) -> Iterator[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.ClassDef) and not _is_private(child.name):
            yield from _public_functions(child, f"{prefix}{child.name}.")
        elif (isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
              and not _is_private(child.name)):
            yield f"{prefix}{child.name}", child


def any_in_public_signatures(root: Path, package: str) -> list[str]:
    """``path::name`` of each public function of ``root/studyapp/package`` that says Any."""
    hits = []
    for path in sorted((root / "studyapp" / package).rglob("*.py")):
        if _is_private(path.stem):
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        where = path.relative_to(root).as_posix()
        hits += [f"{where}::{name}" for name, fn in _public_functions(tree)
                 if any(_mentions_any(a) for a in _annotations(fn))]
    return hits


def test_no_any_in_public_signatures():
    found = {hit for package in PACKAGES for hit in any_in_public_signatures(REPO, package)}
    new = sorted(found - ALLOWED)
    assert not new, ("Any in a public signature (use the real type: a dataclass, "
                     "jsontypes.JsonValue/JsonObject for JSON, object for values passed "
                     "through):\n  " + "\n  ".join(new))


def test_the_allowlist_only_shrinks():
    found = {hit for package in PACKAGES for hit in any_in_public_signatures(REPO, package)}
    stale = sorted(ALLOWED - found)
    assert not stale, ("these signatures no longer say Any (or are gone): remove them from "
                       "ALLOWED:\n  " + "\n  ".join(stale))


SAMPLE = '''
from __future__ import annotations
import typing
from typing import Any, AnyStr

def takes_any(x: Any) -> int: ...
def returns_any(x: int) -> dict[str, Any]: ...
def quoted(x: "list[Any]") -> None: ...
def qualified(*args: typing.Any) -> None: ...
def kwargs(**kw: Any) -> None: ...
def clean(x: object, s: AnyStr, company: CompanyAny) -> AnyStr: ...
def _private(x: Any) -> Any: ...

class Public:
    def method(self, x: Any) -> None: ...
    def __eq__(self, other: Any) -> bool: ...
    def _helper(self) -> Any: ...
    def typed(self) -> None:
        def nested(x: Any) -> Any: ...

class _Hidden:
    def method(self, x: Any) -> None: ...
'''


def test_the_scanner_finds_any_where_it_is_public(tmp_path):
    package = tmp_path / "studyapp" / "sample"
    package.mkdir(parents=True)
    (package / "api.py").write_text(SAMPLE)
    (package / "_internal.py").write_text(SAMPLE)  # a private module: not scanned
    assert any_in_public_signatures(tmp_path, "sample") == [
        f"studyapp/sample/api.py::{name}"
        for name in ("takes_any", "returns_any", "quoted", "qualified", "kwargs",
                     "Public.method", "Public.__eq__")]


def test_a_new_any_fails_the_check(tmp_path):
    """The check itself fails on a public ``Any`` that is not in the allowlist."""
    package = tmp_path / "studyapp" / "grading"
    package.mkdir(parents=True)
    (package / "wire.py").write_text("from typing import Any\n"
                                     "def decode(v: Any) -> Any: ...\n")
    found = set(any_in_public_signatures(tmp_path, "grading"))
    assert found == {"studyapp/grading/wire.py::decode"}
    assert found - ALLOWED
