"""Typed stack configuration: the one source of truth for every `aistack:` config key."""
from .stack import StackConfig
from .load import ConfigError, load_stack_config, config_from_pulumi, config_from_stack_file

__all__ = ["StackConfig", "ConfigError", "load_stack_config", "config_from_pulumi", "config_from_stack_file"]
