"""The lead page behind an alert's link, opened by whoever holds the link, with no login: the
token is the authorization, for that one lead.

Opening the page records that sales saw the lead (its response clock stops); the page's
buttons record a disposition. A refused token (forged, altered, expired) changes nothing; a
genuine token for an erased lead finds nothing and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from leadwire.app.acknowledge import acknowledge
from leadwire.app.ports import Clock, LeadStore, SigningSecrets
from leadwire.domain.accounts import account_line
from leadwire.domain.errors import LeadErased
from leadwire.domain.lead_link import LINK_KEY_NAME, LeadLink, read_link
from leadwire.domain.models import Lead, LedgerEntry

if TYPE_CHECKING:  # its pydantic request model loads with the first disposition, not the page
    from leadwire.app.disposition import Dispositions


@dataclass(frozen=True)
class LeadPageData:
    """What the lead page shows: the lead, its ledger, and the link it was opened with."""

    lead: Lead
    ledger: list[LedgerEntry]
    link: LeadLink
    account: str | None = None  # who else from their company engaged lately


@dataclass(frozen=True)
class LeadPages:
    """The lead page behind a link: open it (recording that sales saw the lead), act on it."""

    store: LeadStore
    secrets: SigningSecrets
    dispositions: Dispositions
    rules_version: str
    clock: Clock

    def granted(self, token: str) -> LeadLink:
        """What the token grants, or LeadLinkInvalid / LeadLinkExpired (nothing read)."""
        return read_link(token, self.secrets.for_provider(LINK_KEY_NAME), self.clock())

    def open(self, token: str, acknowledged: bool = True) -> LeadPageData:
        """The lead the token names; with `acknowledged`, sales is recorded as having seen it
        (once: the response clock stops). LeadErased when the lead is gone."""
        link = self.granted(token)
        lead = self.store.load(link.lead_id)
        if lead is None:
            raise LeadErased("this lead was erased")
        if acknowledged:
            lead = acknowledge(self.store, lead.lead_id, "link", self.clock(), self.rules_version)
        return LeadPageData(lead, self.store.ledger(lead.lead_id), link, self._account(lead))

    def _account(self, lead: Lead) -> str | None:
        window = lead.account_window
        if window is None:
            return None
        now = self.clock()
        since = now - timedelta(days=window.window_days)
        return account_line(lead, self.store.engaged_people(window.domain, since), now)

    def dispose(self, token: str, outcome: str, reason: str | None) -> dict[str, Any]:
        """Record sales' verdict from the page's buttons (a disposition also stops the clock)."""
        link = self.granted(token)
        if self.store.load(link.lead_id) is None:
            raise LeadErased("this lead was erased")
        body = {"outcome": outcome, "reason": reason or None}
        return self.dispositions.record(link.lead_id, body)
