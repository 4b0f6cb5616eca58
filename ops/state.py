"""The end-of-day close-out's lifecycle, applied only by `ops.services.day_close`."""

from core.lifecycle import Lifecycle
from ops.models import DayClose

D = DayClose.Status

DAY_CLOSE = Lifecycle("day close", D, {
    D.RUNNING: {D.DONE, D.FAILED},
    # FAILED -> RUNNING: the next beat run (or a manager) tries the day again.
    D.FAILED: {D.RUNNING},
    D.DONE: set(),
})
