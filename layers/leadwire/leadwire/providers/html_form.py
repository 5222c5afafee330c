"""`html`: a plain browser form posting to the webhook (urlencoded or multipart).

A browser cannot sign a request, so nothing is verified; a submission is deduplicated by its
content for a short window (or for good by a per-render `submission_id`), and the thank-you
redirect is only followed to an allowed origin (checked by intake).
Field names are PRODUCT.md's: email, first_name, ..., visitor_id, form, redirect.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from urllib.parse import parse_qsl, urlencode

from leadwire.domain.errors import MalformedPayload
from leadwire.domain.models import Channel
from leadwire.providers.fields import clean_text, content_id, event_from_fields
from leadwire.providers.request import Parsed, ProviderBase, WebhookRequest, require_media_type

# A browser's double-submit or retry (the same fields) within this window is one submission:
# the current and the previous window are checked, so 10 to 20 minutes. A page can instead
# render a fresh hidden `submission_id` per view, which makes each of its posts exact.
WINDOW_SECONDS = 600
SUBMISSION_FIELD = "submission_id"
# The defences' fields (read by leadwire.app.form_guard, never stored): a honeypot a person
# never sees (hidden with CSS), and the signed form token the page fetched.
HONEYPOT_FIELD = "leadwire_website"
TOKEN_FIELD = "leadwire_token"
# The form tokens' signing key, from the same place as the providers' secrets
# (LEADWIRE_SECRET_FORM_TOKEN locally, <SecretsParameterPrefix>form_token in SSM).
TOKEN_KEY_NAME = "form_token"
DEV_TOKEN_KEY = "leadwire-dev-form-token-key-01"
URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
_MAX_FIELDS = 100


class HtmlFormProvider(ProviderBase):
    slug = "html"
    channels = frozenset({Channel.FORM})
    signed = False
    browser_form = True

    def fill(self, body: bytes, form: str | None, fields: Mapping[str, str]) -> bytes:
        pairs = parse_qsl(body.decode(), keep_blank_values=True)
        overrides = {**fields, **({"form": form} if form else {})}
        kept = [(k, v) for k, v in pairs if k not in overrides]
        return urlencode([*overrides.items(), *kept]).encode()

    def verify(self, request: WebhookRequest, secrets: Sequence[str], now: datetime) -> None:
        return None

    def parse(
        self, request: WebhookRequest, channel: Channel, delivery_id: str | None, now: datetime
    ) -> Parsed:
        fields = form_fields(request)
        for defence in (HONEYPOT_FIELD, TOKEN_FIELD):
            fields.pop(defence, None)
        form = fields.pop("form", None) or request.query.get("form")
        redirect = clean_text("redirect", fields.pop("redirect", None))
        submission = clean_text("submission_id", fields.pop(SUBMISSION_FIELD, None))
        if submission:  # one rendering of the page: a second post of it is the same one
            event_id, repeats = content_id(self.slug, "submission", submission), []
        else:  # the same content again soon is a double-submit; later, a new submission
            window = int(now.timestamp()) // WINDOW_SECONDS
            event_id = content_id(self.slug, form, fields, window)
            repeats = [content_id(self.slug, form, fields, window - 1)]
        event = event_from_fields(
            provider=self.slug,
            channel=channel,
            fields=fields,
            form=form,
            event_id=event_id,
            occurred_at=now,
            received_at=now,
        )
        return Parsed(event=event.model_copy(update={"repeats_of": repeats}), redirect=redirect)


def form_fields(request: WebhookRequest, max_fields: int = _MAX_FIELDS) -> dict[str, str]:
    """A form post's fields, urlencoded or multipart (files left out), at most `max_fields`."""
    media = require_media_type(request, URLENCODED, MULTIPART)
    if media == MULTIPART:
        return _multipart_fields(request, max_fields)
    return _urlencoded_fields(request, max_fields)


def _urlencoded_fields(request: WebhookRequest, max_fields: int) -> dict[str, str]:
    try:
        text = request.body.decode("utf-8")
        pairs = parse_qsl(
            text,
            keep_blank_values=True,
            strict_parsing=bool(text),
            max_num_fields=max_fields,
            errors="strict",
        )
    except UnicodeDecodeError as e:
        raise MalformedPayload("the form body is not valid UTF-8") from e
    except ValueError as e:
        raise MalformedPayload(f"the form body is not valid urlencoded data: {e}") from e
    return dict(pairs)


def _multipart_fields(request: WebhookRequest, max_fields: int) -> dict[str, str]:
    header = request.headers.get("content-type", "")
    if "boundary=" not in header:
        raise MalformedPayload("multipart/form-data needs a boundary")
    # Here, not at import: the email package is ~8 ms of every cold start, and few forms post
    # multipart.
    from email.message import EmailMessage
    from email.parser import BytesParser
    from email.policy import HTTP

    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + header.encode("latin-1", "replace") + b"\r\n\r\n" + request.body
    )
    if not isinstance(message, EmailMessage) or not message.is_multipart():
        raise MalformedPayload("the multipart body could not be read")
    fields: dict[str, str] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str) or part.get_filename():
            continue  # files are not lead data
        if len(fields) >= max_fields:
            raise MalformedPayload(f"more than {max_fields} form fields")
        payload = part.get_payload(decode=True)
        try:
            fields[name] = (payload if isinstance(payload, bytes) else b"").decode(
                part.get_content_charset() or "utf-8"
            )
        except (UnicodeDecodeError, LookupError) as e:
            raise MalformedPayload(f"form field {name!r} is not valid text") from e
    return fields


provider = HtmlFormProvider()
