"""Webhook signature checks shared by providers: HMAC on raw bytes, constant time, rotation."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Literal

from leadwire.domain.errors import SignatureInvalid, StaleTimestamp

TOLERANCE_SECONDS = 300


def hmac_sha256(key: bytes, message: bytes) -> bytes:
    return hmac.new(key, message, hashlib.sha256).digest()


def any_match(expected: Iterable[bytes], received: Iterable[bytes]) -> bool:
    """True when any received signature equals any expected one (each compared in constant time)."""
    found = False
    received = list(received)
    for good in expected:
        for candidate in received:
            found |= hmac.compare_digest(good, candidate)
    return found


Encoding = Literal["hex", "base64"]


def check_timestamp(
    raw: str | None, now: datetime, tolerance: int = TOLERANCE_SECONDS, *, millis: bool = False
) -> int:
    """A signed timestamp (unix seconds, or milliseconds) must be within ±tolerance of now:
    replays are refused."""
    try:
        stamp = int((raw or "").strip())
    except ValueError as e:
        raise SignatureInvalid("the signature timestamp is missing or not a number") from e
    if abs(now.timestamp() - (stamp / 1000 if millis else stamp)) > tolerance:
        raise StaleTimestamp(f"the signed timestamp is more than {tolerance} s from now")
    return stamp


def standard_webhooks_key(secret: str) -> bytes:
    """A Standard Webhooks secret: `whsec_` + base64 of the key bytes (padding optional, as
    the official libraries accept it without)."""
    encoded = secret.strip().removeprefix("whsec_")
    try:
        return base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except binascii.Error as e:
        raise ValueError("a Standard Webhooks secret must be whsec_ followed by base64") from e


def verify_standard_webhook(
    headers: Mapping[str, str], body: bytes, secrets: Sequence[str], now: datetime
) -> str:
    """Verify a Standard Webhooks request (webhook-id/-timestamp/-signature); return its id.

    Signed content is `{id}.{timestamp}.{body}`; the header may hold several space-separated
    `v1,<base64>` signatures (the sender's own rotation); we try every secret we hold (ours).
    """
    message_id = headers.get("webhook-id")
    stamp = headers.get("webhook-timestamp")
    header = headers.get("webhook-signature")
    if not message_id or not stamp or not header:
        raise SignatureInvalid("missing webhook-id, webhook-timestamp or webhook-signature header")
    received = []
    for part in header.split():
        version, _, value = part.partition(",")
        if version == "v1" and value:
            try:
                received.append(base64.b64decode(value, validate=True))
            except binascii.Error:
                continue
    signed = f"{message_id}.{stamp}.".encode() + body
    keys, unreadable = _usable_keys(secrets)
    expected = [hmac_sha256(key, signed) for key in keys]
    if not received or not any_match(expected, received):
        raise SignatureInvalid("the webhook signature does not match" + unreadable)
    check_timestamp(stamp, now)
    return message_id


def _usable_keys(secrets: Sequence[str]) -> tuple[list[bytes], str]:
    """The keys of the secrets held, and what to add to a refusal about those that are not
    valid base64 (by position, never the secret itself)."""
    keys, bad = [], []
    for position, secret in enumerate(secrets, start=1):
        try:
            keys.append(standard_webhooks_key(secret))
        except ValueError:
            bad.append(position)  # a mistyped secret must not take the valid one down with it
    if not keys:
        raise SignatureInvalid(
            "the configured signing secret is not valid base64 (whsec_ followed by base64)"
        )
    if not bad:
        return keys, ""
    which = ", ".join(str(p) for p in bad)
    return keys, (
        f"; configured secret {which} of {len(secrets)} is not valid base64 and was not tried"
    )


def sign_standard_webhook(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The webhook-signature header a sender would send (tests, `leadwire invoke`)."""
    digest = hmac_sha256(
        standard_webhooks_key(secret), f"{message_id}.{timestamp}.".encode() + body
    )
    return "v1," + base64.b64encode(digest).decode()


def hmac_digest(key: bytes, message: bytes, algorithm: str = "sha256") -> bytes:
    return hmac.new(key, message, algorithm).digest()


def encode_signature(digest: bytes, encoding: Encoding, prefix: str = "") -> str:
    text = digest.hex() if encoding == "hex" else base64.b64encode(digest).decode()
    return prefix + text


def decode_signature(value: str, encoding: Encoding, prefix: str = "") -> bytes | None:
    """The digest a header carries, or None when it is not in the provider's format."""
    value = value.strip()
    if prefix:
        if not value.lower().startswith(prefix.lower()):
            return None
        value = value[len(prefix) :]
    try:
        if encoding == "hex":
            return bytes.fromhex(value)
        return base64.b64decode(value, validate=True)
    except (ValueError, binascii.Error):
        return None


def sign_hmac(
    secret: str, message: bytes, *, algorithm: str = "sha256", encoding: Encoding, prefix: str = ""
) -> str:
    """The signature header value a provider would send for `message` (tests, senders)."""
    return encode_signature(hmac_digest(secret.encode(), message, algorithm), encoding, prefix)


def verify_hmac(
    signature: str | None,
    message: bytes,
    secrets: Sequence[str],
    *,
    algorithm: str = "sha256",
    encoding: Encoding,
    prefix: str = "",
) -> None:
    """A provider's HMAC over `message`, keyed by the secret as UTF-8 text, in one header.

    Every secret held is tried (rotation); the comparison is constant-time.
    """
    if not signature:
        raise SignatureInvalid("the signature header is missing")
    received = decode_signature(signature, encoding, prefix)
    expected = [hmac_digest(s.encode(), message, algorithm) for s in secrets]
    if received is None or not expected or not any_match(expected, [received]):
        raise SignatureInvalid("the webhook signature does not match")


def verify_token(received: str | None, secrets: Sequence[str], what: str = "token") -> None:
    """A shared secret the provider sends as is (no HMAC): compared in constant time."""
    if not received:
        raise SignatureInvalid(f"the verification {what} is missing")
    expected = [s.encode() for s in secrets]
    if not expected or not any_match(expected, [received.encode()]):
        raise SignatureInvalid(f"the verification {what} does not match")
