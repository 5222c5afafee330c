"""Receiving a webhook, on in-memory fakes: retries on a version conflict, bounded."""

from __future__ import annotations

import pytest

from leadwire.app.intake import Intake, IntakeLimits
from leadwire.aws.secrets import EnvSigningSecrets
from leadwire.domain.errors import StorageUnavailable
from leadwire.domain.models import Channel, lead_id_for
from leadwire.providers import DEV_SECRETS, WebhookRequest
from leadwire_local import senders
from tests.fakes import InMemoryLeadStore


def intake(store, rules, now, attempts=10) -> Intake:
    return Intake(
        store=store,
        secrets=EnvSigningSecrets({}, dev_defaults=DEV_SECRETS),
        rules=rules,
        limits=IntakeLimits(write_attempts=attempts),
        clock=lambda: now,
        sleep=lambda _: None,
    )


def signed(form: str, email: str, now) -> WebhookRequest:
    headers, body = senders.json_webhook(
        senders.json_form(form, {"email": email}), timestamp=int(now.timestamp())
    )
    return WebhookRequest(headers=headers, body=body)


def test_a_version_conflict_is_retried_with_a_fresh_read(rules, now):
    store = InMemoryLeadStore()
    store.conflicts_to_raise = 3
    receipt = intake(store, rules, now).receive(
        Channel.FORM, "json", signed("webinar", "a@corp.example", now)
    )
    assert receipt.status == "accepted"
    assert store.leads[lead_id_for("a@corp.example")].events == 1


def test_conflicts_beyond_the_bound_answer_503_so_the_sender_retries(rules, now):
    store = InMemoryLeadStore()
    store.conflicts_to_raise = 5
    with pytest.raises(StorageUnavailable):
        intake(store, rules, now, attempts=3).receive(
            Channel.FORM, "json", signed("webinar", "a@corp.example", now)
        )
    assert store.leads == {}


def test_no_secret_configured_refuses_signed_providers(rules, now):
    store = InMemoryLeadStore()
    service = Intake(
        store=store,
        secrets=EnvSigningSecrets({}),
        rules=rules,
        limits=IntakeLimits(),
        clock=lambda: now,
    )
    with pytest.raises(Exception, match="no signing secret"):
        service.receive(Channel.FORM, "json", signed("trial", "a@corp.example", now))
