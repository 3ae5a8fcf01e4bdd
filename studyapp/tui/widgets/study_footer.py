"""The key footer every screen shows: Textual's `Footer`, rebuilt only when its keys change.

Textual's footer rebuilds all its keys whenever a screen's bindings are updated (a focus
move, the screen resuming, the app getting focus), even when the keys it shows stay the
same. At start the dashboard's footer was rebuilt three times before its keys reached the
terminal, each rebuild 35 to 75 ms on this project's 2-core machines: that was most of
what studyapp adds to Textual's own first frame (`benchmarks/startup.py`).
"""

from __future__ import annotations

from collections.abc import Hashable

from textual.app import ComposeResult
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer

_PALETTE_ACTIONS = {"command_palette", "app.command_palette"}  # drawn apart, shown or not


class StudyFooter(Footer):
    """A compact footer that skips rebuilds which would draw the same keys again."""

    class KeysDrawn(Message):
        """The footer's keys are on the screen (posted once, after the first frame with them).

        The dashboard starts its database work on this: a worker thread started earlier
        competes with the first paint for the interpreter."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, compact=True)
        self._drawn_keys: Hashable | None = None
        self._announced = False

    def compose(self) -> ComposeResult:
        # Textual's footer draws no keys until the first bindings update, then rebuilds;
        # this one draws the screen's keys in its first frame, and the update that follows
        # changes nothing unless focus brought other keys.
        if not self._bindings_ready:
            self.set_reactive(Footer._bindings_ready, True)
        self._drawn_keys = self._shown_keys(self.screen)
        yield from super().compose()
        if not self._announced:
            self._announced = True
            self.call_after_refresh(self.post_message, self.KeysDrawn())

    def bindings_changed(self, screen: Screen) -> None:
        # Textual's own check, then ours: rebuild only for a different set of keys.
        self._bindings_ready = True
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen:
            return
        keys = self._shown_keys(screen)
        if keys == self._drawn_keys:
            return
        self._drawn_keys = keys
        self.call_after_refresh(self.recompose)

    @staticmethod
    def _shown_keys(screen: Screen) -> Hashable:
        """What the footer's compose would draw, as a comparable value."""
        return tuple(
            (binding, enabled, tooltip)  # a Binding is a frozen dataclass: comparable, hashable
            for (_node, binding, enabled, tooltip) in screen.active_bindings.values()
            if binding.show or binding.action in _PALETTE_ACTIONS
        )
