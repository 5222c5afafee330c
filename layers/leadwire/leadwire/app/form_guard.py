"""The unsigned html form defends itself the way form backends do: an allowed-origins check,
a honeypot field, an optional signed form token (rendered a few seconds before the post, used
once) and a per-client rate limit.

Nothing here stops a plain HTML form on a user's page from working: with the defaults every
origin is allowed, tokens are off and the limit is generous. The checks that write nothing run
first, on the raw form; the post is counted and its token spent only once the submission
parsed (so a post refused for a missing email can be sent again from the same page), and a
post over the limit is not counted: a refusal writes nothing at all.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from secrets import token_urlsafe
from urllib.parse import urlsplit

from leadwire.app.ports import FormGuardStore, SigningSecrets
from leadwire.domain.errors import (
    FormTokenMissing,
    FormTokensUnavailable,
    FormTokenUsed,
    HoneypotFilled,
    OriginNotAllowed,
    RateLimited,
)
from leadwire.domain.form_token import (
    CLOCK_SKEW,
    FormToken,
    TokenAges,
    check_age,
    issue_token,
    read_token,
)
from leadwire.providers.html_form import HONEYPOT_FIELD, TOKEN_FIELD, TOKEN_KEY_NAME, form_fields
from leadwire.providers.request import WebhookRequest

WINDOW = timedelta(minutes=1)
# Without a form-token key the client hash is salted with this; with one, keyed by it.
_CLIENT_SALT = "leadwire-form-clients"


@dataclass(frozen=True)
class FormDefences:
    """The settings (template parameters, through the environment)."""

    origins: tuple[str, ...] = ()  # empty: any origin may post
    token_required: bool = False
    token_ages: TokenAges = TokenAges()
    posts_per_minute: int = 60  # 0: no limit
    # The snippet's beacons (POST /t), counted apart: browsing never uses up the form's posts.
    beacons_per_minute: int = 120  # 0: no limit


@dataclass(frozen=True)
class Screened:
    """A post that passed the checks that write nothing; its token when one is required."""

    token: FormToken | None = None


@dataclass(frozen=True)
class IssuedToken:
    token: str
    not_before: datetime
    expires_at: datetime


@dataclass(frozen=True)
class FormGuard:
    store: FormGuardStore
    secrets: SigningSecrets
    defences: FormDefences = FormDefences()
    nonce: Callable[[], str] = lambda: token_urlsafe(18)

    def screen(self, request: WebhookRequest, now: datetime) -> Screened:
        """Origin, honeypot and token (signature and age): checks that write nothing."""
        self.check_origin(request.headers)
        fields = form_fields(request)
        if fields.get(HONEYPOT_FIELD, "").strip():
            raise HoneypotFilled("the form was refused: a field people never see was filled")
        return Screened(self._check_token(fields.get(TOKEN_FIELD), now))

    def admit(
        self, screened: Screened, request: WebhookRequest, event_id: str, now: datetime
    ) -> None:
        """Count the post against its client's limit and use its token once. A second
        submission with the token is refused (before it is counted: a refusal writes
        nothing); the same submission again (a double-click) goes on to be a duplicate."""
        token = screened.token
        if token is not None:
            self._refuse_reuse(self.store.token_spent_on(token.nonce), event_id)
        self._count(request.source_ip, now, self.defences.posts_per_minute, "form posts")
        if token is not None:
            expires = token.issued_at + self.defences.token_ages.max_age + CLOCK_SKEW
            # Conditional: of two submissions racing with one token, one wins.
            self._refuse_reuse(self.store.spend_token(token.nonce, event_id, expires), event_id)

    @staticmethod
    def _refuse_reuse(spent_on: str | None, event_id: str) -> None:
        if spent_on is not None and spent_on != event_id:
            raise FormTokenUsed("this form token was already used; reload the page")

    def issue(self, now: datetime) -> IssuedToken:
        """A token for a form being rendered now (GET /forms/token)."""
        keys = self._keys()
        ages = self.defences.token_ages
        token = issue_token(keys[0], now, self.nonce())
        return IssuedToken(token, now + ages.min_age, now + ages.max_age)

    def _keys(self) -> list[str]:
        keys = self.secrets.for_provider(TOKEN_KEY_NAME)
        if not keys:
            raise FormTokensUnavailable(f"no form token key is configured ({TOKEN_KEY_NAME})")
        return keys

    def count_beacon(self, source_ip: str, now: datetime) -> None:
        """Count a snippet beacon against its client's own per-minute limit (429 past it)."""
        self._count(source_ip, now, self.defences.beacons_per_minute, "beacons", "beacon:")

    def check_origin(self, headers: Mapping[str, str]) -> None:
        allowed = {origin_of(o) for o in self.defences.origins}
        if not allowed:
            return
        # Browsers send Origin on every form POST (and Referer unless told not to); a
        # client with neither is not a browser, which the token and the limit are for.
        origin = headers.get("origin") or headers.get("referer")
        if origin and origin_of(origin) not in allowed:
            raise OriginNotAllowed("this form is not posted from a page on an allowed origin")

    def _check_token(self, value: str | None, now: datetime) -> FormToken | None:
        if not self.defences.token_required:
            return None
        if not value:
            raise FormTokenMissing(f"the form has no {TOKEN_FIELD}; the page fetches one")
        token = read_token(value, self._keys())
        check_age(token, now, self.defences.token_ages)
        return token

    def _count(self, source_ip: str, now: datetime, limit: int, what: str, kind: str = "") -> None:
        if limit <= 0:
            return
        start = now.replace(second=0, microsecond=0)
        client = client_key(source_ip, kind + self._client_salt())
        if not self.store.count_post(client, start, start + 2 * WINDOW, limit):
            wait = math.ceil((start + WINDOW - now).total_seconds())
            raise RateLimited(f"more than {limit} {what} from this client a minute", wait)

    def _client_salt(self) -> str:
        if self.defences.token_required:  # the key is at hand (and cached) only then
            return self._keys()[0]
        return _CLIENT_SALT


def origin_of(url: str) -> str:
    """`scheme://host[:port]`, lower-case, the default port left out ("null" stays "null")."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return "invalid"
    if not parts.scheme or not parts.hostname:
        return url.strip().lower()
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    shown = f":{port}" if port is not None and port != default else ""
    return f"{parts.scheme.lower()}://{parts.hostname.lower()}{shown}"


def client_key(source_ip: str, salt: str) -> str:
    """A keyed hash of the client's address (an IPv6 client's /64 network, which one
    household or server holds), so no address is ever stored."""
    try:
        address = ipaddress.ip_address(source_ip)
    except ValueError:
        network = source_ip or "unknown"
    else:
        network = (
            str(ipaddress.ip_network(f"{address}/64", strict=False))
            if address.version == 6
            else str(address)
        )
    return hmac.new(salt.encode(), network.encode(), hashlib.sha256).hexdigest()[:32]
