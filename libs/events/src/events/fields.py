"""The bounded field types and the strict body base every service's requests are built from.

Every string has a bound, every date and instant a range Python and Postgres both hold (years 1900 to
9999 in UTC), and a body names its unknown fields instead of dropping them.
"""

from datetime import UTC, date, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

EARLIEST, LATEST = date(1900, 1, 1), date(9999, 12, 31)

Short = Annotated[str, Field(min_length=1, max_length=200)]
Text = Annotated[str, Field(min_length=1, max_length=20_000)]
Note = Annotated[str, Field(min_length=1, max_length=5_000)]
UserId = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._@:\-]+$")]
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


class Body(BaseModel):
    """Unknown fields are refused by name (likely typos); surrounding white space is not kept."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
