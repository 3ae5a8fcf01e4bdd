"""The content loader: every kind of card, and every kind of problem reported as file:line."""

import pytest

from studyapp.content.decks import render_cloze
from studyapp.content.loader import load_content
from studyapp.errors import ContentError

FRONT = "---\nid: demo\ntitle: Demo deck\ntopic: demo-topic\n---\n\n"

GOOD_DECK = FRONT + """Some introduction text is allowed before the first card.

## basic-one
kind: basic
tags: a, b
reverse: true

Q: What does eps protect against?

A: Division by zero.
```python
x = 1  # Q: inside a code block is not a field
```

## cloze-one
kind: cloze
topic: norms

Text: BN divides by {{c1::sqrt(var + eps)}} and scales by {{c2::gamma::a parameter}}.

Extra: Not by the variance.

## choice-one
kind: choice

Q: torch's RMSprop alpha default?

- [ ] 0.9
- [x] 0.99

Explain: 0.99 in torch.
"""

EXERCISE_TOML = '''id = "ex-one"
title = "Exercise one"
topic = "optim"
deck = "demo"
kind = "implement"
entry = "f"
signature = "f(x) -> y"
target_seconds = 300
requires = ["demo"]
hints = ["a", "b", "c"]
'''
EX_TOML = "exercises/ex-one/exercise.toml"


def exercise_files(toml=EXERCISE_TOML, **overrides):
    files = {
        "exercises/ex-one/exercise.toml": toml,
        "exercises/ex-one/prompt.md": "# Do it\n`f(x) -> y`\n",
        "exercises/ex-one/starter.py": "def f(x):\n    ...\n",
        "exercises/ex-one/solution.py": "def f(x):\n    return x\n",
    }
    files.update(overrides)
    return {k: v for k, v in files.items() if v is not None}


def problems_for(make_content, files) -> list[str]:
    root = make_content(files)
    with pytest.raises(ContentError) as info:
        load_content([root])
    return info.value.problems


def test_every_card_kind_parses(make_content):
    root = make_content({"decks/demo.md": GOOD_DECK, **exercise_files()})
    bundle = load_content([root])
    (deck,) = bundle.decks
    assert (deck.slug, deck.title, deck.topic) == ("demo", "Demo deck", "demo-topic")
    by_id = {c.content_id: c for c in deck.cards}
    assert list(by_id) == ["basic-one", "basic-one::reverse", "cloze-one::c1", "cloze-one::c2", "choice-one"]
    assert by_id["basic-one"].back.startswith("Division by zero.\n```python")
    assert "Q: inside a code block" in by_id["basic-one"].back
    assert by_id["basic-one"].tags == ["a", "b"]
    assert by_id["basic-one::reverse"].front.startswith("Division by zero.")
    assert by_id["basic-one::reverse"].note_id == "basic-one"
    c1 = by_id["cloze-one::c1"]
    assert c1.front == "BN divides by [...] and scales by gamma."
    assert c1.back.startswith("BN divides by **sqrt(var + eps)**")
    assert c1.back.endswith("Not by the variance.")
    assert c1.topic == "norms"
    assert by_id["cloze-one::c2"].front == "BN divides by sqrt(var + eps) and scales by [a parameter]."
    choice = by_id["choice-one"]
    assert choice.extra["options"] == [{"text": "0.9", "correct": False}, {"text": "0.99", "correct": True}]
    assert choice.location.line == GOOD_DECK.splitlines().index("## choice-one") + 1
    (exercise,) = bundle.exercises
    assert exercise.entry == "f" and exercise.hints == ["a", "b", "c"]
    assert exercise.as_card().kind == "exercise"


def test_shipped_content_loads():
    bundle = load_content()
    assert bundle.card_count >= 30
    assert {d.slug for d in bundle.decks} >= {"initialization"}


@pytest.mark.parametrize(
    ("deck_text", "line", "fragment"),
    [
        (FRONT + "## x\nkind: basic\n\nQ: q?\n", 7, "missing its answer"),
        (FRONT + "## x\nkind: flash\n\nQ: q?\nA: a\n", 8, "unknown kind 'flash'"),
        (FRONT + "## x\n\nQ: q?\nA: a\n", 7, "has no 'kind:'"),
        (FRONT + "## x\nkind: cloze\n\nText: a {{c1::b}\n", 10, "bad cloze"),
        (FRONT + "## x\nkind: cloze\n\nText: nothing hidden\n", 10, "no deletion"),
        (FRONT + "## x\nkind: choice\n\nQ: q?\n- [ ] a\n- [ ] b\n", 11, "marks no option correct"),
        (FRONT + "## x\nkind: choice\n\nQ: q?\n- [x] a\n", 7, "at least two options"),
        (FRONT + "## x\nkind: basic\ncolour: red\n\nQ: q\nA: a\n", 9, "unknown card key 'colour'"),
        (FRONT + "## Bad Id\nkind: basic\nQ: q\nA: a\n", 7, "must be lowercase"),
        (FRONT + "## x\nkind: cloze\nText: {{c1::a}}\nA: stray\n", 10, "has no 'A:' field"),
        ("title: no front matter\n", 1, "front-matter"),
        ("---\nid: demo\ntitle: T\n", 1, "never closed"),
        ("---\nid: demo\nowner: me\ntitle: T\n---\n", 3, "unknown deck key 'owner'"),
        ("---\ntitle: T\n---\n", 1, "no 'id'"),
    ],
)
def test_each_problem_names_file_and_line(make_content, deck_text, line, fragment):
    problems = problems_for(make_content, {"decks/demo.md": deck_text})
    assert any(f"demo.md:{line}: " in p and fragment in p for p in problems), problems
    assert all(":" in p for p in problems)


def test_duplicate_ids_across_files_are_reported_with_both_places(make_content):
    card = "## same\nkind: basic\n\nQ: q\n\nA: a\n"
    problems = problems_for(make_content, {
        "decks/a.md": FRONT + card,
        "decks/b.md": FRONT.replace("demo", "other") + card,
    })
    assert len(problems) == 1
    assert "b.md:7: duplicate card id 'same' (first defined at" in problems[0]
    assert "a.md:7" in problems[0]


def test_every_problem_is_reported_at_once(make_content):
    problems = problems_for(make_content, {
        "decks/demo.md": FRONT + "## a\nkind: basic\nQ: q\n\n## b\nkind: nope\n",
        "decks/other.md": "no front matter",
    })
    assert len(problems) == 3


def test_unreadable_file_is_reported(make_content):
    root = make_content({})
    (root / "decks" / "latin.md").write_bytes("---\nid: caf\xe9\n".encode("latin-1"))
    with pytest.raises(ContentError) as info:
        load_content([root])
    assert "latin.md:1: cannot read: not UTF-8 text" in info.value.problems[0]


def test_missing_content_folder_is_reported(tmp_path):
    with pytest.raises(ContentError, match="content folder does not exist"):
        load_content([tmp_path / "nowhere"])


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"exercises/ex-one/solution.py": None}, "solution.py:1: file is missing"),
        ({EX_TOML: EXERCISE_TOML.replace('id = "ex-one"', 'id = "ex-two"')}, "must equal its folder name"),
        ({EX_TOML: EXERCISE_TOML.replace('kind = "implement"', 'kind = "guess"')},
         "exercise.toml:5: unknown exercise kind"),
        ({EX_TOML: EXERCISE_TOML + "oops = \n"}, "exercise.toml:11: not valid TOML"),
        ({EX_TOML: EXERCISE_TOML.replace('deck = "demo"', 'deck = "ghost"')}, "names deck 'ghost'"),
        ({EX_TOML: EXERCISE_TOML.replace('hints = ["a", "b", "c"]', "hints = []")}, "hints must be"),
        ({EX_TOML: EXERCISE_TOML.replace('entry = "f"\n', "")}, "missing the key 'entry'"),
        ({EX_TOML: EXERCISE_TOML + '[[mutants]]\nid = "m"\nfile = "mutants/m.py"\nmisconception = "x"\n'},
         "does not exist"),
        ({EX_TOML: EXERCISE_TOML.replace('requires = ["demo"]', 'requires = ["ghost"]')},
         "requires unknown id 'ghost'"),
    ],
)
def test_exercise_problems(make_content, overrides, fragment):
    problems = problems_for(make_content, {"decks/demo.md": GOOD_DECK, **exercise_files(**overrides)})
    assert any(fragment in p for p in problems), problems


def test_render_cloze_keeps_other_deletions_visible():
    text = "{{c1::a}} {{c2::b::hint}} {{c1::c}}"
    assert render_cloze(text, 1, reveal=False) == "[...] b [...]"
    assert render_cloze(text, 2, reveal=False) == "a [hint] c"
    assert render_cloze(text, 2, reveal=True) == "a **b** c"
