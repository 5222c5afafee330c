"""Who owns an SQL: the routing rules choose a queue from the profile, and the queue's reps take
turns. Pure: the turn itself is a counter the store keeps, read and written with the lead."""

from __future__ import annotations

from datetime import datetime

from leadwire.domain.models import Lead, Profile, Sla, Turn, Urgency
from leadwire.domain.rules import QueueRules, RouteRule, RoutingRules
from leadwire.domain.scoring import employee_count
from leadwire.domain.sla import due_after


def queue_for(profile: Profile, routing: RoutingRules) -> str:
    """The first rule the profile matches names the queue; none matches: the default queue."""
    for rule in routing.rules:
        if _matches(rule, profile, routing):
            return rule.queue
    return routing.default_queue


def _matches(rule: RouteRule, profile: Profile, routing: RoutingRules) -> bool:
    country = (profile.country or "").strip().lower()
    if rule.countries and country not in {c.strip().lower() for c in rule.countries}:
        return False
    if rule.territory is not None and country not in routing.territory_countries[rule.territory]:
        return False
    if rule.industries:
        industry = (profile.industry or "").strip().lower()
        if industry not in {i.strip().lower() for i in rule.industries}:
            return False
    if rule.min_employees is not None or rule.max_employees is not None:
        employees = employee_count(profile.company_size)
        if employees is None:
            return False
        if rule.min_employees is not None and employees < rule.min_employees:
            return False
        if rule.max_employees is not None and employees > rule.max_employees:
            return False
    return True


def rep_on_turn(queue: QueueRules, seen: int) -> str:
    """Round-robin: the turn after `seen` earlier ones, in the queue's order."""
    return queue.reps[seen % len(queue.reps)]


def escalation_order(queue: QueueRules, owner: str) -> list[str]:
    """Who is alerted when the owner does not answer, in turn: the queue's other reps from the
    one after the owner, then its manager; each once."""
    reps = queue.reps
    start = reps.index(owner) + 1 if owner in reps else 0
    order = [r for r in reps[start:] + reps[:start] if r != owner]
    if queue.manager is not None and queue.manager != owner:
        order.append(queue.manager)
    return list(dict.fromkeys(order))


def assigned(
    lead: Lead, routing: RoutingRules, turn: Turn, now: datetime, rules_version: str
) -> Lead:
    """The lead, an SQL just now, with its owner (the queue's rep on this turn) and its response
    clock started (due after the queue's minutes for its urgency, inside business hours)."""
    queue = routing.queues[turn.queue]
    owner = rep_on_turn(queue, turn.seen)
    minutes = queue.sla_minutes.high if lead.urgency is Urgency.HIGH else queue.sla_minutes.normal
    hours = queue.hours.business_hours() if queue.hours else None
    chain = escalation_order(queue, owner)
    sla = Sla(
        started_at=now,
        due=due_after(now, minutes, hours),
        minutes=minutes,
        hours=hours,
        next=chain,
        names={rep: routing.reps[rep].name for rep in [owner, *chain]},
        rules_version=rules_version,
    )
    return lead.model_copy(update={"owner": owner, "queue": turn.queue, "sla": sla})
