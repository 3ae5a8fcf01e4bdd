"""The app's Grader port: the real client and the test fake both implement it, member for
member, with compatible call signatures."""

from __future__ import annotations

import inspect

import pytest

from studyapp.grading.client import GraderClient
from studyapp.tui.grader import Grader, grader_problem, grader_state
from tests.tui.fakes import FakeGrader

PORT_MEMBERS = ("warming", "error", "alive", "restarts", "start", "grade", "close")


def _methods(cls: type) -> dict[str, inspect.Signature]:
    return {name: inspect.signature(getattr(cls, name)) for name in ("start", "grade", "close")}


@pytest.mark.parametrize("implementation", [FakeGrader(), GraderClient(device="cpu")],
                         ids=["fake", "client"])
def test_implements_the_port(implementation):
    assert isinstance(implementation, Grader)
    for name in PORT_MEMBERS:
        assert hasattr(implementation, name), name
    port = _methods(Grader)
    for name, signature in _methods(type(implementation)).items():
        wanted = port[name]
        assert inspect.iscoroutinefunction(getattr(Grader, name)) == \
            inspect.iscoroutinefunction(getattr(type(implementation), name)), name
        for parameter in wanted.parameters.values():
            assert parameter.name in signature.parameters, (name, parameter.name)
            assert signature.parameters[parameter.name].kind == parameter.kind, (name, parameter)
        extra = [p for p in signature.parameters.values() if p.name not in wanted.parameters]
        assert all(p.default is not inspect.Parameter.empty for p in extra), (name, extra)


def test_the_port_does_not_accept_an_object_without_grade():
    class Half:
        warming = False
        error = None
        alive = True
        restarts = 0

        def start(self) -> None: ...

        def close(self) -> None: ...

    assert not isinstance(Half(), Grader)


def test_state_from_public_properties_only():
    assert grader_state(None) == "missing"
    grader = FakeGrader(warming=True)
    assert grader_state(grader) == "warming"
    grader.warming = False
    assert grader_state(grader) == "ready"
    grader.alive = False  # died after it was ready, not replaced
    assert grader_state(grader) == "failed"
    assert "next run" in grader_problem(grader)
    grader.error = "no torch\nTraceback..."
    assert grader_state(grader) == "failed" and grader_problem(grader) == "no torch"


def test_a_new_client_is_not_started_by_the_check():
    client = GraderClient(device="cpu")
    assert not client.alive and not client.warming and client.error is None
