"""A batch on the in-memory store: an event that cannot be written makes the answer a 503
(the sender retries), and the retry counts the written ones once."""

from __future__ import annotations

import json

import pytest

from leadwire.app.intake import Intake, IntakeLimits
from leadwire.aws.secrets import EnvSigningSecrets
from leadwire.domain.errors import PayloadTooLarge, StorageUnavailable
from leadwire.domain.models import Channel, lead_id_for
from leadwire.providers import DEV_SECRETS, WebhookRequest
from leadwire_local import senders
from tests.fakes import InMemoryLeadStore


def intake(store, rules, now, **limits) -> Intake:
    return Intake(
        store=store,
        secrets=EnvSigningSecrets({}, dev_defaults=DEV_SECRETS),
        rules=rules,
        limits=IntakeLimits(**limits),
        clock=lambda: now,
        sleep=lambda _: None,
    )


def segment_batch(n: int) -> WebhookRequest:
    items = [
        {
            "type": "track",
            "messageId": f"m{i}",
            "anonymousId": f"anon-{i}",
            "event": "Video Playback Completed",
            "timestamp": "2026-11-25T09:00:00Z",
        }
        for i in range(n)
    ]
    body = json.dumps({"batch": items}).encode()
    signed = senders.sign("segment", body)
    return WebhookRequest(headers={"content-type": "application/json", **signed.headers}, body=body)


def test_an_event_that_cannot_be_written_fails_the_batch_and_the_retry_counts_once(rules, now):
    store = InMemoryLeadStore()
    store.conflicts_to_raise = 1  # the first write of the batch loses every attempt
    request = segment_batch(3)
    with pytest.raises(StorageUnavailable, match="1 of 3 events could not be written"):
        intake(store, rules, now, write_attempts=1).receive(Channel.EVENT, "segment", request)
    assert len(store.entries) == 2
    receipt = intake(store, rules, now, write_attempts=1).receive(Channel.EVENT, "segment", request)
    assert receipt.batch is not None
    assert (receipt.batch.accepted, receipt.batch.duplicates) == (1, 2)
    assert {lead_id for lead_id, _ in store.entries} == {
        lead_id_for(None, f"anon-{i}") for i in range(3)
    }


def test_a_batch_may_be_larger_than_a_form_but_not_unbounded(rules, now):
    store = InMemoryLeadStore()
    request = segment_batch(400)  # ~ 45 KB, over a small form limit
    limits = {"max_body_bytes": 1_000, "max_batch_body_bytes": 100_000}
    receipt = intake(store, rules, now, **limits).receive(Channel.EVENT, "segment", request)
    assert receipt.batch is not None and receipt.batch.accepted == 400
    with pytest.raises(PayloadTooLarge):
        intake(store, rules, now, max_batch_body_bytes=1_000).receive(
            Channel.EVENT, "segment", request
        )


def test_events_that_share_an_email_or_a_visitor_id_are_one_person_written_in_order(now):
    from datetime import timedelta

    from leadwire.app.intake import people_in
    from leadwire.domain.models import LeadEvent, Profile

    def event(n: int, email: str | None = None, visitor: str | None = None) -> LeadEvent:
        return LeadEvent(
            event_id=f"segment:{n}",
            provider="segment",
            channel=Channel.EVENT,
            occurred_at=now - timedelta(minutes=n),
            visitor_id=visitor,
            profile=Profile(email=email),
            activity="page",
        )

    groups = people_in(
        [
            event(1, visitor="a"),
            event(2, "Pat@x.example", "a"),
            event(3, "pat@x.example"),
            event(4, visitor="b"),
        ]
    )
    assert sorted([e.event_id for e in g] for g in groups) == [
        ["segment:3", "segment:2", "segment:1"],  # oldest first
        ["segment:4"],
    ]
