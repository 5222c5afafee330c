"""One fixture chain: fake credentials -> mock_aws -> resources from template.yaml -> the
functions' environment (the Sandbox). Unit tests use only the first link."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import settings
from moto import mock_aws
from moto.core.botocore_stubber import BotocoreStubber

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


@pytest.fixture(autouse=True)
def one_aws_call_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto in this process answers one call at a time, as each of DynamoDB's calls is atomic:
    its transactions deep-copy the table unguarded, and a batch's people are written from
    threads (a copy met another thread's write: "dictionary changed size during iteration")."""
    lock = threading.RLock()
    answer = BotocoreStubber.__call__

    def serial(self: BotocoreStubber, event_name: str, request: Any, **kwargs: Any) -> Any:
        with lock:
            return answer(self, event_name, request, **kwargs)

    monkeypatch.setattr(BotocoreStubber, "__call__", serial)


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
