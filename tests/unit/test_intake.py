"""The use cases on in-memory fakes: intake retries a version conflict (bounded); decay
and erasure through the same store port."""

from __future__ import annotations

from datetime import timedelta

import pytest

from leadwire.app.decay import fade_mqls
from leadwire.app.erasure import erase_lead
from leadwire.app.intake import Intake, IntakeLimits
from leadwire.aws.secrets import EnvSigningSecrets
from leadwire.domain.errors import LeadNotFound, StorageUnavailable
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


def bob_the_mql(store: InMemoryLeadStore, rules, now) -> str:
    """Seed 003's Bob: a team lead whose blog, e-books and webinar make him an MQL."""
    bob = "bob@acme-robotics.example"
    service = intake(store, rules, now)
    for form in ("newsletter", "content-download", "content-download", "webinar"):
        headers, body = senders.json_webhook(
            senders.json_form(
                form, {"email": bob, "job_title": "Team Lead", "company_size": "120"}
            ),
            timestamp=int(now.timestamp()),
        )
        service.receive(Channel.FORM, "json", WebhookRequest(headers=headers, body=body))
    lead_id = lead_id_for(bob)
    assert store.leads[lead_id].stage.value == "mql"
    return lead_id


def test_decay_returns_a_faded_mql_to_lead_once(rules, now):
    # Given an MQL, and a year without engagement
    store = InMemoryLeadStore()
    lead_id = bob_the_mql(store, rules, now)
    later = now + timedelta(days=365)
    # When the daily decay runs (twice: the second finds nothing to do)
    first = fade_mqls(store, rules, later)
    second = fade_mqls(store, rules, later)
    # Then Bob is a lead again, with the demotion in his ledger
    assert first == {"checked": 1, "demoted": 1} and second == {"checked": 0, "demoted": 0}
    assert store.leads[lead_id].stage.value == "lead"
    assert store.ledger(lead_id)[-1].action.startswith("decay")


def test_erasure_leaves_nothing_of_the_person(rules, now):
    store = InMemoryLeadStore()
    lead_id = bob_the_mql(store, rules, now)
    answer = erase_lead(store, lead_id)
    assert answer == {"status": "erased", "leadId": lead_id, "items": 5}
    assert store.load(lead_id) is None and store.ledger(lead_id) == []
    with pytest.raises(LeadNotFound):
        erase_lead(store, lead_id)
