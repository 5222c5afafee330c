"""The one optimistic-locking loop every change to a lead goes through (webhooks,
dispositions, decay): read, compute the new state purely, write under a version condition,
and on a concurrent update read and compute again."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from leadwire.app.ports import LeadStore
from leadwire.domain.errors import StorageUnavailable, VersionConflict
from leadwire.domain.models import Lead, Outcome, Turn
from leadwire.domain.outbox import alert_for


def retry_pause(attempt: int) -> float:
    """Full jitter, growing from 5 ms to at most 200 ms: racing writers spread out."""
    return random.uniform(0, min(0.2, 0.005 * 2**attempt))


@dataclass(frozen=True)
class Change:
    """What one attempt decided to write: the outcome, and for a webhook that identifies an
    anonymous visitor, the visitor's lead to fold in or the visitor id to link."""

    outcome: Outcome
    absorbed: Lead | None = None
    link: str | None = None
    turn: Turn | None = None  # the routing queue's turn an SQL's owner took


def update_lead(
    store: LeadStore,
    lead_id: str,
    change: Callable[[Lead | None], Outcome | Change | None],
    attempts: int,
    sleep: Callable[[float], None] = time.sleep,
) -> Outcome | None:
    """Apply `change` to the stored lead; on a concurrent update, re-read and re-apply.

    `change` returning None means there is nothing to write (and nothing is written).
    DuplicateEvent passes through (the caller decides what a redelivery answers); past
    `attempts` conflicts the answer is StorageUnavailable, a 503 the sender retries.
    """
    for attempt in range(attempts):
        lead = store.load(lead_id)
        decided = change(lead)
        if decided is None:
            return None
        if isinstance(decided, Outcome):
            decided = Change(decided)
        expected = lead.version if lead else 0
        try:
            # An SQL transition's alert goes into the outbox in the same transaction.
            alert = alert_for(decided.outcome)
            stored = store.record(
                decided.outcome, expected, decided.absorbed, decided.link, alert, turn=decided.turn
            )
        except VersionConflict:
            sleep(retry_pause(attempt))
            continue
        return decided.outcome.model_copy(update={"lead": stored})
    raise StorageUnavailable("the lead is too busy right now; retry the delivery")
