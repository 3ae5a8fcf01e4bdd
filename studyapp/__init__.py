"""studyapp: flashcards and graded PyTorch exercises, scheduled by FSRS, in the terminal."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("studyapp")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0.0.0+local"
