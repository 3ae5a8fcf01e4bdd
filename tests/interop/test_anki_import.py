"""Importing Anki packages: genanki's and a hand-built collection with a review log."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from studyapp.errors import UserError
from studyapp.interop.anki_export import export_deck
from studyapp.interop.anki_import import import_anki, note_key
from studyapp.storage.models import STATE_NEW, STATE_REVIEW, Card, CardState, Deck, ReviewLog

from .anki_builder import BASIC_ID, CLOZE_ID, REVERSED_ID, Collection, genanki_package
from .conftest import dump


def cards_by_id(database):
    with database.unit_of_work() as session:
        return {c.content_id: c for c in session.scalars(select(Card))}


def test_genanki_package_becomes_cards(database, clock, tmp_path):
    package = genanki_package(tmp_path / "deep.apkg")
    summary = import_anki(database, package, clock.now())
    assert (summary.added, summary.updated, summary.unchanged) == (5, 0, 0)
    cards = cards_by_id(database)
    assert set(cards) == {
        "anki-relu-guid", "anki-sigmoid-guid", "anki-sigmoid-guid::reverse",
        "anki-gelu-guid::c1", "anki-gelu-guid::c2",
    }
    relu = cards["anki-relu-guid"]
    assert relu.kind == "basic" and relu.front == "What does **ReLU** compute?"
    assert relu.back == "max(0, x)\nelementwise & cheap"
    assert relu.tags == "activation basics" and relu.note_id == "anki-relu-guid"
    reverse = cards["anki-sigmoid-guid::reverse"]
    assert (reverse.front, reverse.back) == ("`1 / (1 + exp(-x))`", "sigmoid")
    assert reverse.note_id == "anki-sigmoid-guid"
    assert reverse.extra == {"reverse_of": "anki-sigmoid-guid", "anki_guid": "sigmoid-guid"}
    c2 = cards["anki-gelu-guid::c2"]
    assert c2.kind == "cloze"
    assert c2.extra["text"] == "{{c1::GELU}} weights inputs by {{c2::their percentile::a CDF}}\nunder a Gaussian"
    assert c2.extra["cloze"] == 2 and c2.extra["extra"] == "- smooth\n- used in BERT"
    assert c2.front == "GELU weights inputs by [a CDF]\nunder a Gaussian"
    assert c2.back.startswith("GELU weights inputs by **their percentile**")
    with database.unit_of_work() as session:
        parent, deck = session.scalars(select(Deck).order_by(Deck.slug)).all()
        states = session.scalars(select(CardState)).all()
    assert (deck.slug, deck.title) == ("deep-learning-activations", "Deep Learning::Activations")
    assert (parent.slug, parent.title, deck.parent_id) == ("deep-learning", "Deep Learning", parent.id)
    assert deck.source_path.startswith("import:anki:")
    assert len(states) == 5 and all(s.state == STATE_NEW for s in states)


def test_importing_twice_adds_nothing(database, clock, tmp_path):
    package = genanki_package(tmp_path / "deep.apkg")
    import_anki(database, package, clock.now())
    before = dump(database)
    clock.advance(hours=1)
    again = import_anki(database, package, clock.now())
    assert (again.added, again.updated, again.unchanged) == (0, 0, 5)
    assert dump(database) == before


def test_deck_option_puts_everything_in_one_deck(database, clock, tmp_path):
    collection = Collection()
    collection.note(1, "g1", BASIC_ID, ["a", "b"], deck=1)
    collection.note(2, "g2", BASIC_ID, ["c", "d"])
    summary = import_anki(database, collection.package(tmp_path / "c.apkg"), clock.now(), deck_name="My Import")
    assert summary.decks == ["my-import"]
    with database.unit_of_work() as session:
        assert [d.slug for d in session.scalars(select(Deck))] == ["my-import"]


def test_anki_deck_names_become_slugs(database, clock, tmp_path):
    collection = Collection()
    collection.note(1, "g1", BASIC_ID, ["a", "b"], deck=1)
    collection.note(2, "g2", BASIC_ID, ["c", "d"])
    import_anki(database, collection.package(tmp_path / "c.apkg"), clock.now())
    with database.unit_of_work() as session:
        decks = {d.slug: d.title for d in session.scalars(select(Deck))}
    assert decks == {"default": "Default", "ml-optimizers": "ML::Optimizers", "ml": "ML"}


def test_a_content_deck_slug_is_never_taken_over(synced, clock, tmp_path):
    collection = Collection(decks={"1": {"id": 1, "name": "Optim"}})
    collection.note(1, "g1", BASIC_ID, ["a", "b"], deck=1)
    path = collection.package(tmp_path / "c.apkg")
    summary = import_anki(synced, path, clock.now())
    assert summary.decks == ["optim-2"]
    assert import_anki(synced, path, clock.now()).decks == ["optim-2"]
    with pytest.raises(UserError, match="comes from the content files"):
        import_anki(synced, path, clock.now(), deck_name="optim")


def test_the_newest_collection_member_is_read(database, clock, tmp_path):
    import zstandard

    collection = Collection()
    collection.note(1, "real", BASIC_ID, ["real front", "real back"])
    path = collection.package(tmp_path / "modern.apkg", member="collection.anki21",
                              extra={"collection.anki2": b"placeholder"})
    import_anki(database, path, clock.now())
    assert set(cards_by_id(database)) == {"anki-real"}
    # a current package: the zstd-compressed collection.anki21b beside a dummy collection.anki2
    plain = collection.write(tmp_path / "c.sqlite").read_bytes()
    packed = tmp_path / "new.apkg"
    with zipfile.ZipFile(packed, "w") as archive:
        archive.writestr("collection.anki2", b"please update Anki")
        archive.writestr("collection.anki21b", zstandard.ZstdCompressor().compress(plain))
    assert import_anki(database, packed, clock.now()).unchanged == 1
    damaged = tmp_path / "damaged.apkg"
    with zipfile.ZipFile(damaged, "w") as archive:
        archive.writestr("collection.anki21b", b"\x28\xb5\x2f\xfd")
    with pytest.raises(UserError, match=r"damaged.apkg \(collection.anki21b\): not an Anki collection"):
        import_anki(database, damaged, clock.now())


def test_templates_render_sections_and_type_fields(database, clock, tmp_path):
    model = {
        "id": 77, "name": "Vocab (type answer)", "type": 0,
        "flds": [{"name": "Word", "ord": 0}, {"name": "Meaning", "ord": 1}, {"name": "Note", "ord": 2}],
        "tmpls": [{
            "name": "Card 1", "ord": 0,
            "qfmt": "{{Word}}{{#Note}}<br><i>{{Note}}</i>{{/Note}}{{type:Meaning}}",
            "afmt": "{{Word}}<hr id=answer>{{type:Meaning}}{{^Note}} (no note){{/Note}}",
        }],
    }
    collection = Collection(models=[model])
    collection.note(1, "v1", 77, ["tensor", "n-d array", "torch.Tensor"])
    collection.note(2, "v2", 77, ["scalar", "0-d tensor", ""])
    import_anki(database, collection.package(tmp_path / "v.apkg"), clock.now())
    cards = cards_by_id(database)
    assert (cards["anki-v1"].front, cards["anki-v1"].back) == ("tensor\ntorch.Tensor", "n-d array")
    assert (cards["anki-v2"].front, cards["anki-v2"].back) == ("scalar", "0-d tensor (no note)")


def test_suspended_buried_and_flagged_cards_show(database, clock, tmp_path):
    collection = Collection()
    collection.note(1, "s", BASIC_ID, ["q", "a"], queue=-1)
    collection.note(2, "b", BASIC_ID, ["q2", "a2"], queue=-3)
    collection.note(3, "f", BASIC_ID, ["q3", "a3"], tags="mine")
    collection.cards[-1] = collection.cards[-1][:16] + (1,) + collection.cards[-1][17:]  # flags = red
    import_anki(database, collection.package(tmp_path / "m.apkg"), clock.now())
    cards = cards_by_id(database)
    assert cards["anki-s"].suspended and not cards["anki-b"].suspended
    assert "anki-buried" in cards["anki-b"].tags.split()
    assert cards["anki-f"].tags.split() == ["mine", "anki-flag-red"]


# -- history --------------------------------------------------------------------------

T0 = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def history_collection():
    collection = Collection()
    (basic,) = collection.note(1, "hist", BASIC_ID, ["Q1", "A1"])
    forward, backward = collection.note(2, "rev", REVERSED_ID, ["Q2", "A2"], ords=(0, 1))
    (cloze,) = collection.note(3, "clz", CLOZE_ID, ["{{c1::x}} y", ""])
    steps = [(timedelta(0), 3, 0), (timedelta(minutes=10), 3, 0), (timedelta(days=1), 1, 1),
             (timedelta(days=1, minutes=10), 3, 2), (timedelta(days=3), 4, 1)]
    for delta, ease, kind in steps:
        collection.review(basic, ms(T0 + delta), ease, kind=kind, taken=4200)
    collection.review(basic, ms(T0 + timedelta(days=2)), 0, kind=4)  # Set due date: no review
    collection.review(forward, ms(T0) + 1, 2, kind=0)
    collection.review(cloze, ms(T0 + timedelta(hours=1)), 3, kind=0)
    return collection, basic, [(T0 + d, e) for d, e, _ in steps]


def test_history_becomes_review_logs_and_fsrs_state(database, clock, tmp_path):
    collection, _, steps = history_collection()
    path = collection.package(tmp_path / "h.apkg")
    summary = import_anki(database, path, clock.now(), with_history=True)
    assert summary.reviews == 7
    with database.unit_of_work() as session:
        card = session.scalars(select(Card).where(Card.content_id == "anki-hist")).one()
        logs = session.scalars(select(ReviewLog).where(ReviewLog.card_id == card.id)
                               .order_by(ReviewLog.reviewed_at)).all()
        state = session.get(CardState, card.id)
        untouched = session.scalars(select(Card).where(Card.content_id == "anki-rev::reverse")).one()
        assert untouched.state.state == STATE_NEW
    assert [(log.reviewed_at, log.rating) for log in logs] == steps
    assert all(log.duration_ms == 4200 and log.source == "anki" for log in logs)
    # FSRS as Anki runs it: elapsed days are day changes at 4 am (the collection's
    # rollover), so the review at +1 day 10 min is on the same Anki day as the one before it
    from fsrs_rs_python import DEFAULT_PARAMETERS, FSRS, FSRSItem, FSRSReview

    deltas = [0, 0, 1, 0, 2]
    expected = FSRS(list(DEFAULT_PARAMETERS)).historical_memory_states(
        FSRSItem([FSRSReview(rating, delta) for (_, rating), delta in zip(steps, deltas, strict=True)]))
    assert [log.stability for log in logs] == pytest.approx([m.stability for m in expected])
    assert state.state == STATE_REVIEW and state.step is None
    assert state.stability == pytest.approx(expected[-1].stability)
    assert state.difficulty == pytest.approx(expected[-1].difficulty)
    # due as Anki scheduled it: the revlog's interval (1 day) from the review's Anki day
    assert state.due == datetime(2025, 6, 5, 4, 0, tzinfo=UTC) and state.last_review == steps[-1][0]
    assert (state.reps, state.lapses) == (5, 1)
    # each log holds the state before it: the previous log's after-state
    first = logs[0]
    assert (first.prev_state, first.prev_reps, first.prev_due, first.retrievability) == (STATE_NEW, 0, None, None)
    for before, after in zip(logs, logs[1:], strict=False):
        assert after.prev_state == before.state and after.prev_stability == before.stability
        assert after.prev_difficulty == before.difficulty
        assert after.prev_last_review == before.reviewed_at
        assert after.prev_reps == before.prev_reps + 1
    assert [after.prev_due == before.due for before, after in zip(logs, logs[1:], strict=False)] == [
        True, True, True, False]
    # ...except where "Set due date" (a manual row at +2 days, interval 1) moved the due date
    assert logs[4].prev_due == datetime(2025, 6, 4, 4, 0, tzinfo=UTC)
    assert logs[2].prev_state == 2 and logs[3].prev_lapses == 1  # the lapse was from Review
    assert 0 < logs[2].retrievability <= 1
    assert state.due > steps[-1][0]  # the schedule continues after the last review


def test_history_import_is_idempotent_and_continues_later(database, clock, tmp_path):
    collection, basic, steps = history_collection()
    path = collection.package(tmp_path / "h.apkg")
    import_anki(database, path, clock.now(), with_history=True)
    before = dump(database)
    again = import_anki(database, path, clock.now(), with_history=True)
    assert again.reviews == 0 and dump(database) == before
    # studied more in Anki: only the new review comes across, continuing the state
    collection.review(basic, ms(T0 + timedelta(days=20)), 3)
    later = import_anki(database, collection.package(tmp_path / "h2.apkg"), clock.now(), with_history=True)
    assert later.reviews == 1
    with database.unit_of_work() as session:
        card = session.scalars(select(Card).where(Card.content_id == "anki-hist")).one()
        logs = session.scalars(select(ReviewLog).where(ReviewLog.card_id == card.id).order_by(ReviewLog.id)).all()
        assert len(logs) == 6 and logs[-1].prev_last_review == steps[-1][0]
        assert card.state.reps == 6


def test_without_history_the_revlog_is_ignored(database, clock, tmp_path):
    collection, _, _ = history_collection()
    summary = import_anki(database, collection.package(tmp_path / "h.apkg"), clock.now(), with_history=False)
    assert "--no-history" in summary.describe()
    with database.unit_of_work() as session:
        assert session.scalars(select(ReviewLog)).all() == []


def test_unsafe_guids_are_hashed_and_kept_for_the_export(database, clock, tmp_path):
    collection = Collection()
    collection.note(1, "a[b]::c`{", BASIC_ID, ["q", "a"])
    path = collection.package(tmp_path / "u.apkg")
    import_anki(database, path, clock.now())
    key = note_key("a[b]::c`{")
    assert key.startswith("anki-") and len(key) == 21 and key[5:].isalnum()
    assert cards_by_id(database)[key].extra == {"anki_guid": "a[b]::c`{"}
    export_deck(database, "ml-optimizers", tmp_path / "back.apkg", clock.now())
    with zipfile.ZipFile(tmp_path / "back.apkg") as archive:
        archive.extract("collection.anki2", tmp_path / "x")
    conn = sqlite3.connect(tmp_path / "x" / "collection.anki2")
    assert conn.execute("SELECT guid FROM notes").fetchall() == [("a[b]::c`{",)]
    conn.close()
    assert import_anki(database, tmp_path / "back.apkg", clock.now()).added == 0


# -- merging a history into cards studied here ----------------------------------------


def _logs(database, content_id):
    with database.unit_of_work() as session:
        card = session.scalars(select(Card).where(Card.content_id == content_id)).one()
        logs = session.scalars(select(ReviewLog).where(ReviewLog.card_id == card.id)
                               .order_by(ReviewLog.reviewed_at)).all()
        return card.id, [(log.reviewed_at, log.rating, log.source) for log in logs], card.state.reps


def test_history_after_studying_here_merges_by_time_and_loses_nothing(database, clock, tmp_path):
    from studyapp.scheduling.service import ReviewService

    collection, _, steps = history_collection()
    path = collection.package(tmp_path / "h.apkg")
    import_anki(database, path, clock.now(), with_history=False)  # a plain import first
    card_id, _, _ = _logs(database, "anki-hist")
    service = ReviewService(database, clock, day_start_hour=4, zone=UTC)
    service.review(card_id, 3)
    clock.advance(days=2)
    service.review(card_id, 2)
    ours = [(clock.now() - timedelta(days=2), 3, "manual"), (clock.now(), 2, "manual")]
    summary = import_anki(database, path, clock.now())
    assert summary.reviews == 7 and "7 reviews brought across" in summary.describe()
    _, logs, reps = _logs(database, "anki-hist")
    assert logs == [(when, rating, "anki") for when, rating in steps] + ours
    assert reps == 7
    with database.unit_of_work() as session:
        ordered = session.scalars(select(ReviewLog).where(ReviewLog.card_id == card_id)
                                  .order_by(ReviewLog.reviewed_at)).all()
        # the state chain runs through the merged log: each log starts where the one before ended
        for before, after in zip(ordered, ordered[1:], strict=False):
            assert after.prev_stability == before.stability and after.prev_reps == before.prev_reps + 1
        state = session.get(CardState, card_id)
        assert state.last_review == ours[-1][0] and state.stability == ordered[-1].stability
    before = dump(database)
    assert import_anki(database, path, clock.now()).reviews == 0 and dump(database) == before


def test_forget_in_anki_makes_the_card_new_again(database, clock, tmp_path):
    collection, basic, _ = history_collection()
    collection.review(basic, ms(T0 + timedelta(days=5)), 0, kind=4)
    collection.revlog[-1] = collection.revlog[-1][:6] + (0,) + collection.revlog[-1][7:]  # factor 0: Forget
    import_anki(database, collection.package(tmp_path / "f.apkg"), clock.now())
    with database.unit_of_work() as session:
        state = session.scalars(select(Card).where(Card.content_id == "anki-hist")).one().state
        assert (state.state, state.stability, state.due) == (STATE_NEW, None, None)


def test_reviews_dated_in_the_future_are_left_out_and_counted(database, clock, tmp_path):
    collection, basic, _ = history_collection()
    collection.review(basic, ms(clock.now() + timedelta(days=3)), 3)
    summary = import_anki(database, collection.package(tmp_path / "future.apkg"), clock.now())
    assert summary.reviews == 7
    assert "1 reviews dated in the future were left out" in summary.describe()
    with database.unit_of_work() as session:
        assert max(session.scalars(select(ReviewLog.reviewed_at))).replace(tzinfo=UTC) < clock.now()


# -- subdecks ---------------------------------------------------------------------------


SUBDECKS = {
    "1": {"id": 1, "name": "Default"},
    "10": {"id": 10, "name": "ML"},
    "11": {"id": 11, "name": "ML::Optim"},
    "12": {"id": 12, "name": "ML::Optim::Adam"},
    "13": {"id": 13, "name": "ML::Vision"},
}


def _tree_collection():
    collection = Collection(decks=SUBDECKS)
    for index, deck in enumerate((10, 11, 11, 12, 12, 12, 13)):
        collection.note(index + 1, f"t{index}", BASIC_ID, [f"q{index}", "a"], deck=deck)
    return collection


def test_subdecks_keep_their_parent_and_counts_include_them(database, clock, tmp_path):
    from studyapp.scheduling.service import ReviewService
    from studyapp.storage.queries import deck_counts

    import_anki(database, _tree_collection().package(tmp_path / "tree.apkg"), clock.now())
    with database.unit_of_work() as session:
        rows = deck_counts(session, clock.now())
    assert [(r.slug, r.parent, r.depth, r.cards) for r in rows] == [
        ("ml", None, 0, 7), ("ml-optim", "ml", 1, 5), ("ml-optim-adam", "ml-optim", 2, 3),
        ("ml-vision", "ml", 1, 1),
    ]
    service = ReviewService(database, clock, day_start_hour=4, zone=UTC)
    service_rows = service.counts("ml-optim")  # a parent's queue holds its subdecks' cards
    assert [(r.slug, r.depth) for r in service_rows] == [("ml-optim", 0), ("ml-optim-adam", 1)]
    assert sum(r.new for r in service_rows) == 5
    assert len(service.queue("ml")) == 7


def test_deck_option_rehomes_without_leaving_empty_decks(database, clock, tmp_path):
    path = _tree_collection().package(tmp_path / "tree.apkg")
    import_anki(database, path, clock.now())
    summary = import_anki(database, path, clock.now(), deck_name="Everything")
    assert "4 imported decks left empty were removed" in summary.describe()
    with database.unit_of_work() as session:
        assert session.scalars(select(Deck.slug)).all() == ["everything"]


def test_the_package_fsrs_settings_become_the_imported_decks_preset(database, clock, tmp_path):
    import json as json_module

    from studyapp.scheduling.presets import load_parameters, load_preset

    params = [0.3, 1.2, 3.1, 15.7, 7.2, 0.5, 1.5, 0.005, 1.5, 0.12, 1.0, 1.9, 0.11, 0.3, 2.3, 0.23, 2.9, 0.5,
              0.66, 0.15, 0.2]
    collection = _tree_collection()
    sqlite_path = collection.write(tmp_path / "c.sqlite")
    conn = sqlite3.connect(sqlite_path)
    decks = {key: {**deck, "conf": 5} for key, deck in SUBDECKS.items()}
    conn.execute("UPDATE col SET decks = ?, dconf = ?", (json_module.dumps(decks), json_module.dumps(
        {"5": {"id": 5, "name": "Mine", "desiredRetention": 0.85, "fsrsParams6": params}})))
    conn.commit()
    conn.close()
    with zipfile.ZipFile(tmp_path / "p.apkg", "w") as archive:
        archive.write(sqlite_path, "collection.anki21")
    import_anki(database, tmp_path / "p.apkg", clock.now())
    with database.unit_of_work() as session:
        preset = load_preset(session, "ml-optim")
        assert (preset.name, preset.desired_retention) == ("anki-5", 0.85)
        assert load_parameters(session, "anki-5").parameters == pytest.approx(params)


def test_a_scheduled_card_without_reviews_keeps_anki_schedule_when_anki_remembers_it(database, clock, tmp_path):
    """A package can hold a card's schedule but none of its reviews: a review card with
    its FSRS memory state (and last review) continues from it; without one it is new."""
    created = 1_700_000_000 - 1_700_000_000 % 86400 + 4 * 3600  # a 4 am rollover, in UTC
    collection = Collection(created=created)
    collection.note(5, "remembered", BASIC_ID, ["remembered", "yes"], ords=())
    collection.note(6, "forgotten", BASIC_ID, ["forgotten", "no"], ords=())
    memory = json.dumps({"s": 12.5, "d": 4.25, "lrt": created + 9 * 86400})
    collection.card(50, 5, 1500000000001, card_type=2, queue=2, due=20, interval=11, reps=4, data=memory)
    collection.card(60, 6, 1500000000001, card_type=2, queue=2, due=20, interval=11, reps=4)
    import_anki(database, collection.package(tmp_path / "schedule-only.apkg"), clock.now())
    with database.unit_of_work() as session:
        states = {c.content_id: c.state for c in session.scalars(select(Card))}
        remembered, forgotten = states["anki-remembered"], states["anki-forgotten"]
        assert (remembered.state, remembered.stability, remembered.difficulty) == (STATE_REVIEW, 12.5, 4.25)
        assert remembered.due.replace(tzinfo=UTC) == datetime.fromtimestamp(created + 20 * 86400, UTC)
        assert forgotten.state == STATE_NEW
