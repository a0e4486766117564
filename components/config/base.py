"""Shared base for config models: camelCase keys, unknown keys rejected, immutable values."""
from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class ConfigModel(BaseModel):
    """Every config group derives from this: keys are camelCase in YAML, snake_case in Python."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",  # a misspelled key is an error, never silently dropped
        frozen=True,
        validate_default=True,
    )
