"""The wiring: the adapters a Lambda container builds once, lazily, on first use (not at
import), and the use cases built on them.

Each factory imports what it builds, so a function's cold start loads only the modules it
uses: the alert function never imports the providers, the rules parser or YAML
(tests/functional/test_function_imports.py checks it). The AWS clients are the public seam
for tests and the local stack: `clients(...)` swaps one in; `dynamodb_client()` and
`sns_client()` are the very clients the adapters use.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from leadwire.app.alerting import Alerting
    from leadwire.app.disposition import Dispositions
    from leadwire.app.form_guard import FormGuard
    from leadwire.app.intake import Intake
    from leadwire.app.lead_links import LeadLinks
    from leadwire.app.lead_page import LeadPages
    from leadwire.app.leads import LeadQueries
    from leadwire.app.ports import Clock
    from leadwire.aws.dynamo import DynamoFormGuardStore, DynamoLeadStore, DynamoSmsBudget
    from leadwire.aws.settings import Settings
    from leadwire.aws.slack import SlackWebhook
    from leadwire.aws.sns import SnsAlertPublisher
    from leadwire.domain.rules import ScoringRules

_overrides: dict[str, Any] = {}


def clients(*, dynamodb: Any = None, sns: Any = None) -> None:
    """Use these boto3 clients from now on (tests: a Stubber's client; None keeps the current
    one). The adapters built on them are made again."""
    for name, client in (("dynamodb", dynamodb), ("sns", sns)):
        if client is not None:
            _overrides[name] = client
    for factory in _BUILT_ON_CLIENTS:
        factory.cache_clear()


@lru_cache(maxsize=1)
def settings() -> Settings:
    from leadwire.aws.settings import Settings

    return Settings.from_env()


def clock() -> Clock:
    from leadwire.app.ports import utc_now

    return utc_now


def now() -> datetime:
    return clock()()


@lru_cache(maxsize=1)
def rules() -> ScoringRules:
    from leadwire.domain.rules import DEFAULT_RULES_FILE, load_rules

    config = settings()
    loaded = load_rules(config.rules_file or DEFAULT_RULES_FILE)
    return loaded.with_thresholds(config.mql_threshold, config.sql_threshold)


@lru_cache(maxsize=1)
def dynamodb_client() -> Any:
    from leadwire.aws.dynamo import dynamodb_client as make

    return _overrides.get("dynamodb") or make()


@lru_cache(maxsize=1)
def sns_client() -> Any:
    from leadwire.aws.sns import sns_client as make

    return _overrides.get("sns") or make()


@lru_cache(maxsize=1)
def store() -> DynamoLeadStore:
    from leadwire.aws.dynamo import DynamoLeadStore

    return DynamoLeadStore(settings().table_name, dynamodb_client(), settings().stage_shards)


@lru_cache(maxsize=1)
def publisher() -> SnsAlertPublisher:
    from leadwire.aws.sns import SnsAlertPublisher

    topic = settings().topic_arn
    if not topic:
        raise RuntimeError("ALERTS_TOPIC_ARN is not set")
    return SnsAlertPublisher(topic, sns_client())


@lru_cache(maxsize=1)
def sms_budget() -> DynamoSmsBudget:
    from leadwire.aws.dynamo import DynamoSmsBudget

    config = settings()
    return DynamoSmsBudget(
        config.table_name, config.sms_per_hour, config.sms_per_day, dynamodb_client()
    )


@lru_cache(maxsize=1)
def lead_links() -> LeadLinks:
    from datetime import timedelta

    from leadwire.app.lead_links import LeadLinks
    from leadwire.aws.secrets import signing_secrets
    from leadwire.domain.lead_link import DEV_LINK_KEY, LINK_KEY_NAME

    config = settings()
    secrets = signing_secrets(config, dev_defaults={LINK_KEY_NAME: DEV_LINK_KEY})
    return LeadLinks(secrets, config.lead_link_base_url, timedelta(days=config.lead_link_days))


@lru_cache(maxsize=1)
def slack() -> SlackWebhook:
    from leadwire.aws.secrets import signing_secrets
    from leadwire.aws.slack import SlackWebhook

    return SlackWebhook(signing_secrets(settings()))


@lru_cache(maxsize=1)
def alerting() -> Alerting:
    from leadwire.app.alerting import Alerting

    return Alerting(
        store=store(),
        outbox=store(),
        publisher=publisher(),
        budget=sms_budget(),
        links=lead_links(),
        slack=slack(),
    )


@lru_cache(maxsize=1)
def lead_pages() -> LeadPages:
    from leadwire.app.lead_page import LeadPages

    return LeadPages(
        store=store(),
        secrets=lead_links().secrets,
        dispositions=dispositions(),
        rules_version=rules().version,
        clock=clock(),
    )


@lru_cache(maxsize=1)
def form_guard_store() -> DynamoFormGuardStore:
    from leadwire.aws.dynamo import DynamoFormGuardStore

    return DynamoFormGuardStore(settings().table_name, dynamodb_client())


@lru_cache(maxsize=1)
def form_guard() -> FormGuard:
    from datetime import timedelta

    from leadwire.app.form_guard import FormDefences, FormGuard
    from leadwire.aws.secrets import signing_secrets
    from leadwire.domain.form_token import TokenAges
    from leadwire.providers.html_form import DEV_TOKEN_KEY, TOKEN_KEY_NAME

    config = settings()
    defences = FormDefences(
        origins=config.form_origins,
        token_required=config.form_token_required,
        token_ages=TokenAges(
            timedelta(seconds=config.form_token_min_age),
            timedelta(seconds=config.form_token_max_age),
        ),
        posts_per_minute=config.form_posts_per_minute,
        beacons_per_minute=config.beacons_per_minute,
    )
    dev = _dev_secrets(config)
    secrets = signing_secrets(config, dev_defaults=dev and {**dev, TOKEN_KEY_NAME: DEV_TOKEN_KEY})
    return FormGuard(store=form_guard_store(), secrets=secrets, defences=defences)


def _dev_secrets(config: Settings) -> dict[str, str] | None:
    """The providers' development secrets, for secrets from the environment only (reading
    them imports every provider; from SSM a cold start loads just the one it serves)."""
    if config.secrets_source == "ssm":
        return None
    from leadwire.providers import DEV_SECRETS

    return DEV_SECRETS


@lru_cache(maxsize=1)
def intake() -> Intake:
    from leadwire.app.intake import Intake, IntakeLimits
    from leadwire.aws.secrets import signing_secrets

    config = settings()
    limits = IntakeLimits(
        max_body_bytes=config.max_body_bytes,
        max_batch_body_bytes=config.max_batch_body_bytes,
        max_beacon_body_bytes=config.max_beacon_body_bytes,
        redirect_origins=config.redirect_origins,
        write_attempts=config.write_attempts,
        phone_region=config.phone_default_region,
    )
    secrets = signing_secrets(config, dev_defaults=_dev_secrets(config))
    return Intake(
        store=store(),
        secrets=secrets,
        rules=rules(),
        limits=limits,
        clock=clock(),
        guard=form_guard(),
    )


@lru_cache(maxsize=1)
def lead_queries() -> LeadQueries:
    from leadwire.app.leads import LeadQueries

    return LeadQueries(store=store(), rules=rules(), clock=clock())


@lru_cache(maxsize=1)
def dispositions() -> Dispositions:
    from leadwire.app.disposition import Dispositions

    return Dispositions(store(), rules(), clock(), settings().write_attempts)


_BUILT_ON_CLIENTS = (
    dynamodb_client,
    sns_client,
    store,
    publisher,
    sms_budget,
    lead_links,
    slack,
    alerting,
    lead_pages,
    form_guard_store,
    form_guard,
    intake,
    lead_queries,
    dispositions,
)


def reset() -> None:
    """Forget every cached adapter and override (tests, and the local stack after changing
    the environment)."""
    _overrides.clear()
    for factory in (settings, rules, *_BUILT_ON_CLIENTS):
        factory.cache_clear()
