"""The garbage collector set for a long-running process of the suite (an API, a consumer, a rebuild): what start-up
made set aside, and the youngest objects collected less often."""

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# Allocations between two collections of the youngest generation (CPython's default: 700). A batch of events or a
# year of a KPI makes and drops hundreds of thousands of objects, almost none in cycles: reference counting frees them.
YOUNG = 50_000
# The same during a bulk pass (a rebuild): it keeps millions of objects as it goes (facts, rows), and each collection of
# the youngest walks those made since the last one; a rebuild of a million events spent 4 s collecting, 1.5 s like this.
BULK_YOUNG = 1_000_000

_settled = False


def settle() -> None:
    """Call once start-up is done; later calls do nothing (tests start many apps in one process). Start-up's objects
    (modules, settings, pydantic's validators) live as long as the process: frozen (gc.freeze), the collector never
    walks them again. With CPython's defaults a consumer spent a third of its time in the collector (folding KPI
    facts: 127 µs an event, 85 µs like this), and a KPI read half as long again (backlog by week: 6.9 ms, 4.5 ms)."""
    global _settled
    if _settled:
        return
    _settled = True
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG, 20, 100)


@contextmanager
def bulk() -> Iterator[None]:
    """The youngest objects collected every `BULK_YOUNG` allocations while the block runs."""
    before = gc.get_threshold()
    gc.set_threshold(BULK_YOUNG, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
