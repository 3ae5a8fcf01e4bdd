"""Images on cards: drawn inline under the question (textual-image, imported only when a
card with an image is shown), a clear line for a file that is not there, and `m` still
opening the file with the system viewer."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from studyapp.interop.anki_import import import_anki
from studyapp.interop.media import media_dir_for
from studyapp.storage.db import open_database
from studyapp.tui.screens.review import ReviewScreen
from studyapp.tui.widgets.card_image import CardImages, guess_renderer, image_names
from tests.interop.anki_builder import BASIC_ID, Collection
from tests.tui.conftest import plain, settle
from tests.tui.test_startup import imported_after

SHADES = set("█▓▒░")


def gradient_png() -> bytes:
    from PIL import Image

    picture = Image.new("L", (16, 16))
    picture.putdata([(x * 16 + y) % 256 for x in range(16) for y in range(16)])
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def image_db(tmp_path, clock):
    """A file database (its media folder beside it) with two imported cards: one whose
    image is stored, one naming a file the package did not hold."""
    url = f"sqlite:///{tmp_path / 'study.db'}"
    collection = Collection()
    collection.note(1, "with-image", BASIC_ID, ['What is this? <img src="ramp.png">', "A ramp"])
    collection.note(2, "image-gone", BASIC_ID, ['And this? <img src="gone.png">', "Nothing"])
    package = collection.package(tmp_path / "images.apkg", media={"ramp.png": gradient_png()})
    database = open_database(url)
    import_anki(database, package, clock.now(), media_dir=media_dir_for(url))
    yield database
    database.dispose()


def drawn(widget) -> str:
    console = Console(width=80, record=True, file=io.StringIO())
    console.print(widget.render())
    return console.export_text()


async def test_an_image_card_draws_its_image_and_a_missing_file_shows_a_line(make_app, image_db, monkeypatch):
    monkeypatch.delenv("STUDYAPP_IMAGES", raising=False)
    app = make_app(database=image_db)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        app.study()
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        assert "[image: ramp.png]" in screen.query_one("#front").source  # the action's name stays
        assert screen.check_action("open_media", ()) is True
        images = screen.query_one("#card-images", CardImages)
        assert images.display
        (picture,) = images.children
        # no graphics under the test driver: textual-image's fallback draws grey shades
        assert type(picture).__name__ == "UnicodeImage"
        assert picture.region.height == 12
        assert set(drawn(picture)) & SHADES

        await pilot.press("space", "4")
        await settle(pilot)
        assert "[image: gone.png]" in screen.query_one("#front").source
        (line,) = images.children
        assert "[image: gone.png] is missing: no such file in" in plain(line)
        assert str(media_dir_for(str(image_db.engine.url))) in plain(line)

        await pilot.press("space", "4")  # Easy: the last card: the summary shows no image
        await settle(pilot)
        assert not images.display


def test_the_renderer_follows_the_terminal_and_the_setting():
    assert guess_renderer({}, terminal=False) == "unicode"
    assert guess_renderer({"STUDYAPP_IMAGES": "tgp"}, terminal=False) == "unicode"  # never raw graphics off a tty
    assert guess_renderer({"TERM": "xterm-kitty"}, terminal=True) == "tgp"
    assert guess_renderer({"TERM_PROGRAM": "WezTerm"}, terminal=True) == "sixel"
    assert guess_renderer({"TERM": "xterm-256color"}, terminal=True) == "halfcell"
    assert guess_renderer({"TERM": "xterm-kitty", "STUDYAPP_IMAGES": "off"}, terminal=True) is None
    assert image_names("[image: a.png] x [sound: b.mp3] [image: a.png] [image: c d.jpg]") == ["a.png", "c d.jpg"]


def test_the_review_screen_loads_no_image_library_until_an_image_is_shown():
    loaded = imported_after("import studyapp.tui.screens.review")
    assert not {"textual_image", "PIL"} & loaded
