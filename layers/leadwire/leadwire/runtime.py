"""The adapters a Lambda container builds once, lazily, on first use (not at import)."""

from __future__ import annotations

from functools import lru_cache

from leadwire.alerts import SnsAlertPublisher
from leadwire.intake import Intake, utc_now
from leadwire.leads import LeadsApi
from leadwire.rules import DEFAULT_RULES_FILE, ScoringRules, load_rules
from leadwire.settings import Settings
from leadwire.signing_secrets import signing_secrets
from leadwire.store import DynamoLeadStore


@lru_cache(maxsize=1)
def settings() -> Settings:
    return Settings.from_env()


@lru_cache(maxsize=1)
def rules() -> ScoringRules:
    config = settings()
    loaded = load_rules(config.rules_file or DEFAULT_RULES_FILE)
    return loaded.with_thresholds(config.mql_threshold, config.sql_threshold)


@lru_cache(maxsize=1)
def store() -> DynamoLeadStore:
    return DynamoLeadStore(settings().table_name)


@lru_cache(maxsize=1)
def publisher() -> SnsAlertPublisher:
    topic = settings().topic_arn
    if not topic:
        raise RuntimeError("ALERTS_TOPIC_ARN is not set")
    return SnsAlertPublisher(topic)


@lru_cache(maxsize=1)
def intake() -> Intake:
    config = settings()
    return Intake(store=store(), secrets=signing_secrets(config), rules=rules(), settings=config)


@lru_cache(maxsize=1)
def leads_api() -> LeadsApi:
    return LeadsApi(store=store(), rules=rules(), clock=utc_now, attempts=settings().write_attempts)


def reset() -> None:
    """Forget every cached adapter (tests, and the local stack after changing the environment)."""
    for factory in (settings, rules, store, publisher, intake, leads_api):
        factory.cache_clear()
