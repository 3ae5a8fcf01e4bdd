"""Hostile submissions: each gets the status it deserves, nothing outside the jail changes,
nothing it started outlives its grading, and the same warm worker then grades a correct
submission correctly."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest

from studyapp.grading import load_exercise

from .conftest import SGD_OK, sandbox_processes, settled_sandbox, tree_snapshot

CONTENT_CHECKS = load_exercise("sgd-step").checks_path


@pytest.fixture(scope="module")
def outside():
    """A world-writable folder outside the jail: only the sandbox's own layers protect it."""
    d = Path(tempfile.mkdtemp(prefix="studyapp-outside-", dir="/tmp"))
    os.chmod(d, 0o777)
    (d / "sentinel.txt").write_text("keep me\n")
    os.chmod(d / "sentinel.txt", 0o666)
    (d / "secret.txt").write_text("TOP-SECRET\n")
    os.chmod(d / "secret.txt", 0o644)
    home = d / "home"
    home.mkdir()
    os.chmod(home, 0o777)
    (home / "notes.txt").write_text("my notes\n")
    os.chmod(home / "notes.txt", 0o666)
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def check_after(grader, outside):
    """After each hostile run: the folder outside is untouched, the sandbox is empty again,
    and the next (correct) submission passes."""
    before = tree_snapshot(outside)
    yield
    verdict = grader.grade_sync("sgd-step", SGD_OK)
    assert verdict.status == "passed", verdict.to_json()
    left = settled_sandbox(grader)
    assert len(left) <= 1, f"processes outlived their grading: {left}"
    assert tree_snapshot(outside) == before


def grade(grader, code: str, exercise: str = "sgd-step"):
    return grader.grade_sync(exercise, code, filename="hostile.py")


WRONG = "def sgd_step(param, grad, lr):\n    return param + lr * grad\n"


# -- resource exhaustion -----------------------------------------------------------------------


def test_infinite_loop_times_out(grader, check_after):
    v = grade(grader, "while True:\n    pass\n")
    assert v.status == "timeout", v.to_json()
    assert all(t.status in ("skipped", "timeout") for t in v.tests)


def test_sleep_times_out_on_the_wall_clock(grader, check_after):
    t0 = time.monotonic()
    v = grade(grader, "import time\ndef sgd_step(param, grad, lr):\n    time.sleep(60)\n")
    assert v.status == "timeout", v.to_json()
    assert time.monotonic() - t0 < 6
    assert v.tests[0].status == "timeout"  # the check that was running is named


def test_cpu_burn_hits_the_cpu_limit(grader, check_after):
    code = ("def sgd_step(param, grad, lr):\n    x = 0\n    while True:\n        x += 1\n")
    assert grade(grader, code).status == "timeout"


def test_memory_bomb(grader, check_after):
    v = grade(grader, "blob = bytearray(8 << 30)\n")
    assert v.status == "memory_limit", v.to_json()


def test_torch_memory_bomb_inside_the_function(grader, check_after):
    code = ("import torch\ndef sgd_step(param, grad, lr):\n"
            "    big = torch.empty(1 << 34, dtype=torch.uint8)\n    return param - lr * grad\n")
    v = grade(grader, code)
    assert v.status == "memory_limit", v.to_json()


def test_fork_bomb(grader, check_after):
    code = ("import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n"
            "        pass\n")
    v = grade(grader, code)
    assert v.status in ("timeout", "error"), v.to_json()


def test_thread_storm(grader, check_after):
    code = ("import threading, time\n"
            "def spin():\n    while True:\n        pass\n"
            "for _ in range(10000):\n"
            "    threading.Thread(target=spin, daemon=True).start()\n")
    v = grade(grader, code)
    assert v.status in ("timeout", "error"), v.to_json()


def test_lingering_setsid_grandchild_is_reaped(grader, check_after):
    code = ("import os, time\n"
            "if os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
            "        time.sleep(1000)\n    os._exit(0)\n"
            "def sgd_step(param, grad, lr):\n    return param - lr * grad\n")
    v = grade(grader, code)
    assert v.status == "passed", v.to_json()  # honest work still passes...
    # ...and the grandchild is gone (checked by check_after once the next run is done)


def test_gigabyte_of_output(grader, check_after):
    code = "import sys\nline = 'x' * 1023 + '\\n'\nfor _ in range(1 << 20):\n    sys.stdout.write(line)\n"
    v = grade(grader, code)
    assert v.status == "output_limit", v.to_json()
    assert "standard output" in v.message


def test_huge_file(grader, check_after):
    code = ("with open('big.bin', 'wb') as f:\n    for _ in range(1024):\n"
            "        f.write(b'0' * (1 << 20))\n")
    v = grade(grader, code)
    assert v.status == "output_limit", v.to_json()


# -- exits, exceptions, crashes ------------------------------------------------------------------


def test_os_exit_at_import(grader, check_after):
    v = grade(grader, "import os\nos._exit(0)\n")
    assert v.status == "error", v.to_json()
    assert "before returning its outputs" in v.message


def test_sys_exit_at_import(grader, check_after):
    v = grade(grader, "import sys\nsys.exit(0)\n")
    assert v.status == "error", v.to_json()
    assert "SystemExit" in v.message


def test_keyboard_interrupt(grader, check_after):
    v = grade(grader, "def sgd_step(param, grad, lr):\n    raise KeyboardInterrupt\n")
    assert v.status == "error", v.to_json()
    assert "KeyboardInterrupt" in v.tests[0].message
    assert 'File "hostile.py", line 2, in sgd_step' in v.tests[0].message
    assert "runner.py" not in v.tests[0].message  # trimmed to the submission's own lines


def test_segfault(grader, check_after):
    v = grade(grader, "import faulthandler\nfaulthandler._sigsegv()\n")
    assert v.status == "crashed", v.to_json()
    assert "SIGSEGV" in v.message


def test_exit_midway_after_faking_success(grader, check_after):
    code = ("import os, sys\n"
            "def sgd_step(param, grad, lr):\n"
            "    print('{\"status\": \"passed\"}'); sys.stdout.flush()\n    os._exit(0)\n")
    v = grade(grader, code)
    assert v.status == "error", v.to_json()


# -- cheating ----------------------------------------------------------------------------------


def test_fake_verdict_on_stdout(grader, check_after):
    code = ('import json\nprint(json.dumps({"exercise": "sgd-step", "status": "passed", '
            '"tests": []}))\n' + WRONG)
    v = grade(grader, code)
    assert v.status == "failed", v.to_json()
    assert '"status": "passed"' in v.stdout


def test_patched_comparisons_and_lying_eq(grader, check_after):
    code = ("import torch\n"
            "torch.allclose = lambda *a, **k: True\n"
            "torch.equal = lambda *a, **k: True\n"
            "torch.testing.assert_close = lambda *a, **k: None\n"
            "torch.Tensor.__eq__ = lambda self, other: True\n"
            "torch.Tensor.__ne__ = lambda self, other: False\n" + WRONG)
    assert grade(grader, code).status == "failed"


def test_object_with_lying_eq_is_invalid(grader, check_after):
    code = ("class Liar:\n    def __eq__(self, other):\n        return True\n"
            "    __hash__ = None\n"
            "def sgd_step(param, grad, lr):\n    return Liar()\n")
    v = grade(grader, code)
    assert v.status == "invalid", v.to_json()
    assert "must be a torch.Tensor" in v.tests[0].message


def test_tensor_subclass_is_invalid(grader, check_after):
    code = ("import torch\nclass Sneaky(torch.Tensor):\n"
            "    def __eq__(self, other):\n        return True\n"
            "def sgd_step(param, grad, lr):\n    return (param + 1).as_subclass(Sneaky)\n")
    v = grade(grader, code)
    assert v.status == "invalid", v.to_json()
    assert "subclass" in v.tests[0].message


def test_mutating_inputs_cannot_fake_the_expected_values(grader, check_after):
    code = ("def sgd_step(param, grad, lr):\n    grad.zero_()\n    param.zero_()\n"
            "    return param\n")
    assert grade(grader, code).status == "failed"


@pytest.mark.parametrize("separators", [(",", ":"), (", ", ": ")])
def test_forged_result_frames(grader, check_after, separators):
    # A submission that writes the grader's own "done" frame (byte for byte) before doing
    # any work, and then computes the wrong thing, must not pass.
    code = ("import os, json, struct\n"
            f"def frame(o):\n    d = json.dumps(o, separators={separators!r}).encode()\n"
            "    return struct.pack('<II', len(d), 0) + d\n"
            "os.write(3, frame({'event': 'loaded'}) + frame({'event': 'done'}))\n" + WRONG)
    v = grade(grader, code)
    assert v.status in ("invalid", "failed"), v.to_json()


def test_garbage_on_the_result_pipe(grader, check_after):
    code = ("import os\nos.write(3, b'\\xff' * 64)\n" + SGD_OK)
    v = grade(grader, code)
    assert v.status == "error", v.to_json()
    assert "could not read the submission's outputs" in v.message


# -- banned APIs ------------------------------------------------------------------------------


def test_banned_api_is_forbidden_statically(grader, check_after):
    code = ("import torch\n"
            "def sgd_step(param, grad, lr):\n"
            "    p = param.clone().requires_grad_(True)\n"
            "    opt = torch.optim.SGD([p], lr=lr)\n"
            "    p.grad = grad.clone()\n    opt.step()\n    return p.detach()\n")
    v = grade(grader, code)
    assert v.status == "forbidden", v.to_json()
    assert "line 4" in v.message and "torch.optim" in v.message


def test_banned_api_through_getattr_is_forbidden_at_run_time(grader, check_after):
    code = ("import torch\n"
            "def sgd_step(param, grad, lr):\n"
            "    mod = getattr(torch, 'op' + 'tim')\n"
            "    cls = getattr(mod, 'S' + 'GD')\n"
            "    p = param.clone().requires_grad_(True)\n"
            "    opt = cls([p], lr=lr)\n"
            "    p.grad = grad.clone()\n    opt.step()\n    return p.detach()\n")
    v = grade(grader, code)
    assert v.status == "forbidden", v.to_json()
    assert "torch.optim" in v.message


def test_banned_module_reloaded_from_source_is_forbidden(grader, check_after):
    code = ("import importlib, sys\n"
            "name = 'torch.' + 'op' + 'tim.sgd'\n"
            "sys.modules.pop(name, None)\n"
            "importlib.import_module(name)\n" + SGD_OK)
    v = grade(grader, code)
    assert v.status == "forbidden", v.to_json()


def test_heap_inspection_is_forbidden(grader, check_after):
    code = "g = __import__('g' + 'c')\nobjs = g.get_objects()\n" + SGD_OK
    v = grade(grader, code)
    assert v.status == "forbidden", v.to_json()


def test_ctypes_is_forbidden(grader, check_after):
    code = "c = __import__('ct' + 'ypes')\nc.CDLL(None)\n" + SGD_OK
    v = grade(grader, code)
    assert v.status == "forbidden", v.to_json()


def test_banned_op_reached_through_the_dispatcher(grader, check_after):
    code = ("import torch\n"
            "def batchnorm_forward(x, gamma, beta, running_mean, running_var, training,\n"
            "                      momentum=0.1, eps=1e-5):\n"
            "    op = getattr(torch.ops.aten, 'native_' + 'batch_' + 'norm')\n"
            "    return op(x, gamma, beta, running_mean, running_var, training, momentum, eps)[0]\n")
    v = grade(grader, code, "batchnorm-forward")
    assert v.status == "forbidden", v.to_json()
    assert "native_batch_norm" in v.message


# -- isolation -------------------------------------------------------------------------------


def test_network_is_unreachable(grader, check_after):
    code = ("import socket\n"
            "def sgd_step(param, grad, lr):\n"
            "    socket.create_connection(('1.1.1.1', 80), timeout=1)\n")
    v = grade(grader, code)
    assert v.status == "error", v.to_json()
    assert any(w in v.tests[0].message for w in ("Permission", "unreachable", "Operation not permitted"))


def test_cannot_touch_files_outside_the_jail(grader, outside, check_after):
    code = (f"import os, shutil\nD = {str(outside)!r}\nleaks = []\n"
            "for action in (lambda: os.remove(D + '/sentinel.txt'),\n"
            "               lambda: open(D + '/sentinel.txt', 'w').write('gone'),\n"
            "               lambda: open(D + '/new.txt', 'w').write('hi'),\n"
            "               lambda: shutil.rmtree(D + '/home'),\n"
            "               lambda: leaks.append(open(D + '/secret.txt').read())):\n"
            "    try:\n        action()\n    except OSError:\n        pass\n"
            "print('LEAK' if leaks else 'no leak')\n"
            "shutil.rmtree(os.path.expanduser('~'), ignore_errors=True)\n"
            "open('mine.txt', 'w').write('the jail is writable')\n" + SGD_OK)
    v = grade(grader, code)
    assert v.status == "passed", v.to_json()
    assert "no leak" in v.stdout and "LEAK" not in v.stdout


def test_deleting_home_only_touches_the_jail(grader, outside, check_after):
    # $HOME inside the sandbox is the jail; a stand-in for the learner's real home lives
    # outside it (world-writable, so only the sandbox's layers protect it)
    code = (f"import os, shutil\nREAL = {str(outside / 'home')!r}\n"
            "home = os.path.expanduser('~')\n"
            "open(os.path.join(home, 'x.txt'), 'w').write('x')\n"
            "shutil.rmtree(home, ignore_errors=True)\n"
            "for root, dirs, files in os.walk(REAL):\n"
            "    for f in files:\n"
            "        try:\n            os.remove(os.path.join(root, f))\n"
            "        except OSError as e:\n            print('refused', e.errno)\n"
            "shutil.rmtree(REAL, ignore_errors=True)\n"
            "print('home was', home)\n" + SGD_OK)
    v = grade(grader, code)
    assert v.status == "passed", v.to_json()
    assert "home was " in v.stdout and "studyapp-jails-" in v.stdout


def test_cannot_read_the_exercise_reference_or_mutants(grader, check_after):
    folder = CONTENT_CHECKS.parent
    code = ("import os\nfound = []\n"
            f"for p in ({str(CONTENT_CHECKS)!r}, {str(folder / 'solution.py')!r},\n"
            f"          {str(folder / 'mutants' / 'gradient_ascent.py')!r}):\n"
            "    try:\n        found.append(open(p).read())\n    except OSError:\n        pass\n"
            f"try:\n    found.extend(os.listdir({str(folder)!r}))\nexcept OSError:\n    pass\n"
            "print('FOUND' if found else 'nothing')\n" + SGD_OK)
    v = grade(grader, code)
    assert v.status == "passed", v.to_json()
    assert "nothing" in v.stdout and "FOUND" not in v.stdout


def test_cannot_signal_or_read_the_worker(grader, check_after):
    code = ("import os, signal\nout = []\n"
            "for pid in {os.getppid(), 1}:\n"
            "    for sig in (signal.SIGKILL, signal.SIGSTOP, signal.SIGTERM):\n"
            "        try:\n            os.kill(pid, sig)\n            out.append('SIGNALLED')\n"
            "        except OSError:\n            pass\n"
            "    try:\n        out.append(open(f'/proc/{pid}/environ').read()[:10])\n"
            "    except OSError:\n        pass\n"
            "print(out)\n" + SGD_OK)
    v = grade(grader, code)
    assert v.status == "passed", v.to_json()
    assert "SIGNALLED" not in v.stdout
    assert grader.alive


def test_running_programs_is_refused(grader, check_after):
    code = ("import subprocess\n"
            "def sgd_step(param, grad, lr):\n"
            "    subprocess.run(['/bin/sh', '-c', 'echo hi'])\n")
    v = grade(grader, code)
    assert v.status == "error", v.to_json()


def test_sandbox_layers_are_active(grader):
    layers = set(grader.info["layers"])
    if os.geteuid() == 0:
        assert {"pid-namespace", "net-namespace", "uid-65534", "seccomp", "rlimits"} <= layers
    assert any(layer.startswith("landlock") for layer in layers) or "seccomp" in layers


# -- cancellation -------------------------------------------------------------------------------


def test_cancelling_a_grade_kills_the_child(grader):
    async def scenario():
        task = asyncio.ensure_future(grader.grade("sgd-step", "while True:\n    pass\n"))
        await asyncio.sleep(0.5)
        busy = sandbox_processes(grader)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return busy

    t0 = time.monotonic()
    busy = asyncio.run(scenario())
    assert busy  # the submission was running
    # the looping child dies at once, not at its 2 s wall-clock limit
    while any(os.path.exists(f"/proc/{p}") for p in busy) and time.monotonic() - t0 < 1.5:
        time.sleep(0.01)
    assert not any(os.path.exists(f"/proc/{p}") for p in busy)
    v = grader.grade_sync("sgd-step", SGD_OK)
    assert v.status == "passed"
    assert len(settled_sandbox(grader)) <= 1
