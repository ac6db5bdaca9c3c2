"""How long `make run` waits before starting a crashed child again: doubling while it keeps crashing, capped."""

import time
from pathlib import Path

from devstack._children import MAX_DELAY, STEADY, Child, restart_delay


def child(ran_for: float, crashes: int = 0) -> Child:
    return Child("projector", None, Path("projector.log"), ["true"], {}, crashes=crashes,  # type: ignore[arg-type]
                 started=time.monotonic() - ran_for)


def test_a_child_crashing_again_and_again_waits_twice_as_long_each_time_up_to_the_cap():
    crashing = child(ran_for=1)
    delays = [restart_delay(crashing) for _ in range(8)]
    assert delays == [1, 2, 4, 8, 16, MAX_DELAY, MAX_DELAY, MAX_DELAY]


def test_a_child_that_ran_steadily_before_it_crashed_is_restarted_after_the_first_delay():
    assert restart_delay(child(ran_for=STEADY + 1, crashes=6)) == 1
