"""Command palette providers: every action of the app is offered here."""

from studyapp.tui.commands.navigation import NavigationCommands
from studyapp.tui.commands.screen_actions import ScreenActionCommands

COMMAND_PROVIDERS = (NavigationCommands, ScreenActionCommands)

__all__ = ["COMMAND_PROVIDERS", "NavigationCommands", "ScreenActionCommands"]
