"""The Python editor's rules, one by one (the pilot tests drive them through keys)."""

from __future__ import annotations

import pytest

from studyapp.tui.widgets.python_editor import dedent_line, next_line_indent, toggle_comments


@pytest.mark.parametrize(
    ("line", "indent"),
    [
        ("def f(x):", "    "),
        ("    if x:", "        "),
        ("    if x:  # a comment", "        "),
        ("    return x", "    "),
        ("x = {'a': 1}", ""),
        ("        y = 2", "        "),
        ("", ""),
    ],
)
def test_next_line_indent(line, indent):
    assert next_line_indent(line) == indent


def test_dedent_removes_one_level_or_what_there_is():
    assert dedent_line("        x") == "    x"
    assert dedent_line("  x") == "x"
    assert dedent_line("x") == "x"
    assert dedent_line("\tx") == "x"


def test_toggle_comments_comments_at_the_smallest_indent_then_uncomments():
    lines = ["    a = 1", "", "        b = 2"]
    commented = toggle_comments(lines)
    assert commented == ["    # a = 1", "", "    #     b = 2"]
    assert toggle_comments(commented) == ["    a = 1", "", "        b = 2"]
    assert toggle_comments(["# x", "y"]) == ["# # x", "# y"]  # not all comments: comment all
