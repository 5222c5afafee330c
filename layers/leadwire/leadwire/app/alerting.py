"""Alerting sales when a lead becomes sales-qualified: once per SQL transition.

The marker `ALERT#<lead version>` is claimed before publishing and confirmed after, so a
retried stream batch finds it and sends nothing. The remaining window (publish succeeded,
confirm did not) can only re-send after the claim's lease: see README.
"""

from __future__ import annotations

from datetime import datetime

from leadwire.app.ports import AlertMarkers, AlertPublisher
from leadwire.domain.alert_text import render_alert
from leadwire.domain.models import Lead, Stage


def alert_on_sql(
    lead: Lead, markers: AlertMarkers, publisher: AlertPublisher, now: datetime
) -> str | None:
    """Alert once for this SQL transition; return the message id, None when already sent."""
    if lead.stage is not Stage.SQL:
        return None
    marker = f"{lead.version:010d}"
    if not markers.claim(lead.lead_id, marker, now):
        return None
    try:
        message_id = publisher.publish(render_alert(lead))
    except Exception:
        markers.release(lead.lead_id, marker)  # let the retry send it
        raise
    markers.confirm(lead.lead_id, marker, message_id, now)
    return message_id
