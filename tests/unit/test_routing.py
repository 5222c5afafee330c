"""Routing and the response clock, pure and on fakes: the queue the rules choose, whose turn it
is, when a clock is due (inside business hours), and what an expiry escalates to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from leadwire.app.alerting import Alerting, sweep_outbox
from leadwire.app.intake import Intake, IntakeLimits
from leadwire.aws.secrets import EnvSigningSecrets
from leadwire.domain.errors import RulesError
from leadwire.domain.models import BusinessHours, Channel, Profile, Stage, lead_id_for
from leadwire.domain.routing import escalation_order, queue_for, rep_on_turn
from leadwire.domain.rules import DEFAULT_RULES_FILE, parse_rules
from leadwire.domain.sla import due_after, escalate
from leadwire.providers import DEV_SECRETS, WebhookRequest
from leadwire_local import senders
from tests.fakes import CountingSmsBudget, InMemoryLeadStore, RecordingPublisher

BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = BusinessHours(timezone="Europe/Berlin")  # Monday to Friday, 09:00 to 17:00


def intake(store, rules, now) -> Intake:
    return Intake(
        store=store,
        secrets=EnvSigningSecrets({}, dev_defaults=DEV_SECRETS),
        rules=rules,
        limits=IntakeLimits(write_attempts=10),
        clock=lambda: now,
        sleep=lambda _: None,
    )


def demo_request(email: str, now: datetime, **fields: str) -> WebhookRequest:
    """A demo request from a CEO: an SQL on that event."""
    body = senders.json_form(
        "demo-request", {"email": email, "job_title": "CEO", "company": "BigCo", **fields}
    )
    headers, raw = senders.json_webhook(body, timestamp=int(now.timestamp()))
    return WebhookRequest(headers=headers, body=raw)


def new_sql(store, rules, now, email, **fields):
    intake(store, rules, now).receive(Channel.FORM, "json", demo_request(email, now, **fields))
    return store.leads[lead_id_for(email)]


# -- choosing the queue and the rep -------------------------------------------------------------


@pytest.mark.parametrize(
    ("profile", "queue"),
    [
        (Profile(company_size="500"), "enterprise"),  # 200 employees or more
        (Profile(company_size="51-200"), "enterprise"),  # the range's upper end
        (Profile(company_size="60", country="Germany"), "enterprise"),  # DACH from 50
        (Profile(company_size="60", country="de"), "enterprise"),  # any case
        (Profile(company_size="60", country="France"), "smb"),
        (Profile(company_size="40", country="Germany"), "smb"),
        (Profile(), "smb"),  # nothing known: the default queue
    ],
)
def test_the_first_matching_rule_chooses_the_queue(rules, profile, queue):
    assert queue_for(profile, rules.routing) == queue


def test_reps_take_turns_in_the_queues_order(rules):
    enterprise = rules.routing.queues["enterprise"]
    assert [rep_on_turn(enterprise, seen) for seen in range(5)] == [
        "ana",
        "ben",
        "ana",
        "ben",
        "ana",
    ]


def test_escalation_goes_to_the_next_reps_then_the_manager_each_once(rules):
    queue = rules.routing.queues["enterprise"].model_copy(
        update={"reps": ["ana", "ben", "carla"], "manager": "carla"}
    )
    assert escalation_order(queue, "ben") == ["carla", "ana"]
    assert escalation_order(queue, "ana") == ["ben", "carla"]


def test_consecutive_sqls_in_a_queue_go_round_robin_with_a_clock_each(rules, now):
    store = InMemoryLeadStore()
    owners = [
        new_sql(store, rules, now, f"cto{n}@bigco.example", company_size="800").owner
        for n in range(4)
    ]
    assert owners == ["ana", "ben", "ana", "ben"]
    lead = store.leads[lead_id_for("cto0@bigco.example")]
    assert lead.stage is Stage.SQL and lead.queue == "enterprise"
    assert lead.sla is not None and lead.sla.next == ["ben", "carla"]
    assert lead.sla.due == now + timedelta(minutes=60)  # normal urgency: 60 minutes
    assert store.turns("enterprise") == 4


def test_an_urgent_sql_gets_the_queues_short_clock(rules, now):
    store = InMemoryLeadStore()
    lead = new_sql(store, rules, now, "cto@bigco.example", company_size="800", timeline="today")
    assert lead.sla is not None and lead.sla.due == now + timedelta(minutes=5)


def test_a_turn_taken_meanwhile_routes_again_to_the_next_rep(rules, now):
    # Given another SQL takes the queue's turn between this one's read and its write
    class Racing(InMemoryLeadStore):
        raced = False

        def turns(self, queue: str) -> int:
            seen = super().turns(queue)
            if not self.raced:
                self.raced = True
                self.queue_turns[queue] = seen + 1  # the other SQL got "ana"
            return seen

    store = Racing()
    lead = new_sql(store, rules, now, "cto@bigco.example", company_size="800")
    # Then this one is routed again, and takes the next turn rather than sharing the first
    assert lead.owner == "ben"
    assert store.turns("enterprise") == 2


def test_the_outbox_alert_is_addressed_to_the_owner(rules, now):
    store = InMemoryLeadStore()
    lead = new_sql(store, rules, now, "cto@bigco.example", company_size="800")
    (pending,) = store.outbox.values()
    assert (pending.to.kind, pending.to.owner, pending.to.queue) == ("sql", "ana", "enterprise")
    assert lead.owner == "ana"


def test_without_a_routing_section_an_sql_has_no_owner_and_no_clock(rules, now):
    plain = rules.model_copy(update={"routing": None})
    store = InMemoryLeadStore()
    lead = new_sql(store, plain, now, "cto@bigco.example", company_size="800")
    assert lead.stage is Stage.SQL
    assert (lead.owner, lead.queue, lead.sla) == (None, None, None)
    (pending,) = store.outbox.values()
    assert pending.to.owner is None  # every subscription takes it, as before routing


# -- the clock's arithmetic ---------------------------------------------------------------------


def test_without_business_hours_the_clock_runs_around_the_clock():
    start = datetime(2026, 12, 4, 23, 58, tzinfo=UTC)
    assert due_after(start, 5) == start + timedelta(minutes=5)


def test_inside_business_hours_the_minutes_are_plain():
    start = datetime(2026, 12, 2, 10, 0, tzinfo=BERLIN)  # a Wednesday
    assert due_after(start, 60, OFFICE) == datetime(2026, 12, 2, 11, 0, tzinfo=BERLIN)


def test_a_friday_evening_sql_is_due_on_monday_morning():
    start = datetime(2026, 12, 4, 16, 30, tzinfo=BERLIN)  # Friday, 30 minutes before closing
    assert due_after(start, 60, OFFICE) == datetime(2026, 12, 7, 9, 30, tzinfo=BERLIN)


def test_before_opening_the_clock_starts_at_opening():
    start = datetime(2026, 12, 2, 6, 0, tzinfo=BERLIN)
    assert due_after(start, 5, OFFICE) == datetime(2026, 12, 2, 9, 5, tzinfo=BERLIN)


def test_business_hours_follow_the_local_clock_across_a_dst_change():
    # Friday 27 March 2026 16:30 CET, 60 minutes: Monday 30 March 09:30 CEST (UTC+2)
    start = datetime(2026, 3, 27, 16, 30, tzinfo=BERLIN)
    due = due_after(start, 60, OFFICE)
    assert due.astimezone(UTC) == datetime(2026, 3, 30, 7, 30, tzinfo=UTC)


# -- escalation ---------------------------------------------------------------------------------


def test_an_expired_clock_escalates_to_the_next_rep_with_a_clock_of_their_own(rules, now):
    store = InMemoryLeadStore()
    lead = new_sql(store, rules, now, "cto@bigco.example", company_size="800")
    assert escalate(lead, now + timedelta(minutes=59)) is None  # not due yet
    later = now + timedelta(minutes=61)
    outcome = escalate(lead, later)
    assert outcome is not None
    escalated = outcome.lead
    assert escalated.owner == "ben"
    assert escalated.sla is not None
    assert [(e.to, e.at) for e in escalated.sla.escalations] == [("ben", later)]
    assert "not acknowledged within 60 min by Ana Weber" in escalated.sla.escalations[0].reason
    assert escalated.sla.due == later + timedelta(minutes=60)
    assert outcome.entry.action == "escalated.ben" and outcome.entry.points == 0


def test_an_acknowledged_lead_never_escalates(rules, now):
    store = InMemoryLeadStore()
    lead = new_sql(store, rules, now, "cto@bigco.example", company_size="800")
    assert lead.sla is not None
    seen = lead.model_copy(update={"sla": lead.sla.model_copy(update={"acknowledged_at": now})})
    assert escalate(seen, now + timedelta(days=1)) is None


def sweeper(store, publisher) -> Alerting:
    return Alerting(store=store, outbox=store, publisher=publisher, budget=CountingSmsBudget())


def test_the_sweep_escalates_once_then_to_the_manager_then_stops(rules, now):
    store, publisher = InMemoryLeadStore(), RecordingPublisher()
    lead = new_sql(store, rules, now, "cto@bigco.example", company_size="800")
    store.outbox.clear()  # the SQL alert was sent by the alert function
    # When the clock runs out and two sweeps come by at the same moment
    first = now + timedelta(minutes=61)
    assert sweep_outbox(sweeper(store, publisher), first).escalated == 1
    assert sweep_outbox(sweeper(store, publisher), first).escalated == 0
    # Then ben got one escalation alert (by SMS too: an answer is overdue)
    assert [(t.kind, t.owner) for t in publisher.to] == [("escalation", "ben")]
    assert publisher.by_sms == [True]
    # And when ben does not answer either, the manager; after her, nobody
    sweep_outbox(sweeper(store, publisher), first + timedelta(minutes=61))
    sweep_outbox(sweeper(store, publisher), first + timedelta(days=3))
    assert [t.owner for t in publisher.to] == ["ben", "carla"]
    final = store.leads[lead.lead_id]
    assert final.sla is not None
    assert [e.to for e in final.sla.escalations] == ["ben", "carla"]
    assert final.sla.next == []
    assert store.clocks_due(now + timedelta(days=30), 10) == []


# -- the rules file -----------------------------------------------------------------------------


def broken(old: str, new: str) -> tuple[str, int]:
    text = DEFAULT_RULES_FILE.read_text()
    assert old in text
    text = text.replace(old, new)
    return text, next(i for i, t in enumerate(text.splitlines(), 1) if new in t)


def test_a_rule_naming_an_unknown_queue_names_its_line(rules):
    text, line = broken("{queue: enterprise, min_employees: 200}", "{queue: enterprize}")
    with pytest.raises(RulesError) as raised:
        parse_rules(text, "rules.yaml")
    assert (
        f"rules.yaml:{line}: routing.rules.0.queue: unknown queue 'enterprize'"
        " (did you mean 'enterprise'?)" in raised.value.message
    )


def test_a_rep_without_a_channel_names_its_line():
    text, line = broken(
        'ben:   {name: Ben Ortiz, email: ben@example.com, phone: "+14155550123"}',
        "ben:   {name: Ben Ortiz}",
    )
    with pytest.raises(RulesError) as raised:
        parse_rules(text, "rules.yaml")
    assert f"rules.yaml:{line}: routing.reps.ben:" in raised.value.message
    assert "a rep needs at least one channel" in raised.value.message


def test_an_unknown_rep_in_a_queue_names_its_line():
    text, line = broken("reps: [ben, ana]", "reps: [ben, anna]")
    with pytest.raises(RulesError) as raised:
        parse_rules(text, "rules.yaml")
    assert f"rules.yaml:{line}: routing.queues.smb.reps.1: unknown rep 'anna'" in (
        raised.value.message
    )


def test_a_phone_not_in_e164_is_refused():
    text, line = broken('"+14155550123"', '"415 555 0123"')
    with pytest.raises(RulesError, match=rf"rules.yaml:{line}: routing.reps.ben.phone"):
        parse_rules(text, "rules.yaml")


def test_rules_without_a_routing_section_load():
    text = DEFAULT_RULES_FILE.read_text()
    assert parse_rules(text[: text.index("\nrouting:")]).routing is None
