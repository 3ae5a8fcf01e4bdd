"""The shipped decks: every card parses, there are enough of them, and every topic of the
curriculum (issue 5, from the learner's seed notes) has cards."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from studyapp.content.loader import load_content
from studyapp.paths import shipped_content_dir

MIN_CARDS = 150


@pytest.fixture(scope="module")
def bundle():
    # Raises ContentError listing every problem (file:line: sentence) if anything is off.
    return load_content()


def _cards(bundle, deck=None):
    return [c for d in bundle.decks if deck is None or d.slug == deck for c in d.cards]


def _text(card) -> str:
    return " ".join([card.front, card.back, str(card.extra)]).lower()


def test_shipped_content_loads_without_problems(bundle):
    assert bundle.decks and bundle.exercises


def test_enough_cards(bundle):
    notes = {c.note_id for c in _cards(bundle)}
    assert bundle.card_count >= MIN_CARDS, bundle.card_count
    assert len(notes) >= MIN_CARDS, len(notes)


def test_card_kinds_are_mixed(bundle):
    kinds = Counter(c.kind for c in _cards(bundle))
    assert all(kinds[k] >= 20 for k in ("basic", "cloze", "choice")), kinds


def test_every_deck_mixes_kinds(bundle):
    for deck in bundle.decks:
        kinds = {c.kind for c in deck.cards}
        assert len(kinds) >= 2, (deck.slug, kinds)


def test_every_card_has_both_sides(bundle):
    for card in _cards(bundle):
        assert card.front.strip(), card.content_id
        assert card.back.strip(), card.content_id


# Each topic of issue 5: its deck, and for each of its points a tag (or, for wording, a
# phrase) that at least one card of that deck must carry.
TOPICS = {
    "initialization": {
        "why it matters (vanishing/exploding signals)": ["vanishing-gradients", "exploding-gradients"],
        "Xavier/Glorot uniform and normal": ["xavier", "~xavier uniform", "~xavier normal"],
        "He/Kaiming": ["he", "~kaiming"],
        "fans for conv weights": ["fan", "conv"],
        "the note's sqrt(2 / second dimension) is He, not Xavier": ["note-correction", "~second dimension"],
    },
    "minibatch": {
        "update per batch rather than per example": ["minibatch", "~single example"],
        "mean vs sum loss": ["loss", "~reduction='sum'"],
        "zero_grad": ["~zero_grad"],
        "gradient accumulation": ["gradient-accumulation"],
    },
    "batchnorm": {
        "per-feature batch mean and variance": ["batchnorm", "~mean", "~variance"],
        "normalizing by sqrt(var + eps), the note corrected": ["eps", "note-correction", "~sqrt(var + eps)"],
        "gamma and beta": ["affine", "~gamma", "~beta"],
        "where it sits relative to the activation": ["placement"],
        "train vs eval": ["eval"],
        "running statistics with momentum": ["running-stats", "momentum"],
        "biased vs unbiased variance": ["variance", "~unbiased"],
    },
    "optimizers": {
        "SGD": ["sgd"],
        "momentum and Nesterov": ["momentum", "nesterov"],
        "RMSprop, torch's alpha 0.99 vs the note's 0.9, eps placement": ["rmsprop", "eps", "~0.99"],
        "Adam moments and bias correction": ["adam", "bias-correction"],
        "AdamW decoupled weight decay": ["adamw", "weight-decay"],
    },
    "architecture": {
        "feature extractor + classifier": ["feature-extractor"],
        "multi-label: sigmoid + BCE per class, not softmax": ["multi-label", "sigmoid", "~bcewithlogitsloss"],
    },
    "rnn": {
        "classifying from the last output y(t_end)": ["sequence-classification"],
        "max-pooling h(t) over time": ["max-pooling"],
        "vanishing gradients through time": ["vanishing-gradients"],
    },
    "memory-networks": {
        "memory slots": ["memory-networks", "memory"],
        "attention over memories": ["attention"],
        "multiple hops": ["hops"],
    },
    "rl": {
        "MDPs": ["mdp"],
        "discounted returns": ["return", "discount"],
        "the Q-learning update": ["q-learning"],
        "policy gradient basics": ["policy-gradient", "reinforce"],
    },
    "stats": {
        "mean and variance": ["mean", "variance"],
        "biased vs unbiased estimators": ["estimator", "bessel"],
        "standardization": ["standardization"],
        "correlation": ["correlation"],
        "train/validation/test splits": ["splits"],
    },
}


@pytest.mark.parametrize("deck", sorted(TOPICS))
def test_every_topic_has_cards(bundle, deck):
    cards = _cards(bundle, deck)
    assert len(cards) >= 10, f"deck {deck!r} has {len(cards)} cards"
    for point, needs in TOPICS[deck].items():
        for need in needs:
            if need.startswith("~"):
                n = sum(need[1:] in _text(c) for c in cards)
            else:
                n = sum(need in c.tags for c in cards)
            assert n > 0, f"deck {deck!r}: no card for {point!r} ({need})"


def test_every_exercise_deck_exists_and_has_cards(bundle):
    for exercise in bundle.exercises:
        deck = bundle.deck(exercise.deck)
        assert deck is not None and deck.cards, exercise.id


def test_practice_site_is_a_further_resource():
    readme = (shipped_content_dir() / "README.md").read_text(encoding="utf-8")
    assert re.search(r"https://www\.gptandchill\.ai/codingproblems", readme)


# Choice cards must not be answerable by position or length (issue 14).
def test_choice_cards_cannot_be_answered_by_position_or_length(bundle):
    from studyapp.study.choices import option_bias

    problems = []
    for deck in bundle.decks:
        choices = [c.extra["options"] for c in deck.cards if c.kind == "choice"]
        problems += option_bias(deck.slug, choices).problems
    assert not problems, "\n".join(problems)
