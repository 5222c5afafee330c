"""`crisp`: Crisp web hooks. Plugin hooks are signed (HMAC-SHA256); website hooks are not, and
carry a secret in the URL instead: `.../webhooks/chat/crisp?key=<secret>`.

Follows https://docs.crisp.chat/references/web-hooks/v1 (envelope `{website_id, event, data,
timestamp}`), https://docs.crisp.chat/guides/web-hooks/plugin-hooks and
https://help.crisp.chat/en/article/how-to-use-web-hooks-itsagz/ ("append a secret key to the
endpoint URL, as a GET parameter"), and the official SDK's `verifyHook`
(github.com/crisp-im/node-crisp-api): `X-Crisp-Signature` = hex HMAC-SHA256 of
`"[" + X-Crisp-Request-Timestamp + ";" + body + "]"`. We sign-check the raw body (the SDK
re-serializes the parsed body, which equals it for Crisp's compact JSON) and refuse a timestamp
more than 5 minutes off (the SDK checks none; seconds or milliseconds both understood).
A request with a signature header is checked by signature; one without, by `?key=`.

Used events: `message:send` from the visitor (`data.from == "user"`, text only, not automated),
keyed by `data.session_id` + `data.fingerprint`; `session:set_email`, `session:set_nickname`,
`session:set_phone` (who the visitor is). The visitor id is Crisp's session id. Ignored:
operator messages (`message:received`), notes, and every other event.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from leadwire.domain.models import Channel
from leadwire.providers.fields import event_from_fields, event_id_for, moment, object_at, text_of
from leadwire.providers.request import (
    Delivery,
    Parsed,
    ProviderBase,
    Signed,
    WebhookRequest,
    json_object,
)
from leadwire.providers.signatures import check_timestamp, sign_hmac, verify_hmac, verify_token

TOLERANCE_SECONDS = 300
# Session events that tell who the visitor is: event -> (data key, our field).
SESSION_FIELDS = {
    "session:set_email": ("email", "email"),
    "session:set_nickname": ("nickname", "name"),
    "session:set_phone": ("phone", "phone"),
}


def signed_content(timestamp: str, body: bytes) -> bytes:
    return b"[" + timestamp.encode() + b";" + body + b"]"


class CrispProvider(ProviderBase):
    slug = "crisp"
    channels = frozenset({Channel.CHAT})
    signed = True
    dev_secret = "leadwire-dev-crisp-secret"

    def sign(self, d: Delivery) -> Signed:
        stamp = str(int(d.now.timestamp() * 1000))
        signature = sign_hmac(d.secret, signed_content(stamp, d.body), encoding="hex")
        return Signed({"x-crisp-request-timestamp": stamp, "x-crisp-signature": signature}, d.body)

    def verify(self, request: WebhookRequest, secrets: Sequence[str], now: datetime) -> None:
        signature = request.headers.get("x-crisp-signature")
        if signature is None:
            verify_token(request.query.get("key"), secrets, "key in the URL")
            return
        stamp = request.headers.get("x-crisp-request-timestamp", "")
        verify_hmac(signature, signed_content(stamp, request.body), secrets, encoding="hex")
        check_timestamp(stamp, now, TOLERANCE_SECONDS, millis=len(stamp.strip()) >= 13)

    def parse(
        self, request: WebhookRequest, channel: Channel, delivery_id: str | None, now: datetime
    ) -> Parsed:
        body = json_object(request)
        kind = text_of(body.get("event"))  # a list or object here would be unhashable
        if kind != "message:send" and kind not in SESSION_FIELDS:
            return Parsed(None, ignored=f"crisp event {kind!r} is not about a visitor")
        data = object_at(body, "data")
        fields: dict[str, object] = {}
        text = None
        if kind == "message:send":
            if data.get("from") != "user" or data.get("type") != "text" or data.get("automated"):
                return Parsed(None, ignored="the message is not the visitor's own text")
            text = data.get("content")
            provider_id = f"{data.get('session_id')}:{data.get('fingerprint')}"
        else:
            key, name = SESSION_FIELDS[str(kind)]
            fields[name] = data.get(key)
            provider_id = None  # no id: the content (session, value, timestamp) is the key
        event = event_from_fields(
            provider=self.slug,
            channel=channel,
            fields=fields,
            visitor_id=data.get("session_id"),
            message=text,
            event_id=event_id_for(self.slug, provider_id, body),
            occurred_at=moment(data.get("timestamp") or body.get("timestamp"), now),
            received_at=now,
        )
        return Parsed(event=event)


provider = CrispProvider()
