"""CUDA grading (skipped cleanly when no NVIDIA GPU is present)."""

from __future__ import annotations

import pytest

from studyapp.grading import GraderClient

from .conftest import SGD_OK, TEST_LIMITS, has_cuda

pytestmark = [pytest.mark.cuda,
              pytest.mark.skipif(not has_cuda(), reason="no NVIDIA GPU on this machine")]


@pytest.fixture(scope="module")
def cuda_grader():
    client = GraderClient(device="cuda", limits=dict(TEST_LIMITS, wall_s=30, cpu_s=30,
                                                      memory_mb=2048))
    client.start()
    client.wait_ready_sync(300)
    if client.device != "cuda":
        client.close()
        pytest.skip("the worker found no usable CUDA device")
    yield client
    client.close()


def test_correct_solution_passes_on_cuda(cuda_grader):
    v = cuda_grader.grade_sync("sgd-step", SGD_OK)
    assert v.status == "passed" and v.device == "cuda", v.to_json()


def test_tensors_created_on_the_cpu_are_a_device_mismatch(cuda_grader):
    code = ("import torch\n"
            "def sgd_step(param, grad, lr):\n"
            "    return torch.zeros(param.shape, dtype=param.dtype) + param.cpu() - lr * grad.cpu()\n")
    v = cuda_grader.grade_sync("sgd-step", code)
    assert v.status == "invalid", v.to_json()
    assert "device mismatch" in v.tests[0].message


def test_cuda_memory_is_limited_by_the_cgroup(cuda_grader):
    code = ("import torch\n"
            "x = torch.empty(64 << 30, dtype=torch.uint8, device='cuda')\n"
            "y = torch.ones(8 << 30, dtype=torch.uint8)\n")
    v = cuda_grader.grade_sync("sgd-step", code)
    assert v.status in ("memory_limit", "error"), v.to_json()


def test_auto_picks_cuda():
    client = GraderClient(device="auto", limits=TEST_LIMITS)
    try:
        client.wait_ready_sync(300)
        assert client.device == "cuda"
    finally:
        client.close()
