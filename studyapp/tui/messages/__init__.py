"""Messages the app's workers post back to the event loop (never touch widgets from a
thread), one module per subject, as braindrop's `app/messages/`:

- `database`: the database is open (`DatabaseReady`), a load failed (`LoadFailed`);
- `loaded`: what a screen's worker loaded (`DashboardLoaded`, `CardsFound`,
  `CardDetailLoaded`, `StatsLoaded`);
- `review`: the review screen's next card (`NextCardLoaded`) and early end (`SessionEnded`);
- `grading`: how a grading run ended (`GradeFinished`, `GradeFailed`).

The types they carry are imported for the type checker only: these modules sit on the
path to the first frame, where SQLAlchemy and the grading package must not load.
"""

from studyapp.tui.messages.database import DatabaseReady, LoadFailed
from studyapp.tui.messages.grading import GradeFailed, GradeFinished
from studyapp.tui.messages.loaded import (
    CardDetailLoaded,
    CardsFound,
    DashboardLoaded,
    StatsLoaded,
)
from studyapp.tui.messages.review import NextCardLoaded, SessionEnded

__all__ = [
    "CardDetailLoaded",
    "CardsFound",
    "DashboardLoaded",
    "DatabaseReady",
    "GradeFailed",
    "GradeFinished",
    "LoadFailed",
    "NextCardLoaded",
    "SessionEnded",
    "StatsLoaded",
]
