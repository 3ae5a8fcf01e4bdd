"""Review: the card's front; space reveals; 1-4 rate with the interval each would give;
u undoes; e edits the card; s suspends; x of y progress; a summary at the end.
Cloze cards show their blank, then the answer in place; choice cards are answered with
the number keys. Exercise cards open the exercise screen, which rates them."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.reactive import reactive
from textual.widgets import Header, Input, Markdown, Static
from textual.worker import Worker, WorkerState

from studyapp.errors import UserError
from studyapp.interop.media import media_dir_for, media_names, open_with_system_viewer
from studyapp.scheduling.rating import RATING_LABELS as RATING_NAMES
from studyapp.study.cards import one_line, queue_item
from studyapp.study.choices import shown_options
from studyapp.study.typed import asks_typed_answer, compare_typed
from studyapp.study.typed import typed_decks as load_typed_decks
from studyapp.tui.formatting import duration
from studyapp.tui.messages.review import NextCardLoaded, SessionEnded
from studyapp.tui.screens.base import StudyScreen
from studyapp.tui.widgets.card_image import CardImages
from studyapp.tui.widgets.choice_options import ChoiceOptions
from studyapp.tui.widgets.rating_bar import RatingBar
from studyapp.tui.widgets.study_footer import StudyFooter

if TYPE_CHECKING:
    from studyapp.scheduling.service import QueueItem, ReviewResult, UndoResult
    from studyapp.study.custom import FilteredSession
    from studyapp.tui.grader import Grader
    from studyapp.tui.study_service import StudyService

RATE_GROUP = Binding.Group("Rate", compact=True)


@dataclass
class SessionLog:
    """What this session did, for x of y and the summary."""

    started: datetime
    # card id, content id, front, rating
    ratings: list[tuple[int, str, str, int]] = field(default_factory=list)

    @property
    def done(self) -> int:
        return len(self.ratings)

    def add(self, card_id: int, content_id: str, front: str, rating: int) -> None:
        self.ratings.append((card_id, content_id, front, rating))

    def remove_last(self, card_id: int) -> None:
        for index in range(len(self.ratings) - 1, -1, -1):
            if self.ratings[index][0] == card_id:
                del self.ratings[index]
                return


def summary_text(log: SessionLog, ended: datetime, next_up: str = "", *,
                 ended_early: bool = False) -> Text:
    text = Text()
    count = log.done
    text.append("Session ended\n\n" if ended_early else "Session complete\n\n", style="bold")
    if not count:
        text.append("Nothing was due. Come back later, or study another deck.\n", style="dim")
        if next_up:
            text.append(f"\n{next_up}\n")
        return text
    spent = (ended - log.started).total_seconds()
    by_rating = {value: sum(1 for *_, r in log.ratings if r == value) for value in RATING_NAMES}
    remembered = count - by_rating[1]
    text.append(f"{count} card{'s' if count != 1 else ''}", style="bold")
    text.append(f" in {duration(spent)}")
    if count:
        text.append(f" · {duration(spent / count)} per card\n")
    text.append(f"Retention {100 * remembered / count:.0f}%", style="bold")
    text.append(f" ({remembered} of {count} remembered)\n")
    text.append("  ".join(f"{name} {by_rating[value]}" for value, name in RATING_NAMES.items()),
                style="dim")
    text.append("\n")
    hard = [(content_id, front, rating)
            for _, content_id, front, rating in log.ratings if rating <= 2]
    if hard:
        text.append("\nWhat was hard\n", style="bold")
        seen = set()
        for content_id, front, rating in hard:
            if content_id in seen:
                continue
            seen.add(content_id)
            text.append(f"  {RATING_NAMES[rating]:<5} ",
                        style="red" if rating == 1 else "dark_orange")
            text.append(f"{content_id}", style="bold")
            text.append(f"  {one_line(front, 60)}\n", style="dim")
    else:
        text.append("\nNothing was hard. Well done.\n", style="green3")
    if next_up:
        text.append(f"\n{next_up}\n")
    return text


@dataclass(frozen=True)
class RatingSaved:
    """What the worker that stores a rating hands back: the result, or why not."""

    item: QueueItem
    rating: int
    result: ReviewResult | None
    refused: str = ""


@dataclass(frozen=True)
class Undone:
    """What the worker that undoes the last rating hands back."""

    undone: UndoResult | None
    refused: str = ""


@dataclass(frozen=True)
class Suspended:
    """What the worker that suspends a card hands back."""

    item: QueueItem


# The database writes (rate, undo, suspend) run in thread workers of this group, one at
# a time: while one runs, `writing` turns every key of the screen off (esc too), so undo
# never overtakes the rating it would undo and nothing leaves the screen under a write.
# Not exclusive: cancelling a write that had not started yet would drop it.
WRITE_GROUP = "review-write"


# The screen's phases, each a CSS class on the screen (see review.tcss): "loading" while
# a worker plans the next card, "question", "answer" once revealed, "summary" at the end.
PHASES = ("loading", "question", "answer", "summary")


class ReviewScreen(StudyScreen):
    LABEL = "Review"
    CSS_PATH = "../styles/review.tcss"
    BINDINGS = [
        Binding("space,enter", "reveal", "Show answer", key_display="space"),
        *[Binding(str(n), f"pick({n})", "", show=False) for n in range(1, 10)],
        *[Binding(str(value), f"rate({value})", name, group=RATE_GROUP)
          for value, name in RATING_NAMES.items()],
        Binding("enter", "open_exercise", "Open exercise"),
        Binding("u", "undo", "Undo"),
        Binding("e", "edit", "Edit card"),
        Binding("s", "suspend", "Suspend"),
        Binding("m", "open_media", "Open media"),
        Binding("escape", "leave", "End session"),
    ]

    phase = reactive("loading", init=False)

    def __init__(self, study: StudyService, current_grader: Callable[[], Grader | None],
                 deck: str | None = None, *, ignore_prerequisites: bool = False,
                 filtered: FilteredSession | None = None) -> None:
        """`deck` (None: every deck) today's queue; `ignore_prerequisites` releases the deck's
        new cards (study it anyway); `filtered` studies that list instead of the queue.
        `current_grader` is handed to the exercise screen for exercise cards."""
        super().__init__(classes="-loading")
        self.study = study
        self.current_grader = current_grader
        self.deck = deck
        self.ignore_prerequisites = ignore_prerequisites
        self.filtered = filtered
        self.typed_decks: set[str] | None = None  # loaded with the first card
        self.item: QueueItem | None = None
        self.previews: dict[int, timedelta] = {}
        self.shown_at = time.monotonic()
        self.session_log = SessionLog(started=study.clock.now())
        self.remaining = 0
        self.writing = False  # a database write is running (see WRITE_GROUP)
        self.phase_before_write = "question"  # shown again when a write fails

    @property
    def revealed(self) -> bool:
        return self.phase == "answer"

    @property
    def finished(self) -> bool:
        return self.phase == "summary"

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="progress")
        with VerticalScroll(id="card-scroll"):
            yield Markdown("", id="front")
            yield CardImages(id="card-images")
            yield ChoiceOptions(id="choices")
            yield Input(placeholder="Type the answer, then enter", id="typed")
            yield Static("", id="comparison")
            yield Static("", id="divider")
            yield Markdown("", id="back")
            yield Static("", id="summary")
        yield Static("", id="review-hint")
        yield RatingBar(id="ratings")
        yield StudyFooter()

    def on_mount(self) -> None:
        self.next_card()

    def watch_phase(self, phase: str) -> None:
        for name in PHASES:
            self.set_class(name == phase, f"-{name}")
        self._hint()
        self.refresh_bindings()

    def _typed(self, item: QueueItem | None) -> bool:
        return item is not None and asks_typed_answer(item.kind, item.extra, item.deck,
                                                      self.typed_decks or set())

    # -- the card: planned in a worker thread -------------------------------------------

    def next_card(self) -> None:
        self.phase = "loading"
        self._load_next_card()

    @work(thread=True, exclusive=True, group="review-card", exit_on_error=False,
          name="load the next card")
    def _load_next_card(self) -> None:
        typed_decks = self.typed_decks
        if typed_decks is None:
            with self.study.database.unit_of_work() as session:
                typed_decks = load_typed_decks(session)
        try:
            item = self._plan_next()
        except UserError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            item = None
        if item is None:
            self.post_message(NextCardLoaded(None, 0, next_up=self._next_up(),
                                             typed_decks=typed_decks))
            return
        # previews as of now (the rating bar shows them once the answer is revealed)
        previews = {} if self.previewing or item.kind == "exercise" else self._previews(item)
        self.post_message(NextCardLoaded(item, self._remaining(), previews,
                                         typed_decks=typed_decks))

    def _plan_next(self) -> QueueItem | None:
        if self.filtered is not None:
            return self.filtered.next_card(self.study.database)
        return self.study.reviews.next_card(self.deck,
                                            ignore_prerequisites=self.ignore_prerequisites)

    def _previews(self, item: QueueItem) -> dict[int, timedelta]:
        try:
            return self.study.reviews.preview(item.card_id)
        except UserError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            return {}

    def on_next_card_loaded(self, message: NextCardLoaded) -> None:
        self.typed_decks = message.typed_decks
        if message.item is None:
            self._finish(message.next_up)
            return
        self.remaining = message.remaining
        self.show_item(message.item, message.previews)

    def show_item(self, item: QueueItem, previews: dict[int, timedelta]) -> None:
        self.item = item
        self.previews = previews
        self.shown_at = time.monotonic()
        self.set_class(item.kind == "choice", "-choice")
        self.set_class(item.kind not in ("cloze", "choice"), "-with-back")
        self.set_class(self.previewing, "-previewing")
        self.set_class(bool(item.extra.get("explain")) and item.kind == "choice", "-explained")
        typed = self._typed(item)
        self.set_class(typed, "-typed")
        self._update_progress()
        self.query_one("#front", Markdown).update(self._front_markdown(item))
        self.query_one("#back", Markdown).update("")
        if item.kind == "choice":
            self.query_one("#choices", ChoiceOptions).set_options(
                shown_options(item.extra.get("options", []), item.card_id, item.reps))
        field = self.query_one("#typed", Input)
        field.value = ""
        self.phase = "question"
        self._show_images()
        if typed:
            field.focus()
        self.query_one("#card-scroll").scroll_home(animate=False)
        if item.kind == "exercise":
            self.action_open_exercise()

    def _front_markdown(self, item: QueueItem) -> str:
        if item.kind == "exercise":
            title = item.extra.get("title", item.content_id)
            return f"## Exercise: {title}\n\n`{item.extra.get('signature', '')}`"
        return item.front

    def _remaining(self) -> int:
        """Blocking: cards still to see, the one on screen included."""
        if self.filtered is not None:
            return self.filtered.remaining()
        try:
            counts = self.study.reviews.counts(self.deck,
                                               ignore_prerequisites=self.ignore_prerequisites)
            return sum(c.total for c in counts)
        except UserError:
            return 0

    @property
    def previewing(self) -> bool:
        return self.filtered is not None and not self.filtered.scheduled

    def _update_progress(self) -> None:
        item = self.item
        done = self.session_log.done
        total = done + max(self.remaining, 1)
        deck = item.deck if item else (self.deck or "all decks")
        if self.filtered is not None:
            deck = self.filtered.title
        text = Text()
        text.append(f" {done + 1} of {total} ", style="bold reverse")
        text.append(f"  {deck}")
        if item is not None:
            text.append(f" · {item.kind} · {item.state}", style="dim")
        self.query_one("#progress", Static).update(text)

    def _hint(self) -> None:
        self.query_one("#review-hint", Static).update(self._hint_text())

    def _hint_text(self) -> str:
        item = self.item
        if item is None or self.phase == "summary":
            return "esc back to the dashboard · u undo the last rating"
        if item.kind == "exercise":
            return "enter opens the exercise · s suspends it · esc ends the session"
        if self.previewing and self.revealed:
            return "preview: nothing is scheduled · space next card · esc ends"
        if not self.revealed:
            return ("space shows the answer"
                    + (" · 1-9 pick options first" if item.kind == "choice" else "")
                    + (" · typed answer: type it, enter checks" if self._typed(item) else ""))
        return "rate how well you remembered: 1 Again · 2 Hard · 3 Good · 4 Easy"

    def _next_up(self) -> str:
        """Blocking: what is due next, for the summary: the rest of today, tomorrow."""
        try:
            left = 0 if self.filtered is not None else sum(
                c.total for c in self.study.reviews.counts(
                    self.deck, ignore_prerequisites=self.ignore_prerequisites))
            ahead = self.study.reviews.due_ahead(1, self.deck)
        except UserError:
            return ""
        tomorrow = ahead[0][1] if ahead else 0
        parts = [f"{left} still to study today" if left else "Nothing more due today"]
        parts.append(f"{tomorrow} due tomorrow")
        return "Next: " + " · ".join(parts)

    def _finish(self, next_up: str, *, ended_early: bool = False) -> None:
        self.item = None
        summary = self.query_one("#summary", Static)
        summary.update(summary_text(self.session_log, self.study.clock.now(), next_up,
                                    ended_early=ended_early))
        self.query_one("#progress", Static).update(
            Text(f" {self.session_log.done} reviewed ", style="bold reverse"))
        self.phase = "summary"
        self._show_images()  # no card: no images

    # -- keys ---------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.writing:
            return False  # a rating, undo or suspension is being stored: a moment
        item = None if self.phase in ("loading", "summary") else self.item
        if self.phase == "loading" and action not in ("leave", "open_media"):
            return False  # the next card is on its way
        if action == "reveal":
            return (item is not None and item.kind != "exercise"
                    and (not self.revealed or self.previewing))
        if action == "rate":
            return (item is not None and item.kind != "exercise" and self.revealed
                    and not self.previewing)
        if action == "pick":
            return item is not None and item.kind == "choice" and not self.revealed
        if action == "open_exercise":
            return item is not None and item.kind == "exercise"
        if action in ("edit", "suspend"):
            return item is not None
        if action == "open_media":  # shown only on a card naming an image or a sound
            return item is not None and bool(self._media())
        return True

    def _media(self) -> list[str]:
        item = self.item
        return media_names(f"{item.front}\n{item.back if self.revealed else ''}") if item else []

    def _show_images(self) -> None:
        """The images of the card's shown sides, inline (widgets/card_image.py)."""
        item = self.item
        text = f"{item.front}\n{item.back if self.revealed else ''}" if item else ""
        folder = media_dir_for(str(self.study.database.engine.url))
        self.query_one("#card-images", CardImages).show(text, folder)

    def action_open_media(self) -> None:
        """Open the card's images and sounds with the system viewer."""
        folder = media_dir_for(str(self.study.database.engine.url))
        for name in self._media():
            problem = open_with_system_viewer(folder / name)
            if problem:
                self.notify(problem, severity="warning")

    def action_reveal(self) -> None:
        item = self.item
        if item is not None and self.revealed and self.previewing:
            assert self.filtered is not None  # a preview moves on unscheduled
            self.filtered.mark_done(item.card_id)
            self.session_log.add(item.card_id, item.content_id, item.front, 3)
            self.next_card()
            return
        if item is None or self.phase != "question":
            return
        suggested = self._show_answer(item)
        ratings = self.query_one("#ratings", RatingBar)
        ratings.show_previews(self.previews, suggested)
        self.phase = "answer"
        self._show_images()

    def _show_answer(self, item: QueueItem) -> int | None:
        """The answer in place (which parts show is the CSS's business); returns the rating
        to suggest, when there is one."""
        back = self.query_one("#back", Markdown)
        if item.kind == "cloze":
            self.query_one("#front", Markdown).update(item.back)
            return None
        if item.kind == "choice":
            choices = self.query_one("#choices", ChoiceOptions)
            choices.reveal()
            back.update(item.extra.get("explain", ""))
            return 3 if choices.answered_right else 1
        back.update(item.back)
        return self._show_comparison(item) if self._typed(item) else None

    def _show_comparison(self, item: QueueItem) -> int:
        """Typed answer: the comparison under the question; returns the suggested rating."""
        comparison = compare_typed(self.query_one("#typed", Input).value, item.back)
        styles = {"good": "bold green3", "bad": "bold red strike",
                  "missing": "bold yellow underline"}
        text = Text("You typed:  ", style="dim")
        if not comparison.typed:
            text.append("(nothing)", style="dim")
        for piece in comparison.typed:
            text.append(piece.text, style=styles[piece.kind])
        text.append("\nAnswer:     ", style="dim")
        text.append(comparison.expected, style="bold")
        text.append("\n" + ("Exactly right." if comparison.exact else
                            "Red was typed wrong, yellow underlined was missing."), style="dim")
        self.query_one("#comparison", Static).update(text)
        self.set_focus(None)  # the number keys rate again
        return comparison.suggested_rating

    @on(Input.Submitted, "#typed")
    def _typed_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_reveal()

    def action_pick(self, number: int) -> None:
        self.query_one("#choices", ChoiceOptions).toggle(number)

    def on_rating_bar_rated(self, message: RatingBar.Rated) -> None:
        self.action_rate(message.rating)

    def action_rate(self, rating: int) -> None:
        item = self.item
        if item is None or not self.revealed or self.writing:
            return
        spent = int((time.monotonic() - self.shown_at) * 1000)
        self._start_writing()
        self.phase = "loading"  # the next card comes once the rating is stored
        self._save_rating(item, rating, spent)

    def _start_writing(self) -> None:
        # no refresh_bindings here: the keys are checked when pressed, and the footer need
        # not blink off for the few milliseconds a write takes
        self.writing = True
        self.phase_before_write = self.phase

    @work(thread=True, group=WRITE_GROUP, exit_on_error=False, name="save the rating")
    def _save_rating(self, item: QueueItem, rating: int, spent: int) -> RatingSaved:
        try:
            result = self.study.reviews.review(item.card_id, rating, duration_ms=spent)
        except UserError as exc:
            return RatingSaved(item, rating, None, refused=str(exc))
        return RatingSaved(item, rating, result)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A write's follow-up, on the UI thread (StudyScreen reports failures)."""
        worker = event.worker
        if worker.group != WRITE_GROUP or not worker.is_finished:
            return
        self.writing = False
        result = worker.result if event.state is WorkerState.SUCCESS else None
        if isinstance(result, RatingSaved):
            self._rating_saved(result)
        elif isinstance(result, Undone):
            self._undone(result)
        elif isinstance(result, Suspended):
            self._suspended(result)
        elif self.phase == "loading":  # the write failed: back to the card as it was
            self.phase = self.phase_before_write
        self.refresh_bindings()

    def _rating_saved(self, saved: RatingSaved) -> None:
        item = saved.item
        if saved.result is None:
            self.notify(saved.refused, severity="error")
            self.phase = self.phase_before_write
            return
        if self.filtered is not None:
            self.filtered.mark_done(item.card_id)
        self.record(item, saved.rating, saved.result)
        self.next_card()

    def record(self, item: QueueItem, rating: int, result: ReviewResult) -> None:
        """Count a rating in this session (the exercise screen rates exercises itself)."""
        self.session_log.add(item.card_id, item.content_id,
                             item.extra.get("title") or item.front, rating)
        if result.leech:
            note = "and suspended" if result.suspended else "— consider rewriting it (e)"
            self.notify(f"{item.content_id} is a leech {note}", severity="warning", timeout=6)

    def action_undo(self) -> None:
        if self.writing:
            return
        self._start_writing()
        self._undo()

    @work(thread=True, group=WRITE_GROUP, exit_on_error=False, name="undo the last rating")
    def _undo(self) -> Undone:
        try:
            return Undone(self.study.reviews.undo())
        except UserError as exc:
            return Undone(None, refused=str(exc))

    def _undone(self, result: Undone) -> None:
        undone = result.undone
        if result.refused:
            self.notify(result.refused, severity="error")
            return
        if undone is None:
            self.notify("Nothing to undo today.")
            return
        self.session_log.remove_last(undone.card_id)
        if self.filtered is not None:
            self.filtered.undo(undone.card_id)
        name = RATING_NAMES.get(undone.rating, str(undone.rating))
        self._show_card(undone.card_id, f"Undid {name} on {{content_id}}")

    @work(thread=True, exclusive=True, group="review-card", exit_on_error=False,
          name="load the card")
    def _show_card(self, card_id: int, note: str = "", reveal: bool = False) -> None:
        """Show one card again (after undo or an edit), whether or not it is in the queue."""
        with self.study.database.unit_of_work() as session:
            item = queue_item(session, card_id)
        previews = {} if self.previewing or item.kind == "exercise" else self._previews(item)
        remaining = self._remaining()
        self.app.call_from_thread(self._shown_again, item, previews, remaining, note, reveal)

    def _shown_again(self, item: QueueItem, previews: dict[int, timedelta], remaining: int,
                     note: str, reveal: bool) -> None:
        if note:
            self.notify(note.format(content_id=item.content_id))
        self.remaining = remaining
        self.show_item(item, previews)
        if reveal:
            self.action_reveal()

    # a dialog's worker: its group ends in "-dialog" (see ExerciseScreen's dialogs)
    @work(exclusive=True, group="review-edit-dialog", exit_on_error=False, name="edit the card")
    async def action_edit(self) -> None:
        item = self.item
        if item is None:
            return
        from studyapp.tui.screens.browse import edit_card  # deferred: only when editing

        revealed = self.revealed
        if await edit_card(self, self.study, item.card_id):
            self._show_card(item.card_id, reveal=revealed)

    def action_suspend(self) -> None:
        item = self.item
        if item is None or self.writing:
            return
        self._start_writing()
        self.phase = "loading"  # the next card comes once the suspension is stored
        self._suspend(item)

    @work(thread=True, group=WRITE_GROUP, exit_on_error=False, name="suspend the card")
    def _suspend(self, item: QueueItem) -> Suspended:
        self.study.reviews.suspend(item.card_id)
        return Suspended(item)

    def _suspended(self, result: Suspended) -> None:
        item = result.item
        if self.filtered is not None:
            self.filtered.remove(item.card_id)
        self.notify(f"Suspended {item.content_id} (unsuspend it in Browse)")
        self.next_card()

    # awaits the exercise screen as a dialog's worker does (see StudyScreen): its group
    # ends in "-dialog", since it finishes only when the learner leaves the exercise
    @work(exclusive=True, group="review-exercise-dialog", exit_on_error=False,
          name="open the exercise")
    async def action_open_exercise(self) -> None:
        item = self.item
        if item is None or item.kind != "exercise":
            return
        # deferred: the exercise screen (TextArea, grader views) loads with the first exercise
        from studyapp.tui.screens.exercise import ExerciseScreen

        screen = ExerciseScreen(item, self.study, self.current_grader)
        outcome = await self.app.push_screen_wait(screen)
        if outcome is None:  # left without rating: the exercise stays on screen
            self._hint()
            return
        self.record(item, outcome.rating, outcome.result)
        self.next_card()

    def action_leave(self) -> None:
        """esc: the session's summary first (when anything was studied), then the dashboard."""
        if self.finished or not self.session_log.done:
            self.app.pop_screen()
            return
        self._end_early()

    @work(thread=True, exclusive=True, group="review-card", exit_on_error=False,
          name="end the session")
    def _end_early(self) -> None:
        self.post_message(SessionEnded(self._next_up()))

    def on_session_ended(self, message: SessionEnded) -> None:
        self._finish(message.next_up, ended_early=True)
