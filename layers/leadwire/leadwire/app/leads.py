"""Reading leads as the leads API shows them: one lead with its ledger, a page of a stage
newest first, or the board's view (searched, one owner's, in the order sales works it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from leadwire.app.ports import Clock, LeadStore
from leadwire.domain.accounts import AccountView, Colleague, account_of, account_view
from leadwire.domain.board import matches, priority
from leadwire.domain.errors import LeadNotFound, MalformedPayload
from leadwire.domain.models import Lead, Stage, is_lead_id, lead_id_for
from leadwire.domain.rules import ScoringRules
from leadwire.domain.scoring import as_of

SORTS = ("stage", "priority")
MAX_PAGE = 100
# The board view's cursor is an offset into the sorted view; the prefix is not in the
# base64 alphabet of the stage cursors, so one is never mistaken for the other.
_OFFSET_CURSOR = "~"


def existing_lead(store: LeadStore, lead_id: str) -> Lead:
    """The stored lead, or LeadNotFound (also for an id that is not one of ours)."""
    lead = store.load(lead_id) if is_lead_id(lead_id) else None
    if lead is None:
        raise LeadNotFound("no such lead")
    return lead


def lead_view(lead: Lead) -> dict[str, Any]:
    """A lead as the API shows it (camelCase, score split, BANT, urgency, transitions)."""
    # The account window is the alert senders' copy of the rules; the API shows `account`.
    return lead.model_dump(mode="json", by_alias=True, exclude={"account_window"})


def account_of_lead(
    store: LeadStore, lead: Lead, rules: ScoringRules, now: datetime
) -> AccountView | None:
    """The lead's account as sales sees it: who else engaged lately, and whether it surges."""
    domain = account_of(lead.profile, rules)
    if domain is None or rules.accounts is None:
        return None
    since = now - timedelta(days=rules.accounts.window_days)
    colleagues = [
        Colleague(
            lead_id=other.lead_id,
            name=other.profile.display_name,
            job_title=other.profile.job_title,
            stage=other.stage.value,
            score=other.score,
            engaged_at=at,
        )
        for other, at in store.engaged_for(domain, since)
    ]
    return account_view(lead, colleagues, rules, now)


@dataclass(frozen=True)
class LeadQueries:
    store: LeadStore
    rules: ScoringRules
    clock: Clock

    def get(self, lead_id: str) -> dict[str, Any]:
        lead = existing_lead(self.store, lead_id)
        ledger = self.store.ledger(lead.lead_id)
        now = self.clock()
        account = account_of_lead(self.store, lead, self.rules, now)
        return {
            **lead_view(as_of(lead, self.rules, now)),
            "account": account.model_dump(mode="json", by_alias=True) if account else None,
            "ledger": [e.model_dump(mode="json", by_alias=True, exclude={"event"}) for e in ledger],
        }

    def list(
        self,
        stage: str | None,
        email: str | None,
        limit: str | None,
        cursor: str | None,
        search: str | None = None,
        owner: str | None = None,
        sort: str | None = None,
    ) -> dict[str, Any]:
        now = self.clock()
        if email:
            lead = self.store.load(lead_id_for(email))
            found = [lead] if lead and (not stage or lead.stage.value == stage.lower()) else []
            return {"items": [lead_view(as_of(x, self.rules, now)) for x in found], "next": None}
        try:
            wanted = Stage(stage.lower()) if stage else None
            size = int(limit) if limit else 25
        except ValueError as e:
            raise MalformedPayload("stage must be lead, mql or sql; limit a number") from e
        if sort is not None and sort not in SORTS:
            raise MalformedPayload("sort must be stage (newest in stage first) or priority")
        if search or owner or sort == "priority":
            return self._board_view(wanted, search, owner, sort or "stage", size, cursor)
        leads, cursor_out = self.store.list_leads(wanted, size, cursor)
        return {"items": [lead_view(as_of(x, self.rules, now)) for x in leads], "next": cursor_out}

    def _board_view(
        self,
        stage: Stage | None,
        search: str | None,
        owner: str | None,
        sort: str,
        size: int,
        cursor: str | None,
    ) -> dict[str, Any]:
        """Every lead of the stage read (a page of the index at a time), filtered and sorted
        here: a search or an order across stages has no index. The cursor is an offset, so a
        lead that moves while sales pages may be shown twice or skipped once."""
        if cursor and not (cursor.startswith(_OFFSET_CURSOR) and cursor[1:].isdigit()):
            raise MalformedPayload("the cursor is not one this API gave out")
        start = int(cursor[1:]) if cursor else 0
        size = max(1, min(size, MAX_PAGE))
        now = self.clock()
        found: list[Lead] = []
        # One stage at a time: each index query then returns a full page of that stage (the
        # merged, all-stages pages would query every stage for each page).
        for wanted in [stage] if stage else list(Stage):
            position: str | None = None
            while True:
                leads, position = self.store.list_leads(wanted, MAX_PAGE, position)
                for lead in leads:
                    if owner and lead.owner != owner:
                        continue
                    if search and not matches(lead, search):
                        continue
                    found.append(as_of(lead, self.rules, now))
                if position is None:
                    break
        if sort == "priority":
            found.sort(key=priority)
        else:  # as the index pages are: newest in its stage first, the stages merged
            found.sort(key=lambda x: (x.stage_at or x.created_at, x.lead_id), reverse=True)
        page = found[start : start + size]
        more = start + size < len(found)
        return {
            "items": [lead_view(x) for x in page],
            "next": f"{_OFFSET_CURSOR}{start + size}" if more else None,
            "total": len(found),
        }
