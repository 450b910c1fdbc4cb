"""aiohttp interception (placeholder while it is being written: intercepts nothing yet)."""

from __future__ import annotations


def install() -> None:
    """Intercept aiohttp."""


def uninstall() -> None:
    """Stop intercepting aiohttp."""


def changed() -> None:
    """The table of started fakes changed."""
