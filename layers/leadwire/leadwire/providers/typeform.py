"""`typeform`: Typeform webhooks (`form_response`), signed with HMAC-SHA256.

Follows https://www.typeform.com/developers/webhooks/example-payload/ (payload) and
https://www.typeform.com/developers/webhooks/secure-your-webhooks/ (signature, as implemented by
Typeform's own example verifiers): header `Typeform-Signature: sha256=<base64 HMAC-SHA256 of
the raw body>`, keyed by the webhook's secret; no timestamp is signed, so replays are stopped by
the body's `event_id` (the dedupe key).

Answers are matched to our fields by answer type (email, phone_number), then by the field's
`ref`, then by its title in `definition.fields`; hidden fields (UTM, visitor_id, form) count too.
The form is a hidden field `form` if present, else `definition.title` as a slug.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from leadwire.domain.models import Channel
from leadwire.providers.fields import (
    dig,
    event_id_for,
    field_for_label,
    form_submission,
    lead_fields,
    moment,
    object_at,
    objects_at,
    text_of,
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


class TypeformProvider(ProviderBase):
    slug = "typeform"
    channels = frozenset({Channel.FORM})
    signed = True
    dev_secret = "leadwire-dev-typeform-secret"

    def sign(self, d: Delivery) -> Signed:
        signature = sign_hmac(d.secret, d.body, encoding="base64", prefix="sha256=")
        return Signed({"typeform-signature": signature}, d.body)

    def fill(self, body: bytes, form: str | None, fields: Mapping[str, str]) -> bytes:
        payload = json.loads(body)
        response = dict(payload["form_response"])
        answers = [
            {"type": "text", "text": value, "field": {"id": f"leadwire_{name}", "ref": name}}
            for name, value in fields.items()
        ]
        response["answers"] = answers + list(response.get("answers") or [])
        if form:  # a hidden field `form` names the form
            response["hidden"] = {**(response.get("hidden") or {}), "form": form}
        return json.dumps({**payload, "form_response": response}).encode()

    def verify(self, request: WebhookRequest, secrets: Sequence[str], now: datetime) -> None:
        verify_hmac(
            request.headers.get("typeform-signature"),
            request.body,
            secrets,
            encoding="base64",
            prefix="sha256=",
        )

    def parse(
        self, request: WebhookRequest, channel: Channel, delivery_id: str | None, now: datetime
    ) -> Parsed:
        body = json_object(request)
        if body.get("event_type") != "form_response":
            kind = body.get("event_type")
            return Parsed(None, ignored=f"typeform event {kind!r} is not a form submission")
        response = object_at(body, "form_response")
        return form_submission(
            provider=self.slug,
            channel=channel,
            fields=lead_fields(_answer_pairs(response)),
            form_name=dig(response, "definition", "title") or response.get("form_id"),
            event_id=event_id_for(self.slug, body.get("event_id") or response.get("token"), body),
            occurred_at=moment(response.get("submitted_at"), now),
            received_at=now,
        )


def _answer_pairs(response: dict[str, Any]) -> list[tuple[object, object]]:
    titles = {
        text_of(f.get("id")): f.get("title") for f in objects_at(response, "definition", "fields")
    }
    pairs: list[tuple[object, object]] = []
    for answer in objects_at(response, "answers"):
        kind = answer.get("type")
        value = _answer_value(answer)
        if kind in ("email", "phone_number"):
            pairs.append(("email" if kind == "email" else "phone", value))
        ref, field_id = text_of(dig(answer, "field", "ref")), text_of(dig(answer, "field", "id"))
        labels = [x for x in (ref, titles.get(field_id)) if x]
        known = [x for x in labels if field_for_label(x)]
        if known or labels:
            pairs.append(((known or labels)[0], value))
    hidden = response.get("hidden")
    if isinstance(hidden, dict):
        pairs.extend(hidden.items())
    return pairs


def _answer_value(answer: dict[str, Any]) -> object:
    """Typeform keys an answer's value by its type: {"type": "email", "email": "..."}."""
    kind = answer.get("type")
    value = answer.get(kind) if isinstance(kind, str) else None
    if kind == "choice":
        return dig(value, "label") or dig(value, "other")
    if kind == "choices":
        return dig(value, "labels")
    return value


provider = TypeformProvider()
