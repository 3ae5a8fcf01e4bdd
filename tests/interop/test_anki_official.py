"""Packages written by the official Anki library, studied with FSRS over simulated days:
studyapp's import against what Anki itself reports (text, decks, FSRS state, due list)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from fsrs import Rating
from sqlalchemy import select

from studyapp.clock import as_utc
from studyapp.interop.anki_import import import_anki, note_key
from studyapp.interop.anki_read import field_text, read_package
from studyapp.interop.history import AnkiDays, memory_states
from studyapp.scheduling.presets import load_preset
from studyapp.scheduling.transition import to_fsrs_card
from studyapp.storage.db import open_database
from studyapp.storage.models import STATE_LEARNING, STATE_NEW, STATE_RELEARNING, Card, Deck

pytest.importorskip("anki")

from .anki_official import (  # noqa: E402
    LEARN_STEPS,
    PNG,
    RELEARN_STEPS,
    AnkiTruth,
    LearningTruth,
    build,
    build_learning,
)


@pytest.fixture(scope="module")
def truth(tmp_path_factory) -> AnkiTruth:
    return build(tmp_path_factory.mktemp("anki-official"), days=35)


@pytest.fixture(scope="module")
def learning(tmp_path_factory) -> LearningTruth:
    return build_learning(tmp_path_factory.mktemp("anki-learning"))


def _import(tmp_path, package, **options):
    database = open_database(f"sqlite:///{tmp_path / 'study.db'}")
    now = datetime.now(UTC)
    summary = import_anki(database, package, now, **options)
    with database.unit_of_work() as session:
        cards = {c.content_id: c for c in session.scalars(select(Card))}
        for card in cards.values():
            session.expunge(card.state)
            session.expunge(card)
    return summary, cards, now


def _content_ids(package) -> dict[int, str]:
    """Anki card id -> studyapp content id."""
    return {c.anki_id: note_key(c.guid) + c.suffix for c in read_package(package).cards}


def _within(ours: float, anki: float, tolerance: float = 0.02) -> bool:
    return abs(ours / anki - 1) <= tolerance


@pytest.mark.parametrize("which", ["apkg", "legacy_apkg", "colpkg"])
def test_every_package_format_gives_the_same_cards(truth, tmp_path, which):
    package = getattr(truth, which)
    summary, cards, _ = _import(tmp_path, package)
    reviewed = [c for c in truth.cards.values() if c["reps"]]
    assert summary.added == len(truth.cards) - truth.image_occlusion_cards == len(cards)
    assert summary.reviews > len(reviewed)  # history by default
    assert f"; {summary.reviews} reviews brought across" in summary.describe()
    assert "'Image Occlusion' (Image Occlusion) were not imported" in summary.describe()
    texts = {(c.front, c.back) for c in cards.values()}
    assert ("[...] in a day", "**Rome wasn't built** in a day") in texts
    assert ("Rome [...] built in a day", "Rome **wasn't** built in a day") in texts
    assert ("**Python** uses [layout]", "**Python** uses **indentation**") in texts
    assert ("**[...]** uses indentation", "**Python** uses indentation") in texts  # bold, as in Anki


def test_fsrs_state_and_due_list_match_anki(truth, tmp_path):
    _, cards, now = _import(tmp_path, truth.apkg)
    ids = _content_ids(truth.apkg)
    reviewed = {cid: facts for cid, facts in truth.cards.items() if facts["computed"] and cid in ids}
    assert len(reviewed) >= 40
    agree = sum(
        _within(cards[ids[cid]].state.stability, facts["stored"][0]) for cid, facts in reviewed.items()
    )
    assert agree >= 0.95 * len(reviewed)
    assert len(truth.due_today) >= 3  # the comparison means something
    days = AnkiDays(read_package(truth.apkg).rollover_phase)
    today_end = days.start(now) + timedelta(days=1)
    ours = {
        content_id for content_id, card in cards.items()
        if card.state.state != STATE_NEW and card.state.due is not None
        and card.state.due.replace(tzinfo=UTC) < today_end
        and not card.suspended and "anki-buried" not in card.tags.split()
    }
    assert ours == {ids[cid] for cid in truth.due_today if cid in ids}  # (Image Occlusion is not imported)


def test_replay_alone_matches_anki_stability(truth):
    """Without the stored memory state: the revlog replayed with Anki's day counting."""
    package = read_package(truth.apkg)
    days = AnkiDays(package.rollover_phase)
    agree = total = crossings = 0
    ratios = []
    for card in package.cards:
        facts = truth.cards[card.anki_id]
        if not facts["computed"]:
            continue
        states = [s for s in memory_states(card.reviews, days, package.settings_for(card).parameters) if s]
        moments = [r.reviewed_at for r in card.reviews if r.graded]
        crossings += sum(
            days.elapsed(a, b) != (b - a) // timedelta(days=1) for a, b in zip(moments, moments[1:], strict=False)
        )
        total += 1
        ratios.append(states[-1][0] / facts["computed"][0])
        agree += _within(states[-1][0], facts["computed"][0])
    assert total >= 40 and agree >= 0.95 * total, sorted(ratios)[:5]
    assert crossings >= 20  # many gaps where Anki's days differ from 24-hour periods


def _as_text(rendered: str) -> str:
    """Anki's rendered card (Card.question()/answer()) as studyapp text: no style block,
    no type-in box."""
    rendered = re.sub(r"(?s)<style>.*?</style>", "", rendered)
    return field_text(re.sub(r"\s*\[\[type:[^\]]+\]\]", "", rendered))


def test_questions_read_as_anki_renders_them(truth):
    package = read_package(truth.apkg)
    compared = 0
    for card in package.cards:
        facts = truth.cards[card.anki_id]
        if "[anki:play" in facts["answer"] or "latex" in facts["answer"].lower():
            continue  # Anki renders sounds and LaTeX as players and images
        assert card.front == _as_text(facts["question"])
        # Anki colours a revealed deletion (studyapp bolds it) and compares a typed answer
        # in the browser (studyapp shows the expected answer)
        if card.kind != "cloze" and "[[type:" not in facts["answer"]:
            assert card.back == _as_text(re.split(r"<hr id=answer>", facts["answer"])[-1])
        compared += 1
    assert compared >= len(package.cards) - 2
    by_front = {c.front: c for c in package.cards}
    assert by_front["See the docs (https://pytorch.org/docs)"].back == "ok"
    assert by_front["What is this? [image: relu.png]"].back == "ReLU [sound: hello.mp3]"
    assert by_front["Adam beta2?"].back == "0.999"
    # a note type with three templates: the third only where its conditional field is filled
    three = [c for c in package.cards if c.suffix.startswith("::t")]
    assert sorted((c.front, c.suffix) for c in three) == [
        ("Extra: 2014", "::t3"), ("adaptive moments?", "::t2"), ("plain steps?", "::t2")]


def test_media_are_stored_by_name_once_and_travel_with_backups(truth, tmp_path):
    from studyapp.interop.json_backup import restore_backup, write_backup
    from studyapp.interop.media import media_dir_for

    db_url = f"sqlite:///{tmp_path / 'study.db'}"
    media = media_dir_for(db_url)
    database = open_database(db_url)
    now = datetime.now(UTC)
    for package in (truth.apkg, truth.legacy_apkg):  # the two formats store media differently
        summary = import_anki(database, package, now, media_dir=media)
        assert "2 media files (images, sounds) kept in" in summary.describe()
    assert sorted(p.name for p in media.iterdir()) == ["hello.mp3", "relu.png"]
    assert (media / "relu.png").read_bytes() == PNG
    # another package's different relu.png: stored beside it, and its cards name the new file
    from .anki_builder import BASIC_ID, Collection

    other = Collection()
    other.note(1, "img", BASIC_ID, ['<img src="relu.png">', "other"])
    summary = import_anki(database, other.package(tmp_path / "o.apkg", media={"relu.png": b"GIF89a"}), now,
                          media_dir=media)
    renamed = [p.name for p in media.iterdir() if p.name.startswith("relu-")]
    assert len(renamed) == 1 and (media / renamed[0]).read_bytes() == b"GIF89a"
    with database.unit_of_work() as session:
        assert session.scalars(select(Card.front).where(Card.content_id == "anki-img")).one() == \
            f"[image: {renamed[0]}]"
    counts = write_backup(database, tmp_path / "b.json", now, media)
    assert counts["media files"] == 3
    restored_url = f"sqlite:///{tmp_path / 'other' / 'restored.db'}"
    (tmp_path / "other").mkdir()
    counts = restore_backup(open_database(restored_url), tmp_path / "b.json", media_dir_for(restored_url))
    assert counts["media files"] == 3
    assert (media_dir_for(restored_url) / "hello.mp3").read_bytes() == (media / "hello.mp3").read_bytes()


def test_export_with_history_lets_anki_continue_the_schedule(truth, tmp_path):
    """Anki -> studyapp -> Anki: the second Anki sees the same reviews, due days and state."""
    from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

    from studyapp.interop.anki_export import export_deck

    db_url = f"sqlite:///{tmp_path / 'study.db'}"
    database = open_database(db_url)
    now = datetime.now(UTC)
    import_anki(database, truth.apkg, now)
    summary = export_deck(database, "dl-optim", tmp_path / "back.apkg", now, with_history=True)
    assert summary.reviews and f"{summary.reviews} reviews" in summary.describe()
    with database.unit_of_work() as session:
        ours = {c.content_id: (c.state.state, c.state.stability) for c in session.scalars(
            select(Card).where(Card.deck.has(Deck.slug.in_(["dl-optim", "dl-optim-adam"]))))}
    (tmp_path / "fresh").mkdir()
    col = Collection(str(tmp_path / "fresh" / "collection.anki2"))
    try:
        col.import_anki_package(ImportAnkiPackageRequest(
            package_path=str(tmp_path / "back.apkg"),
            options=ImportAnkiPackageOptions(with_scheduling=True)))
        cids = col.find_cards("")
        assert len(cids) == len(ours) == summary.cards  # the deck with its subdeck, as Anki exports
        assert {"DL::Optim", "DL::Optim::Adam"} <= {d.name for d in col.decks.all_names_and_ids()}
        assert col.db.scalar("SELECT count() FROM revlog") == summary.reviews
        reviewed = [col.get_card(cid) for cid in cids if col.get_card(cid).type == 2]
        assert len(reviewed) == sum(1 for state, _ in ours.values() if state == 2)
        stabilities = sorted(c.memory_state.stability for c in reviewed if c.memory_state)
        assert stabilities == pytest.approx(sorted(s for state, s in ours.values() if state == 2), rel=1e-4)
        # review cards due today: the same as in the source collection (learning cards
        # due in minutes move on with the clock between the two checks)
        source_due = {truth.cards[cid]["nid"] for cid in truth.due_today if truth.cards[cid]["queue"] == 2}
        back_due = {col.get_card(cid).note().guid for cid in col.find_cards("is:due") if col.get_card(cid).queue == 2}
        assert back_due == {truth.guids[nid] for nid in source_due} & {
            col.get_card(cid).note().guid for cid in cids}
    finally:
        col.close()


def test_a_three_template_note_type_goes_back_as_one_note_type(truth, tmp_path):
    import sqlite3
    import zipfile

    from studyapp.interop.anki_export import export_deck

    database = open_database(f"sqlite:///{tmp_path / 'study.db'}")
    now = datetime.now(UTC)
    import_anki(database, truth.apkg, now)
    export_deck(database, "dl-optim", tmp_path / "back.apkg", now)
    with zipfile.ZipFile(tmp_path / "back.apkg") as archive:
        archive.extract("collection.anki2", tmp_path / "x")
    conn = sqlite3.connect(tmp_path / "x" / "collection.anki2")
    models = {int(k): m for k, m in json.loads(conn.execute("SELECT models FROM col").fetchone()[0]).items()}
    three = [m for m in models.values() if m["name"] == "Three ways"]
    assert len(three) == 1 and [t["name"] for t in three[0]["tmpls"]] == ["Card 1", "Card 2", "Card 3"]
    notes = conn.execute("SELECT id, flds FROM notes WHERE mid = ?", (three[0]["id"],)).fetchall()
    cards = conn.execute("SELECT ord FROM cards WHERE nid IN (SELECT id FROM notes WHERE mid = ?) ORDER BY ord",
                         (three[0]["id"],)).fetchall()
    conn.close()
    assert sorted(f.split("\x1f")[0] for _, f in notes) == ["Adam", "SGD"]
    assert [o for (o,) in cards] == [0, 0, 1, 1, 2]  # SGD has no third card (its Extra is empty)
    # and back again: the same cards, nothing added
    assert import_anki(database, tmp_path / "back.apkg", now).added == 0


@pytest.mark.parametrize("which", ["apkg", "legacy_apkg", "no_revlog_apkg"])
def test_cards_mid_learning_continue_at_their_anki_step(learning, tmp_path, which):
    """Anki's `left` says how many steps remain; the card comes in at the same step, due
    when Anki has it due, with or without its review log in the package, and its next
    Good moves it on to the next of the deck's own steps."""
    _, cards, now = _import(tmp_path, getattr(learning, which))
    by_label = {card.front.split()[0]: card for card in cards.values()}
    expected = {"learn2": (STATE_LEARNING, 2), "learn1": (STATE_LEARNING, 1),
                "relearn1": (STATE_RELEARNING, 1)}
    for label, (state, step) in expected.items():
        anki = learning.cards[label]
        steps = LEARN_STEPS if anki["type"] == 1 else RELEARN_STEPS
        assert step == len(steps) - anki["left"] % 1000  # what Anki's own rule gives
        card = by_label[label]
        assert (card.state.state, card.state.step) == (state, step), label
        assert as_utc(card.state.due) == datetime.fromtimestamp(anki["due"], UTC)
    assert by_label["new"].state.state == STATE_NEW
    database = open_database(f"sqlite:///{tmp_path / 'study.db'}")
    with database.unit_of_work() as session:
        preset = load_preset(session, "steps-inner")
    learner = by_label["learn1"]
    after, _ = preset.scheduler().review_card(to_fsrs_card(learner.id, learner.state, now),
                                              Rating.Good, now)
    assert (after.step, after.due - now) == (2, timedelta(hours=1))  # Anki's third step


@pytest.mark.parametrize("which", ["apkg", "legacy_apkg"])
def test_the_decks_anki_options_become_its_preset(learning, tmp_path, which):
    _import(tmp_path, getattr(learning, which))
    database = open_database(f"sqlite:///{tmp_path / 'study.db'}")
    with database.unit_of_work() as session:
        preset = load_preset(session, "steps-inner")
        parent = load_preset(session, "steps")
    assert preset.name == f"anki-{learning.options['id']}"
    assert preset.desired_retention == 0.85
    assert preset.learning_steps == tuple(timedelta(minutes=m) for m in LEARN_STEPS)
    assert preset.relearning_steps == tuple(timedelta(minutes=m) for m in RELEARN_STEPS)
    assert (preset.new_per_day, preset.reviews_per_day) == (5, 50)  # the deck's own limits
    assert (preset.maximum_interval, preset.leech_threshold, preset.leech_suspend) == (400, 5, True)
    assert parent.name == "default"  # a deck with no cards of its own keeps the defaults
