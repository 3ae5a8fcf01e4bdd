"""The review's corrections to the shipped decks (issue 15), kept as checks: choice cards
do not give their answer away by position, length or duplicate options; cloze siblings do
not reveal each other's answers; exercise prompts show valid Python; decks come after the
decks they build on; and the specific factual corrections stay corrected."""

from __future__ import annotations

import ast
import re
from collections import Counter

import pytest

from studyapp.content.loader import load_content
from studyapp.paths import shipped_content_dir

MIN_REVIEW_CARDS = 420
# A right option more than this many times longer than the longest distractor is a giveaway.
MAX_LENGTH_RATIO = 1.5
# At most this share of all choice cards may have the right option as the strictly longest.
MAX_LONGEST_SHARE = 0.4
# Within a deck, no single option position may hold the right answer for more than this share.
MAX_SAME_POSITION_SHARE = 0.5


@pytest.fixture(scope="module")
def bundle():
    return load_content()


def _choice_cards(bundle, deck=None):
    return [c for d in bundle.decks if deck in (None, d.slug) for c in d.cards if c.kind == "choice"]


def _normal(text: str) -> str:
    return re.sub(r"\s+", "", text).lower()


def _expression(text: str) -> str:
    """An option normalized so that the same indexing expression compares equal:
    output[-1, :, :] is output[-1]."""
    return re.sub(r"(,:)+\]", "]", _normal(text))


def _right_index(card) -> int:
    return next(i for i, o in enumerate(card.extra["options"]) if o["correct"])


def test_enough_review_cards(bundle):
    assert bundle.card_count >= MIN_REVIEW_CARDS, bundle.card_count


def test_right_option_position_varies_within_each_deck(bundle):
    crowded = []
    for deck in bundle.decks:
        cards = _choice_cards(bundle, deck.slug)
        if len(cards) < 4:
            continue
        position, count = Counter(_right_index(c) for c in cards).most_common(1)[0]
        if count > MAX_SAME_POSITION_SHARE * len(cards):
            crowded.append(f"{deck.slug}: option {position + 1} is right in {count} of {len(cards)}")
    assert not crowded, crowded


def test_right_option_is_not_systematically_the_longest(bundle):
    cards = _choice_cards(bundle)
    longest = [c.content_id for c in cards
               if len(c.extra["options"]) > 1
               and all(len(o["text"]) < len(c.extra["options"][_right_index(c)]["text"])
                       for o in c.extra["options"] if not o["correct"])]
    assert len(longest) <= MAX_LONGEST_SHARE * len(cards), (len(longest), len(cards))


def test_right_option_is_not_much_longer_than_every_distractor(bundle):
    giveaways = []
    for card in _choice_cards(bundle):
        right = max(len(o["text"]) for o in card.extra["options"] if o["correct"])
        wrong = [len(o["text"]) for o in card.extra["options"] if not o["correct"]]
        if wrong and right > MAX_LENGTH_RATIO * max(wrong):
            giveaways.append(f"{card.content_id}: {right} vs {max(wrong)} characters")
    assert not giveaways, giveaways


def test_no_two_options_of_a_card_are_the_same(bundle):
    duplicated = [c.content_id for c in _choice_cards(bundle)
                  if len({_expression(o["text"]) for o in c.extra["options"]}) < len(c.extra["options"])]
    assert not duplicated, duplicated


def test_every_choice_card_has_at_least_three_options(bundle):
    thin = [c.content_id for c in _choice_cards(bundle) if len(c.extra["options"]) < 3]
    assert not thin, thin


def _cloze_answers(text: str) -> dict[int, str]:
    return {int(m.group(1)): m.group(2) for m in re.finditer(r"\{\{c(\d+)::(.*?)(?:::(.*?))?\}\}", text, re.S)}


def test_no_cloze_card_shows_its_own_answer(bundle):
    leaks = []
    for deck in bundle.decks:
        for card in deck.cards:
            if card.kind != "cloze":
                continue
            answer = _normal(_cloze_answers(card.extra["text"])[card.extra["cloze"]])
            if len(answer) >= 3 and answer in _normal(card.front):
                leaks.append(card.content_id)
    assert not leaks, leaks


def test_every_python_block_of_every_prompt_parses():
    broken = []
    for prompt in sorted((shipped_content_dir() / "exercises").glob("*/prompt.md")):
        for block in re.findall(r"```python\n(.*?)```", prompt.read_text(encoding="utf-8"), re.S):
            try:
                ast.parse(block)
            except SyntaxError as error:
                broken.append(f"{prompt.parent.name}: {error.msg} in {block.splitlines()[0]!r}")
    assert not broken, broken


def test_decks_are_ordered_after_the_decks_they_require(bundle):
    order = {d.slug: d.order for d in bundle.decks}
    late = [f"{d.slug} (order {d.order}) requires {r} (order {order[r]})"
            for d in bundle.decks for r in d.requires if order[r] >= d.order]
    assert not late, late


@pytest.mark.parametrize("deck", ["batchnorm", "minibatch", "initialization"])
def test_stats_comes_before_the_decks_that_use_it(bundle, deck):
    requires = {d.slug: d.requires for d in bundle.decks}
    seen, todo = set(), [deck]
    while todo:
        for required in requires[todo.pop()]:
            if required not in seen:
                seen.add(required)
                todo.append(required)
    assert "stats" in seen, f"{deck} does not (transitively) require stats"


def _all_text(bundle, note_id: str) -> str:
    cards = [c for d in bundle.decks for c in d.cards if c.note_id == note_id]
    assert cards, f"no card {note_id!r}"
    return " ".join(" ".join([c.front, c.back, str(c.extra)]) for c in cards)


# (note id, text that must appear, text that must not appear): the review's factual corrections.
CORRECTED = [
    ("opt-adam-t-starts", "first update uses t = 1", "incremented before each update is computed"),
    ("arch-binary-two-ways", "softmax([z0, z1])[1] = sigmoid(z1 - z0)", "softmax([z1, z0])_1"),
    ("arch-freeze-code", "m.eval()", None),
    ("arch-freeze-bn-eval", "running_mean", None),
    ("rl-return", "rewards[t]", None),
    ("rnn-maxpool-code", "output.amax(dim=1)", None),
    ("init-note-xavier-vs-he", "fan_out", None),
    ("init-xavier-activation", "second moment", "halves the signal variance"),
    ("init-fan-in-def", "as read from the weight's shape", None),
    ("opt-adam-l2", "by default", None),
    ("opt-adam-decoupled-flag", "decoupled_weight_decay=True", None),
    ("arch-single-label-ce", "int64", None),
    ("loss-ce-weight-mean", "sum of w[y_i]", None),
    ("loss-ignore-index", "excluded from the average", None),
    ("mb-accumulation-divide", "plain SGD", None),
    ("rnn-clipping-fixes", "not the step", "caps the step size"),
    ("bn-single-example-batch-stats", "x - mean = 0", None),
    ("bn-why-not-test-batch-stats", None, "impossible"),
    ("stats-covariance", "same side of their means", None),
    ("stats-biased-term", "(n - 1) / n * sigma^2", None),
]


@pytest.mark.parametrize(("note_id", "present", "absent"), CORRECTED, ids=[c[0] for c in CORRECTED])
def test_review_corrections_stay_applied(bundle, note_id, present, absent):
    text = _all_text(bundle, note_id)
    if present:
        assert present in text
    if absent:
        assert absent not in text


def test_exercise_texts_carry_the_corrections():
    exercises = shipped_content_dir() / "exercises"
    rnn = (exercises / "rnn-forward" / "prompt.md").read_text(encoding="utf-8")
    assert "output[:, -1]" in rnn and "batch_first=True" in rnn
    returns = (exercises / "discounted-returns" / "prompt.md").read_text(encoding="utf-8")
    assert "r_{t+1}" in returns
    batchnorm = (exercises / "batchnorm-forward" / "exercise.toml").read_text(encoding="utf-8")
    assert "correction=0" in batchnorm and "unbiased=False" not in batchnorm
    for name in ("sgd-step", "sgd-momentum-step", "rmsprop-step", "adam-step", "adamw-step",
                 "adam-fix-bias-correction"):
        prompt = (exercises / name / "prompt.md").read_text(encoding="utf-8")
        assert "in place" in prompt, f"{name}: the prompt does not say whether updating in place is allowed"


# The areas of issue 15's "New cards": a deck and the tags at least one of its cards carries.
NEW_AREAS = {
    "backprop mechanics": ("backprop", ["chain-rule", "leaf", "detach", "retain-graph", "inference-mode"]),
    "activations": ("backprop", ["relu", "sigmoid", "tanh", "gelu", "dead-units"]),
    "regularization and diagnosis": ("training", ["dropout", "early-stopping", "overfitting", "learning-curves"]),
    "LR schedules and warm-up": ("optimizers", ["lr-schedule", "warm-up"]),
    "Adagrad": ("optimizers", ["adagrad"]),
    "metrics": ("training", ["precision", "recall", "f1", "roc-auc"]),
    "losses": ("architecture", ["label-smoothing", "imbalance", "maximum-likelihood"]),
    "LayerNorm/GroupNorm": ("batchnorm", ["layernorm", "groupnorm"]),
    "LSTM/GRU gate order": ("rnn", ["lstm", "gru"]),
    "embeddings": ("attention", ["embedding"]),
    "attention": ("attention", ["scaled-dot-product", "masking", "multi-head", "positional-encoding"]),
    "CNN arithmetic": ("cnn", ["conv-arithmetic", "receptive-field", "pooling"]),
    "DQN": ("rl", ["dqn", "replay", "target-network", "huber"]),
    "actor-critic and GAE": ("rl", ["actor-critic", "gae"]),
    "statistical inference": ("stats", ["standard-error", "confidence-interval", "hypothesis-test", "quantiles",
                                        "iqr"]),
    "PyTorch plumbing": ("pytorch", ["dataset", "state-dict", "device", "dtype"]),
}


@pytest.mark.parametrize("area", sorted(NEW_AREAS))
def test_every_new_area_has_cards(bundle, area):
    deck, tags = NEW_AREAS[area]
    cards = [c for d in bundle.decks if d.slug == deck for c in d.cards]
    missing = [t for t in tags if not any(t in c.tags for c in cards)]
    assert not missing, f"{area}: deck {deck!r} has no card tagged {missing}"
