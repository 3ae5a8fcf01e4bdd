"""Bans that hold: the ban policy for every exercise, and each ordinary route around a ban
(another overload of a banned operator, a module form, a C-level alias, reading the banned
module's source by other path forms, switching off the guards themselves) is `forbidden`.

Names are built from pieces at run time, so the static check cannot see them: these tests
exercise the run-time guards."""

from __future__ import annotations

import tomllib

import pytest

from studyapp.grading import banpolicy
from studyapp.grading.exercises import list_exercises

from .conftest import SGD_OK

EXERCISES = list_exercises()


def grade(grader, code: str, exercise: str = "sgd-step"):
    return grader.grade_sync(exercise, code, filename="route.py")


@pytest.fixture
def still_grades(grader):
    yield
    v = grader.grade_sync("sgd-step", SGD_OK)
    assert v.status == "passed", v.to_json()


# -- the policy ------------------------------------------------------------------------------


@pytest.mark.parametrize("meta", EXERCISES, ids=[m.id for m in EXERCISES])
def test_every_exercise_bans_what_the_policy_derives_from_its_reference(meta):
    found = banpolicy.references_in_checks(meta.checks_path)
    toml = tomllib.loads((meta.path / "exercise.toml").read_text(encoding="utf-8"))
    # the references: what reference() uses, unless the exercise declares bans_from
    assert meta.ban_references == tuple(toml.get("bans_from", found))
    for ref in meta.ban_references:
        paths, ops = banpolicy.derive(ref)
        assert set(paths) <= set(meta.banned), (ref, set(paths) - set(meta.banned))
        assert {banpolicy.op_name(o) for o in ops} <= set(meta.banned_ops), ref
    # operators are banned by name (every overload), never by one overload
    assert all("." not in op.split("::", 1)[1] for op in meta.banned_ops), meta.banned_ops
    if meta.banned_ops:  # the kernels enforcing them cannot be re-registered
        assert set(banpolicy.KERNEL_REGISTRATION_PATHS) <= set(meta.banned)


def test_exercises_with_the_same_kind_of_reference_ban_the_same_kernels():
    optimizer = [m for m in EXERCISES if any(r.startswith("torch.optim.")
                                            for r in m.ban_references)]
    assert len(optimizer) >= 5
    first = optimizer[0]
    for m in optimizer[1:]:
        assert set(m.banned_ops) == set(first.banned_ops), m.id
        assert set(banpolicy.OPTIMIZER_PATHS) <= set(m.banned), m.id


def test_policy_kinds():
    paths, ops = banpolicy.derive("torch.optim.AdamW")
    assert "torch.optim" in paths and "aten::_fused_adamw_" in ops and "aten::_fused_adam" in ops
    paths, ops = banpolicy.derive("F.scaled_dot_product_attention")
    assert "torch.nn.functional.scaled_dot_product_attention" in paths
    assert "aten::_scaled_dot_product_attention_math" in ops
    paths, ops = banpolicy.derive("torch.nn.functional.softplus")  # not in the table
    assert "torch.softplus" in paths and ops == ("aten::softplus",)
    assert banpolicy.derive("torch.nn.init.xavier_normal_") == (("torch.nn.init",), ())
    paths, ops = banpolicy.derive("torch.nn.BatchNorm1d")
    assert "torch.nn.functional.batch_norm" in paths and "aten::native_batch_norm" in ops
    assert banpolicy.op_name("aten::rnn_tanh.input") == "aten::rnn_tanh"


def test_references_are_found_however_torch_is_imported(tmp_path):
    p = tmp_path / "checks.py"
    p.write_text("import torch\nfrom torch.nn import functional as fn\nimport torch.optim as o\n"
                 "def helper():\n    return torch.nn.functional.relu\n"
                 "def reference(x):\n    o.SGD\n    torch.softmax(x, 0)\n"
                 "    return fn.gelu(x) + torch.nn.LayerNorm(3)(x)\n")
    assert set(banpolicy.references_in_checks(p)) == {
        "torch.optim.SGD", "torch.nn.functional.gelu", "torch.nn.LayerNorm"}


# -- routes around a ban ---------------------------------------------------------------------

SGD_VIA_TENSOR_LR = """import torch
def sgd_step(param, grad, lr):
    p = param.clone()
    packet = getattr(torch.ops.aten, '_fused_' + 'sgd_')
    op = getattr(packet, 'tensor' + '_lr')
    op([p], [grad.clone()], [], weight_decay=0.0, momentum=0.0, lr=torch.tensor(lr),
       dampening=0.0, nesterov=False, maximize=False, is_first_step=True)
    return p
"""

BN_VIA_OUT = """import torch
def batchnorm_forward(x, gamma, beta, running_mean, running_var, training,
                      momentum=0.1, eps=1e-5):
    op = getattr(torch.ops.aten, 'native_' + 'batch_' + 'norm').out
    y, m, r = torch.empty_like(x), torch.empty(0), torch.empty(0)
    op(x, gamma, beta, running_mean, running_var, training, momentum, eps,
       out=y, save_mean=m, save_invstd=r)
    return y
"""

BN_VIA_MODULE = """import torch
def batchnorm_forward(x, gamma, beta, running_mean, running_var, training,
                      momentum=0.1, eps=1e-5):
    cls = getattr(torch.nn, 'Batch' + 'Norm1d')
    return cls(x.shape[1])(x)
"""

SDPA_VIA_C = """import torch
def memory_attention(u, m, c, hops=1):
    fn = getattr(torch._C._nn, 'scaled_dot_' + 'product_attention')
    o = fn(u.unsqueeze(1), m, c, scale=1.0).squeeze(1)
    return o, torch.softmax((m @ u.unsqueeze(-1)).squeeze(-1), -1)
"""

SDPA_VIA_MATH_KERNEL = """import torch
def memory_attention(u, m, c, hops=1):
    op = getattr(torch.ops.aten, '_scaled_dot_product_' + 'attention_math')
    o = op(u.unsqueeze(1), m, c, scale=1.0)[0].squeeze(1)
    return o, torch.softmax((m @ u.unsqueeze(-1)).squeeze(-1), -1)
"""

SDPA_DECOMPOSED = """import torch
def memory_attention(u, m, c, hops=1):
    op = getattr(torch.ops.aten, '_scaled_dot_product_' + 'attention_math').default
    o = getattr(op, '{how}')({pre}u.unsqueeze(1), m, c, scale=1.0)[0].squeeze(1)
    return o, torch.softmax((m @ u.unsqueeze(-1)).squeeze(-1), -1)
"""

SOURCE = "mod = __import__('sys').modules['torch.' + 'optim.sgd']\n"


@pytest.mark.parametrize(("exercise", "code", "what"), [
    ("sgd-step", SGD_VIA_TENSOR_LR, "_fused_sgd_"),
    ("batchnorm-forward", BN_VIA_OUT, "native_batch_norm"),
    ("batchnorm-forward", BN_VIA_MODULE, "batchnorm"),
    ("memory-attention", SDPA_VIA_C, "scaled_dot_product_attention"),
    ("memory-attention", SDPA_VIA_MATH_KERNEL, "_scaled_dot_product_attention_math"),
    # past the registered kernels, to the operator's CompositeImplicit decomposition
    ("memory-attention", SDPA_DECOMPOSED.format(how="deco" + "mpose", pre=""), "decompose"),
    ("memory-attention", SDPA_DECOMPOSED.format(
        how="_op_dk", pre="torch._C.DispatchKey.CompositeImplicitAutograd, "),
     "_scaled_dot_product_attention_math"),
    ("memory-attention", SDPA_DECOMPOSED.format(
        how="redi" + "spatch", pre="torch._C.DispatchKeySet(torch._C.DispatchKey."
                                   "CompositeImplicitAutograd), "), "redispatch"),
], ids=["overload-tensor_lr", "overload-out", "module-form", "c-alias", "math-kernel",
        "decompose", "op_dk", "redispatch"])
def test_banned_operator_by_another_route_is_forbidden(grader, still_grades, exercise, code,
                                                       what):
    v = grade(grader, code, exercise)
    assert v.status == "forbidden", v.to_json()
    assert what in v.message


@pytest.mark.parametrize("read", [
    "import pathlib\npathlib.Path(mod.__file__).read_text()\n",
    "import pathlib\nopen(pathlib.PurePosixPath(mod.__file__)).read()\n",
    "open(mod.__file__.encode()).read()\n",
    # relative to a directory fd: the audit event does not carry the dir_fd
    "import os\nd = os.open(os.path.dirname(os.path.dirname(mod.__file__)), os.O_RDONLY)\n"
    "os.read(os.open('op' + 'tim/sgd.py', os.O_RDONLY, dir_fd=d), 100)\n",
    # the helpers a path check might use, patched first
    "import os, posixpath\nos.path.realpath = posixpath.realpath = lambda p, **k: '/nowhere'\n"
    "os.fspath = lambda p: '/nowhere'\nopen(mod.__file__).read()\n",
    "import linecache\nlinecache.getlines(mod.__file__)\n",
], ids=["pathlib", "purepath", "bytes", "dir_fd", "patched-helpers", "linecache"])
def test_reading_a_banned_modules_source_is_forbidden(grader, still_grades, read):
    v = grade(grader, SOURCE + read + SGD_OK)
    assert v.status == "forbidden", v.to_json()
    assert "reading the source" in v.message


def test_a_custom_path_object_cannot_open_files(grader, still_grades):
    code = (SOURCE + "class P:\n    def __fspath__(self):\n        return mod.__file__\n"
            "open(P()).read()\n" + SGD_OK)
    v = grade(grader, code)
    assert v.status in ("forbidden", "error"), v.to_json()
    assert v.status != "passed"


# -- tampering with the guards ---------------------------------------------------------------

FIND_REPORTER = """import sys
sgd = sys.modules['torch.op' + 'tim'].SGD
trip = sgd.step.__code__
bound = next(c for c in trip.co_consts if callable(c))
reporter = bound.__defaults__[0]
"""


@pytest.mark.parametrize("tamper", [
    # the reporter every guard calls, silenced
    FIND_REPORTER + "reporter.__code__ = (lambda *a, **k: None).__code__\n",
    FIND_REPORTER + "bound.__defaults__ = (lambda *a: None, 'x')\n",
    FIND_REPORTER + "reporter.__kwdefaults__ = {}\n",
    # a tripwire replaced by working code
    "import sys\n"
    "sys.modules['torch.op' + 'tim'].SGD.step.__code__ = (lambda s, c=None: 0).__code__\n",
    # the hook's own builtins replaced first (assigning to a module is not audited)
    FIND_REPORTER + "import builtins\nbuiltins.callable = lambda o: False\n"
    "bound.__defaults__ = (lambda *a: None, 'x')\n",
], ids=["reporter-code", "reporter-binding", "reporter-kwdefaults", "tripwire-code",
        "builtins-first"])
def test_replacing_a_guard_is_forbidden(grader, still_grades, tamper):
    v = grade(grader, tamper + SGD_OK)
    assert v.status == "forbidden", v.to_json()


def test_re_registering_a_banned_kernel_is_forbidden(grader, still_grades):
    code = ("import torch\nlib_mod = getattr(torch, 'lib' + 'rary')\n"
            "lib = lib_mod.Library('aten', 'IMPL')\n"
            "lib.impl('_fused_' + 'sgd_', lambda *a, **k: None, 'CPU')\n" + SGD_OK)
    v = grade(grader, code)
    assert v.status == "forbidden", v.to_json()


def test_re_registering_through_the_c_entry_point_is_forbidden(grader, still_grades):
    code = ("import torch\nreg = getattr(torch._C, '_dispatch_' + 'library')\n"
            "reg('IMPL', 'aten', '', 'x', 0)\n" + SGD_OK)
    v = grade(grader, code)
    assert v.status == "forbidden", v.to_json()


# -- the audit hook keeps its own references to the builtins it calls -------------------------

HOOK_SCRIPT = """import os, sys
from studyapp.grading import guards
def report(what):
    print("reported:", what, flush=True)
    os._exit(guards.FORBIDDEN_EXIT)
guards._install_hook(report, ("colorsys",), frozenset())
def target(x=1):
    return x
import builtins
{tamper}
print("not reported", flush=True)
"""


@pytest.mark.parametrize(("tamper", "reported"), [
    ("builtins.callable = lambda o: False\ntarget.__defaults__ = (2,)", "__defaults__"),
    ("builtins.len = lambda o: 0\ntarget.__defaults__ = (2,)", "__defaults__"),
    ("builtins.isinstance = lambda *a: False\nimport colorsys", "importing colorsys"),
    ("builtins.str = bytes\nimport colorsys", "importing colorsys"),
], ids=["callable", "len", "isinstance", "str"])
def test_patching_a_builtin_does_not_blind_the_audit_hook(tamper, reported):
    """The hook calls no builtin through the module's globals: a submission that replaces
    ``builtins.callable`` (or len, isinstance, str) first still gets reported."""
    import os
    import subprocess
    import sys

    from studyapp.grading import guards

    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    run = subprocess.run([sys.executable, "-c", HOOK_SCRIPT.format(tamper=tamper)],
                         capture_output=True, text=True, env=env, timeout=60)
    assert run.returncode == guards.FORBIDDEN_EXIT, run.stdout + run.stderr
    assert reported in run.stdout
