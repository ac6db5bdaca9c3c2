"""The dates and instants the tickets API takes: years 1900 to 9999 (in UTC), which Python and Postgres both hold."""

from datetime import UTC, date, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, Field

EARLIEST, LATEST = date(1900, 1, 1), date(9999, 12, 31)

Day = Annotated[date, Field(ge=EARLIEST, le=LATEST)]


def _within_years(value: datetime) -> datetime:
    try:
        day = value.astimezone(UTC).date()
    except OverflowError:  # 0001-01-01T00:00+14:00 is in year 0 in UTC
        day = None
    if day is None or not EARLIEST <= day <= LATEST:
        raise ValueError(f"must fall between {EARLIEST} and {LATEST} in UTC")
    return value


Instant = Annotated[AwareDatetime, AfterValidator(_within_years)]
