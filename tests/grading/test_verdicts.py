"""What a verdict says: statuses for contract violations, the report fields of a failing
check, trimmed tracebacks, diagnosis, variants, and honesty (other correct
implementations pass)."""

from __future__ import annotations

import json
import textwrap

import pytest

from studyapp.grading import STATUSES, Verdict

from .conftest import SGD_OK


def grade(grader, code: str, exercise: str = "sgd-step", **kw) -> Verdict:
    return grader.grade_sync(exercise, textwrap.dedent(code), filename="mine.py", **kw)


# -- contract violations are "invalid", said plainly ------------------------------------------


@pytest.mark.parametrize(("code", "needle"), [
    ("def sgd(param, grad, lr):\n    return param\n", "no function named sgd_step"),
    ("sgd_step = 3\n", "not a function"),
    ("def sgd_step(param, grad):\n    return param\n", "cannot be called"),
    ("def sgd_step(param, grad, lr):\n    pass\n", "None: did you forget to return it?"),
    ("def sgd_step(param, grad, lr):\n    return (param - lr * grad).double()\n",
     "expected float32"),
    ("def sgd_step(param, grad, lr):\n    return (param - lr * grad).sum()\n", "has shape ()"),
    ("def sgd_step(param, grad, lr):\n    return (param - lr * grad).tolist()\n",
     "must be a torch.Tensor, not a list"),
])
def test_contract_violations_are_invalid(grader, code, needle):
    v = grade(grader, code)
    assert v.status == "invalid", v.to_json()
    text = v.message + "\n".join(t.message for t in v.tests)
    assert needle in text, text


def test_tuple_contract(grader):
    v = grade(grader, """
        def rmsprop_step(param, grad, square_avg, lr=0.01, alpha=0.99, eps=1e-8):
            return param
    """, "rmsprop-step")
    assert v.status == "invalid"
    assert "must return a tuple (new_param, new_square_avg)" in v.tests[0].message
    v = grade(grader, """
        def rmsprop_step(param, grad, square_avg, lr=0.01, alpha=0.99, eps=1e-8):
            return param, square_avg, grad
    """, "rmsprop-step")
    assert v.status == "invalid" and "it returned 3" in v.tests[0].message


def test_syntax_error_is_an_error_with_the_line(grader):
    v = grade(grader, "def sgd_step(param, grad, lr)\n    return param\n")
    assert v.status == "error"
    assert 'File "mine.py", line 1' in v.message and "SyntaxError" in v.message
    assert all(t.status == "skipped" for t in v.tests)


def test_exception_traceback_is_trimmed_to_the_submission(grader):
    v = grade(grader, """
        import torch

        def helper(x):
            return x @ torch.ones(99, 99)

        def sgd_step(param, grad, lr):
            return helper(param) - lr * grad
    """)
    assert v.status == "error"
    msg = v.tests[0].message
    assert 'File "mine.py", line 8, in sgd_step' in msg
    assert 'File "mine.py", line 5, in helper' in msg
    assert "return x @ torch.ones(99, 99)" in msg
    assert "RuntimeError" in msg
    assert "studyapp" not in msg and "site-packages" not in msg


def test_error_only_in_some_regimes(grader):
    # indexing that assumes a dimension breaks on 0-d tensors only
    v = grade(grader, """
        def sgd_step(param, grad, lr):
            _ = param.shape[0]
            return param - lr * grad
    """)
    assert v.status == "error"
    by = {t.name: t for t in v.tests}
    assert by["scalar"].status == "error" and by["basic-f64"].status == "passed"


# -- failing checks carry the numbers ------------------------------------------------------------


def test_failed_check_reports_step_errors_index_and_values(grader):
    # right for 150 steps, then the update flips sign: the long run diverges at step 151
    v = grade(grader, """
        calls = {"n": 0}

        def sgd_step(param, grad, lr):
            calls["n"] += 1
            if param.numel() == 24 or param.shape == (8, 3):
                if calls["n"] > 8 + 150:
                    return param + lr * grad
            return param - lr * grad
    """)
    long = next(t for t in v.tests if t.name == "long-run")
    assert v.status == "failed"
    assert long.status == "failed"
    assert long.first_bad_step == 151
    assert long.max_abs_err is not None and long.max_abs_err > 0
    assert long.max_rel_err is not None
    assert long.worst_index is not None and len(long.worst_index) == 2
    assert long.expected is not None and long.got is not None
    assert "at step 151 of 200" in long.message
    assert all(t.status == "passed" for t in v.tests if t.name != "long-run")


def test_json_shape(grader):
    v = grade(grader, "def sgd_step(param, grad, lr):\n    return param + lr * grad\n")
    data = json.loads(json.dumps(v.to_json()))
    assert {"exercise", "status", "device", "duration_ms", "tests", "diagnosis"} <= set(data)
    assert data["status"] in STATUSES
    for t in data["tests"]:
        assert {"name", "status", "regime", "message", "max_abs_err", "max_rel_err",
                "first_bad_step"} <= set(t)
    assert data["diagnosis"] == {"id": "gradient-ascent", "text": v.diagnosis.text,
                                 "what": v.diagnosis.what, "fix": v.diagnosis.fix,
                                 "evidence": v.diagnosis.evidence, "source": "mutant"}
    assert data["diagnosis"]["what"] and data["diagnosis"]["fix"] and data["diagnosis"]["evidence"]
    assert Verdict.from_json(data).to_json() == data


def test_no_diagnosis_for_an_unknown_mistake(grader):
    # no mutant and no probe is this function (a factor of 0.5 would be named: see below)
    v = grade(grader, "def sgd_step(param, grad, lr):\n    return param - lr * grad * grad\n")
    assert v.status == "failed" and v.diagnosis is None


def test_a_constant_factor_is_named_by_a_probe(grader):
    v = grade(grader, "def sgd_step(param, grad, lr):\n    return param - 0.5 * lr * grad\n")
    assert v.status == "failed" and v.diagnosis is not None, v.to_json()
    assert v.diagnosis.id == "factor-new_param" and v.diagnosis.source == "probe"
    assert "0.5" in v.diagnosis.what and "multiplied by 0.5" in v.diagnosis.evidence


def test_stdout_is_captured(grader):
    v = grade(grader, "print('hello from the sandbox')\n" + SGD_OK)
    assert v.status == "passed" and "hello from the sandbox" in v.stdout


# -- variants ---------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_variants_pass_for_a_correct_solution_and_fail_a_mutant(grader, seed):
    ok = grade(grader, """
        import torch

        def adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
            m = beta1 * m + (1 - beta1) * grad
            v = beta2 * v + (1 - beta2) * grad * grad
            mh, vh = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
            return param - lr * mh / (torch.sqrt(vh) + eps), m, v
    """, "adam-step", variant_seed=seed)
    assert ok.status == "passed", ok.to_json()
    assert ok.variant_seed == seed
    bad = grade(grader, """
        import torch

        def adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
            m = beta1 * m + (1 - beta1) * grad
            v = beta2 * v + (1 - beta2) * grad * grad
            return param - lr * m / (torch.sqrt(v) + eps), m, v
    """, "adam-step", variant_seed=seed)
    assert bad.status == "failed" and bad.diagnosis.id == "no-bias-correction"


def test_describe_variant(grader):
    canonical = grader.describe_variant_sync("adam-step", None)
    variant = grader.describe_variant_sync("adam-step", 5)
    assert canonical["exercise"] == "adam-step"
    names = [c["name"] for c in canonical["checks"]]
    assert names == [c["name"] for c in variant["checks"]]
    assert canonical != variant  # shapes / hyperparameters were redrawn
    long = next(c for c in canonical["checks"] if c["name"] == "long-run")
    assert long["steps"] >= 200


# -- honesty: other correct implementations pass ---------------------------------------------------

HONEST = {
    "sgd-step": [
        "def sgd_step(param, grad, lr):\n    return param.sub(grad, alpha=lr)\n",
        "import torch\ndef sgd_step(param, grad, lr):\n    return torch.add(param, grad, alpha=-lr)\n",
        "def sgd_step(param, grad, lr):\n    param.sub_(lr * grad)\n    return param\n",
    ],
    "rmsprop-step": [
        """
        def rmsprop_step(param, grad, square_avg, lr=0.01, alpha=0.99, eps=1e-8):
            square_avg.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
            return param.addcdiv(grad, square_avg.sqrt().add(eps), value=-lr), square_avg
        """,
    ],
    "adam-step": [
        """
        import math

        def adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
            m = m.lerp(grad, 1 - beta1)
            v = v * beta2 + (1 - beta2) * grad.square()
            step = lr / (1 - beta1 ** t)
            denom = v.sqrt() / math.sqrt(1 - beta2 ** t) + eps
            return param - step * m / denom, m, v
        """,
    ],
    "adam-fix-bias-correction": [
        """
        import torch

        def adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
            new_m = m.mul(beta1).add(grad, alpha=1 - beta1)
            new_v = v.mul(beta2).addcmul(grad, grad, value=1 - beta2)
            m_hat = new_m / (1 - beta1 ** t)
            v_hat = new_v / (1 - beta2 ** t)
            return param - lr * m_hat / (v_hat.sqrt() + eps), new_m, new_v
        """,
    ],
    "xavier-uniform": [
        """
        import math
        import torch

        def xavier_uniform_(tensor, gain=1.0, generator=None):
            rf = 1
            for s in tensor.shape[2:]:
                rf *= s
            fan_in, fan_out = tensor.shape[1] * rf, tensor.shape[0] * rf
            a = gain * math.sqrt(6 / (fan_in + fan_out))
            u = torch.rand(tensor.shape, generator=generator, dtype=tensor.dtype)
            with torch.no_grad():
                tensor.copy_((2 * u - 1) * a)
            return tensor
        """,
    ],
    "batchnorm-forward": [
        """
        import torch

        def batchnorm_forward(x, gamma, beta, running_mean, running_var, training,
                              momentum=0.1, eps=1e-5):
            c = x.shape[1]
            flat = x.transpose(0, 1).reshape(c, -1)
            if training:
                mean = flat.mean(1)
                centered = flat - mean[:, None]
                var = (centered * centered).mean(1)
                n = flat.shape[1]
                running_mean.copy_((1 - momentum) * running_mean + momentum * mean)
                running_var.copy_((1 - momentum) * running_var + momentum * var * n / (n - 1))
            else:
                mean, var = running_mean, running_var
            view = [1, c] + [1] * (x.dim() - 2)
            return ((x - mean.view(view)) * torch.rsqrt(var.view(view) + eps)) * gamma.view(view) + beta.view(view)
        """,
    ],
}
HONEST_CASES = [(e, i) for e, codes in HONEST.items() for i in range(len(codes))]


@pytest.mark.parametrize(("exercise", "index"), HONEST_CASES,
                         ids=[f"{e}-{i}" for e, i in HONEST_CASES])
def test_other_correct_implementations_pass(grader, exercise, index):
    v = grade(grader, HONEST[exercise][index], exercise)
    bad = [(t.name, t.message) for t in v.tests if t.status != "passed"]
    assert v.status == "passed", (v.message, bad)
