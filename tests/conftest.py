"""One fixture chain: fake credentials -> mock_aws -> resources from template.yaml -> the
functions' environment (the Sandbox). Unit tests use only the first link."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from hypothesis import settings
from moto import mock_aws

from leadwire.domain.rules import ScoringRules, load_rules
from leadwire.shell import runtime
from leadwire_local.sandbox import Sandbox

# CI replays the same generated examples every run: a property that finds a new bug should
# fail a developer's run (random), not land or block someone else's change by chance.
settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(autouse=True)
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials only, so no test can ever reach a real account."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    for name in list(os.environ):
        if name in ("AWS_ENDPOINT_URL", "AWS_PROFILE") or name.startswith("LEADWIRE_SECRET_"):
            monkeypatch.delenv(name)


@pytest.fixture
def restored_environ() -> Iterator[None]:
    """The Sandbox sets the functions' environment in os.environ, as Lambda would; undo it."""
    saved = dict(os.environ)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
        runtime.reset()


@pytest.fixture
def sandbox(restored_environ: None) -> Iterator[Sandbox]:
    with mock_aws():
        yield Sandbox()


@pytest.fixture(scope="session")
def rules() -> ScoringRules:
    return load_rules()


@pytest.fixture(scope="session")
def now() -> datetime:  # session-scoped: a constant, safe under hypothesis
    return datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
