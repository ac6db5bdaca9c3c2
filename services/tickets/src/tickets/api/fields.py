"""The bounded field types and the strict base every request body of the tickets API is built from."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from events.contracts.work_orders import PartUsed

Short = Annotated[str, Field(min_length=1, max_length=200)]
Text = Annotated[str, Field(min_length=1, max_length=20_000)]
Slug = Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[a-z0-9][a-z0-9_\-]*$")]
Title = Annotated[str, Field(min_length=1, max_length=200)]
Description = Annotated[str, Field(max_length=20_000)]
Note = Annotated[str, Field(min_length=1, max_length=5_000)]
UserId = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._@:\-]+$")]
Parts = Annotated[list[PartUsed], Field(max_length=100)]


class Body(BaseModel):
    """Unknown fields are refused by name (likely typos); surrounding white space is not kept."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
