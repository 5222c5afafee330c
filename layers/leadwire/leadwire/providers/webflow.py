"""`webflow`: Webflow `form_submission` webhooks, signed with HMAC-SHA256 over timestamp + body.

Follows https://developers.webflow.com/data/docs/working-with-webhooks ("Webhook requests"),
https://developers.webflow.com/data/reference/all-events (form_submission example) and
https://developers.webflow.com/data/v1.0.0/docs/verifying-webhook-signatures: headers
`x-webflow-timestamp` (unix milliseconds) and `x-webflow-signature` = hex HMAC-SHA256 of
`"{timestamp}:{raw body}"`, keyed by the OAuth app's client secret (or the webhook's secret);
requests older than 5 minutes are refused. Webhooks made in the site dashboard are not signed
by Webflow: create the webhook through the API.

`payload.data` is keyed by the field names the site's author chose; they are matched to our
fields by name ("First Name", "email", "Phone Number"...). The form is a field named `form` if
present, else `payload.name` ("Contact Us" -> "contact-us"). Dedupe on `payload.id`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime

from leadwire.domain.models import Channel
from leadwire.providers.fields import event_id_for, form_submission, lead_fields, moment, object_at
from leadwire.providers.request import (
    Delivery,
    Parsed,
    ProviderBase,
    Signed,
    WebhookRequest,
    json_object,
    overrides_first,
)
from leadwire.providers.signatures import check_timestamp, sign_hmac, verify_hmac

TOLERANCE_SECONDS = 300  # "older than 5 minutes"


class WebflowProvider(ProviderBase):
    slug = "webflow"
    channels = frozenset({Channel.FORM})
    signed = True
    dev_secret = "leadwire-dev-webflow-secret"

    def sign(self, d: Delivery) -> Signed:
        stamp = str(int(d.now.timestamp() * 1000))
        signature = sign_hmac(d.secret, stamp.encode() + b":" + d.body, encoding="hex")
        return Signed({"x-webflow-timestamp": stamp, "x-webflow-signature": signature}, d.body)

    def fill(self, body: bytes, form: str | None, fields: Mapping[str, str]) -> bytes:
        payload = json.loads(body)
        inner = dict(payload["payload"])
        inner["data"] = overrides_first(fields, inner.get("data") or {})
        if form:
            inner["name"] = form
        return json.dumps({**payload, "payload": inner}).encode()

    def verify(self, request: WebhookRequest, secrets: Sequence[str], now: datetime) -> None:
        stamp = request.headers.get("x-webflow-timestamp", "")
        verify_hmac(
            request.headers.get("x-webflow-signature"),
            stamp.encode() + b":" + request.body,
            secrets,
            encoding="hex",
        )
        check_timestamp(stamp, now, TOLERANCE_SECONDS, millis=True)

    def parse(
        self, request: WebhookRequest, channel: Channel, delivery_id: str | None, now: datetime
    ) -> Parsed:
        body = json_object(request)
        if body.get("triggerType") != "form_submission":
            kind = body.get("triggerType")
            return Parsed(None, ignored=f"webflow trigger {kind!r} is not a form submission")
        payload = object_at(body, "payload")
        data = payload.get("data")
        return form_submission(
            provider=self.slug,
            channel=channel,
            fields=lead_fields(data.items() if isinstance(data, dict) else []),
            form_name=payload.get("name") or payload.get("formId"),
            event_id=event_id_for(self.slug, payload.get("id") or payload.get("_id"), body),
            occurred_at=moment(payload.get("submittedAt"), now),
            received_at=now,
        )


provider = WebflowProvider()
