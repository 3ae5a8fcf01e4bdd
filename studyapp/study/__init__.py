"""Use cases behind the TUI's screens that are not scheduling, grading or stats:
finding cards, a card's history, editing a card's text, storing submissions, the
activity numbers of the dashboard and the app-wide preferences. Imports no textual
and no torch, so the screens only compose and these stay testable on their own."""
