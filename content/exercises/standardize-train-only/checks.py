"""Checks for standardize-train-only: both outputs against statistics from
torch.std_mean(train, dim=0, correction=0), applied to train and test alike."""

import torch

from studyapp.grading.kit import Check, Spec, Variant

SPEC = Spec(
    entry="standardize",
    args=("train", "test"),
    returns=("train_z", "test_z"),
    reference_name="torch.std_mean(train, 0, correction=0)",
)


def reference(train, test):
    std, mean = torch.std_mean(train, dim=0, correction=0)
    return (train - mean) / std, (test - mean) / std


def _check(v, name, regime, n, m, d, dtype, *, shift=0.0, scale=1.0, test_shift=1.0,
           layout=None, note="", tol_scale=1.0):
    # features on different scales; the test set drawn from a shifted distribution, so
    # statistics that include it differ visibly from the training statistics
    col_scale = v.rand(1, d, dtype=torch.float64, lo=0.5, hi=4.0) * scale
    col_shift = v.randn(1, d, dtype=torch.float64, scale=3.0) + shift
    train = (v.randn(n, d, dtype=torch.float64) * col_scale + col_shift).to(dtype)
    test = (v.randn(m, d, dtype=torch.float64) * col_scale + col_shift
            + test_shift * col_scale).to(dtype)
    return Check(name, regime, {"train": train, "test": test}, layout=layout or {},
                 note=note, tol_scale=tol_scale)


def checks(v: Variant) -> list[Check]:
    f32, f64 = torch.float32, torch.float64
    n, d = v.pick((40, 4), (30, 5), (50, 3), (25, 6))
    return [
        _check(v, "f32", f"train ({n}, {d}), test (12, {d}), float32", n, 12, d, f32,
               note="the test set comes from a shifted distribution"),
        _check(v, "small-train-f64", f"train of 5 rows, test (8, {d}), float64", 5, 8, d, f64,
               note="with 5 rows, dividing by n or by n - 1 differs by 12%"),
        _check(v, "one-test-row", "a single test row", n, 1, d, f64,
               note="one test example must be transformed, not standardized on its own"),
        _check(v, "large-offset", "float32 features around 1000", n, 10, d, f32, shift=1000.0,
               tol_scale=50.0, note="center before squaring"),
        _check(v, "one-feature", f"D = 1, train ({n}, 1), test (6, 1)", n, 6, 1, f64),
        _check(v, "non-contiguous", "transposed (non-contiguous) train", d + 6, 5, d, f64,
               layout={"train": "transposed"}),
    ]
