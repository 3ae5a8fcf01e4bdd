"""LaTeX and MathJax in Anki fields, rendered as Unicode text.

Anki marks math as MathJax `\\(...\\)` / `\\[...\\]` or as LaTeX `[$]...[/$]`,
`[$$]...[/$$]` and `[latex]...[/latex]`. Each goes through studyapp's math renderer
(`studyapp.content.mathtext.render_math`, the one exercise prompts use); where that is
not available the source is kept, without its delimiters' markup.
"""

from __future__ import annotations

import html
import re

from studyapp.content.mathtext import render_math  # cheap: pylatexenc loads on first use

_MATH = re.compile(
    r"\\\((?P<inline>.+?)\\\)|\\\[(?P<display>.+?)\\\]"
    r"|\[\$\](?P<latex>.+?)\[/\$\]|\[\$\$\](?P<latex_display>.+?)\[/\$\$\]"
    r"|\[latex\](?P<latex_block>.+?)\[/latex\]",
    re.DOTALL | re.IGNORECASE,
)


def render_math_markup(markup: str) -> str:
    """The HTML with each math span replaced by its Unicode rendering (HTML-escaped)."""
    if "\\(" not in markup and "\\[" not in markup and "[$" not in markup.replace("[/$", "") \
            and "[latex]" not in markup.lower():
        return markup
    def replace(match: re.Match[str]) -> str:
        source = next(group for group in match.groups() if group is not None)
        source = html.unescape(re.sub(r"<br\s*/?>", " ", source, flags=re.IGNORECASE))
        try:
            text = render_math(source)
        except Exception:  # a formula the renderer cannot parse: show its source
            text = source
        return html.escape(text.strip(), quote=False)

    return _MATH.sub(replace, markup)
