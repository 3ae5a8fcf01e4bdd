"""Every command and the TUI (study, undo, stats) on a real PostgreSQL server."""

from __future__ import annotations

import io
import json

from sqlalchemy import func, select, text

from studyapp.cli.main import main
from studyapp.content.loader import load_content
from studyapp.content.sync import sync_content
from studyapp.storage import migrate
from studyapp.storage.db import create_db_engine, open_database
from studyapp.storage.models import CardState, ReviewLog
from studyapp.storage.settings import set_setting
from studyapp.tui.screens.review import ReviewScreen
from studyapp.tui.screens.stats import StatsScreen
from tests.tui.conftest import CONTENT, add_history, plain, settle


def cli(*args: str) -> tuple[int, str, str]:
    from studyapp.cli.context import CliContext

    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), CliContext(stdout=out, stderr=err))
    return code, out.getvalue(), err.getvalue()


def log_count(db) -> int:
    with db.unit_of_work() as session:
        return session.scalar(select(func.count(ReviewLog.id)))


def test_due_stats_and_decks_work_on_postgresql(pg_url):
    code, out, err = cli("--db", pg_url, "due", "--json")
    assert code == 0, err
    due = json.loads(out)
    assert due and "Traceback" not in err
    code, out, err = cli("--db", pg_url, "stats", "--json")
    assert code == 0, err
    page = json.loads(out)
    assert page["activity"]["all_time_reviews"] == 0
    assert page["outlook"]
    code, out, err = cli("--db", pg_url, "decks", "--json")
    assert code == 0 and json.loads(out)


def test_restore_moves_the_sequences_past_the_restored_ids(pg_url, postgres_cluster, tmp_path,
                                                             clock):
    source = open_database(pg_url)
    with source.unit_of_work() as session:
        sync_content(session, load_content([CONTENT]), clock.now())
    add_history(source, clock, days=5)
    source.dispose()
    backup = tmp_path / "b.json"
    assert cli("--db", pg_url, "backup", str(backup))[0] == 0
    target_url = postgres_cluster.create_database()
    code, _, err = cli("--db", target_url, "restore", str(backup))
    assert code == 0, err
    restored = open_database(target_url)
    before = log_count(restored)
    assert before > 0
    from studyapp.scheduling.service import ReviewService

    service = ReviewService(restored, clock, day_start_hour=4)
    item = service.next_card()
    service.review(item.card_id, 3)  # a new review log: its id must not collide
    assert log_count(restored) == before + 1
    restored.dispose()


def test_migrating_and_importing_on_postgresql_write_a_json_backup_and_say_where(
        postgres_cluster, tmp_path):
    url = postgres_cluster.create_database()
    engine = create_db_engine(url)
    migrate.upgrade(engine, "0001")
    with engine.begin() as conn:
        conn.execute(text("""insert into settings (key, value) values ('k', '"v"')"""))
    engine.dispose()
    code, _, err = cli("--db", url, "decks")
    assert code == 0, err
    assert "backed up the database before migrating it: " in err
    path = err.split("before migrating it: ", 1)[1].splitlines()[0].strip()
    document = json.loads(open(path, encoding="utf-8").read())
    assert document["format"] == "studyapp-backup" and document["schema_revision"] == "0001"
    assert document["tables"]["settings"] == [{"key": "k", "value": "v"}]

    csv = tmp_path / "cards.csv"
    csv.write_text("front,back\nWhat is ReLU?,max(0 x)\n", encoding="utf-8")
    code, _, err = cli("--db", url, "import", str(csv), "--deck", "Imported")
    assert code == 0, err
    assert "backed up the database before importing: " in err


async def test_study_undo_and_stats_in_the_tui_on_postgresql(pg_url, clock):
    from studyapp.tui.app import StudyApp

    db = open_database(pg_url)
    with db.unit_of_work() as session:
        sync_content(session, load_content([CONTENT]), clock.now())
        set_setting(session, "marker", 1)
    add_history(db, clock, days=10)
    start = log_count(db)
    app = StudyApp(db, clock, None, day_start_hour=4, cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("a")  # study everything due (crashed on PostgreSQL before)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        await pilot.press("space")
        await pilot.pause()
        await pilot.press("3")
        await settle(pilot)
        assert log_count(db) == start + 1
        await pilot.press("u")
        await settle(pilot)
        assert log_count(db) == start
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, StatsScreen)
        activity = plain(app.screen.query_one("#stats-activity"))
        assert "all time" in activity
    with db.unit_of_work() as session:
        assert session.scalar(select(func.count(CardState.card_id))) > 0
    db.dispose()
