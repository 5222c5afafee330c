"""Sales' feedback on a lead (accepted, rejected, recycled): the stage and the record change."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from leadwire.app.leads import existing_lead, lead_view
from leadwire.app.locking import update_lead
from leadwire.app.ports import Clock, LeadStore
from leadwire.domain.errors import LeadNotFound, MalformedPayload
from leadwire.domain.models import DispositionOutcome, Lead, Outcome
from leadwire.domain.rules import ScoringRules
from leadwire.domain.scoring import dispose


class DispositionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    outcome: DispositionOutcome
    reason: str | None = Field(default=None, max_length=500)


@dataclass(frozen=True)
class Dispositions:
    store: LeadStore
    rules: ScoringRules
    clock: Clock
    attempts: int = 10

    def record(self, lead_id: str, body: Any) -> dict[str, Any]:
        """Apply sales' outcome for the lead; the updated lead as the API shows it."""
        try:
            request = DispositionRequest.model_validate(body)
        except ValidationError as e:
            first = e.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "body"
            raise MalformedPayload(f"{where}: {first['msg']}") from e
        lead = existing_lead(self.store, lead_id)
        event_id = f"disposition:{uuid.uuid4().hex}"

        def change(current: Lead | None) -> Outcome:
            if current is None:
                raise LeadNotFound(f"no lead {lead.lead_id}")
            return dispose(
                current, request.outcome, request.reason, self.rules, self.clock(), event_id
            )

        outcome = update_lead(self.store, lead.lead_id, change, self.attempts)
        assert outcome is not None  # dispose always changes the lead
        return lead_view(outcome.lead)
