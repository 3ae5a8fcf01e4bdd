"""Each kind of diagnosis probe, and the evidence rules, on the trusted side.

The submissions run in this process (they are ours), through the same runner and the same
comparison as in the sandboxed grader; one test at the end goes through a real sandboxed
grader for the sensitivity probes, which re-run the submission."""

from __future__ import annotations

import pytest
import torch

from studyapp.grading import assemble, runner
from studyapp.grading.exercises import load_exercise
from studyapp.grading.worker import Prepared

_PREPARED: dict[str, Prepared] = {}


def prepared(exercise: str) -> Prepared:
    if exercise not in _PREPARED:
        _PREPARED[exercise] = Prepared(load_exercise(exercise), None)
    return _PREPARED[exercise]


def diagnose(exercise: str, code: str):
    prep = prepared(exercise)
    ns: dict = {}
    exec(compile(code, "submission.py", "exec"), ns)  # noqa: S102 - our own test code
    fn = ns[prep.meta.entry]
    results, got_all = {}, {}
    for c in prep.checks:
        rec = runner.stack(runner.run(fn, prep.materialize(c.name)))
        got = assemble._as_got(rec)
        results[c.name] = assemble.evaluate(prep, c, prep.expected[c.name], got, rec["same"])
        got_all[c.name] = got
    assert any(r.status == "failed" for r in results.values()), "the submission must fail"
    return assemble.diagnose(prep, results, got_all)


ADAM = """import torch
def adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    {pre}
    m = {b1} * m + {c1} * grad
    v = {b2} * v + {c2} * grad * grad
    m_hat = m / (1 - {b1} ** {t})
    v_hat = v / (1 - {b2} ** {t})
    return param {sign} {lr} * m_hat / (torch.sqrt(v_hat) + eps), m, v
"""


def adam(pre="pass", b1="beta1", b2="beta2", c1="(1 - beta1)", c2="(1 - beta2)", t="t",
         sign="-", lr="lr"):
    return ADAM.format(pre=pre, b1=b1, b2=b2, c1=c1, c2=c2, t=t, sign=sign, lr=lr)


@pytest.mark.parametrize(("exercise", "code", "expected", "evidence"), [
    # hyperparameter held at its default (the sensitivity the learner's code lacks)
    ("adam-step", adam(lr="0.001"), "ignores-lr", "with lr = 0.001"),
    # held at another constant (RMSprop's 0.9 from lecture notes)
    ("rmsprop-step", "import torch\ndef rmsprop_step(param, grad, square_avg, lr=0.01, "
     "alpha=0.99, eps=1e-8):\n    s = 0.9 * square_avg + 0.1 * grad * grad\n"
     "    return param - lr * grad / (torch.sqrt(s) + eps), s\n", "ignores-alpha",
     "with alpha = 0.9"),
    # zero: eps has no effect
    ("batchnorm-forward", "import torch\ndef batchnorm_forward(x, gamma, beta, running_mean, "
     "running_var, training, momentum=0.1, eps=1e-5):\n"
     "    dims = (0,) if x.dim() == 2 else (0, 2)\n"
     "    shape = (1, -1) if x.dim() == 2 else (1, -1, 1)\n    if training:\n"
     "        mean, var = x.mean(dims), x.var(dims, unbiased=False)\n"
     "        n = x.numel() // x.shape[1]\n        with torch.no_grad():\n"
     "            running_mean.mul_(1 - momentum).add_(momentum * mean)\n"
     "            running_var.mul_(1 - momentum).add_(momentum * var * n / (n - 1))\n"
     "    else:\n        mean, var = running_mean, running_var\n"
     "    return gamma.reshape(shape) * (x - mean.reshape(shape)) / "
     "var.reshape(shape).sqrt() + beta.reshape(shape)\n", "eps-no-effect", "eps = 0"),
    # 1 - value where the value belongs
    ("adam-step", adam(b2="(1 - beta2)", c2="beta2"), "complement-beta2", "beta2 = 0.001"),
    # two hyperparameters swapped
    ("adam-step", adam(b1="beta2", b2="beta1", c1="(1 - beta2)", c2="(1 - beta1)"),
     "swapped-beta1-beta2", "beta1 = 0.999 and beta2 = 0.9"),
    # step counter shifted
    ("adam-step", adam(t="(t + 1)"), "t-one-ahead", "with t + 1"),
    # two positional arguments swapped
    ("sgd-step", "def sgd_step(param, grad, lr):\n    return grad - lr * param\n",
     "swapped-param-grad", "param and grad swapped"),
    # the update's sign flipped
    ("adam-step", adam(sign="+"), "flipped-sign-new_param", "negated"),
    # a constant factor, fitted from the evidence
    ("sgd-step", "def sgd_step(param, grad, lr):\n    return param - 2 * lr * grad\n",
     "factor-new_param", "multiplied by 2"),
    # a sum where the reference averages
    ("multilabel-bce-loss", "import torch\ndef multilabel_bce_loss(logits, targets):\n"
     "    per = logits.clamp(min=0) - logits * targets + torch.log1p(torch.exp(-logits.abs()))\n"
     "    return per.sum(dim=1).mean()\n", "sum-not-mean", "size of dim 1"),
    # reduced precision
    ("adam-step", adam(pre="dt = param.dtype; param, grad, m, v = param.float(), "
     "grad.float(), m.float(), v.float()").replace(
        "return param - lr * m_hat / (torch.sqrt(v_hat) + eps), m, v",
        "return (param - lr * m_hat / (torch.sqrt(v_hat) + eps)).to(dt), m.to(dt), v.to(dt)"),
     "float32-arithmetic", "computed in float32"),
    # the state returned unchanged
    ("rmsprop-step", "import torch\ndef rmsprop_step(param, grad, square_avg, lr=0.01, "
     "alpha=0.99, eps=1e-8):\n    s = alpha * square_avg + (1 - alpha) * grad * grad\n"
     "    return param - lr * grad / (torch.sqrt(s) + eps), square_avg\n",
     "returns-input-new_square_avg", "unchanged"),
    # a buffer the contract updates in place, never updated
    ("batchnorm-forward", "import torch\ndef batchnorm_forward(x, gamma, beta, running_mean, "
     "running_var, training, momentum=0.1, eps=1e-5):\n"
     "    dims = (0,) if x.dim() == 2 else (0, 2)\n"
     "    shape = (1, -1) if x.dim() == 2 else (1, -1, 1)\n    if training:\n"
     "        mean, var = x.mean(dims), x.var(dims, unbiased=False)\n"
     "        running_mean = running_mean * (1 - momentum) + momentum * mean\n"
     "    else:\n        mean, var = running_mean, running_var\n"
     "    return gamma.reshape(shape) * (x - mean.reshape(shape)) / "
     "(var.reshape(shape) + eps).sqrt() + beta.reshape(shape)\n",
     "no-inplace-update", "left untouched"),
    # a matrix used transposed
    ("rnn-forward", "import torch\ndef rnn_forward(x, h0, w_ih, w_hh, b_ih, b_hh, "
     "batch_first=False):\n    if batch_first:\n        x = x.transpose(0, 1)\n"
     "    h, hm = h0, None\n    for t in range(x.shape[0]):\n"
     "        h = torch.tanh(x[t] @ w_ih.T + b_ih + h @ w_hh + b_hh)\n"
     "        hm = h if hm is None else torch.maximum(hm, h)\n    return h, hm\n",
     "transposed-w_hh", "w_hh.T"),
], ids=["held-default", "held-constant", "zero", "complement", "swapped-hyper", "step-counter",
        "swapped-args", "sign", "factor", "sum-vs-mean", "precision", "returns-input",
        "no-inplace", "transposed"])
def test_probe_names_the_mistake_with_its_evidence(exercise, code, expected, evidence):
    d = diagnose(exercise, code)
    assert d is not None and d.id == expected, d
    assert d.source == "probe"
    assert evidence in d.evidence, d.evidence
    assert d.what and d.fix and d.what in d.text and d.fix in d.text


def test_a_probe_matching_only_some_failing_checks_names_nothing():
    # lr hard-coded AND t shifted: "ignores lr" explains one check, "t + 1" the others
    assert diagnose("adam-step", adam(lr="0.001", t="(t + 1)")) is None


def test_two_different_explanations_name_nothing():
    # wrong in a way no single hypothesis reproduces on every check
    code = adam(c2="(1 - beta2) * 1.5")
    assert diagnose("adam-step", code) is None


def test_nan_agreement_is_never_evidence():
    # a softmax shifted by the GLOBAL maximum: it underflows to 0/0 on rows far below the
    # maximum, where the unshifted mutant overflows; both give NaN there
    code = ("import torch\ndef softmax_cross_entropy(logits, targets):\n"
            "    z = logits - logits.max()\n"
            "    lp = z - torch.log(torch.exp(z).sum(dim=1, keepdim=True))\n"
            "    return -lp.gather(1, targets[:, None]).mean()\n")
    d = diagnose("softmax-cross-entropy", code)
    assert d is None or d.id not in ("naive-softmax", "max-not-added-back")
    assert d is not None and d.id == "non-finite", d


def test_agrees_rules():
    cmp = assemble._loosened(assemble.compare.Close())
    ref = torch.tensor([[1.0, 2.0]])
    nan = torch.tensor([[float("nan"), 2.0]])
    assert assemble._agrees(cmp, nan, nan, ref) == (True, False)  # agrees, but no evidence
    assert assemble._agrees(cmp, nan, torch.tensor([[1.0, 2.0]]), ref)[0] is False
    off = torch.tensor([[1.5, 2.0]])
    assert assemble._agrees(cmp, off, off, ref) == (True, True)


def test_mutant_diagnosis_says_what_and_separately_how_to_fix():
    code = adam().replace("m_hat = m / (1 - beta1 ** t)", "m_hat = m").replace(
        "v_hat = v / (1 - beta2 ** t)", "v_hat = v")
    d = diagnose("adam-step", code)
    assert d is not None and d.id == "no-bias-correction" and d.source == "mutant"
    assert d.what and d.fix and d.what != d.text
    assert "on the" in d.evidence and "no-bias-correction" in d.evidence


def test_unchanged_fix_starter_is_named_without_the_fix():
    prep = prepared("discounted-returns")
    starter = prep.meta.starter()
    assert assemble.unchanged_starter(prep, "# my attempt\n" + starter)
    assert not assemble.unchanged_starter(prep, starter.replace("gamma * running",
                                                                "gamma * running * 1.0"))
    assert not assemble.unchanged_starter(prepared("adam-step"), prepared("adam-step").meta
                                          .starter())  # implement exercises: never


SENSITIVITY = """import torch
def adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # two mistakes: lr hard-coded, and v averages |grad| instead of grad ** 2
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad.abs()
    m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
    return param - 0.001 * m_hat / (v_hat.sqrt() + eps), m, v
"""


def test_sensitivity_probe_reruns_the_submission_and_names_an_ignored_hyperparameter(grader):
    v = grader.grade_sync("adam-step", SENSITIVITY)
    assert v.status == "failed"
    d = v.diagnosis
    assert d is not None and d.id == "ignores-lr" and d.source == "sensitivity", v.to_json()
    assert "lr from 0.001 to 0.002" in d.evidence
    assert "stayed the same" in d.evidence


def test_probes_and_their_records_are_built_once_per_prepared_exercise():
    from studyapp.grading import probes

    prep = prepared("sgd-step")
    built = probes.probes_for(prep)
    assert built and probes.probes_for(prep) is built
    assert len({p.key for p in built}) == len(built)  # records are cached by key
    check = prep.checks[0]
    first = probes.run_probe(prep, built[0], check)
    assert first is not None and probes.run_probe(prep, built[0], check) is first
    other = Prepared(prep.meta, None)  # a fresh preparation starts with its own cache
    assert probes.probes_for(other) is not built
