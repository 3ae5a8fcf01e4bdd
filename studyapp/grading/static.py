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
    banned = tuple(banned)
    tree = ast.parse(code, filename=filename)
    aliases: dict[str, str] = {}
    findings: list[Finding] = []
    all_banned = banned + ALWAYS_BANNED_MODULES
    tails = {b.rsplit(".", 1)[-1]: b for b in banned}

    def flag(node: ast.AST, path: str, b: str) -> None:
        line = getattr(node, "lineno", 1)
        if b in ALWAYS_BANNED_MODULES:
            msg = (f"line {line}: `{path}` is not allowed in graded code (it can tamper "
                   f"with the grader)")
        else:
            msg = (f"line {line}: `{path}` is banned in this exercise: it would do the work "
                   f"the exercise asks you to write yourself")
        findings.append(Finding(line, path, msg, b))

    # First pass: imports and simple aliases, in source order.
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.asname:
                    aliases[a.asname] = a.name
                else:
                    root = a.name.split(".")[0]
                    aliases[root] = root
                b = _matches(a.name, all_banned)
                if b:
                    flag(node, a.name, b)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            b = _matches(node.module, all_banned)
            if b:
                flag(node, node.module, b)
            for a in node.names:
                full = f"{node.module}.{a.name}"
                aliases[a.asname or a.name] = full
                b = _matches(full, all_banned)
                if b:
                    flag(node, full, b)
    # common implicit roots
    for root in ("torch",):
        aliases.setdefault(root, root)
    changed = True
    while changed:  # simple assignments: o = torch.optim
        changed = False
        for node in ast.walk(tree):
            if (isinstance(node, ast.Assign) and len(node.targets) == 1
                    and isinstance(node.targets[0], ast.Name)):
                p = _dotted(node.value, aliases)
                if p and aliases.get(node.targets[0].id) != p:
                    aliases[node.targets[0].id] = p
                    changed = True
    for node in ast.walk(tree):
        if isinstance(node, (ast.Attribute, ast.Name)):
            p = _dotted(node, aliases)
            if p:
                b = _matches(p, all_banned)
                if b:
                    flag(node, p, b)
                    continue
            if isinstance(node, ast.Attribute) and node.attr in tails:
                flag(node, f"….{node.attr}", tails[node.attr])
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            s = node.value.strip()
            if s in tails:
                flag(node, repr(s), tails[s])
            else:
                b = _matches(s, all_banned)
                if b:
                    flag(node, repr(s), b)
    # one finding per line and name
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
