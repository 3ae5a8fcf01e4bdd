"""A card's images, inline where the terminal can draw them (via textual-image).

A card names its images as `[image: name]` (the files are in the media folder); the `m`
action opens them with the system viewer everywhere. This widget also draws them under
the question: with the Terminal Graphics Protocol (kitty), Sixel (WezTerm, foot, iTerm2,
mlterm, contour), or coloured half-cell blocks in any other terminal; and without a
terminal (the test driver, a pipe) with textual-image's grey-shade character fallback.
A missing or unreadable file shows one placeholder line instead.

Two things about textual-image shape this module:
- it loads Pillow: about 0.3 s, too much for the first frame, so it is imported only
  when a card with an image is first shown;
- while it is imported it asks the terminal what it can draw (an escape sequence, then a
  read of stdin for the answer). Once Textual runs, its input thread owns stdin, so that
  question cannot be asked any more (the library's own notes say so): the import runs
  with the terminal hidden from it, the renderer is judged from the environment
  (`guess_renderer`; STUDYAPP_IMAGES=tgp|sixel|halfcell|unicode|off overrides it), and
  the cell size is read with an ioctl, which takes nothing from stdin.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Static

IMAGES_SETTING = "STUDYAPP_IMAGES"
RENDERERS = ("tgp", "sixel", "halfcell", "unicode")
GRAPHICS = ("tgp", "sixel")  # these write to the terminal themselves
SIXEL_PROGRAMS = ("WezTerm", "iTerm.app", "mlterm", "contour")
SIXEL_TERMS = ("foot", "mlterm", "contour")
DEFAULT_CELL = (10, 20)  # pixels per cell when the terminal does not say (textual-image's VT340 guess)
_IMAGE_REFERENCE = re.compile(r"\[image: ([^\]\n]+)\]")
_loaded: dict[str, Callable[..., Widget]] = {}


def image_names(text: str) -> list[str]:
    """The images a card's text names (`[image: name]`), each once, in order."""
    return list(dict.fromkeys(m.group(1).strip() for m in _IMAGE_REFERENCE.finditer(text or "")))


def guess_renderer(environ: Mapping[str, str], *, terminal: bool) -> str | None:
    """How to draw images: one of RENDERERS, or None (off). `terminal`: the app draws
    on a real terminal (not the test driver, not a pipe)."""
    chosen = environ.get(IMAGES_SETTING, "").strip().lower()
    if chosen in ("off", "no", "0", "none"):
        return None
    if not terminal:
        return chosen if chosen in ("halfcell", "unicode") else "unicode"
    if chosen in RENDERERS:
        return chosen
    term, program = environ.get("TERM", ""), environ.get("TERM_PROGRAM", "")
    if term == "xterm-kitty" or "KITTY_WINDOW_ID" in environ:
        return "tgp"
    if program in SIXEL_PROGRAMS or term.startswith(SIXEL_TERMS):
        return "sixel"
    return "halfcell"


class _NotATerminal:
    """sys.__stdout__ as textual-image sees it while it is imported: no tty, so it asks
    the terminal nothing; everything else goes to the real stream."""

    def __init__(self, real: Any) -> None:
        self._real = real

    def isatty(self) -> bool:
        return False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


@contextmanager
def _terminal_hidden() -> Iterator[None]:
    # deferred: textual_image is optional and probes the terminal
    from textual_image import _terminal

    if not hasattr(_terminal.get_cell_size, "_result"):
        width, height = DEFAULT_CELL
        try:
            rows, columns, pixels_wide, pixels_high = _terminal.get_tiocgwinsz()
            if rows and columns and pixels_wide and pixels_high:
                width, height = pixels_wide // columns, pixels_high // rows
        except (OSError, _terminal.TerminalError, ValueError):
            pass
        _terminal.get_cell_size._result = _terminal.CellSize(width, height)  # type: ignore[attr-defined]
    real = sys.__stdout__
    sys.__stdout__ = _NotATerminal(real)  # type: ignore[assignment, misc]
    try:
        yield
    finally:
        sys.__stdout__ = real  # type: ignore[misc]


def image_widget_class(renderer: str) -> Callable[..., Widget]:
    """textual-image's widget for `renderer`, imported on first use."""
    if renderer not in _loaded:
        with _terminal_hidden():
            # deferred: textual_image is optional and probes the terminal
            from textual_image import widget as library
        _loaded.update({"tgp": library.TGPImage, "sixel": library.SixelImage,
                        "halfcell": library.HalfcellImage, "unicode": library.UnicodeImage})
    return _loaded[renderer]


def _placeholder(line: str) -> Static:
    return Static(Text(line), classes="card-image-missing")


class CardImages(Vertical):
    """The images the shown side of a card names, one under the other."""

    DEFAULT_CSS = """
    CardImages { height: auto; }
    CardImages > .card-image { height: 12; width: auto; margin: 1 0 0 0; }
    CardImages > .card-image-missing { color: $warning; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.shown: tuple[str, ...] = ()

    def show(self, text: str, folder: Path) -> None:
        """Draw the images `text` names, from `folder`; nothing when it names none."""
        names = image_names(text)
        renderer = guess_renderer(os.environ, terminal=self._on_a_terminal())
        if renderer is None:
            names = []
        if tuple(names) == self.shown:
            return
        self.shown = tuple(names)
        self.remove_children()
        self.display = bool(names)
        if names and renderer is not None:
            self.mount_all([self._image(folder / name, name, renderer) for name in names])

    def _on_a_terminal(self) -> bool:
        stream = sys.__stdout__
        return not self.app.is_headless and stream is not None and stream.isatty()

    @staticmethod
    def _image(path: Path, name: str, renderer: str) -> Widget:
        if not path.is_file():
            return _placeholder(f"[image: {name}] is missing: no such file in {path.parent}")
        try:
            return image_widget_class(renderer)(path, classes="card-image")
        except Exception as exc:  # Pillow raises many kinds for a file it cannot read
            return _placeholder(f"[image: {name}] cannot be shown here ({type(exc).__name__}); "
                                "m opens it")
