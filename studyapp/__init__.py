"""studyapp: flashcards and graded PyTorch exercises, scheduled by FSRS, in the terminal."""

from __future__ import annotations


def __getattr__(name: str) -> str:
    # Read lazily: importlib.metadata costs ~30 ms, and `studyapp` must start fast.
    if name == "__version__":
        # deferred: start-up time (above)
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("studyapp")
        except PackageNotFoundError:  # a checkout that was never installed
            return "0.0.0+local"
    raise AttributeError(f"module 'studyapp' has no attribute {name!r}")
