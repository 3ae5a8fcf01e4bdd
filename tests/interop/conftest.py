"""A small content deck synced into a database (basic, reversed, cloze, choice and an
exercise), and a full dump of every table to compare a database before and after."""

from __future__ import annotations

import json

import pytest

from studyapp.content.loader import load_content
from studyapp.content.sync import sync_content
from studyapp.interop.json_backup import dump_tables

DECK = """---
id: optim
title: Optimizers
topic: optimizers
order: 5
---

## adam-beta2
kind: basic
tags: adam defaults

Q: Adam's default **beta2**?

A: 0.999 (see `torch.optim.Adam`)

## sgd-momentum
kind: basic
reverse: true

Q: v = mu * v + g; p -= lr * v

A: SGD with momentum

## rmsprop-cloze
kind: cloze

Text: RMSprop divides by {{c1::sqrt(square_avg)}} + {{c2::eps::tiny}}.

Extra: torch adds eps outside the sqrt.

## rmsprop-alpha
kind: choice

Q: torch.optim.RMSprop's default alpha?

- [ ] 0.9
- [x] 0.99

Explain: many notes use 0.9.

## code-card
kind: basic

Q: What does this print?

```python
print(1 < 2)
```

A: True
"""

EXERCISE = {
    "exercises/sgd-step/exercise.toml": (
        'id = "sgd-step"\ntitle = "SGD step"\ntopic = "optimizers"\ndeck = "optim"\n'
        'kind = "implement"\nentry = "f"\nsignature = "f(x)"\ntarget_seconds = 300\n'
        'requires = []\nhints = ["a", "b", "c"]\n'
    ),
    "exercises/sgd-step/prompt.md": "Write f.\n",
    "exercises/sgd-step/starter.py": "def f(x):\n    raise NotImplementedError\n",
    "exercises/sgd-step/solution.py": "def f(x):\n    return x\n",
}


@pytest.fixture
def content_root(make_content):
    return make_content({"decks/optim.md": DECK, **EXERCISE})


@pytest.fixture
def synced(database, clock, content_root):
    """The database with the small content deck synced in."""
    with database.unit_of_work() as session:
        sync_content(session, load_content([content_root]), clock.now())
    return database


def dump(database) -> str:
    """Every row of every table, as one JSON text: equal dumps are equal databases."""
    with database.unit_of_work() as session:
        return json.dumps(dump_tables(session), sort_keys=True, default=str)
