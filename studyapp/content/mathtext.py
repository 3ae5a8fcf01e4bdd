"""LaTeX math as Unicode text a person can read in a terminal.

`render_math` finds math in `$...$`, `$$...$$`, `\\(...\\)` and `\\[...\\]` and turns it
into Unicode (β₁, m̂ₜ, √(v̂ₜ) + ε, fractions as a/b), leaving code blocks and inline
code untouched. The TUI (prompts, hints, diagnoses, card text), the CLI and the Anki
export all use this one renderer, so raw LaTeX never reaches the screen.

pylatexenc's latex2text does the symbols (Greek letters, operators, arrows, fonts);
before it, our own pass handles what it renders poorly: fractions (parenthesised when
needed), sub- and superscripts (Unicode small characters where they exist), accents
(hats, bars, tildes as combining marks), roots and spacing commands (`\\,` is a space,
not a comma). pylatexenc is imported on first use: the TUI's first frame never waits.
"""

from __future__ import annotations

import re
from functools import lru_cache

SUBSCRIPTS = dict(zip(
    "0123456789+-=()aehijklmnoprstuvxβγρφχ",
    "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓᵦᵧᵨᵩᵪ",
    strict=True,
))
SUPERSCRIPTS = dict(zip(
    "0123456789+-=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVWβγδθφχ⊤",
    "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂᵝᵞᵟᶿᵠᵡᵀ",
    strict=True,
))
ACCENTS = {"hat": "\u0302", "widehat": "\u0302", "bar": "\u0304", "overline": "\u0305", "tilde": "\u0303",
           "widetilde": "\u0303", "dot": "\u0307", "ddot": "\u0308", "vec": "\u20d7"}
FRACTIONS = ("frac", "dfrac", "tfrac")
SPACES = {",": " ", ";": " ", ":": " ", "!": "", " ": " ", "quad": "  ", "qquad": "    ", "enspace": " ",
          "thinspace": " "}
# commands pylatexenc renders differently from what a reader of ML papers expects
SYMBOLS = {"epsilon": "ε", "varepsilon": "ε", "top": "⊤", "odot": "⊙", "cdot": "·", "ldots": "…", "cdots": "⋯",
           "lVert": "‖", "rVert": "‖", "Vert": "‖", "lvert": "|", "rvert": "|", "mid": "|", "ell": "ℓ",
           "left": "", "right": "", "big": "", "Big": "", "bigl": "", "bigr": "", "Bigl": "", "Bigr": "",
           "displaystyle": "", "limits": "", "nolimits": "", "operatorname": "", "textstyle": "",
           "leftarrow": "←", "gets": "←", "approx": "≈", "propto": "∝", "sim": "∼", "nabla": "∇",
           "partial": "∂", "infty": "∞"}
TEXT_COMMANDS = ("text", "textrm", "textit", "textbf", "mathrm", "mathit", "mathbf", "mathsf", "mathtt",
                 "operatorname", "boldsymbol", "bm", "mbox")
FONT_COMMANDS = ("mathcal", "mathbb", "mathfrak", "mathscr")  # take a bare letter: \\mathcal N

# code (fenced blocks, inline code) is left as it is; a `hide-on-review` block (see
# content/prompts.py) is prose inside its fence lines
_CODE = re.compile(
    r"(?P<hidden>^```hide-on-review[ \t]*\n)(?P<body>.*?)(?P<close>^```[ \t]*$)"
    r"|(?P<code>^```.*?^```[^\n]*$|^~~~.*?^~~~[^\n]*$|`[^`\n]+`)",
    re.S | re.M,
)
_MATH = re.compile(
    r"\$\$(?P<d1>.+?)\$\$"
    r"|\\\[(?P<d2>.+?)\\\]"
    r"|\\\((?P<i1>.+?)\\\)"
    r"|(?<![\\$\w])\$(?P<i2>[^\s$](?:[^$\n]|\n(?!\s*\n))*?)(?<![\s\\])\$(?!\w)",
    re.S,
)
# a backslash always matches: before a line break, or alone at the end (its name is then "")
_COMMAND = re.compile(r"\\([A-Za-z]+|.|\Z)", re.S)
_LEFTOVER = re.compile(r"\\([A-Za-z]+)")


def render_math(text: str) -> str:
    """`text` with every LaTeX math span rendered as Unicode; code blocks and inline code
    are left as they are, and so is text outside math."""
    out, position = [], 0
    for match in _CODE.finditer(text):
        out.append(_render_prose(text[position:match.start()]))
        if match.group("hidden") is not None:
            out.append(match.group("hidden") + _render_prose(match.group("body")) + match.group("close"))
        else:
            out.append(match.group("code"))
        position = match.end()
    out.append(_render_prose(text[position:]))
    return "".join(out)


def latex_to_unicode(latex: str) -> str:
    """One math expression (without its `$` delimiters) as Unicode text."""
    return _tidy(_to_text(_convert(latex.strip())))


def _render_prose(text: str) -> str:
    def replace(match: re.Match) -> str:
        display = match.group("d1") or match.group("d2")
        if display is not None:  # equations set apart by \qquad: one line each
            parts = re.split(r"\\qquad", " ".join(display.split()))
            return "\n\n".join(latex_to_unicode(part) for part in parts if part.strip())
        return latex_to_unicode(match.group("i1") or match.group("i2"))

    return _MATH.sub(replace, text)


@lru_cache(maxsize=1)
def _converter():
    # deferred: pylatexenc is needed only once a formula is shown, never to start the app
    from pylatexenc.latex2text import LatexNodes2Text

    return LatexNodes2Text(math_mode="text", strict_latex_spaces=True)


def _to_text(latex: str) -> str:
    try:
        return _converter().latex_to_text(latex)
    except Exception:  # pylatexenc is tolerant; never let odd input hide the prompt
        return latex


def _tidy(text: str) -> str:
    text = _LEFTOVER.sub(lambda m: m.group(1), text)  # an unknown command: its name, never a backslash
    return re.sub(r"[ \t]{2,}(?=\S)", lambda m: m.group(0) if len(m.group(0)) >= 4 else " ", text).strip()


def _group(src: str, start: int) -> tuple[str, int]:
    """The argument at `start` (after spaces): a {braced group}, a \\command or one
    character; returns its LaTeX and the index after it."""
    index = start
    while index < len(src) and src[index] == " ":
        index += 1
    if index >= len(src):
        return "", index
    if src[index] == "{":
        depth = 0
        for end in range(index, len(src)):
            if src[end] == "{":
                depth += 1
            elif src[end] == "}":
                depth -= 1
                if depth == 0:
                    return src[index + 1:end], end + 1
        return src[index + 1:], len(src)
    if src[index] == "\\":
        match = _COMMAND.match(src, index)
        assert match is not None  # _COMMAND matches at every backslash
        return match.group(0), match.end()
    return src[index], index + 1


def _atomic(text: str) -> bool:
    """Whether `text` reads as one term (no parentheses needed around it in a/b)."""
    return bool(re.fullmatch(r"[\w.\u0300-\u036f\u20d7₀-ₜᵢ-ᵪ⁰-ⁿᵃ-ᶿ√()|‖]+", text)) and not (
        "(" in text and not (text.startswith("√(") or text.endswith(")")))


def _paren(text: str) -> str:
    return text if _atomic(text) else f"({text})"


def _script(text: str, table: dict[str, str], mark: str) -> str:
    if text and all(ch in table for ch in text):
        return "".join(table[ch] for ch in text)
    return f"{mark}{text}" if len(text) == 1 else f"{mark}({text})"


def _convert(src: str) -> str:
    """Our pass over one expression: what pylatexenc renders poorly becomes text here;
    everything else is left as LaTeX for it."""
    out: list[str] = []
    index = 0
    while index < len(src):
        ch = src[index]
        if ch in "_^":
            arg, index = _group(src, index + 1)
            text = latex_to_unicode(arg)
            out.append(_script(text, SUBSCRIPTS if ch == "_" else SUPERSCRIPTS, ch))
            continue
        if ch != "\\":
            out.append(ch)
            index += 1
            continue
        match = _COMMAND.match(src, index)
        assert match is not None  # _COMMAND matches at every backslash
        name, index = match.group(1), match.end()
        if name in SPACES:
            out.append(SPACES[name])
        elif name in FRACTIONS:
            numerator, index = _group(src, index)
            denominator, index = _group(src, index)
            out.append(f"{_paren(latex_to_unicode(numerator))}/{_paren(latex_to_unicode(denominator))}")
        elif name == "sqrt":
            degree = ""
            if src.startswith("[", index):
                close = src.find("]", index)
                degree, index = src[index + 1:close], close + 1
            arg, index = _group(src, index)
            body = latex_to_unicode(arg)
            root = {"3": "∛", "4": "∜"}.get(degree.strip(), "√")
            out.append(root + (body if len(body) == 1 else f"({body})"))
        elif name in ACCENTS:
            arg, index = _group(src, index)
            body = latex_to_unicode(arg)
            mark = ACCENTS[name]
            out.append(body + mark if len(body) == 1 else "".join(c + mark for c in body) if len(body) <= 2
                       else f"{body}{mark}")
        elif name in TEXT_COMMANDS:
            arg, index = _group(src, index)
            out.append(_to_text(arg) if name.startswith("text") or name == "mbox" else latex_to_unicode(arg))
        elif name in SYMBOLS:
            out.append(SYMBOLS[name])
        else:
            out.append(match.group(0))
            # a command's name must not run into what follows it once converted (\\theta
            # then a subscript ₜ would read as one unknown command): end it with {}
            # unless its argument follows
            if name.isalpha() and not src.startswith("{", index) and not (
                    name in FONT_COMMANDS and src.startswith(" ", index)):
                out.append("{}")
    return "".join(out)
