"""The backprop-by-hand exercises (issue 15) cannot be solved by asking autograd: every
usual way of reaching it is banned in each of them (static check; the run-time tripwires
enforce the same list in the sandbox)."""

from __future__ import annotations

import pytest

from studyapp.grading import list_exercises
from studyapp.grading.static import check_source

BACKPROP = ["linear-backward", "softmax-ce-backward", "mlp-backward", "batchnorm-backward",
            "rnn-bptt"]
BY_ID = {m.id: m for m in list_exercises()}

CHEATS = {
    "Tensor.backward": "def f(y, g):\n    y.backward(g)\n",
    "autograd.grad": "import torch\ndef f(y, x, g):\n    return torch.autograd.grad(y, x, g)\n",
    "from autograd import": "from torch.autograd import grad\n",
    "autograd alias": "import torch.autograd as ag\ndef f(y, x):\n    return ag.grad(y, x)\n",
    "torch.func.vjp": "import torch\ndef f(fn, x):\n    return torch.func.vjp(fn, x)\n",
    "from torch.func": "from torch.func import grad\n",
    "functional.vjp": "import torch\ndef f(fn, x, g):\n    return torch.autograd.functional.vjp(fn, x, g)\n",
    "execution engine": "import torch\ne = torch.autograd.Variable._execution_engine\n",
}


@pytest.mark.parametrize("exercise_id", BACKPROP)
def test_backprop_exercises_exist_and_are_checked_against_autograd(exercise_id):
    meta = BY_ID[exercise_id]
    assert "autograd" in meta.path.joinpath("checks.py").read_text(encoding="utf-8")


@pytest.mark.parametrize("cheat", list(CHEATS))
@pytest.mark.parametrize("exercise_id", BACKPROP)
def test_autograd_is_banned(exercise_id, cheat):
    findings = check_source(CHEATS[cheat], BY_ID[exercise_id].banned)
    assert findings, f"{exercise_id}: {cheat} is not banned"
