"""Choice cards: options shuffled per card and review (stable for one showing), pinned
options kept in place, number keys pick what is shown, and the deck bias check."""

from __future__ import annotations

from studyapp.content.decks import Problems, parse_deck
from studyapp.study.choices import option_bias, shown_options
from studyapp.tui.screens.review import ReviewScreen
from studyapp.tui.widgets.choice_options import ChoiceOptions
from tests.tui.conftest import settle

OPTIONS = [{"text": t, "correct": t == "a"} for t in "abcde"]


def order(card_id: int, reps: int, options=OPTIONS) -> list[str]:
    return [o["text"] for o in shown_options(options, card_id, reps)]


def test_the_order_is_stable_for_one_showing_and_varies_across_cards_and_reviews():
    assert order(7, 0) == order(7, 0)
    assert len({tuple(order(card, 0)) for card in range(20)}) > 5
    assert len({tuple(order(7, reps)) for reps in range(20)}) > 5
    # the right option is not always in one place
    assert len({order(card, 0).index("a") for card in range(20)}) >= 4


def test_a_pinned_option_keeps_its_place():
    options = [*OPTIONS[:4], {"text": "all of the above", "correct": False, "pinned": True}]
    for card in range(10):
        shown = order(card, 0, options)
        assert shown[-1] == "all of the above"
        assert sorted(shown[:-1]) == ["a", "b", "c", "d"]


def test_the_pin_marker_parses(tmp_path):
    text = ("---\nid: d\ntitle: D\n---\n\n## q1\nkind: choice\n\nQ: Which?\n\n"
            "- [x] one\n- [ ] two\n- [ ] none of these {pinned}\n")
    problems = Problems()
    deck = parse_deck(tmp_path / "d.md", text, problems)
    assert not problems
    options = deck.cards[0].extra["options"]
    assert options[2] == {"text": "none of these", "correct": False, "pinned": True}
    assert "pinned" not in options[0]


def test_the_bias_check_flags_a_deck_answered_by_position_or_length():
    first_and_longest = [[{"text": "the long right one", "correct": True}, {"text": "no", "correct": False},
                          {"text": "nah", "correct": False}] for _ in range(6)]
    bias = option_bias("biased", first_and_longest)
    assert len(bias.problems) == 2
    assert "number 1 in 6 of 6" in bias.problems[0]
    balanced = []
    for i in range(6):
        options = [{"text": w, "correct": False} for w in ("alpha", "beta", "gamma")]
        options[i % 3]["correct"] = True
        balanced.append(options)
    assert option_bias("fair", balanced).problems == []


async def test_number_keys_pick_the_shown_option(make_app, study_db):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        await pilot.press("space", "4", "space", "4")  # the basic and the cloze card
        await pilot.pause()
        choices = screen.query_one("#choices", ChoiceOptions)
        shown = [o["text"] for o in choices.options]
        assert sorted(shown) == ["Adagrad", "Adam", "SGD"]
        expected = shown_options(screen.item.extra["options"], screen.item.card_id, screen.item.reps)
        assert shown == [o["text"] for o in expected]
        await pilot.press(str(shown.index("Adam") + 1), "space")
        await pilot.pause()
        assert choices.answered_right
        assert "Adam" in str(choices.render())
