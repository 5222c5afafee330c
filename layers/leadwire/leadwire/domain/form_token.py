"""Signed form tokens: proof that a page fetched the form a while before it was posted.

A token is `v1.<issued, unix seconds>.<nonce>.<signature>`, the signature a base64url
HMAC-SHA256 over `v1.<issued>.<nonce>` with the deployment's form-token key. Nothing is stored
when one is issued; the nonce is what makes it single-use once it is spent.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from leadwire.domain.errors import (
    FormTokenExpired,
    FormTokenInvalid,
    FormTokenTooFresh,
)

VERSION = "v1"
# Containers' clocks differ by a little: a token "issued" this far ahead is still ours.
CLOCK_SKEW = timedelta(seconds=30)
_SHAPE = re.compile(r"^v1\.(\d{1,12})\.([A-Za-z0-9_-]{16,64})\.([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class FormToken:
    issued_at: datetime
    nonce: str


@dataclass(frozen=True)
class TokenAges:
    """How old a token must be when posted: a person takes `min_age` at least to fill a
    form, and a page left open longer than `max_age` fetches a new one."""

    min_age: timedelta = timedelta(seconds=3)
    max_age: timedelta = timedelta(hours=2)


def issue_token(key: str, issued_at: datetime, nonce: str) -> str:
    """A token for a form rendered at `issued_at` (the nonce: random, from the caller)."""
    payload = f"{VERSION}.{int(issued_at.timestamp())}.{nonce}"
    return f"{payload}.{_signature(key, payload)}"


def read_token(value: str, keys: Sequence[str]) -> FormToken:
    """The token's issue time and nonce, if one of `keys` (current, previous) signed it."""
    found = _SHAPE.match(value.strip())
    if found is None:
        raise FormTokenInvalid("the form token is not one this service issued")
    issued, nonce, signature = found.groups()
    payload = f"{VERSION}.{issued}.{nonce}"
    if not any(hmac.compare_digest(_signature(k, payload), signature) for k in keys):
        raise FormTokenInvalid("the form token's signature does not match")
    return FormToken(datetime.fromtimestamp(int(issued), UTC), nonce)


def check_age(token: FormToken, now: datetime, ages: TokenAges) -> None:
    """Refuse a token posted too soon after its page was rendered, or too long after."""
    age = now - token.issued_at
    if age < -CLOCK_SKEW:
        raise FormTokenInvalid("the form token was issued in the future")
    if age < ages.min_age:
        raise FormTokenTooFresh(
            f"the form was posted {max(0, int(age.total_seconds()))} s after it was rendered;"
            f" a person takes at least {int(ages.min_age.total_seconds())} s"
        )
    if age > ages.max_age:
        raise FormTokenExpired("the form token has expired; reload the page and submit again")


def _signature(key: str, payload: str) -> str:
    digest = hmac.new(key.encode(), payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")
