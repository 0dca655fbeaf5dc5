"""A test whose optional dependency is missing skips locally and fails under CI=true."""

from __future__ import annotations

import pytest

from conftest import require_optional


def test_missing_optional_dependency_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true and Chromium is not available"):
        require_optional(False, "Chromium", "apt-get install chromium")


def test_missing_optional_dependency_skips_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium"):
        require_optional(False, "Chromium", "apt-get install chromium")


def test_present_optional_dependency_does_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    require_optional(True, "Chromium", "apt-get install chromium")
