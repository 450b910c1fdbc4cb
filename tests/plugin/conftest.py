"""The plugin tests' sub-sessions make their httpx clients without loading a CA bundle."""

from __future__ import annotations

import pytest

from ._helpers import without_ca_bundle


@pytest.fixture(autouse=True)
def _without_ca_bundle(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    without_ca_bundle(monkeypatch, tmp_path_factory.getbasetemp() / "no-ca-bundle")
