"""A webhook's request and answer: what the provider sent, and `202` (or an html form's `303`)."""

from __future__ import annotations

from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit, urlunsplit

from leadwire.app.form_guard import IssuedToken, origin_of
from leadwire.app.intake import Receipt
from leadwire.aws.settings import Settings
from leadwire.domain.errors import LeadwireError
from leadwire.providers import PROVIDERS, WebhookRequest
from leadwire.providers.html_form import TOKEN_FIELD
from leadwire.providers.snippet import script
from leadwire.shell.errors import error_body, http_error
from leadwire.shell.http import error_response, json_response, public_url, raw_body
from leadwire.shell.routes import HttpEvent, Response

# The snippet's beacons (the script posts to "t" beside itself, /t.js).
BEACON_PATH = "/t"


def webhook_request(event: HttpEvent) -> WebhookRequest:
    """The request as the sender made it, the body as the bytes it signed."""
    headers = {k.lower(): v for k, v in (event.headers or {}).items()}
    return WebhookRequest(
        headers=headers,
        body=raw_body(event),
        query=dict(event.query_string_parameters or {}),
        method=event.method,
        url=public_url(event, headers),
        source_ip=event.source_ip,
    )


def receipt_response(receipt: Receipt) -> Response:
    """202 with the event id (never the score); a browser form with a redirect gets a 303."""
    if receipt.batch is not None:
        counts = receipt.batch
        return json_response(
            202,
            {
                "status": receipt.status,
                "accepted": counts.accepted,
                "duplicates": counts.duplicates,
                "ignored": counts.ignored,
                "skipped": counts.skipped,
            },
        )
    body = {"status": receipt.status, "eventId": receipt.event_id}
    if receipt.reason:
        body["reason"] = receipt.reason
    if receipt.redirect:
        return json_response(303, body, headers={"Location": receipt.redirect})
    return json_response(202, body)


def refusal_response(error: LeadwireError, event: HttpEvent, settings: Settings) -> Response:
    """A refused browser form post goes back to its page with `?error=<code>` (a 303), when
    that page (its Referer) is on an allowed origin; every other refusal is the JSON error."""
    answer = http_error(error)
    back = _form_page(event, settings) if 400 <= answer.status < 500 else None
    if back is None:
        return error_response(error)
    query = [(k, v) for k, v in parse_qsl(back.query) if k not in ("error", "thanks")]
    page = urlunsplit(back._replace(query=urlencode([*query, ("error", answer.code)])))
    return json_response(303, error_body(error), headers={"Location": page})


def _form_page(event: HttpEvent, settings: Settings) -> SplitResult | None:
    provider = PROVIDERS.get((event.path_parameters or {}).get("provider", ""))
    headers = {k.lower(): v for k, v in (event.headers or {}).items()}
    referer = headers.get("referer", "")
    if (
        provider is None
        or not provider.browser_form
        or "text/html" not in headers.get("accept", "")
    ):
        return None  # not a browser navigating: the caller reads JSON
    allowed = {origin_of(o) for o in (*settings.redirect_origins, *settings.form_origins)}
    parts = urlsplit(referer)
    if parts.scheme not in ("http", "https") or origin_of(referer) not in allowed:
        return None
    return parts


def form_token_response(issued: IssuedToken, event: HttpEvent, settings: Settings) -> Response:
    """The token a page puts in its form; readable by pages on the allowed origins (CORS)."""
    headers = {"Cache-Control": "no-store", **cors_headers(event, settings)}
    body = {
        "token": issued.token,
        "field": TOKEN_FIELD,
        "notBefore": issued.not_before.isoformat(),
        "expiresAt": issued.expires_at.isoformat(),
    }
    return json_response(200, body, headers=headers)


def cors_headers(event: HttpEvent, settings: Settings) -> dict[str, str]:
    """Readable by pages on the allowed origins (`FORM_ORIGINS`; any page when it is empty)."""
    origin = {k.lower(): v for k, v in (event.headers or {}).items()}.get("origin", "")
    if not settings.form_origins:
        return {"Access-Control-Allow-Origin": "*"}
    if origin and origin_of(origin) in {origin_of(o) for o in settings.form_origins}:
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
    return {}


def snippet_response(settings: Settings) -> Response:
    """The first-party snippet, with the deployment's consent default (the route compresses
    it and lets browsers cache it for an hour)."""
    return Response(
        status_code=200,
        content_type="text/javascript; charset=utf-8",
        body=script(settings.snippet_consent_default),
        headers={"X-Content-Type-Options": "nosniff", "Access-Control-Allow-Origin": "*"},
    )


def beacon_response(answer: Response, event: HttpEvent, settings: Settings) -> Response:
    """A beacon's answer (its receipt or its refusal), readable by the site's pages."""
    answer.headers.update(cors_headers(event, settings))
    return answer
