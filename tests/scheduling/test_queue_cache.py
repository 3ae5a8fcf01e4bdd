"""The service keeps what it built between calls; any write it did not make itself rebuilds it."""

from datetime import UTC

import pytest
from sqlalchemy import update

from studyapp.content.loader import load_content
from studyapp.content.sync import sync_content
from studyapp.scheduling.service import ReviewService
from studyapp.storage.db import open_database
from studyapp.storage.models import Card
from tests.scheduling.conftest import curriculum_files, set_preset, write_root


def fresh(database, clock):
    return ReviewService(database, clock, day_start_hour=4, zone=UTC)


def same_as_fresh(service):
    other = fresh(service.database, service.clock)
    assert service.counts() == other.counts()
    assert [i.card_id for i in service.queue()] == [i.card_id for i in other.queue()]
    assert service.next_card() == other.next_card()


def test_own_reviews_patch_the_snapshot_instead_of_rebuilding(service, curriculum, clock):
    service.counts()
    assert service._cache.builds == 1
    for _ in range(12):
        item = service.next_card()
        service.review(item.card_id, 4)
        clock.advance(seconds=20)
        same_as_fresh(service)
    assert service._cache.builds == 1
    service.undo()  # anything else: rebuilt
    same_as_fresh(service)
    assert service._cache.builds == 2


def test_writes_by_others_are_seen(service, curriculum, clock, database, tmp_path):
    before = service.counts()
    with database.unit_of_work() as session:  # e.g. the card browser suspends a card
        session.execute(update(Card).where(Card.content_id == "sgd-1").values(suspended=True))
    assert "sgd-1" not in [i.content_id for i in service.queue()]
    set_preset(database, "big", new_per_day=3)  # the settings screen
    assert {c.slug: c.new for c in service.counts()}["big"] == 3
    fresh(database, clock).review(service.next_card().card_id, 3)  # another session reviews
    same_as_fresh(service)
    files = curriculum_files(big=45)  # a sync adds cards
    with database.unit_of_work() as session:
        sync_content(session, load_content([write_root(tmp_path / "v2", files)]), clock.now())
    set_preset(database, "big", new_per_day=50)
    assert "big-45" in [i.content_id for i in service.queue()]
    assert service.counts() != before
    same_as_fresh(service)


@pytest.mark.parametrize("writer", ["other connection", "same engine"])
def test_file_database_other_connections(tmp_path, clock, writer):
    url = f"sqlite:///{tmp_path / 'study.db'}"
    db1 = open_database(url)
    with db1.unit_of_work() as session:
        sync_content(session, load_content([write_root(tmp_path, curriculum_files())]), clock.now())
    db2 = open_database(url) if writer == "other connection" else db1
    try:
        service = fresh(db1, clock)
        first = service.next_card()
        with db2.unit_of_work() as session:
            session.execute(update(Card).where(Card.id == first.card_id).values(suspended=True))
        assert service.next_card().card_id != first.card_id
        fresh(db2, clock).review(service.next_card().card_id, 4)
        same_as_fresh(service)
    finally:
        db1.dispose()
        if db2 is not db1:
            db2.dispose()


def test_a_new_day_rebuilds(service, curriculum, clock):
    service.counts()
    clock.advance(days=1)
    service.counts()
    assert service._cache.builds == 2
