"""`sendgrid`: Twilio SendGrid's Event Webhook, batches of e-mail events at
`/webhooks/events/sendgrid`.

Confirmed from SendGrid's documentation ("Getting Started with the Event Webhook Security
Features") and its official libraries' `EventWebhook.verify_signature`: with Signed Event
Webhook Requests on, SendGrid signs each POST with an ECDSA (P-256) private key;
`X-Twilio-Email-Event-Webhook-Signature` is the base64 DER signature of the SHA-256 of
`X-Twilio-Email-Event-Webhook-Timestamp` followed by the raw body, checked with the base64
public key the dashboard shows (the secret stored here). The body is a JSON array of events
(`email`, `timestamp` in unix seconds, `event`, `sg_event_id`, `url` for a click).

Scored: `click`, `open`, `unsubscribe` / `group_unsubscribe`, `spamreport`; every other event
(`processed`, `delivered`, `deferred`, `bounce`, `dropped`, `group_resubscribe`) is acknowledged.
Dedupe on `sg_event_id`. The signed timestamp is not bounded in age: SendGrid retries a
failed POST for up to 24 hours and does not document whether a retry is signed anew, and a
replayed batch is only duplicates (assumed; say so if it proves otherwise).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from leadwire.domain.errors import MalformedPayload, SignatureInvalid
from leadwire.domain.models import Channel, LeadEvent
from leadwire.providers.activity import email_event, read_batch
from leadwire.providers.fields import event_id_for, text_of
from leadwire.providers.request import (
    Delivery,
    Parsed,
    ProviderBase,
    Signed,
    WebhookRequest,
    json_body,
    require_media_type,
)

SIGNATURE = "x-twilio-email-event-webhook-signature"
TIMESTAMP = "x-twilio-email-event-webhook-timestamp"
ACTIVITIES = {
    "click": "email_click",
    "open": "email_open",
    "unsubscribe": "email_unsubscribe",
    "group_unsubscribe": "email_unsubscribe",
    "spamreport": "email_spam_report",
}
# A development key pair, so tests and the local stack can sign as SendGrid does; its public
# half is the development verification key. Never used when secrets come from SSM.
DEV_PRIVATE_KEY = b"""-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgG1vzyAL8034+v6KA
JV1gP+ZVK9MA/1NDxrnM9N/CFbKhRANCAAQJwxSyw/23u4AGznVhxKO7+gRMszP7
2opICORSIuZvWGh24ic9KJpGmSwmdi3yhPbc3T4ZpXG+LiqdMzpT05TR
-----END PRIVATE KEY-----
"""
DEV_PUBLIC_KEY = (
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAECcMUssP9t7uABs51YcSju/oETLMz+9qKSAjkUiLmb1hoduInPSiaRpks"
    "JnYt8oT23N0+GaVxvi4qnTM6U9OU0Q=="
)


def sendgrid_event(slug: str, item: dict[str, Any], now: datetime) -> LeadEvent | None:
    activity = ACTIVITIES.get(text_of(item.get("event")) or "")
    if activity is None:
        return None
    event_id = text_of(item.get("sg_event_id"))
    if not event_id:
        raise MalformedPayload("no sg_event_id")
    return email_event(
        slug, item.get("email"), activity, event_id_for(slug, event_id), item.get("timestamp"), now
    )


class SendGridProvider(ProviderBase):
    slug = "sendgrid"
    channels = frozenset({Channel.EVENT})
    signed = True
    dev_secret = DEV_PUBLIC_KEY

    def sign(self, d: Delivery) -> Signed:
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        if d.secret == DEV_PUBLIC_KEY:
            key = serialization.load_pem_private_key(DEV_PRIVATE_KEY, password=None)
        else:  # a key we do not hold the private half of: a signature that will not verify
            key = ec.generate_private_key(ec.SECP256R1())
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        stamp = str(int(d.now.timestamp()))
        signature = key.sign(stamp.encode() + d.body, ec.ECDSA(hashes.SHA256()))
        return Signed({SIGNATURE: base64.b64encode(signature).decode(), TIMESTAMP: stamp}, d.body)

    def verify(self, request: WebhookRequest, secrets: Sequence[str], now: datetime) -> None:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        signature = request.headers.get(SIGNATURE)
        stamp = request.headers.get(TIMESTAMP)
        if not signature or not stamp:
            raise SignatureInvalid(f"missing {SIGNATURE} or {TIMESTAMP} header")
        try:
            raw = base64.b64decode(signature, validate=True)
        except ValueError as e:  # binascii.Error, or text that is not ASCII
            raise SignatureInvalid("the webhook signature is not base64") from e
        signed = stamp.encode() + request.body
        for secret in secrets:
            try:
                key = serialization.load_der_public_key(base64.b64decode(secret.strip()))
            except ValueError:  # binascii.Error is one: not base64, or not a DER key
                continue  # a mistyped key must not take the valid one down with it
            if not isinstance(key, ec.EllipticCurvePublicKey):
                continue
            try:
                key.verify(raw, signed, ec.ECDSA(hashes.SHA256()))
                return
            except InvalidSignature:
                continue
        raise SignatureInvalid("the webhook signature does not match")

    def parse(
        self, request: WebhookRequest, channel: Channel, delivery_id: str | None, now: datetime
    ) -> Parsed:
        require_media_type(request, "application/json")
        body = json_body(request)
        if not isinstance(body, list):
            raise MalformedPayload("the body must be a JSON array of events")
        batch = read_batch(body, lambda item: sendgrid_event(self.slug, item, now), self.slug)
        return Parsed(None, batch=batch)


provider = SendGridProvider()
