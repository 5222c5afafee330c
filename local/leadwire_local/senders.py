"""Requests as the providers send them, for tests, `leadwire send` and the demo: each
provider signs its own way (its module's `sign`); this adds paths, secrets and samples."""

from __future__ import annotations

import base64
import json
import os
import time
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

from leadwire.aws.secrets import split_secrets
from leadwire.domain.models import Channel
from leadwire.providers import DEV_SECRETS, PROVIDERS
from leadwire.providers.request import Delivery, Signed
from leadwire.providers.signatures import sign_standard_webhook


def json_webhook(
    payload: dict[str, Any],
    *,
    secret: str = DEV_SECRETS["json"],
    delivery_id: str | None = None,
    timestamp: int | None = None,
) -> tuple[dict[str, str], bytes]:
    """Headers and body of a Standard Webhooks delivery (what a `json` sender posts)."""
    body = json.dumps(payload).encode()
    message_id = delivery_id or f"msg_{uuid.uuid4().hex}"
    stamp = int(time.time()) if timestamp is None else timestamp
    headers = {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(stamp),
        "webhook-signature": sign_standard_webhook(secret, message_id, stamp, body),
    }
    return headers, body


def json_form(form: str, fields: dict[str, Any], submitted_at: str | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {"form": form, "fields": fields}
    if submitted_at:
        payload["submitted_at"] = submitted_at
    return payload


def json_chat(
    conversation_id: str,
    message_id: str,
    text: str,
    *,
    visitor_id: str | None = None,
    email: str | None = None,
    name: str | None = None,
) -> dict[str, Any]:
    return {
        "conversation_id": conversation_id,
        "visitor": {"id": visitor_id, "email": email, "name": name},
        "message": {"id": message_id, "text": text},
    }


def multipart_form(
    fields: list[tuple[str, str]], boundary: str = "------------------------leadwire"
) -> tuple[str, bytes]:
    """Content type and body of a multipart/form-data post (Jotform's webhooks)."""
    parts = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields
    )
    return f"multipart/form-data; boundary={boundary}", f"{parts}--{boundary}--\r\n".encode()


def html_form(fields: dict[str, str]) -> tuple[dict[str, str], bytes]:
    """A browser's urlencoded form post."""
    return {"content-type": "application/x-www-form-urlencoded"}, urlencode(fields).encode()


def beacon(visitor_id: str, **fields: object) -> tuple[dict[str, str], bytes]:
    """What the first-party snippet's `navigator.sendBeacon` posts to /t: a page view unless
    `type` says otherwise, a fresh `id` unless one is given, as text/plain."""
    body = {"id": uuid.uuid4().hex, "visitorId": visitor_id, "type": "page", **fields}
    return {"content-type": "text/plain;charset=UTF-8"}, json.dumps(body).encode()


# The URL a request reaches the webhook function with when no host is given (API Gateway's
# domain name in lambda_events.http_event): what HubSpot's signature covers.
LOCAL_ORIGIN = "https://127.0.0.1"


def current_secret(provider: str) -> str:
    """The secret a sender signs with: LEADWIRE_SECRET_<SLUG>'s first, else the dev default."""
    configured = split_secrets(os.environ.get(f"LEADWIRE_SECRET_{provider.upper()}"))
    return configured[0] if configured else DEV_SECRETS[provider]


def webhook_path(provider: str) -> str:
    """Where a provider posts: /webhooks/forms/<slug>, /webhooks/chat/<slug> or
    /webhooks/events/<slug>."""
    channels = PROVIDERS[provider].channels
    channel = (
        "forms" if Channel.FORM in channels else "chat" if Channel.CHAT in channels else "events"
    )
    return f"/webhooks/{channel}/{provider}"


def sign(
    provider: str,
    body: bytes,
    *,
    secret: str | None = None,
    now: datetime | None = None,
    url: str | None = None,
    delivery_id: str | None = None,
) -> Signed:
    """Authenticate `body` the way `provider` does (`url`: where it is posted, for HubSpot)."""
    delivery = Delivery(
        body=body,
        secret=secret or current_secret(provider),
        now=now or datetime.now(UTC),
        url=url or LOCAL_ORIGIN + webhook_path(provider),
        delivery_id=delivery_id or f"msg_{uuid.uuid4().hex}",
    )
    return PROVIDERS[provider].sign(delivery)


def provider_webhook(
    provider: str,
    payload: dict[str, Any] | bytes,
    *,
    content_type: str = "application/json",
    **signing: Any,
) -> tuple[str, dict[str, str], bytes]:
    """Path (with query), headers and body of a signed delivery from `provider`."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    signed = sign(provider, body, **signing)
    query = f"?{urlencode(signed.query)}" if signed.query else ""
    return (
        webhook_path(provider) + query,
        {"content-type": content_type, **signed.headers},
        signed.body,
    )


def refresh_signature(event: dict[str, Any], secret: str | None = None) -> dict[str, Any]:
    """A sample event re-signed for now (and for the secret in use): signed timestamps go stale
    after 300 s, and `leadwire invoke` should not answer 409 to a sample valid when written."""
    provider = (event.get("pathParameters") or {}).get("provider") or ""
    if provider not in PROVIDERS or not PROVIDERS[provider].signed:
        return event
    headers = dict(event.get("headers") or {})
    raw = event.get("body") or ""
    body = base64.b64decode(raw) if event.get("isBase64Encoded") else raw.encode()
    host = headers.get("host") or event.get("requestContext", {}).get("domainName", "127.0.0.1")
    query = event.get("rawQueryString") or ""
    signed = sign(
        provider,
        body,
        secret=secret,
        url=f"https://{host}{event.get('rawPath', '')}" + (f"?{query}" if query else ""),
        delivery_id=headers.get("webhook-id") or headers.get("x-hook-event-id"),
    )
    refreshed = {**event, "headers": {**headers, **signed.headers}}
    if signed.body != body:
        refreshed["body"] = signed.body.decode()
        refreshed["isBase64Encoded"] = False
    if signed.query:
        params = {**dict(parse_qsl(query, keep_blank_values=True)), **signed.query}
        refreshed["rawQueryString"] = urlencode(params)
        refreshed["queryStringParameters"] = params
    return refreshed
