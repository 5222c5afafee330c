"""The alert's signed link, made when the alert is sent: the link key is read then, by the
senders (the alert function and the sweeper), never in the webhook's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from leadwire.app.ports import SigningSecrets
from leadwire.domain.alert_text import AlertLink
from leadwire.domain.lead_link import LINK_KEY_NAME, LeadLink, expiry_after, sign_link

LINK_PATH = "/l/"


@dataclass(frozen=True)
class LeadLinks:
    """Signing links for alerts: the key from the secrets store, the API's base URL."""

    secrets: SigningSecrets
    base_url: str
    valid_for: timedelta = timedelta(days=7)

    def for_alert(self, lead_id: str, version: int, now: datetime) -> AlertLink | None:
        """The link for this alert of this lead, None when no link key is configured."""
        keys = self.secrets.for_provider(LINK_KEY_NAME)
        if not keys or not self.base_url:
            return None
        expires = expiry_after(now, self.valid_for)
        token = sign_link(LeadLink(lead_id, version, expires), keys[0])
        return AlertLink(f"{self.base_url.rstrip('/')}{LINK_PATH}{token}", expires)
