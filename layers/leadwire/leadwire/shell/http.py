"""API Gateway (HTTP API, payload 2.0) in and out: raw request bytes, JSON answers and errors."""

from __future__ import annotations

import base64
import binascii
import json
import re
import urllib.parse
from collections.abc import Mapping

from leadwire.domain.errors import LeadwireError, MalformedPayload, RateLimited
from leadwire.shell.errors import error_body, http_error
from leadwire.shell.routes import HttpEvent, Response


def raw_body(event: HttpEvent) -> bytes:
    """The bytes the sender sent: API Gateway base64-encodes bodies it considers binary."""
    body = event.body or ""
    try:
        return base64.b64decode(body, validate=True) if event.is_base64_encoded else body.encode()
    except binascii.Error as e:
        raise MalformedPayload("the body is not valid base64") from e


def public_url(event: HttpEvent, headers: dict[str, str]) -> str:
    """The URL as the sender called it (API Gateway passes the host and scheme it was given)."""
    scheme = headers.get("x-forwarded-proto", "https").split(",")[0].strip() or "https"
    host = headers.get("host") or event.domain_name
    query = f"?{event.raw_query_string}" if event.raw_query_string else ""
    return f"{scheme}://{host}{event.raw_path}{query}"


def json_request_body(event: HttpEvent) -> object:
    """A JSON request body, or a 400 that says why it is not one."""
    raw = raw_body(event)
    try:
        return json.loads(raw.decode("utf-8")) if raw else None
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise MalformedPayload("the body is not valid JSON") from e


def form_request_body(event: HttpEvent) -> dict[str, str]:
    """A browser form's fields (urlencoded), the first value of each; a 400 when it is not
    text."""
    try:
        text = raw_body(event).decode("utf-8")
    except UnicodeDecodeError as e:
        raise MalformedPayload("the form is not UTF-8 text") from e
    pairs = urllib.parse.parse_qsl(text, keep_blank_values=True, max_num_fields=20)
    fields: dict[str, str] = {}
    for name, value in pairs:
        fields.setdefault(name, value)
    return fields


# Link previews fetch a URL to show it (Slack's unfurl, chat apps, mail scanners, browsers'
# prefetching): opening the page is then not sales seeing the lead. A browser says what a
# request is for (Fetch Metadata: Chrome, Edge, Firefox, Safari 16.4+): a person opening the
# link is a top-level navigation to a document, never a prefetch. Without those headers (an
# older browser, a tool) the user agent is all there is to go on.
_PREVIEW_AGENTS = re.compile(
    r"bot|crawler|spider|preview|slack|facebookexternalhit|whatsapp|telegram|discord|"
    r"skypeuripreview|safelinks|proofpoint|mimecast|barracuda|headless|curl|wget|"
    r"python-requests|go-http-client|okhttp",
    re.IGNORECASE,
)


def is_link_preview(headers: Mapping[str, str]) -> bool:
    """Whether a GET of a link is a machine looking at it rather than a person opening it.
    `headers`: lower-case names, as API Gateway's HTTP API gives them."""
    purpose = f"{headers.get('sec-purpose', '')} {headers.get('purpose', '')}".lower()
    if "prefetch" in purpose or "prerender" in purpose:
        return True
    mode, dest = headers.get("sec-fetch-mode"), headers.get("sec-fetch-dest")
    if mode is not None and (mode != "navigate" or dest not in (None, "document")):
        return True
    agent = headers.get("user-agent", "")
    return not agent or bool(_PREVIEW_AGENTS.search(agent))


# How soon a retryable refusal may be sent again (a hint: senders retry on any 5xx).
RETRY_AFTER_SECONDS = 5


def error_response(error: LeadwireError) -> Response:
    answer = http_error(error)
    headers = None
    if isinstance(error, RateLimited):
        headers = {"Retry-After": str(error.retry_after)}
    elif answer.retryable:
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    return json_response(answer.status, error_body(error), headers)


def json_response(status: int, body: object, headers: dict[str, str] | None = None) -> Response:
    return Response(
        status_code=status,
        content_type="application/json",
        body=json.dumps(body),
        headers=headers,
    )
