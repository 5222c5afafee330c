"""Erasure: everything stored about a person goes (profile, ledger, alerts, aliases)."""

from __future__ import annotations

from typing import Any

from leadwire.app.leads import existing_lead
from leadwire.app.ports import LeadStore


def erase_lead(store: LeadStore, lead_id: str) -> dict[str, Any]:
    lead = existing_lead(store, lead_id)
    removed = store.erase(lead.lead_id)
    return {"status": "erased", "leadId": lead.lead_id, "items": removed}
