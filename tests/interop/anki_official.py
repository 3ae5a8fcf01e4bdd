"""Real Anki collections, built and studied with the official `anki` library (a dev
dependency, AGPL: tests only), and what Anki itself reports about them.

The collection is studied over simulated days with FSRS on: each day the due cards are
answered (ratings drawn from a seeded generator), then the whole collection is moved a
14 to 34 hours into the past (review ids, learning due times, the last-review time in
each card's data; the creation time by whole days, so Anki's day count follows), so the
next session comes later, at another time of day. On the way a few
cards are forgotten, given a due date, suspended, buried and flagged.
"""

from __future__ import annotations

import json
import random
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

ROLLOVER_SECONDS = 4 * 3600  # 4 am; the builder runs with TZ=UTC
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f"
       b"\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


@dataclass
class AnkiTruth:
    """Packages of one collection, and what Anki says about it."""

    apkg: Path  # current format (collection.anki21b)
    legacy_apkg: Path  # "Support older Anki versions" (collection.anki21)
    colpkg: Path
    cards: dict[int, dict] = field(default_factory=dict)  # card id -> facts
    due_today: set[int] = field(default_factory=set)
    decks: dict[str, int] = field(default_factory=dict)  # deck name -> cards in it and below
    guids: dict[int, str] = field(default_factory=dict)  # note id -> guid
    image_occlusion_cards: int = 0


def _move_into_the_past(path: Path, seconds: int, crt: int) -> None:
    """Time passes: every stored moment goes `seconds` back; `crt` keeps Anki's day count."""
    conn = sqlite3.connect(path)
    conn.execute("UPDATE col SET crt = ?", (crt,))
    conn.execute("UPDATE revlog SET id = -id")
    conn.execute("UPDATE revlog SET id = -id - ?", (seconds * 1000,))
    conn.execute("UPDATE cards SET due = due - ? WHERE queue IN (1, 4)", (seconds,))
    conn.execute("UPDATE cards SET mod = mod - ?", (seconds,))
    conn.execute("UPDATE notes SET mod = mod - ?", (seconds,))
    for cid, data in conn.execute("SELECT id, data FROM cards WHERE data LIKE '%lrt%'").fetchall():
        value = json.loads(data)
        value["lrt"] -= seconds
        conn.execute("UPDATE cards SET data = ? WHERE id = ?", (json.dumps(value), cid))
    conn.commit()
    conn.close()


def _anki_day(moment: float) -> int:
    return int((moment - ROLLOVER_SECONDS) // 86400)


def _add_notes(col) -> dict[str, list[int]]:
    """Every kind of note the issue lists; returns note ids by label."""
    made: dict[str, list[int]] = {}
    decks = {name: col.decks.id(name) for name in ("DL", "DL::Optim", "DL::Optim::Adam", "DL::Vision")}
    col.media.write_data("relu.png", PNG)
    col.media.write_data("hello.mp3", b"ID3fake-sound")

    def add(label, model_name, values, deck, tags=()):
        model = col.models.by_name(model_name)
        note = col.new_note(model)
        for name, value in values.items():
            note[name] = value
        note.tags = list(tags)
        col.add_note(note, decks[deck])
        made.setdefault(label, []).append(note.id)
        return note

    for i in range(40):
        add("basic", "Basic", {"Front": f"Basic question {i}", "Back": f"answer {i}"},
            ["DL", "DL::Optim", "DL::Optim::Adam", "DL::Vision"][i % 4], tags=["basic"])
    add("reversed", "Basic (and reversed card)", {"Front": "sigmoid", "Back": "1 / (1 + e<sup>-x</sup>)"}, "DL")
    add("optional", "Basic (optional reversed card)", {"Front": "tanh", "Back": "odd", "Add Reverse": "y"}, "DL")
    add("type", "Basic (type in the answer)", {"Front": "Adam beta2?", "Back": "0.999"}, "DL::Optim::Adam")
    add("cloze", "Cloze", {"Text": "{{c1::Rome {{c2::wasn't}} built}} in a day"}, "DL")
    add("cloze", "Cloze", {"Text": "<b>{{c1::Python}}</b> uses {{c2::indentation::layout}}"}, "DL")
    add("media", "Basic", {"Front": 'What is this? <img src="relu.png">', "Back": "ReLU [sound:hello.mp3]"},
        "DL::Vision")
    add("math", "Basic", {"Front": r"Derivative of \(x^2\)?", "Back": r"[$]2x[/$]"}, "DL")
    add("link", "Basic", {"Front": 'See <a href="https://pytorch.org/docs">the docs</a>', "Back": "ok"}, "DL")
    three = col.models.copy(col.models.by_name("Basic"))
    three["name"] = "Three ways"
    col.models.add_field(three, col.models.new_field("Extra"))
    for index, (question, answer) in enumerate(
        [("{{Back}}?", "{{Front}}"), ("{{#Extra}}Extra: {{Extra}}{{/Extra}}", "{{Front}} / {{Back}}")]
    ):
        template = col.models.new_template(f"Card {index + 2}")
        template["qfmt"], template["afmt"] = question, "{{FrontSide}}<hr id=answer>" + answer
        col.models.add_template(three, template)
    col.models.update_dict(three)
    add("three", "Three ways", {"Front": "Adam", "Back": "adaptive moments", "Extra": "2014"}, "DL::Optim")
    add("three", "Three ways", {"Front": "SGD", "Back": "plain steps", "Extra": ""}, "DL::Optim")
    col.add_image_occlusion_notetype()
    io_model = col.models.by_name("Image Occlusion")
    note = col.new_note(io_model)
    note["Image"] = '<img src="relu.png">'
    note["Occlusion"] = "{{c1::image-occlusion:rect:left=.1:top=.1:width=.2:height=.2:oi=1}}"
    col.add_note(note, decks["DL::Vision"])
    made["io"] = [note.id]
    return made


def build(root: Path, *, days: int = 30, seed: int = 7) -> AnkiTruth:
    from anki.collection import Collection, ExportAnkiPackageOptions

    root.mkdir(parents=True, exist_ok=True)
    path = root / "collection.anki2"
    col = Collection(str(path))
    col.set_config("fsrs", True)
    made = _add_notes(col)
    col.close()
    rng = random.Random(seed)
    conn = sqlite3.connect(path)
    created = int(conn.execute("SELECT crt FROM col").fetchone()[0])
    conn.close()
    elapsed = 0
    for day in range(days):
        if day < days - 5:  # the last days pass unstudied: cards are due when it is exported
            col = Collection(str(path))
            _study_one_day(col, rng, day, made)
            col.close()
        # the next session comes 14 to 34 hours later, at another time of day: some
        # gaps under 24 hours cross the 4 am rollover (a new day for Anki)
        gap = rng.randint(14 * 3600, 34 * 3600)
        elapsed += gap
        now = time.time()
        _move_into_the_past(path, gap, created - 86400 * (_anki_day(now + elapsed) - _anki_day(now)))
    col = Collection(str(path))
    truth = AnkiTruth(apkg=root / "deck.apkg", legacy_apkg=root / "legacy.apkg", colpkg=root / "all.colpkg")
    _record(col, truth, made)
    for out, legacy in ((truth.apkg, False), (truth.legacy_apkg, True)):
        col.export_anki_package(
            out_path=str(out),
            options=ExportAnkiPackageOptions(with_scheduling=True, with_deck_configs=True, with_media=True,
                                             legacy=legacy),
            limit=None,
        )
    col.export_collection_package(str(truth.colpkg), include_media=True, legacy=False)
    col.close()
    return truth


def _study_one_day(col, rng: random.Random, day: int, made: dict[str, list[int]]) -> None:
    if day == 12:
        forgotten = col.find_cards(f"nid:{made['basic'][0]}")
        col.sched.schedule_cards_as_new(forgotten, restore_position=True, reset_counts=False)
    if day == 15:
        col.sched.set_due_date(col.find_cards(f"nid:{made['basic'][1]}"), "3")
    col.decks.select(col.decks.id("DL"))  # study the whole tree
    for _ in range(400):
        card = col.sched.getCard()
        if card is None:
            break
        rating = rng.choices((1, 2, 3, 4), weights=(12, 10, 65, 13))[0]
        col.sched.answerCard(card, rating)


def _record(col, truth: AnkiTruth, made: dict[str, list[int]]) -> None:
    col.sched.suspend_cards(col.find_cards(f"nid:{made['basic'][2]}"))
    col.sched.bury_cards(col.find_cards(f"nid:{made['basic'][3]}"))
    col.set_user_flag_for_cards(1, col.find_cards(f"nid:{made['basic'][4]}"))
    # The memory state stored at answer time was computed in the frame of that session;
    # moving time by partial days shifts the day boundaries under the older reviews, so
    # have Anki recompute every card's state from its review log in the final frame (as
    # it does when FSRS options are saved).
    for cid in col.find_cards("-is:new"):
        computed = col._backend.compute_memory_state(cid)
        if computed.HasField("state"):
            card = col.get_card(cid)
            card.memory_state = computed.state
            col.update_card(card)
    truth.due_today = set(col.find_cards("is:due -is:suspended -is:buried"))
    truth.image_occlusion_cards = len(col.find_cards(f"nid:{made['io'][0]}"))
    for name_id in col.decks.all_names_and_ids():
        truth.decks[name_id.name] = len(col.find_cards(f'"deck:{name_id.name}"'))
    for cid in col.find_cards(""):
        card = col.get_card(cid)
        computed = col._backend.compute_memory_state(cid)
        truth.cards[cid] = {
            "nid": card.nid, "ord": card.ord, "type": card.type, "queue": card.queue,
            "reps": card.reps, "stored": (card.memory_state.stability, card.memory_state.difficulty)
            if card.memory_state else None,
            "computed": (computed.state.stability, computed.state.difficulty)
            if computed.HasField("state") else None,
            "question": card.question(), "answer": card.answer(),
        }
        truth.guids[card.nid] = col.get_note(card.nid).guid


@dataclass
class LearningTruth:
    """A small collection with cards stopped mid-way through their (re)learning steps, and
    a deck options preset of its own (and deck-level limits), as Anki reports them."""

    apkg: Path  # current format, with the review log
    legacy_apkg: Path
    no_revlog_apkg: Path  # the same cards, the review log left out
    cards: dict[str, dict] = field(default_factory=dict)  # label -> type, queue, left, due, step
    options: dict = field(default_factory=dict)  # the deck's options preset (legacy JSON form)


LEARN_STEPS = [1.0, 10.0, 60.0, 1440.0]  # minutes
RELEARN_STEPS = [10.0, 60.0, 180.0]


def _learning_options(col, deck_id: int) -> dict:
    options = col.decks.add_config_returning_id("Slow learner")
    config = col.decks.get_config(options)
    config["new"]["delays"], config["lapse"]["delays"] = LEARN_STEPS, RELEARN_STEPS
    config["new"]["perDay"], config["rev"]["perDay"], config["rev"]["maxIvl"] = 7, 70, 400
    config["lapse"]["leechFails"], config["lapse"]["leechAction"] = 5, 0  # suspend
    config["desiredRetention"] = 0.85
    col.decks.update_config(config)
    deck = col.decks.get(deck_id)
    deck["conf"] = options
    deck["reviewLimit"], deck["newLimit"] = 50, 5  # this deck's own limits, over the preset's
    col.decks.save(deck)
    return col.decks.get_config(options)


def build_learning(root: Path) -> LearningTruth:
    """Cards answered so they stop at a known learning step: "learn2" two steps in (Good,
    Good), "learn1" one step in, "relearn1" one relearning step in after a lapse."""
    from anki.collection import Collection, ExportAnkiPackageOptions

    root.mkdir(parents=True, exist_ok=True)
    col = Collection(str(root / "learning.anki2"))
    col.set_config("fsrs", True)
    deck_id = col.decks.id("Steps::Inner")
    truth = LearningTruth(apkg=root / "steps.apkg", legacy_apkg=root / "steps-legacy.apkg",
                          no_revlog_apkg=root / "steps-no-revlog.apkg")
    truth.options = _learning_options(col, deck_id)
    ratings = {"learn2": [3, 3], "learn1": [3], "relearn1": [4, "due", 1, 3], "new": []}
    ids = {}
    for label, answers in ratings.items():
        note = col.new_note(col.models.by_name("Basic"))
        note["Front"], note["Back"] = f"{label} question", f"{label} answer"
        col.add_note(note, deck_id)
        ids[label] = cid = note.card_ids()[0]
        for answer in answers:
            if answer == "due":
                col.sched.set_due_date([cid], "0")
                continue
            card = col.get_card(cid)
            card.start_timer()
            col.sched.answerCard(card, answer)
    for label, cid in ids.items():
        card = col.get_card(cid)
        truth.cards[label] = {"type": card.type, "queue": card.queue, "left": card.left, "due": card.due}
    options = ExportAnkiPackageOptions(with_scheduling=True, with_deck_configs=True, with_media=True)
    col.export_anki_package(out_path=str(truth.apkg), options=options, limit=None)
    options.legacy = True
    col.export_anki_package(out_path=str(truth.legacy_apkg), options=options, limit=None)
    col.db.execute("DELETE FROM revlog")
    options.legacy = False
    col.export_anki_package(out_path=str(truth.no_revlog_apkg), options=options, limit=None)
    col.close()
    return truth
