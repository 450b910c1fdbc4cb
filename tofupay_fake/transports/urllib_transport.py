"""urllib interception (placeholder while it is being written: intercepts nothing yet)."""

from __future__ import annotations


def install() -> None:
    """Intercept urllib."""


def uninstall() -> None:
    """Stop intercepting urllib."""


def changed() -> None:
    """The table of started fakes changed."""
