"""The cyclic garbage collector, paused while the app starts.

Importing Textual and drawing the first frame creates a few hundred thousand objects, and
the collector scanned them again and again as they were made: about 25 ms of CPU (7%) of
the first frame on this project's machines (`benchmarks/startup.py`). `launch_tui` pauses it
before Textual is imported; the dashboard resumes it once its keys are drawn, with what
start-up made frozen (`gc.freeze`) so later collections do not scan it again. Reference
counting frees everything else as usual meanwhile; only cycles wait the half second.
"""

from __future__ import annotations

import gc

_paused = False


def pause() -> None:
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume() -> None:
    """Switch the collector back on if `pause` switched it off (a no-op otherwise)."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()
