"""The current screen's own actions (the keys in its footer), by name."""

from __future__ import annotations

from collections.abc import Iterable

from studyapp.tui.commands.base import Command, CommandListProvider

# Actions the navigation provider already offers, or that make no sense from the palette.
SKIP_ACTIONS = {"help", "quit", "command_palette"}


class ScreenActionCommands(CommandListProvider):
    def commands(self) -> Iterable[Command]:
        screen = self.screen
        seen: set[str] = set()
        for node in (screen,):  # a focused widget's own keys (cursor moves) are not commands
            for binding in getattr(node, "BINDINGS", ()):
                if isinstance(binding, tuple):
                    continue
                action = binding.action
                if (
                    action in seen
                    or action in SKIP_ACTIONS
                    or action.startswith("goto")
                    or not binding.description
                ):
                    continue
                if node.check_action(action.split("(")[0], ()) is False:
                    continue
                seen.add(action)
                key = binding.key_display or binding.key.split(",")[0]
                yield Command(
                    f"{screen_label(screen)}: {binding.description}",
                    f"key {key}",
                    _runner(node, action),
                )


def screen_label(screen) -> str:
    return getattr(screen, "LABEL", type(screen).__name__.removesuffix("Screen"))


def _runner(node, action: str):
    async def run() -> None:
        await node.run_action(action)

    return run
