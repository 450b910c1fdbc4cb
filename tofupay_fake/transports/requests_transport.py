"""requests interception (placeholder while it is being written: intercepts nothing yet)."""

from __future__ import annotations


def install() -> None:
    """Intercept requests."""


def uninstall() -> None:
    """Stop intercepting requests."""


def changed() -> None:
    """The table of started fakes changed."""
