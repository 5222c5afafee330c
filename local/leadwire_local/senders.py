"""Requests as the providers send them, for tests, `leadwire send` and the demo."""

from __future__ import annotations

import base64
import json
import os
import time
import uuid
from typing import Any
from urllib.parse import urlencode

from leadwire.signatures import sign_standard_webhook
from leadwire.signing_secrets import DEV_SECRETS


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


def html_form(fields: dict[str, str]) -> tuple[dict[str, str], bytes]:
    """A browser's urlencoded form post."""
    return {"content-type": "application/x-www-form-urlencoded"}, urlencode(fields).encode()


def refresh_signature(event: dict[str, Any], secret: str | None = None) -> dict[str, Any]:
    """A sample event re-signed for now: signed timestamps go stale after 300 s, and
    `leadwire invoke` should not answer 409 to a sample that was valid when written."""
    headers = dict(event.get("headers") or {})
    if "webhook-id" not in headers:
        return event
    raw = event.get("body") or ""
    body = base64.b64decode(raw) if event.get("isBase64Encoded") else raw.encode()
    stamp = int(time.time())
    key = secret or os.environ.get("LEADWIRE_SECRET_JSON", DEV_SECRETS["json"]).split(",")[0]
    headers["webhook-timestamp"] = str(stamp)
    headers["webhook-signature"] = sign_standard_webhook(key, headers["webhook-id"], stamp, body)
    return {**event, "headers": headers}
