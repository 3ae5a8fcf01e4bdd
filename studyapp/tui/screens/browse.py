"""Browse: search and filter cards by deck, tag, state and text; a card's detail with
its review history and submissions; suspend, unsuspend, edit, open the source file."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from rich.console import Group
from rich.markdown import Markdown as RichMarkdown
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.timer import Timer
from textual.widgets import DataTable, Header, Input, Static
from textual.worker import Worker, WorkerState

from studyapp.errors import UserError
from studyapp.tui.formatting import interval, relative, short_date
from studyapp.tui.messages import CardDetailLoaded, CardsFound, LoadFailed
from studyapp.tui.navigation import navigator
from studyapp.tui.screens.base import StudyScreen
from studyapp.tui.widgets.study_footer import StudyFooter

if TYPE_CHECKING:
    from datetime import datetime

    from rich.console import RenderableType
    from textual.screen import Screen as AnyScreen

    from studyapp.study.cards import CardDetail, CardRow
    from studyapp.tui.study_service import StudyService

SEARCH_DELAY = 0.15
NARROW_WIDTH = 110


class BrowseScreen(StudyScreen):
    LABEL = "Browse"
    CSS_PATH = "../styles/browse.tcss"
    BINDINGS = [
        Binding("slash", "focus_search", "Search", key_display="/"),
        Binding("s", "toggle_suspend", "Suspend/unsuspend"),
        Binding("e", "edit", "Edit card"),
        Binding("o", "open_source", "Open source"),
        Binding("r", "take_shipped", "Take shipped text"),
        Binding("n", "add_card", "Add card"),
        Binding("enter", "practice", "Practice exercise", show=False),
        Binding("x", "show_exercises", "Exercises"),
        Binding("escape", "back", "Back"),
    ]
    HELP_EXTRA = [
        ("enter", "On an exercise: open it in the exercise screen"),
        (
            "search",
            "words, deck:SLUG, tag:TAG, "
            "is:new|learning|review|relearning|due|suspended|leech, kind:KIND",
        ),
    ]

    def __init__(self, study: StudyService, query: str = "") -> None:
        super().__init__()
        self.study = study
        self.initial_query = query
        self._search_timer: Timer | None = None
        self._search_generation = 0
        self._detail_generation = 0
        self._rows: dict[int, CardRow] = {}
        self._detail: CardDetail | None = None

    def compose(self) -> ComposeResult:
        # deferred: pulls in SQLAlchemy; loaded on first use, after the first frame
        from studyapp.study.cards import QUERY_HELP

        yield Header()
        yield Input(self.initial_query, placeholder=f"search: {QUERY_HELP}", id="search")
        with Horizontal(id="browse-body"):
            yield DataTable(id="cards", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="card-detail-panel"):
                yield Static("", id="card-detail")
        yield Static("", id="browse-status")
        yield StudyFooter()

    def on_mount(self) -> None:
        search = self.query_one("#search", Input)
        search.cursor_blink = getattr(self.app, "cursor_blink", True)
        table = self.query_one("#cards", DataTable)
        table.add_column("Question", key="front", width=30)
        for key, title, width in FIXED_COLUMNS:
            table.add_column(title, key=key, width=width)
        self.query_one("#card-detail-panel").border_title = "Card"
        self._layout(self.size.width)
        table.focus()
        self.search()

    def on_screen_resume(self) -> None:
        # back from reviewing or practising: states and due dates may have changed
        if self._rows:
            self.search()

    def on_resize(self, event) -> None:
        self._layout(event.size.width)

    def _layout(self, width: int) -> None:
        self.set_class(width < NARROW_WIDTH, "-narrow")
        self.call_after_refresh(self._fit_question_column)

    def _fit_question_column(self) -> None:
        """The question takes what the fixed columns leave (each column has 2 cells of padding)."""
        table = self.query_one("#cards", DataTable)
        fixed = sum(width + 2 for _, _, width in FIXED_COLUMNS)
        width = max(16, (table.size.width or self.size.width) - fixed - 2 - 1)
        column = table.columns.get(next(k for k in table.columns if k.value == "front"))
        if column is not None and column.width != width:
            column.width = width
            table.refresh()
            if self._rows:
                self.search()

    # -- searching ----------------------------------------------------------------------

    @on(Input.Changed, "#search")
    def _query_changed(self) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        self._search_timer = self.set_timer(SEARCH_DELAY, self.search)

    @on(Input.Submitted, "#search")
    def _query_submitted(self) -> None:
        self.search()
        self.query_one("#cards", DataTable).focus()

    def search(self) -> None:
        self._search_generation += 1
        self._search(self.query_one("#search", Input).value, self._search_generation)

    @work(thread=True, exclusive=True, group="browse-search", exit_on_error=False,
          name="search the cards")
    def _search(self, text: str, generation: int) -> None:
        # deferred: pulls in SQLAlchemy; loaded on first use, after the first frame
        from studyapp.study.cards import SEARCH_LIMIT, parse_query, search_cards

        try:
            query = parse_query(text)
            with self.study.database.unit_of_work() as session:
                rows = search_cards(session, query, self.study.clock.now(), limit=SEARCH_LIMIT + 1)
        except UserError as exc:
            self.post_message(LoadFailed("cards", str(exc)))
            return
        self.post_message(CardsFound(rows[:SEARCH_LIMIT], len(rows) > SEARCH_LIMIT, generation))

    def on_cards_found(self, message: CardsFound) -> None:
        if message.generation != self._search_generation:
            return  # an older search finished late
        table = self.query_one("#cards", DataTable)
        now = self.study.clock.now()
        previous = self._current_id()
        table.clear()
        self._rows = {row.id: row for row in message.rows}
        for row in message.rows:
            table.add_row(*self._cells(row, now), key=str(row.id))
        count = f"{len(message.rows)}{'+' if message.truncated else ''} cards"
        self.query_one("#browse-status", Static).update(count)
        if previous in self._rows:
            table.move_cursor(row=table.get_row_index(str(previous)))
        if not message.rows:
            self.query_one("#card-detail", Static).update(Text("No card matches.", style="dim"))
        else:
            self._load_detail()

    def on_load_failed(self, message: LoadFailed) -> None:
        self.query_one("#browse-status", Static).update(Text(message.error, style="red"))

    def _cells(self, row, now) -> tuple:
        """Question, deck, kind, state (full names), due: in the columns' order."""
        state = (
            Text("suspended", style="dim italic")
            if row.suspended
            else Text(row.state, style=STATE_STYLES.get(row.state, ""))
        )
        due = relative(row.due, now) if row.state != "new" else ""
        title = self.query_one("#cards", DataTable).columns
        width = next((c.width for k, c in title.items() if k.value == "front"), 30)
        question = Text(row.snippet)
        question.truncate(width, overflow="ellipsis")
        deck = Text(row.deck_slug)
        deck.truncate(FIXED_WIDTHS["deck"], overflow="ellipsis")
        return (question, deck, row.kind, state, due)

    # -- detail -------------------------------------------------------------------------

    def _current_id(self) -> int | None:
        table = self.query_one("#cards", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return int(key) if key is not None else None

    @on(DataTable.RowHighlighted, "#cards")
    def _highlighted(self) -> None:
        self._load_detail()

    def _load_detail(self) -> None:
        card_id = self._current_id()
        if card_id is None:
            return
        self._detail_generation += 1
        self._fetch_detail(card_id, self._detail_generation)

    @work(thread=True, exclusive=True, group="browse-detail", exit_on_error=False,
          name="load the card")
    def _fetch_detail(self, card_id: int, generation: int) -> None:
        """A card that is gone (deleted, retired by a sync) fails this worker: the app's
        failure handler says so, and the search runs again without it."""
        # deferred: pulls in SQLAlchemy; loaded on first use, after the first frame
        from studyapp.study.cards import card_detail

        with self.study.database.unit_of_work() as session:
            detail = card_detail(session, card_id)
        self.post_message(CardDetailLoaded(detail, generation))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # the app reports the failure (the event bubbles on to it); here the list is
        # brought up to date, in case the card is gone
        if event.state is WorkerState.ERROR and event.worker.group == "browse-detail":
            self._detail = None
            self.query_one("#card-detail", Static).update(
                Text("This card could not be loaded.", style="dim"))
            self.search()

    def on_card_detail_loaded(self, message: CardDetailLoaded) -> None:
        if message.generation != self._detail_generation:
            return
        self._detail = message.detail
        self.query_one("#card-detail", Static).update(
            render_detail(message.detail, self.study.clock.now())
        )
        self.query_one("#card-detail-panel").border_title = message.detail.content_id
        self.refresh_bindings()

    @on(DataTable.RowSelected, "#cards")
    def _selected(self) -> None:
        self.action_practice()

    # -- actions ------------------------------------------------------------------------

    def action_focus_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_back(self) -> None:
        if isinstance(self.focused, Input):
            self.query_one("#cards", DataTable).focus()
        else:
            self.app.pop_screen()

    def set_query(self, query: str) -> None:
        self.query_one("#search", Input).value = query
        self.search()

    def action_show_exercises(self) -> None:
        self.set_query("kind:exercise")

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "take_shipped":
            return (
                self._detail is not None
                and self._detail.edited
                and self._detail.id == self._current_id()
            )
        if action in ("toggle_suspend", "edit", "open_source", "practice"):
            if self._current_id() is None:
                return None
            if action == "practice":
                row = self._current_row()
                return row is not None and row.kind == "exercise"
        return True

    def _current_row(self) -> CardRow | None:
        card_id = self._current_id()
        return None if card_id is None else self._rows.get(card_id)

    def action_toggle_suspend(self) -> None:
        row = self._current_row()
        if row is None:
            return
        card_id = row.id
        set_suspended(self.study, card_id, not row.suspended)
        row = replace(row, suspended=not row.suspended)
        self._rows[card_id] = row
        table = self.query_one("#cards", DataTable)
        for column, value in zip(("front", "deck", "kind", "state", "due"),
                                 self._cells(row, self.study.clock.now()), strict=True):
            table.update_cell(str(card_id), column, value)
        self.notify(f"{row.content_id} {'suspended' if row.suspended else 'unsuspended'}")
        self._load_detail()

    # a dialog's worker: its group ends in "-dialog" (see ExerciseScreen's dialogs)
    @work(exclusive=True, group="browse-edit-dialog", exit_on_error=False, name="edit the card")
    async def action_edit(self) -> None:
        card_id = self._current_id()
        if card_id is None:
            return
        if await edit_card(self, self.study, card_id):
            self.search()
            self._load_detail()

    def action_take_shipped(self) -> None:
        """Drop the learner's version of a shipped card for the shipped text."""
        card_id, detail = self._current_id(), self._detail
        if card_id is None or detail is None or not detail.edited:
            return
        # deferred: pulls in SQLAlchemy; loaded on first use, after the first frame
        from studyapp.study.edits import take_shipped_text

        take_shipped_text(self.study.database, self.study.clock, card_id)
        self.notify(f"{detail.content_id}: the shipped text is back")
        self.search()
        self._load_detail()

    def action_add_card(self) -> None:
        navigator(self).add_card()

    def action_open_source(self) -> None:
        detail = self._detail
        if detail is None or not detail.source_file:
            self.notify("This card has no source file.", severity="warning")
            return
        # deferred: looked up on use, so the editor hook can be replaced (tests patch it)
        from studyapp.tui.external_editor import open_file

        problem = open_file(self.app, detail.source_file, detail.source_line or None)
        if problem:
            self.notify(f"{detail.location}\n({problem})", title="Source", timeout=8)

    def action_practice(self) -> None:
        row = self._current_row()
        if row is not None and row.kind == "exercise":
            navigator(self).open_exercise(row.id)


def content_relative(location: str) -> str:
    """A content file's location from its `decks/` or `exercises/` folder on (o opens the
    full path): short, and the same on every machine."""
    for marker in ("/decks/", "/exercises/"):
        index = location.rfind(marker)
        if index >= 0:
            return location[index + 1:]
    return location


# (key, title, width): "relearning" and "suspended" fit whole
FIXED_COLUMNS = (
    ("deck", "Deck", 12),
    ("kind", "Kind", 8),
    ("state", "State", 10),
    ("due", "Due", 9),
)
FIXED_WIDTHS = {key: width for key, _, width in FIXED_COLUMNS}

STATE_STYLES = {
    "new": "dodger_blue1",
    "learning": "dark_orange",
    "relearning": "red",
    "review": "green3",
}


def set_suspended(study: StudyService, card_id: int, suspended: bool) -> None:
    """Through the scheduler (it may keep caches)."""
    service = study.reviews
    (service.suspend if suspended else service.unsuspend)(card_id)


async def edit_card(screen: AnyScreen, study: StudyService, card_id: int) -> bool:
    """Open the card editor for `card_id` and save what the learner changes; True when
    a change was saved. Awaits the editor (push_screen_wait): call it from a worker."""
    # deferred: the study modules pull in SQLAlchemy; the dialog opens only on demand
    from studyapp.study.cards import editable_fields
    from studyapp.study.edits import SAVED_AS_OVERRIDE, SAVED_TO_FILE, save_card_edit
    from studyapp.tui.screens.dialogs import CardEditor

    app = screen.app
    with study.database.unit_of_work() as session:
        fields = editable_fields(session, card_id)

    values = await app.push_screen_wait(CardEditor("Edit card", fields))
    if values is None:
        return False
    try:
        where = save_card_edit(study.database, study.clock, card_id, values)
    except UserError as exc:
        app.notify(str(exc), severity="error")
        return False
    notes = {SAVED_TO_FILE: "Card saved to its file.",
             SAVED_AS_OVERRIDE: "Card saved as your version: content updates keep it."}
    app.notify(notes.get(where, "Card saved."))
    return True


def _shipped_text(detail: CardDetail) -> list[RenderableType]:
    """An edited shipped card: say so, and show the shipped text beside the learner's."""
    if detail.shipped_changed:
        head = Text("\nYour edited version is shown above; the shipped text changed since:",
                    style="bold dark_orange")
    else:
        head = Text("\nYour edited version is shown above; the shipped text:", style="bold")
    return [
        head,
        Text("Shipped front", style="underline"),
        RichMarkdown(detail.shipped_front or "—"),
        Text("Shipped back", style="underline"),
        RichMarkdown(detail.shipped_back or "—"),
        Text("r takes the shipped text instead of yours", style="dim"),
    ]


def render_detail(detail: CardDetail, now: datetime) -> Group:
    """A card in full: where it stands, its text, its reviews (and an exercise's submissions)."""
    parts: list[RenderableType] = [*_detail_head(detail, now), *_detail_text(detail)]
    if detail.edited:
        parts.extend(_shipped_text(detail))
    parts.append(Text("\nReview history", style="bold underline"))
    parts.append(_history_table(detail) if detail.history
                 else Text("not reviewed yet", style="dim"))
    if detail.kind == "exercise":
        parts.append(Text("\nSubmissions", style="bold underline"))
        parts.append(_submissions_table(detail) if detail.submissions
                     else Text("no submissions yet", style="dim"))
    return Group(*parts)


def _detail_head(detail: CardDetail, now: datetime) -> list[RenderableType]:
    """Deck, kind, state and due; the scheduling numbers; tags and source."""
    head = Text()
    head.append(f"{detail.deck_title}", style="bold")
    head.append(f" · {detail.kind} · ")
    head.append("suspended" if detail.suspended else detail.state,
                style="dim italic" if detail.suspended else STATE_STYLES.get(detail.state, ""))
    if detail.state != "new":
        head.append(f" · due {relative(detail.due, now)}")
    facts = Text(style="dim")
    facts.append(f"reps {detail.reps} · lapses {detail.lapses}")
    if detail.stability is not None:
        facts.append(f" · stability {detail.stability:.1f}d")
    if detail.difficulty is not None:
        facts.append(f" · difficulty {detail.difficulty:.1f}")
    parts: list[RenderableType] = [head, facts]
    if detail.tags:
        parts.append(Text("tags: " + ", ".join(detail.tags), style="dim"))
    if detail.location:
        parts.append(Text(f"source: {content_relative(detail.location)}", style="dim"))
    return parts


def _detail_text(detail: CardDetail) -> list[RenderableType]:
    """The front (a choice card's options under it), and the back unless an exercise."""
    parts: list[RenderableType] = [Text("\nFront", style="bold underline")]
    title = detail.extra.get("title") if detail.kind == "exercise" else None
    if title and not detail.front.lstrip().startswith("#"):
        parts.append(Text(title, style="bold"))
    parts.append(RichMarkdown(detail.front))
    if detail.kind == "choice":
        options = Text()
        for option in detail.extra.get("options", []):
            options.append(
                ("✔ " if option.get("correct") else "· ") + option.get("text", "") + "\n",
                style="green3" if option.get("correct") else "",
            )
        parts.append(options)
    if detail.kind != "exercise":
        parts.append(Text("Back", style="bold underline"))
        parts.append(RichMarkdown(detail.back or "—"))
    return parts


def _history_table(detail: CardDetail) -> Table:
    table = Table(box=None, padding=(0, 1, 0, 0), show_edge=False)
    # next: the interval this review gave
    for column in ("when", "rating", "state", "next", "took"):
        table.add_column(column, style="dim" if column == "when" else "", no_wrap=True)
    for entry in detail.history[:30]:
        gave = interval(entry.due - entry.reviewed_at) if entry.due else "—"
        table.add_row(short_date(entry.reviewed_at, year=False), entry.rating_name, entry.state,
                      gave, f"{entry.duration_ms / 1000:.0f}s")
    return table


def _submissions_table(detail: CardDetail) -> Table:
    table = Table(box=None, padding=(0, 1, 0, 0), show_edge=False)
    for column in ("when", "status", "device", "ms"):
        table.add_column(column, no_wrap=True)
    for entry in detail.submissions[:30]:
        table.add_row(short_date(entry.created_at, year=False), entry.status, entry.device,
                      str(entry.duration_ms))
    return table
