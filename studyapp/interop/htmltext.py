"""HTML (Anki fields) to readable text and back.

Cards store light Markdown-ish text: `**bold**`, inline `code`, fenced code blocks and
"- " list lines. Anki fields are HTML. `html_to_text` keeps line breaks, lists, bold and
code and strips every other tag; `text_to_html` is its inverse for the text we write, so
an export followed by an import gives the same text back.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

_BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "dd", "details", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hr", "main", "nav", "section", "summary", "table", "tbody", "thead", "tfoot", "tr",
}
_PARAGRAPH_TAGS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table"}
_BOLD_TAGS = {"b", "strong"}
_SKIP_CONTENT_TAGS = {"script", "style", "head", "title"}
_WS = re.compile(r"\s+")


class _TextBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.bold = 0
        self.code = 0
        self.pre = 0
        self.skip = 0
        self.lists: list[list[int | str]] = []  # [kind, counter]
        self.cells_in_row = 0
        self.pending: list[str] = []  # opening markers not yet followed by text
        self.fence_at: int | None = None  # index in `out` of the last opening ``` fence
        self.links: list[str] = []  # hrefs of the open <a> tags: a link keeps its target
        self.link_text_at: list[int] = []

    # -- output helpers -------------------------------------------------------------
    def _tail(self) -> str:
        for piece in reversed(self.out):
            if piece:
                return piece
        return ""

    def _at_line_start(self) -> bool:
        tail = self._tail()
        return not tail or tail.endswith("\n")

    def _emit(self, text: str) -> None:
        if text:
            self.out.append(text)

    def _flush_pending(self) -> None:
        if self.pending:
            self._emit("".join(self.pending))
            self.pending.clear()

    def _trim(self, chars: str) -> str:
        """Remove trailing `chars` from the output (across pieces); return what was removed."""
        removed: list[str] = []
        while self.out:
            last = self.out[-1]
            kept = last.rstrip(chars)
            removed.append(last[len(kept):])
            if kept:
                self.out[-1] = kept
                break
            self.out.pop()
        return "".join(reversed(removed))

    def _break(self, lines: int = 1) -> None:
        """End the current line; `lines=2` leaves a blank line (a paragraph)."""
        self._flush_pending()
        had = self._trim(" \n").count("\n")
        if self.out:
            self.out.append("\n" * min(2, max(lines, had)))

    def _close_marker(self, marker: str) -> None:
        if marker in self.pending:  # nothing between open and close: drop both
            self.pending.remove(marker)
            return
        spaces = self._trim(" ")
        self.out.append(marker + spaces)

    # -- parser callbacks -----------------------------------------------------------
    def handle_starttag(self, tag: str, attrs) -> None:
        attrs = dict(attrs)
        if tag in _SKIP_CONTENT_TAGS:
            self.skip += 1
            return
        if self.skip:
            return
        if self.pre:
            self._start_in_pre(tag, attrs)
        elif tag == "br":
            self._flush_pending()
            self._trim(" ")
            self.out.append("\n")
        elif tag == "pre":
            self._start_pre(attrs)
        elif tag == "code":
            self.code += 1
            if self.code == 1:
                self.pending.append("`")
        elif tag in _BOLD_TAGS:
            self.bold += 1
            if self.bold == 1 and not self.code:
                self.pending.append("**")
        elif tag in ("ul", "ol"):
            self._break(1)
            self.lists.append([tag, 0])
        elif tag in ("li", "td", "th", "tr"):
            self._start_list_or_table_part(tag)
        elif tag == "img":
            # the file's name: imported media keep their names, so `[image: relu.png]` names the file
            src = attrs.get("src") or attrs.get("alt") or ""
            self._flush_pending()
            self._emit(f"[image: {src}]" if src else "[image]")
        elif tag == "a":
            self.links.append((attrs.get("href") or "").strip())
            self.link_text_at.append(len(self.out))
        elif tag in _PARAGRAPH_TAGS:
            self._break(2)
        elif tag in _BLOCK_TAGS:
            self._break(1)

    def _start_in_pre(self, tag: str, attrs: dict) -> None:
        """Inside <pre> only line breaks and the code block's language count."""
        if tag == "br":
            self._emit("\n")
        elif tag == "code" and self.fence_at is not None and self.fence_at == len(self.out) - 2:
            language = _language(attrs)
            if language:
                self.out[self.fence_at] = f"```{language}"

    def _start_pre(self, attrs: dict) -> None:
        self._break(1)
        self._flush_pending()
        self.out.append(f"```{_language(attrs)}")
        self.fence_at = len(self.out) - 1
        self.out.append("\n")
        self.pre += 1

    def _start_list_or_table_part(self, tag: str) -> None:
        if tag == "li":
            self._break(1)
            if self.lists and self.lists[-1][0] == "ol":
                self.lists[-1][1] = int(self.lists[-1][1]) + 1
                bullet = f"{self.lists[-1][1]}. "
            else:
                bullet = "- "
            self._emit("  " * max(0, len(self.lists) - 1) + bullet)
        elif tag in ("td", "th"):
            if self.cells_in_row:
                self._emit(" | ")
            self.cells_in_row += 1
        else:  # tr
            self._break(1)
            self.cells_in_row = 0

    def handle_startendtag(self, tag: str, attrs) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in ("br", "img", "hr"):
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_CONTENT_TAGS:
            self.skip = max(0, self.skip - 1)
            return
        if self.skip:
            return
        if tag == "pre":
            if self.pre:
                self.pre -= 1
                if not self.pre:
                    self._trim("\n")
                    self.out.append("\n```\n")
                    self.fence_at = None
            return
        if self.pre:
            return
        if tag == "code":
            if self.code:
                self.code -= 1
                if not self.code:
                    self._close_marker("`")
        elif tag in _BOLD_TAGS:
            if self.bold:
                self.bold -= 1
                if not self.bold and not self.code:
                    self._close_marker("**")
        elif tag in ("ul", "ol"):
            if self.lists:
                self.lists.pop()
            self._break(1)
        elif tag == "li":
            self._break(1)
        elif tag == "a" and self.links:
            href, start = self.links.pop(), self.link_text_at.pop()
            shown = "".join(self.out[start:]).strip()
            if href and not href.startswith(("#", "javascript:")) and href != shown:
                self._flush_pending()
                self._emit(f" ({href})" if shown else href)
        elif tag in _PARAGRAPH_TAGS:
            self._break(2)
        elif tag in _BLOCK_TAGS:
            self._break(1)

    def handle_data(self, data: str) -> None:
        if self.skip or not data:
            return
        if self.pre:
            self._emit(data)
            return
        text = _WS.sub(" ", data)
        if text.startswith(" "):
            tail = self._tail()
            if self._at_line_start() or tail.endswith(" "):
                text = text.lstrip(" ")
            elif self.pending:
                self._emit(" ")
                text = text.lstrip(" ")
        if not text:
            return
        self._flush_pending()
        self._emit(text)

    def result(self) -> str:
        self.pending.clear()
        if self.pre:
            self._emit("\n```")
        if self.code:
            self._emit("`")
        if self.bold and not self.code:
            self._emit("**")
        text = "".join(self.out)
        lines: list[str] = []
        fenced = False
        for line in text.split("\n"):
            if line.startswith("```"):
                fenced = not fenced
                lines.append(line.rstrip())
            else:
                lines.append(line if fenced else line.rstrip())
        text = "\n".join(lines)
        text = re.sub(r"\n{3,}", "\n\n", text)
        return text.strip("\n").strip(" ") if not text.startswith("```") else text.strip("\n")


def _language(attrs: dict) -> str:
    match = re.search(r"language-([\w+#.-]+)", attrs.get("class") or "")
    return match.group(1) if match else ""


def html_to_text(markup: str) -> str:
    """Readable text from an HTML field: <br> and blocks become line breaks, lists "- "
    lines, <b>/<strong> **bold**, <code> `code`, <pre> a fenced block; every other tag is
    dropped and entities are decoded."""
    if "<" not in markup and "&" not in markup:
        return _WS.sub(" ", markup).strip()
    try:
        builder = _TextBuilder()
        builder.feed(markup)
        builder.close()
        return builder.result()
    except Exception:  # the stdlib parser is lenient, but never let a field stop an import
        stripped = re.sub(r"<br\s*/?>", "\n", markup, flags=re.IGNORECASE)
        stripped = re.sub(r"<[^>]*>", "", stripped)
        return html.unescape(stripped).strip()


_FENCE = re.compile(r"^```([\w+#.-]*)[ \t]*\n(.*?)\n?^```[ \t]*$", re.MULTILINE | re.DOTALL)
_INLINE_CODE = re.compile(r"`([^`\n]+)`")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*", re.DOTALL)


_BLOCK_LINE = re.compile(r"^\s*(?:[-*+] |\d+[.)] |#|>|\||```|$)")
_LINE_OF_ITS_OWN = re.compile(r"^\s*(?:#|\||```|$)")


def join_soft_wraps(text: str) -> str:
    """Text from a content file with its soft-wrapped lines joined: a line break inside a
    paragraph (or a list item) becomes a space. Blank lines, list items, headings, quotes,
    table rows and fenced code keep their line breaks."""
    out: list[str] = []
    fenced = False
    for line in text.split("\n"):
        if line.lstrip().startswith("```"):
            fenced = not fenced
            out.append(line)
        elif fenced or not out or _BLOCK_LINE.match(line) or _LINE_OF_ITS_OWN.match(out[-1]):
            out.append(line)
        else:
            out[-1] = out[-1].rstrip() + " " + line.strip()
    return "\n".join(out)


def text_to_html(text: str) -> str:
    """HTML for an Anki field from card text: the inverse of `html_to_text` for
    line breaks, **bold**, `code` and fenced code blocks."""
    text = text.strip("\n")
    pieces: list[str] = []
    position = 0
    for match in _FENCE.finditer(text):
        pieces.append(_inline_to_html(_after_block(text[position:match.start()], position)))
        language = match.group(1)
        cls = f' class="language-{html.escape(language)}"' if language else ""
        pieces.append(f"<pre><code{cls}>{html.escape(match.group(2), quote=False)}</code></pre>")
        position = match.end()
    pieces.append(_inline_to_html(_after_block(text[position:], position)))
    return "".join(pieces)


def _after_block(text: str, position: int) -> str:
    # a block ends its line itself: the first newline after a code block is implied
    return text[1:] if position and text.startswith("\n") else text


def _inline_to_html(text: str) -> str:
    if not text:
        return ""
    out: list[str] = []
    position = 0
    for match in _INLINE_CODE.finditer(text):
        out.append(_bold_to_html(text[position:match.start()]))
        out.append(f"<code>{html.escape(match.group(1), quote=False)}</code>")
        position = match.end()
    out.append(_bold_to_html(text[position:]))
    return "".join(out)


def _bold_to_html(text: str) -> str:
    out: list[str] = []
    position = 0
    for match in _BOLD.finditer(text):
        out.append(_escape_lines(text[position:match.start()]))
        out.append(f"<b>{_escape_lines(match.group(1))}</b>")
        position = match.end()
    out.append(_escape_lines(text[position:]))
    return "".join(out)


def _escape_lines(text: str) -> str:
    return html.escape(text, quote=False).replace("\n", "<br>")
