"""Go anywhere: the screens, studying everything due or one deck, quitting."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from studyapp.tui.commands.base import Command, CommandListProvider
from studyapp.tui.navigation import navigator


class NavigationCommands(CommandListProvider):
    def commands(self) -> Iterable[Command]:
        app = navigator(self.screen)
        yield Command("Study everything due",
                      "Review the due cards of every deck (a on the dashboard)",
                      partial(app.study, None))
        yield Command("Add card",
                      "Write a new card (basic, reversed, cloze, choice) into a deck (n)",
                      partial(app.add_card, None))
        yield Command("Custom study…",
                      "Review ahead, preview new cards, study a tag or search, more new cards (c)",
                      partial(app.custom_study, None))
        yield Command("Dashboard", "Decks, today's reviews, streak and heatmap (d)",
                      partial(app.action_goto, "dashboard"))
        yield Command("Browse cards", "Search and filter cards; suspend, see history (b)",
                      partial(app.action_goto, "browse"))
        yield Command("Stats", "Progress, retention and the review heatmap (t)",
                      partial(app.action_goto, "stats"))
        yield Command("Settings", "Retention, limits, steps, day start, device, theme (,)",
                      partial(app.action_goto, "settings"))
        yield Command("Help", "Every key of every screen (?)", app.action_help)
        for slug, title in app.study_service.deck_titles.items():
            yield Command(f"Study deck: {title}", f"Review the due cards of {slug}",
                          partial(app.study, slug))
            yield Command(f"Custom study: {title}",
                          f"Study {slug} anyway, ahead, preview, more new cards",
                          partial(app.custom_study, slug))
