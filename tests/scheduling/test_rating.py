"""The one home of the four ratings: values, labels, and py-fsrs's own enum."""

import fsrs

from studyapp.scheduling.rating import RATING_LABELS, Rating, rating_label


def test_values_and_labels_in_button_order():
    assert [(r.value, r.label) for r in Rating] == [
        (1, "Again"),
        (2, "Hard"),
        (3, "Good"),
        (4, "Easy"),
    ]
    assert RATING_LABELS == {1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}


def test_matches_py_fsrs():
    for rating in Rating:
        assert rating.to_fsrs() is fsrs.Rating[rating.name.capitalize()]


def test_stored_values_read_back():
    assert Rating(3) is Rating.GOOD and Rating.GOOD == 3
    assert rating_label(1) == "Again" and rating_label(9) == "9"
