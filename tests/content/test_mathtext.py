"""LaTeX math rendered as Unicode for the terminal (issue 13), and worked formulas
hidden on review."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from studyapp.content.mathtext import latex_to_unicode, render_math
from studyapp.content.prompts import HIDDEN_NOTE, shown_prompt, without_markers

CONTENT = Path(__file__).resolve().parents[2] / "content"
PROMPTS = sorted(CONTENT.glob("exercises/*/prompt.md"))
RAW_LATEX = re.compile(r"\\[A-Za-z]+|\$")


def prose(markdown: str) -> str:
    """The text outside code blocks and inline code."""
    markdown = re.sub(r"^```.*?^```", "", markdown, flags=re.S | re.M)
    return re.sub(r"`[^`\n]+`", "", markdown)


@pytest.mark.parametrize(
    ("latex", "expected"),
    [
        (r"\beta_1", "β₁"),
        (r"\hat m_t", "m̂ₜ"),
        (r"\sqrt{\hat v_t} + \epsilon", "√(v̂ₜ) + ε"),
        (r"\frac{a}{b}", "a/b"),
        (r"\frac{m_t}{1-\beta_1^t}", "mₜ/(1-β₁ᵗ)"),
        (r"\eta\,x", "η x"),  # a thin space, never a comma
        (r"\theta_{t-1}", "θₜ₋₁"),
        (r"g_t^2", "gₜ²"),
        (r"\sum_{i=1}^n x_i", "∑ᵢ₌₁ⁿ xᵢ"),
        (r"W_1^\top", "W₁ᵀ"),
        (r"x_{\mathrm{max}}", "xₘₐₓ"),
        (r"x_{\mathrm{bias}}", "x_(bias)"),  # no small b: readable anyway
        (r"\mathcal N(0, 1)", "𝒩(0, 1)"),
        (r"\gamma = 0.9", "γ = 0.9"),
        (r"\sqrt 2", "√2"),
    ],
)
def test_latex_to_unicode(latex, expected):
    assert latex_to_unicode(latex) == expected


def test_every_delimiter_is_rendered():
    text = r"inline $a_1$, \(b_2\), display $$c_3$$ and \[d_4\]."
    assert render_math(text) == "inline a₁, b₂, display c₃ and d₄."


def test_code_is_left_untouched():
    text = "Use `x_$1` and\n\n```python\ny = '$a_1$'  # \\frac\n```\n\nbut $a_1$."
    rendered = render_math(text)
    assert "`x_$1`" in rendered and "y = '$a_1$'  # \\frac" in rendered
    assert rendered.endswith("but a₁.")


def test_a_dollar_amount_is_not_math():
    assert render_math("costs $5 and $6 later") == "costs $5 and $6 later"


@pytest.mark.parametrize(("latex", "expected"), [("a \\", "a"), ("a \\\nb", "a b"), ("x_\\", "x_()")])
def test_a_backslash_before_a_line_break_or_at_the_end_is_no_crash(latex, expected):
    # found by mypy: the command pattern matched neither, and the renderer raised AttributeError
    assert latex_to_unicode(latex) == expected


def test_unknown_commands_never_show_a_backslash():
    assert "\\" not in render_math(r"$\weirdcommand{x} + \alpha$")


@pytest.mark.parametrize("path", PROMPTS, ids=lambda p: p.parent.name)
def test_every_shipped_prompt_renders_without_raw_latex(path):
    for reviewing in (False, True):
        markdown = render_math(shown_prompt(path.read_text(encoding="utf-8"), reviewing=reviewing).markdown)
        assert RAW_LATEX.findall(prose(markdown)) == [], path


@pytest.mark.parametrize("path", PROMPTS, ids=lambda p: p.parent.name)
def test_every_shipped_hint_renders_without_raw_latex(path):
    hints = tomllib.loads((path.parent / "exercise.toml").read_text(encoding="utf-8"))["hints"]
    for hint in hints:
        assert RAW_LATEX.findall(prose(render_math(hint))) == [], hint


def test_adam_step_hides_its_worked_formulas_on_review():
    prompt = (CONTENT / "exercises/adam-step/prompt.md").read_text(encoding="utf-8")
    first = shown_prompt(prompt, reviewing=False)
    assert first.hidden == () and "hide-on-review" not in first.markdown and r"\hat m_t" in first.markdown
    review = shown_prompt(prompt, reviewing=True)
    assert r"\hat m_t" not in review.markdown and HIDDEN_NOTE in review.markdown
    assert len(review.hidden) == 1 and r"\hat m_t" in review.hidden[0]
    assert "def adam_step" in review.markdown  # the contract stays
    assert "hide-on-review" not in without_markers(prompt)


def test_front_matter_flag_hides_every_display_formula():
    prompt = "---\nhide-on-review: true\n---\n# T\n\n$$a = b$$\n\nWrite it with $x$.\n\n$$c = d$$\n"
    review = shown_prompt(prompt, reviewing=True)
    assert review.hidden == ("$$a = b$$", "$$c = d$$")
    assert "$x$" in review.markdown and "---" not in review.markdown
    assert shown_prompt(prompt, reviewing=False).markdown.startswith("# T")


def test_render_math_renders_inside_hide_on_review_fences_but_not_code():
    text = "```hide-on-review\n$$a_1$$\n```\n\nWrite\n\n```python\nx = '$b_2$'\n```\n"
    rendered = render_math(text)
    assert "a₁" in rendered and "$a_1$" not in rendered
    assert "x = '$b_2$'" in rendered and "Write" in rendered
