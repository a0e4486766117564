"""Fixtures for the unit tests live in unit_support (a plain module, so its helpers can be imported)."""
from unit_support import *  # noqa: F401,F403
