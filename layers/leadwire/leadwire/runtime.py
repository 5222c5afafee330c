"""The adapters a Lambda container builds once, lazily, on first use (not at import).

Each factory imports what it builds, so a function's cold start loads only the modules it
uses: the alert function never imports the providers, the rules parser or YAML.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from leadwire.alerts import SnsAlertPublisher
    from leadwire.intake import Intake
    from leadwire.leads import LeadsApi
    from leadwire.rules import ScoringRules
    from leadwire.settings import Settings
    from leadwire.store import DynamoLeadStore


@lru_cache(maxsize=1)
def settings() -> Settings:
    from leadwire.settings import Settings

    return Settings.from_env()


@lru_cache(maxsize=1)
def rules() -> ScoringRules:
    from leadwire.rules import DEFAULT_RULES_FILE, load_rules

    config = settings()
    loaded = load_rules(config.rules_file or DEFAULT_RULES_FILE)
    return loaded.with_thresholds(config.mql_threshold, config.sql_threshold)


@lru_cache(maxsize=1)
def store() -> DynamoLeadStore:
    from leadwire.store import DynamoLeadStore

    return DynamoLeadStore(settings().table_name)


@lru_cache(maxsize=1)
def publisher() -> SnsAlertPublisher:
    from leadwire.alerts import SnsAlertPublisher

    topic = settings().topic_arn
    if not topic:
        raise RuntimeError("ALERTS_TOPIC_ARN is not set")
    return SnsAlertPublisher(topic)


@lru_cache(maxsize=1)
def intake() -> Intake:
    from leadwire.intake import Intake
    from leadwire.signing_secrets import signing_secrets

    config = settings()
    return Intake(store=store(), secrets=signing_secrets(config), rules=rules(), settings=config)


@lru_cache(maxsize=1)
def leads_api() -> LeadsApi:
    from leadwire.intake import utc_now
    from leadwire.leads import LeadsApi

    return LeadsApi(store=store(), rules=rules(), clock=utc_now, attempts=settings().write_attempts)


def reset() -> None:
    """Forget every cached adapter (tests, and the local stack after changing the environment)."""
    for factory in (settings, rules, store, publisher, intake, leads_api):
        factory.cache_clear()
