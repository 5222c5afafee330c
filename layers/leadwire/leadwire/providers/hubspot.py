"""`hubspot`: HubSpot forms, through a workflow's "Send a webhook" action, signed v3.

Follows https://developers.hubspot.com/docs/apps/legacy-apps/authentication/validating-requests
and https://developers.hubspot.com/changelog/introducing-version-3-of-webhook-signatures:
`X-HubSpot-Signature-v3` = base64 HMAC-SHA256 of `method + URI + body + timestamp`, keyed by the
app's client secret, with `X-HubSpot-Request-Timestamp` in unix milliseconds; older than 5
minutes is refused. The URI is the full URL HubSpot called, with the percent-escapes HubSpot
lists decoded (the list is taken from HubSpot's page as remembered, not re-read).
Workflow webhooks: https://knowledge.hubspot.com/workflows/how-do-i-use-webhooks-with-hubspot-workflows
and https://developers.hubspot.com/docs/methods/workflows/webhook_information (the POST body is
the enrolled contact; its exact shape is an assumption: contacts-v1 style `properties` of
`{"value": ...}`, or flat `{"email": ...}` when properties are picked one by one).

Properties map by HubSpot's internal names only (email, firstname, lastname, company,
jobtitle, phone, numemployees, message...), exactly, never by the fuzzy label matching forms
get: a contact carries properties such as `recent_conversion_event_name` that merely contain a
field's word, and the person's name comes from firstname / lastname alone. The form is a
property `form` if present, else the latest `form-submissions[].title`. Webhooks API
subscription batches (a JSON array of `contact.creation` events) carry only object ids, no
lead data, and are ignored.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from leadwire.domain.models import Channel
from leadwire.providers.fields import event_id_for, form_submission, lead_fields, moment
from leadwire.providers.request import (
    Delivery,
    Parsed,
    ProviderBase,
    Signed,
    WebhookRequest,
    json_body,
    overrides_first,
    require_media_type,
)
from leadwire.providers.signatures import check_timestamp, sign_hmac, verify_hmac

TOLERANCE_SECONDS = 300
# Percent-escapes HubSpot decodes in the URI before signing it.
_DECODED = {
    "%3A": ":",
    "%2F": "/",
    "%3F": "?",
    "%40": "@",
    "%21": "!",
    "%24": "$",
    "%27": "'",
    "%28": "(",
    "%29": ")",
    "%2A": "*",
    "%2C": ",",
    "%3B": ";",
}
_INTERNAL = ("hs_", "hubspot", "ip_", "associatedcompany", "lastmodifieddate", "createdate")


def signed_content(method: str, url: str, body: bytes, timestamp: str) -> bytes:
    """What HubSpot signs (v3): method + decoded URI + body + timestamp, UTF-8."""
    uri = url
    for escape, char in _DECODED.items():
        uri = uri.replace(escape, char).replace(escape.lower(), char)
    return method.upper().encode() + uri.encode() + body + timestamp.encode()


# HubSpot's contact properties (internal names) that are our fields; any other property is
# an attribute at most.
_FIELD_FOR_PROPERTY = {
    "email": "email",
    "firstname": "first_name",
    "lastname": "last_name",
    "company": "company",
    "jobtitle": "job_title",
    "numemployees": "company_size",
    "industry": "industry",
    "country": "country",
    "phone": "phone",
    "mobilephone": "phone",
    "budget": "budget",
    "timeline": "timeline",
    "message": "message",
    "form": "form",
}
# Our field names as HubSpot's contact properties (for `fill`).
_PROPERTY_FOR = {
    "first_name": "firstname",
    "last_name": "lastname",
    "job_title": "jobtitle",
    "company_size": "numemployees",
}


def field_for_property(name: object) -> str | None:
    """Which of our fields a HubSpot contact property is: by its exact internal name."""
    return _FIELD_FOR_PROPERTY.get(str(name).strip().lower())


class HubspotProvider(ProviderBase):
    slug = "hubspot"
    channels = frozenset({Channel.FORM})
    signed = True
    dev_secret = "leadwire-dev-hubspot-client-secret"

    def sign(self, d: Delivery) -> Signed:
        stamp = str(int(d.now.timestamp() * 1000))
        signed = signed_content("POST", d.url, d.body, stamp)
        headers = {
            "x-hubspot-request-timestamp": stamp,
            "x-hubspot-signature-v3": sign_hmac(d.secret, signed, encoding="base64"),
        }
        return Signed(headers, d.body)

    def fill(self, body: bytes, form: str | None, fields: Mapping[str, str]) -> bytes:
        payload = json.loads(body)
        properties = {_PROPERTY_FOR.get(k, k): {"value": v} for k, v in fields.items()}
        result = {
            **payload,
            "properties": overrides_first(properties, payload.get("properties") or {}),
        }
        if form:
            submissions = [dict(s) for s in payload.get("form-submissions") or [{}]]
            submissions[0]["title"] = form
            result["form-submissions"] = submissions
        return json.dumps(result).encode()

    def verify(self, request: WebhookRequest, secrets: Sequence[str], now: datetime) -> None:
        stamp = request.headers.get("x-hubspot-request-timestamp", "")
        verify_hmac(
            request.headers.get("x-hubspot-signature-v3"),
            signed_content(request.method, request.url, request.body, stamp),
            secrets,
            encoding="base64",
        )
        check_timestamp(stamp, now, TOLERANCE_SECONDS, millis=True)

    def parse(
        self, request: WebhookRequest, channel: Channel, delivery_id: str | None, now: datetime
    ) -> Parsed:
        require_media_type(request, "application/json")
        body = json_body(request)
        if isinstance(body, list):
            return Parsed(
                None, ignored="hubspot subscription events carry no form data; use a workflow"
            )
        if not isinstance(body, dict):
            return Parsed(None, ignored="hubspot payload is not a contact")
        properties = body.get("properties")
        if not isinstance(properties, dict):
            properties = body  # properties picked one by one arrive flat
        fields = lead_fields(
            (
                (name, value.get("value") if isinstance(value, dict) else value)
                for name, value in properties.items()
                if not name.lower().startswith(_INTERNAL)
            ),
            field_for_property,
        )
        submission = _latest_submission(body)
        return form_submission(
            provider=self.slug,
            channel=channel,
            fields=fields,
            form_name=submission.get("title") or submission.get("form-id"),
            event_id=event_id_for(self.slug, submission.get("conversion-id"), body),
            occurred_at=moment(submission.get("timestamp"), now),
            received_at=now,
        )


def _latest_submission(contact: dict[str, Any]) -> dict[str, Any]:
    found = contact.get("form-submissions")
    submissions = [s for s in found if isinstance(s, dict)] if isinstance(found, list) else []
    if not submissions:
        return {}
    return max(submissions, key=_timestamp)


def _timestamp(submission: dict[str, Any]) -> float:
    """A submission's time in ms, 0 when it has none (a text one is not comparable)."""
    stamp = submission.get("timestamp")
    return float(stamp) if isinstance(stamp, int | float) else 0.0


provider = HubspotProvider()
