"""`tally`: Tally form webhooks (`FORM_RESPONSE`), signed with HMAC-SHA256 (base64).

Follows https://tally.so/help/webhooks (signing secret, `Tally-Signature`, retries) and
https://developers.tally.so/api-reference/endpoint/webhooks/post.md: with a signing secret set,
`Tally-Signature` is the base64 HMAC-SHA256 of the raw JSON body (no prefix, no timestamp; the
base64 detail is from public verifiers, not Tally's own text). Set the secret: Tally's signing
secret is optional, and an unsigned delivery is refused here.

`data.fields[]` carry `label`, `type` and `value`: INPUT_EMAIL / INPUT_PHONE_NUMBER by type, the
rest by label; choice values are option ids resolved through the field's `options`; hidden
fields are fields of type HIDDEN_FIELDS. The form is a field labelled `form` if present, else
`data.formName`. Dedupe on `eventId`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from leadwire.domain.models import Channel
from leadwire.providers.fields import (
    event_id_for,
    form_submission,
    lead_fields,
    moment,
    object_at,
    objects_at,
)
from leadwire.providers.request import (
    Delivery,
    Parsed,
    ProviderBase,
    Signed,
    WebhookRequest,
    json_object,
)
from leadwire.providers.signatures import sign_hmac, verify_hmac

_BY_TYPE = {"INPUT_EMAIL": "email", "INPUT_PHONE_NUMBER": "phone"}


class TallyProvider(ProviderBase):
    slug = "tally"
    channels = frozenset({Channel.FORM})
    signed = True
    dev_secret = "leadwire-dev-tally-secret"

    def sign(self, d: Delivery) -> Signed:
        return Signed({"tally-signature": sign_hmac(d.secret, d.body, encoding="base64")}, d.body)

    def fill(self, body: bytes, form: str | None, fields: Mapping[str, str]) -> bytes:
        payload = json.loads(body)
        data = dict(payload["data"])
        added = {**fields, **({"form": form} if form else {})}
        answers = [
            {
                "key": f"question_leadwire_{name}",
                "label": name,
                "type": "INPUT_TEXT",
                "value": value,
            }
            for name, value in added.items()
        ]
        kept = [f for f in data.get("fields") or [] if f.get("label") not in added]
        return json.dumps({**payload, "data": {**data, "fields": answers + kept}}).encode()

    def verify(self, request: WebhookRequest, secrets: Sequence[str], now: datetime) -> None:
        verify_hmac(
            request.headers.get("tally-signature"), request.body, secrets, encoding="base64"
        )

    def parse(
        self, request: WebhookRequest, channel: Channel, delivery_id: str | None, now: datetime
    ) -> Parsed:
        body = json_object(request)
        if body.get("eventType") != "FORM_RESPONSE":
            kind = body.get("eventType")
            return Parsed(None, ignored=f"tally event {kind!r} is not a form response")
        data = object_at(body, "data")
        answers = objects_at(data, "fields")
        fields = lead_fields(
            (_BY_TYPE.get(str(f.get("type")), f.get("label") or f.get("key")), _value(f))
            for f in answers
        )
        return form_submission(
            provider=self.slug,
            channel=channel,
            fields=fields,
            form_name=data.get("formName") or data.get("formId"),
            event_id=event_id_for(self.slug, body.get("eventId") or data.get("submissionId"), body),
            occurred_at=moment(data.get("createdAt") or body.get("createdAt"), now),
            received_at=now,
        )


def _value(field: dict[str, Any]) -> object:
    """Choice answers are option ids; the option's text is what the respondent picked."""
    value = field.get("value")
    options = {o.get("id"): o.get("text") for o in objects_at(field, "options")}
    if options and isinstance(value, list):
        return [options.get(v, v) if isinstance(v, str) else v for v in value]
    return value


provider = TallyProvider()
