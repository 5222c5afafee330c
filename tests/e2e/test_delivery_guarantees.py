"""PRODUCT.md's delivery guarantees under load, on `leadwire serve` over HTTP.

One served process for the module, with 8 concurrent instances per HTTP function (so
webhooks for one lead really race on its version) and a rules file whose points add up
exactly: no fading to speak of, no total cap, one uncapped action. Every sender here
retries a 503 or a time-out as a real one would (bounded, see `Sender`); the end state must
still be exact.
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import yaml

from leadwire.domain.models import lead_id_for
from leadwire.domain.outbox import LEASE_SECONDS
from leadwire.domain.rules import DEFAULT_RULES_FILE
from leadwire_local import cli
from tests.e2e.stack import Sender, ServeProcess, get_json, post, request, serving

pytestmark = pytest.mark.e2e

INSTANCES = 8
SENDERS = 32  # client threads

# Fit 45 (CEO 25, 800 people 15, business email 5); budget + authority: BANT 2/4.
CEO = {
    "first_name": "Cleo",
    "job_title": "CEO",
    "company_size": "800",
    "budget": "$200k",
    "timeline": "next year",
}
CEO_FIT = 45


def exact_rules() -> dict[str, Any]:
    """The shipped rules with arithmetic a test can check: `ping` forms and chat messages
    give 1 point each without a cap, engagement neither fades (in minutes) nor has a total cap;
    e-books keep their 10 points and cap of 30."""
    rules = yaml.safe_load(DEFAULT_RULES_FILE.read_text())
    rules["version"] = "e2e-exact"
    rules["engagement"]["half_life_days"] = 1_000_000
    rules["engagement"]["cap"] = None
    rules["engagement"]["actions"]["ping"] = {"points": 1}
    rules["engagement"]["actions"]["chat_message"] = {"points": 1}
    rules["forms"]["ping"] = "ping"
    rules["chat"]["pricing_phrases"] = ["pricing"]
    return rules


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    home = tmp_path_factory.mktemp("guarantees")
    rules = home / "rules.yaml"
    rules.write_text(yaml.safe_dump(exact_rules()))
    env = {"RULES_FILE": str(rules), "LEADWIRE_LOCAL_CONCURRENCY": str(INSTANCES)}
    with serving(home, env=env) as served:
        yield served


@pytest.fixture
def sender(stack: ServeProcess) -> Sender:
    return Sender(stack.base)


def lead(stack: ServeProcess, lead_id: str) -> dict[str, Any]:
    return dict(get_json(f"{stack.base}/leads/{lead_id}"))


def report(figure: str) -> None:
    print(f"\n[guarantees] {figure}")


def test_200_concurrent_webhooks_for_one_lead_lose_no_update_and_alert_once(stack, sender):
    # Given 200 distinct deliveries for one lead: 170 uncapped 1-point pings, 30 e-books
    # (10 points each, capped at 30 over the lead's life)
    email = "cleo@race.example"
    deliveries = [("ping", f"msg_race_ping_{n}") for n in range(170)]
    deliveries += [("ebook", f"msg_race_ebook_{n}") for n in range(30)]
    random.Random(6).shuffle(deliveries)
    # When they all arrive at once
    started = time.monotonic()
    with ThreadPoolExecutor(SENDERS) as pool:
        answers = list(
            pool.map(lambda d: sender.form(d[0], {**CEO, "email": email}, d[1]), deliveries)
        )
    elapsed = time.monotonic() - started
    report(f"200 concurrent webhooks, one lead: {elapsed:.1f} s, {sender.retries} 503 retries")
    # Then each was accepted once, the ledger holds each once, and the score is their sum
    assert answers == ["accepted"] * 200
    found = lead(stack, lead_id_for(email))
    ledger = found["ledger"]
    assert sorted(e["eventId"] for e in ledger) == sorted(f"json:{d}" for _, d in deliveries)
    assert sum(e["points"] for e in ledger) == found["score"] == CEO_FIT + 170 + 30
    assert found["stage"] == "sql"
    # And sales got exactly one alert
    assert len(stack.settled_alerts(found["leadId"])) == 1, stack.output()


def test_anonymous_visitors_racing_their_own_merge_end_as_one_exact_lead(stack, sender):
    # Given two visitors: one already chatted anonymously, the other has not been seen
    sender.chat("v_known", "hello", "msg_known_first")
    deliveries: list[tuple[str, str, str | None]] = [("v_known", "msg_known_first", None)]
    # When each sends 60 anonymous messages and 40 that carry their email, all at once
    for visitor, email in (("v_known", "kim@merge.example"), ("v_new", "nia@merge.example")):
        for n in range(100):
            deliveries.append((visitor, f"msg_{visitor}_{n}", email if n % 5 < 2 else None))
    racing = deliveries[1:]
    random.Random(7).shuffle(racing)
    started = time.monotonic()
    with ThreadPoolExecutor(SENDERS) as pool:
        answers = list(pool.map(lambda d: sender.chat(d[0], "a question", d[1], d[2]), racing))
    elapsed = time.monotonic() - started
    report(f"200 racing merge webhooks, two visitors: {elapsed:.1f} s, {sender.retries} retries")
    assert answers == ["accepted"] * len(racing)
    # Then each visitor is one lead under its email, holding every message once, exactly scored
    for visitor, email in (("v_known", "kim@merge.example"), ("v_new", "nia@merge.example")):
        mine = sorted(f"json:{d}" for v, d, _ in deliveries if v == visitor)
        found = lead(stack, lead_id_for(email))
        assert sorted(e["eventId"] for e in found["ledger"]) == mine
        assert sum(e["points"] for e in found["ledger"]) == found["score"] == 5 + len(mine)
        assert found["visitorIds"] == [visitor]
        # and the visitor id leads there, not to a second lead
        assert lead(stack, lead_id_for(None, visitor))["leadId"] == found["leadId"]


def test_1000_deliveries_of_100_events_count_each_event_once(stack, sender):
    # Given 100 distinct events for 10 leads, each delivered 1-20 times (1,000 in all)
    rng = random.Random(1000)
    events = [(f"msg_dup_{n}", f"dee{n % 10}@dup.example") for n in range(100)]
    copies = [1] * 100
    while sum(copies) < 1000:
        n = rng.randrange(100)
        copies[n] += copies[n] < 20
    deliveries = [event for event, count in zip(events, copies, strict=True) for _ in range(count)]
    rng.shuffle(deliveries)
    # When they arrive shuffled, 32 at a time
    started = time.monotonic()
    with ThreadPoolExecutor(SENDERS) as pool:
        answers = list(
            pool.map(lambda d: (d[0], sender.form("ping", {"email": d[1]}, d[0])), deliveries)
        )
    elapsed = time.monotonic() - started
    report(f"1,000 deliveries of 100 events: {elapsed:.1f} s, {sender.retries} 503 retries")
    # Then each event was accepted exactly once and called a duplicate every other time
    # (a copy whose attempt timed out and whose retry was a duplicate says `accepted`: the
    # sender cannot tell its own write from another copy's, so allow for those)
    statuses: dict[str, Counter[str]] = {}
    for event, status in answers:
        statuses.setdefault(event, Counter())[status] += 1
    for (event, _), count in zip(events, copies, strict=True):
        accepted = statuses[event]["accepted"]
        assert accepted - sender.accepted_unseen[event] <= 1 <= accepted, (event, statuses)
        assert statuses[event]["duplicate"] == count - accepted, (event, statuses)
    # And each lead counted each of its 10 events once: business email 5 + 10 pings
    for n in range(10):
        found = lead(stack, lead_id_for(f"dee{n}@dup.example"))
        assert len(found["ledger"]) == 10
        assert sum(e["points"] for e in found["ledger"]) == found["score"] == 5 + 10


def test_sns_outage_parks_the_alert_and_redrive_sends_it_once(stack, sender, capsys):
    # Given SNS failing for the alert's first delivery and all three retries
    armed = post(stack.base + "/_local/faults", {}, json.dumps({"snsPublishFailures": 4}).encode())
    assert armed[0] == 200
    email = "sam@outage.example"
    # When a webhook makes the lead an SQL
    assert sender.form("demo-request", {**CEO, "email": email}, "msg_outage") == "accepted"
    lead_id = lead_id_for(email)
    # Then no alert goes out, and the batch lands in the dead-letter queue
    assert stack.settled_alerts(lead_id) == []
    assert json.loads(_faults(stack))["snsPublishFailures"] == 0  # all four were used
    # When SNS is back and `leadwire redrive` replays the queue (twice: the second finds nothing)
    assert cli.main(["redrive", "--url", stack.base]) == 0
    assert "replayed 1 message(s), 1 record(s); 0 kept" in capsys.readouterr().out
    second = _redrive(stack)
    # Then sales gets the alert, exactly once
    assert second == {"replayed": 0, "records": 0, "failed": 0, "errors": []}
    [alert] = stack.settled_alerts(lead_id)
    assert alert["stage"] == "sql"


def _faults(stack: ServeProcess) -> bytes:
    return post(stack.base + "/_local/faults", {}, b"{}")[2]


def _redrive(stack: ServeProcess) -> dict[str, Any]:
    status, _, body = post(stack.base + "/_local/redrive", {}, b"")
    assert status == 200, body
    return dict(json.loads(body))


def _sweep(stack: ServeProcess, ahead_seconds: float) -> dict[str, Any]:
    body = json.dumps({"clockAheadSeconds": ahead_seconds}).encode()
    status, _, answer = post(stack.base + "/_local/sweep", {}, body)
    assert status == 200, answer
    return dict(json.loads(answer))


PAST_THE_LEASE = LEASE_SECONDS + 1


def test_redrive_after_erasure_sends_the_erased_person_nothing(stack, sender, capsys):
    # Given an alert parked in the dead-letter queue by an SNS outage
    armed = post(stack.base + "/_local/faults", {}, json.dumps({"snsPublishFailures": 4}).encode())
    assert armed[0] == 200
    email = "eve@erased.example"
    assert sender.form("demo-request", {**CEO, "email": email}, "msg_erased") == "accepted"
    lead_id = lead_id_for(email)
    assert stack.settled_alerts(lead_id) == []
    # When the person is erased, SNS is back, and `leadwire redrive` replays the queue
    status, _, body = request("DELETE", f"{stack.base}/leads/{lead_id}")
    assert status == 200 and json.loads(body)["status"] == "erased"
    assert cli.main(["redrive", "--url", stack.base]) == 0
    assert "replayed 1 message(s), 1 record(s); 0 kept" in capsys.readouterr().out
    # Then sales never hears of them (not from the redrive, not from the sweeper)
    assert stack.settled_alerts(lead_id) == []
    assert _sweep(stack, PAST_THE_LEASE)["sent"] == 0
    assert stack.settled_alerts(lead_id) == []
    assert request("GET", f"{stack.base}/leads/{lead_id}")[0] == 404  # and it stays erased


def test_alert_held_up_past_its_retries_is_sent_by_the_sweeper_once(stack, sender):
    # Given SNS failing for the alert's first delivery and all three retries
    armed = post(stack.base + "/_local/faults", {}, json.dumps({"snsPublishFailures": 4}).encode())
    assert armed[0] == 200
    email = "walt@weekend.example"
    assert sender.form("demo-request", {**CEO, "email": email}, "msg_weekend") == "accepted"
    lead_id = lead_id_for(email)
    assert stack.settled_alerts(lead_id) == []
    # When the sweeper runs before the lease is over, then after it (twice), nobody redriving
    early = _sweep(stack, 0)
    first, second = _sweep(stack, PAST_THE_LEASE), _sweep(stack, PAST_THE_LEASE * 2)
    # Then sales gets the alert from the table, exactly once
    assert early["sent"] == 0 and first["sent"] == 1 and second["sent"] == 0
    [alert] = stack.settled_alerts(lead_id)
    assert alert["stage"] == "sql"
