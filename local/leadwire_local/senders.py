"""Requests as the providers send them, for tests, `leadwire send` and the demo."""

from __future__ import annotations

import base64
import json
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

from leadwire.models import Channel
from leadwire.providers import PROVIDERS
from leadwire.providers.crisp import signed_content as crisp_signed_content
from leadwire.providers.hubspot import signed_content as hubspot_signed_content
from leadwire.signatures import sign_hmac, sign_standard_webhook
from leadwire.signing_secrets import DEV_SECRETS, split_secrets


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


@dataclass(frozen=True)
class Signed:
    """What a provider adds to a delivery to authenticate it: headers, query, maybe the body."""

    headers: dict[str, str]
    body: bytes
    query: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Delivery:
    """One delivery as it is signed: the body, the secret, the time, the ids it names."""

    body: bytes
    secret: str
    now: datetime
    url: str
    delivery_id: str


def _typeform(d: Delivery) -> Signed:
    signature = sign_hmac(d.secret, d.body, encoding="base64", prefix="sha256=")
    return Signed({"typeform-signature": signature}, d.body)


def _webflow(d: Delivery) -> Signed:
    stamp = str(int(d.now.timestamp() * 1000))
    signature = sign_hmac(d.secret, stamp.encode() + b":" + d.body, encoding="hex")
    return Signed({"x-webflow-timestamp": stamp, "x-webflow-signature": signature}, d.body)


def _tally(d: Delivery) -> Signed:
    return Signed({"tally-signature": sign_hmac(d.secret, d.body, encoding="base64")}, d.body)


def _hubspot(d: Delivery) -> Signed:
    stamp = str(int(d.now.timestamp() * 1000))
    signed = hubspot_signed_content("POST", d.url, d.body, stamp)
    headers = {
        "x-hubspot-request-timestamp": stamp,
        "x-hubspot-signature-v3": sign_hmac(d.secret, signed, encoding="base64"),
    }
    return Signed(headers, d.body)


def _url_key(d: Delivery) -> Signed:
    return Signed({}, d.body, {"key": d.secret})


def _intercom(d: Delivery) -> Signed:
    signature = sign_hmac(d.secret, d.body, algorithm="sha1", encoding="hex", prefix="sha1=")
    return Signed({"x-hub-signature": signature}, d.body)


def _crisp(d: Delivery) -> Signed:
    stamp = str(int(d.now.timestamp() * 1000))
    signature = sign_hmac(d.secret, crisp_signed_content(stamp, d.body), encoding="hex")
    return Signed({"x-crisp-request-timestamp": stamp, "x-crisp-signature": signature}, d.body)


def _tawkto(d: Delivery) -> Signed:
    signature = sign_hmac(d.secret, d.body, algorithm="sha1", encoding="hex")
    return Signed({"x-tawk-signature": signature, "x-hook-event-id": d.delivery_id}, d.body)


def _drift(d: Delivery) -> Signed:
    return Signed({"x-verification-token": d.secret}, d.body)


def _livechat(d: Delivery) -> Signed:
    payload = json.loads(d.body)
    return Signed({}, json.dumps({**payload, "secret_key": d.secret}).encode())


def _json(d: Delivery) -> Signed:
    stamp = int(d.now.timestamp())
    headers = {
        "webhook-id": d.delivery_id,
        "webhook-timestamp": str(stamp),
        "webhook-signature": sign_standard_webhook(d.secret, d.delivery_id, stamp, d.body),
    }
    return Signed(headers, d.body)


# How each signed provider authenticates a delivery (see each provider module's docstring).
SIGNERS: dict[str, Callable[[Delivery], Signed]] = {
    "json": _json,
    "typeform": _typeform,
    "webflow": _webflow,
    "tally": _tally,
    "hubspot": _hubspot,
    "jotform": _url_key,
    "intercom": _intercom,
    "crisp": _crisp,
    "tawkto": _tawkto,
    "drift": _drift,
    "livechat": _livechat,
}
# The URL a request reaches the webhook function with when no host is given (API Gateway's
# domain name in lambda_events.http_event): what HubSpot's signature covers.
LOCAL_ORIGIN = "https://127.0.0.1"


def current_secret(provider: str) -> str:
    """The secret a sender signs with: LEADWIRE_SECRET_<SLUG>'s first, else the dev default."""
    configured = split_secrets(os.environ.get(f"LEADWIRE_SECRET_{provider.upper()}"))
    return configured[0] if configured else DEV_SECRETS[provider]


def webhook_path(provider: str) -> str:
    """Where a provider posts: /webhooks/forms/<slug> or /webhooks/chat/<slug>."""
    channel = "forms" if Channel.FORM in PROVIDERS[provider].channels else "chat"
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
    return SIGNERS[provider](delivery)


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
    if provider not in SIGNERS:
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
