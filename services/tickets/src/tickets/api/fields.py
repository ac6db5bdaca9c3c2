"""The service desk's own bounded field types, beside the kit's (`events.fields`)."""

from typing import Annotated

from pydantic import Field

from events.contracts.work_orders import PartUsed

Slug = Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[a-z0-9][a-z0-9_\-]*$")]
Title = Annotated[str, Field(min_length=1, max_length=200)]
Description = Annotated[str, Field(max_length=20_000)]
Parts = Annotated[list[PartUsed], Field(max_length=100)]
