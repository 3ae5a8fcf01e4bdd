"""Every exercise's ban lists name things that exist.  The grader's fork server resolves
every banned path of every exercise at start-up, so a path that fails to resolve stops
grading for all exercises; a banned ATen operator that does not exist is silently skipped,
so a typo there leaves the exercise unprotected."""

from __future__ import annotations

import pytest

from studyapp.grading import list_exercises

EXERCISES = list_exercises()
IDS = [m.id for m in EXERCISES]


@pytest.mark.parametrize("meta", EXERCISES, ids=IDS)
def test_every_banned_path_resolves(meta):
    from studyapp.grading import guards

    for path in meta.banned:
        try:
            guards.resolve(path)
        except Exception as exc:  # noqa: BLE001 - any failure here stops the fork server
            pytest.fail(f"{meta.id}: banned path {path!r} does not resolve: {exc!r}")


@pytest.mark.parametrize("meta", EXERCISES, ids=IDS)
def test_every_banned_op_exists(meta):
    import torch

    for op in meta.banned_ops:
        namespace, _, name = op.partition("::")
        assert namespace == "aten", f"{meta.id}: {op!r} is not an aten operator"
        base, _, overload = name.partition(".")
        packet = getattr(torch.ops.aten, base, None)
        assert packet is not None, f"{meta.id}: no ATen operator {op!r}"
        if overload:
            assert overload in packet.overloads(), f"{meta.id}: {op!r} has no such overload"
