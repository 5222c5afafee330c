"""Signed lead links: the alert's link opens that one lead's page without a login.

A token is base64url of 18 bytes, the lead id's 12 digest bytes, the alert's version and the
expiry in hours since the epoch (3 bytes big-endian each), followed by the first 9 bytes of an
HMAC-SHA256 over them with the deployment's link key: 36 characters, so a link still fits an
SMS next to who and why. 72 bits of tag are far beyond guessing within a token's days (each
guess is an HTTP request under the API's throttle: some 10^8 in a week, a 10^-14 chance). A
key may be rotated: tokens signed with the previous key stay valid.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from leadwire.domain.errors import LeadLinkExpired, LeadLinkInvalid
from leadwire.domain.models import is_lead_id

_DIGEST_BYTES, _NUMBER_BYTES, _TAG_BYTES = 12, 3, 9
_PAYLOAD_BYTES = _DIGEST_BYTES + 2 * _NUMBER_BYTES
TOKEN_LENGTH = 36  # base64url of 27 bytes: no padding
_SHAPE = re.compile(r"[A-Za-z0-9_-]{36}")
_NUMBER_LIMIT = 1 << (8 * _NUMBER_BYTES)
_HOUR = 3600
LINK_KEY_NAME = "lead_link"  # the key's name in the secrets store (<prefix>lead_link in SSM)
DEV_LINK_KEY = "leadwire-dev-lead-link-key-01"  # the local stack's and tests' key only


@dataclass(frozen=True)
class LeadLink:
    """What a token grants: this lead's page, from this alert, until then."""

    lead_id: str
    version: int
    expires_at: datetime


def expiry_after(now: datetime, valid_for: timedelta) -> datetime:
    """When a link made now stops working: `valid_for` later, rounded up to the hour (the
    token's precision)."""
    hours = -(-int((now + valid_for).timestamp()) // _HOUR)
    return datetime.fromtimestamp(hours * _HOUR, UTC)


def sign_link(link: LeadLink, key: str) -> str:
    """The token for `link` (URL-safe, 36 characters); the expiry is rounded up to the hour,
    a version past 16.7 million wraps (it only tells alerts of one lead apart)."""
    if not is_lead_id(link.lead_id):
        raise ValueError("only a lead id can be signed")
    digest = bytes.fromhex(link.lead_id.removeprefix("ld_"))
    hours = -(-int(link.expires_at.timestamp()) // _HOUR)
    payload = digest + _number(link.version) + _number(hours)
    return _b64(payload + _tag(key, payload))


def read_link(token: str, keys: Sequence[str], now: datetime) -> LeadLink:
    """The link a token grants, if one of `keys` signed it and it has not expired."""
    if not _SHAPE.fullmatch(token) or not keys:
        raise LeadLinkInvalid("this link is not one leadwire sent")
    try:
        raw = base64.urlsafe_b64decode(token)
    except (binascii.Error, ValueError) as e:
        raise LeadLinkInvalid("this link is not one leadwire sent") from e
    payload, tag = raw[:_PAYLOAD_BYTES], raw[_PAYLOAD_BYTES:]
    if not any(hmac.compare_digest(_tag(k, payload), tag) for k in keys):
        raise LeadLinkInvalid("this link is not one leadwire sent, or it was altered")
    digest, version = payload[:_DIGEST_BYTES], payload[_DIGEST_BYTES:-_NUMBER_BYTES]
    hours = int.from_bytes(payload[-_NUMBER_BYTES:], "big")
    expires = datetime.fromtimestamp(hours * _HOUR, UTC)
    link = LeadLink("ld_" + digest.hex(), int.from_bytes(version, "big"), expires)
    if now >= link.expires_at:
        raise LeadLinkExpired("this link has expired; open the lead from the board")
    return link


def _number(value: int) -> bytes:
    return (value % _NUMBER_LIMIT).to_bytes(_NUMBER_BYTES, "big")


def _tag(key: str, payload: bytes) -> bytes:
    return hmac.new(key.encode(), payload, hashlib.sha256).digest()[:_TAG_BYTES]


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")
