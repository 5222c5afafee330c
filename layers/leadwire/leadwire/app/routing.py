"""Giving a new SQL its owner: the queue the routing rules choose, the rep whose turn it is (the
queue's counter, read here and taken in the lead's own transaction), and its response clock."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from leadwire.app.locking import Change
from leadwire.app.ports import LeadStore
from leadwire.domain.models import Turn
from leadwire.domain.outbox import entered_sql
from leadwire.domain.routing import assigned, queue_for
from leadwire.domain.rules import RoutingRules


def routed(store: LeadStore, change: Change, routing: RoutingRules, now: datetime) -> Change:
    """The change with an owner, a queue and a started clock when it makes the lead an SQL,
    and the turn to take with it (a concurrent SQL taking it first: the loop routes again)."""
    outcome = change.outcome
    if not entered_sql(outcome):
        return change
    queue = queue_for(outcome.lead.profile, routing)
    turn = Turn(queue=queue, seen=store.turns(queue))
    lead = assigned(outcome.lead, routing, turn, now, outcome.entry.rules_version)
    return replace(change, outcome=outcome.model_copy(update={"lead": lead}), turn=turn)
