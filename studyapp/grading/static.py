"""Static (AST) check of a submission for banned APIs.  No torch, no textual.

It resolves import aliases (``import torch.nn.functional as F``, ``from torch import
optim``), follows simple assignments (``o = torch.optim``), and flags any reference to a
banned dotted path, any attribute or imported name equal to the last part of a banned path
(``x.batch_norm`` whatever ``x`` is), and string literals naming one (``getattr(torch,
"optim")``).  What it cannot see (computed strings) the run-time tripwires catch.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass

# Tools that could undo the run-time guards: banned in every exercise.
ALWAYS_BANNED_MODULES = ("ctypes", "_ctypes", "gc")


@dataclass(frozen=True)
class Finding:
    line: int
    what: str
    message: str
    banned: str = ""


def _dotted(node: ast.AST, aliases: dict[str, str]) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    base = aliases.get(node.id)
    if base is None:
        return None
    return ".".join([base, *reversed(parts)])


def _matches(path: str, banned: Iterable[str]) -> str | None:
    for b in banned:
        if path == b or path.startswith(b + "."):
            return b
    return None


def check_source(code: str, banned: Iterable[str], *,
                 filename: str = "submission.py") -> list[Finding]:
    """Findings for banned APIs.  Raises ``SyntaxError`` when the code does not parse."""
    tree = ast.parse(code, filename=filename)
    scan = _Scan(tuple(banned))
    scan.imports(tree)  # first: imports and simple aliases, in source order
    scan.aliases.setdefault("torch", "torch")  # the common implicit root
    scan.follow_assignments(tree)
    scan.references(tree)
    return _one_per_line_and_name(scan.findings)


class _Scan:
    """One submission's aliases (name -> dotted path) and findings so far."""

    def __init__(self, banned: tuple[str, ...]):
        self.all_banned = banned + ALWAYS_BANNED_MODULES
        # the last part of each banned path (``x.batch_norm`` whatever ``x`` is)
        self.tails = {b.rsplit(".", 1)[-1]: b for b in banned}
        self.aliases: dict[str, str] = {}
        self.findings: list[Finding] = []

    def flag(self, node: ast.AST, path: str, b: str) -> None:
        line = getattr(node, "lineno", 1)
        if b in ALWAYS_BANNED_MODULES:
            msg = (f"line {line}: `{path}` is not allowed in graded code (it can tamper "
                   f"with the grader)")
        else:
            msg = (f"line {line}: `{path}` is banned in this exercise: it would do the work "
                   f"the exercise asks you to write yourself")
        self.findings.append(Finding(line, path, msg, b))

    def flag_if_banned(self, node: ast.AST, path: str, shown: str | None = None) -> bool:
        b = _matches(path, self.all_banned)
        if b:
            self.flag(node, path if shown is None else shown, b)
        return b is not None

    def imports(self, tree: ast.AST) -> None:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    root = a.name.split(".")[0]
                    self.aliases[a.asname or root] = a.name if a.asname else root
                    self.flag_if_banned(node, a.name)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                self.flag_if_banned(node, node.module)
                for a in node.names:
                    full = f"{node.module}.{a.name}"
                    self.aliases[a.asname or a.name] = full
                    self.flag_if_banned(node, full)

    def follow_assignments(self, tree: ast.AST) -> None:
        """Simple assignments (``o = torch.optim``), until no alias changes."""
        changed = True
        while changed:
            changed = False
            for node in ast.walk(tree):
                if (isinstance(node, ast.Assign) and len(node.targets) == 1
                        and isinstance(node.targets[0], ast.Name)):
                    p = _dotted(node.value, self.aliases)
                    if p and self.aliases.get(node.targets[0].id) != p:
                        self.aliases[node.targets[0].id] = p
                        changed = True

    def references(self, tree: ast.AST) -> None:
        """Names and attributes that resolve to a banned path or end in a banned name, and
        string literals naming one (``getattr(torch, "optim")``)."""
        for node in ast.walk(tree):
            if isinstance(node, (ast.Attribute, ast.Name)):
                p = _dotted(node, self.aliases)
                if p and self.flag_if_banned(node, p):
                    continue
                if isinstance(node, ast.Attribute) and node.attr in self.tails:
                    self.flag(node, f"….{node.attr}", self.tails[node.attr])
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value.strip()
                if text in self.tails:
                    self.flag(node, repr(text), self.tails[text])
                else:
                    self.flag_if_banned(node, text, repr(text))


def _one_per_line_and_name(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[int, str]] = set()
    out = []
    for f in sorted(findings, key=lambda f: f.line):
        key = (f.line, f.banned)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def normalized_source(code: str) -> str | None:
    """The code's syntax tree without comments, formatting and docstrings (None: it does
    not parse)."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return None
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                and body and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)):
            node.body = body[1:] or [ast.Pass()]
    return ast.dump(tree)
