"""`leadwire send`: a provider's sample webhook (from events/), with a form name and fields of
your choosing where the provider's format has room for them, signed with the secret the local
stack checks, posted to it like the provider would post it.

With --form / --field, only your values are sent, in the sample's envelope stripped of the
sample's person (what is kept is in `MINIMUM`): a sample's job title or phone would otherwise
overwrite a real lead's profile. `--from-sample` fills the whole sample instead."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from leadwire.providers import PROVIDERS
from leadwire.providers.request import ProviderBase
from leadwire_local import senders
from leadwire_local.send_minimum import MINIMUM  # noqa: F401 - what `bare` keeps, told in --help
from leadwire_local.template import TEMPLATE

EVENTS = TEMPLATE.parent / "events"
TIMEOUT = 60.0  # one webhook; generous, a busy laptop can be slow to answer


class SendRefused(Exception):
    """The request cannot be built as asked (unknown provider, no room for an override)."""


@dataclass(frozen=True)
class Sample:
    """One provider's delivery from an events/ file: where it is posted, its body, its type."""

    provider: str
    path: str
    content_type: str
    body: bytes
    query: dict[str, str]


def sample_file(provider: str) -> Path:
    """The provider's sample in events/ (its form sample when it has several)."""
    found = sorted(EVENTS.glob(f"webhook-{provider}-*.json"))
    if not found:
        raise SendRefused(f"no events/webhook-{provider}-*.json sample")
    forms = [f for f in found if "/webhooks/forms/" in json.loads(f.read_text())["rawPath"]]
    return (forms or found)[0]


def load_sample(provider: str, event_file: Path | None = None) -> Sample:
    if provider not in PROVIDERS:
        raise SendRefused(f"unknown provider {provider!r}; one of: {', '.join(sorted(PROVIDERS))}")
    event = json.loads((event_file or sample_file(provider)).read_text())
    raw = event.get("body") or ""
    body = base64.b64decode(raw) if event.get("isBase64Encoded") else raw.encode()
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    query = dict(parse_qsl(event.get("rawQueryString") or "", keep_blank_values=True))
    return Sample(
        provider, event["rawPath"], headers.get("content-type", "application/json"), body, query
    )


def bare(sample: Sample) -> bytes:
    """The sample without its person: only the `MINIMUM` of the provider's format."""
    if sample.provider == "html":
        pairs = parse_qsl(sample.body.decode(), keep_blank_values=True)
        return urlencode([(k, v) for k, v in pairs if k in ("form", "redirect")]).encode()
    payload = json.loads(sample.body)
    if sample.provider == "json" and "conversation_id" in payload:
        visitor = {"id": payload["visitor"]["id"]}
        message = {**payload["message"], "text": ""}
        payload = {**payload, "visitor": visitor, "message": message}
    elif sample.provider == "json":
        payload["fields"] = {}
    elif sample.provider == "typeform":
        response = payload["form_response"]
        response["answers"], response["hidden"] = [], {}
        response.pop("variables", None)
        response.pop("calculated", None)
        response["definition"] = {**response.get("definition", {}), "fields": []}
    elif sample.provider == "webflow":
        payload["payload"]["data"], payload["payload"]["schema"] = {}, []
    elif sample.provider == "tally":
        fields = payload["data"].get("fields") or []
        payload["data"]["fields"] = [f for f in fields if f.get("type") == "HIDDEN_FIELDS"]
    elif sample.provider == "hubspot":
        properties = payload.get("properties") or {}
        payload["properties"] = {k: v for k, v in properties.items() if k == "hs_object_id"}
    else:
        return sample.body
    return json.dumps(payload).encode()


def fillable_providers() -> list[str]:
    """The providers whose format has room for a form name and fields (`--form`, `--field`)."""
    return sorted(s for s, p in PROVIDERS.items() if type(p).fill is not ProviderBase.fill)


def with_overrides(
    sample: Sample, form: str | None, fields: dict[str, str], from_sample: bool = False
) -> bytes:
    """`form` and `fields` put where the provider carries them: in the bare sample (see
    `bare`), or over the whole sample with `from_sample`. No overrides: the sample as is."""
    if not form and not fields:
        return sample.body
    try:
        start = sample.body if from_sample else bare(sample)
        filled = PROVIDERS[sample.provider].fill(start, form, fields)
    except ValueError as e:
        raise SendRefused(str(e)) from e
    if filled is None:
        raise SendRefused(
            f"--form/--field are not supported for {sample.provider} (only for "
            f"{', '.join(fillable_providers())}); copy its sample from events/, edit it and "
            "pass --event"
        )
    return filled


# -- posting ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int
    body: str
    location: str | None


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # show the 303 of an html form instead of following it


@dataclass(frozen=True)
class Request:
    url: str
    headers: dict[str, str]
    body: bytes


def build_request(
    provider: str,
    base_url: str,
    *,
    form: str | None = None,
    fields: dict[str, str] | None = None,
    event_file: Path | None = None,
    from_sample: bool = False,
) -> Request:
    """The provider's sample (with overrides), signed for now, addressed to `base_url`."""
    sample = load_sample(provider, event_file)
    body = with_overrides(sample, form, fields or {}, from_sample)
    base = base_url.rstrip("/")
    headers = {"content-type": sample.content_type, "user-agent": f"leadwire-send/{provider}"}
    query = dict(sample.query)
    if PROVIDERS[provider].signed:
        # What the webhook function sees as its URL (HubSpot signs it): https://<Host><path>.
        signed_url = f"https://{urlsplit(base).netloc}{sample.path}"
        if query:
            signed_url += f"?{urlencode(query)}"
        signed = senders.sign(provider, body, url=signed_url)
        headers.update(signed.headers)
        body = signed.body
        query.update(signed.query)
    return Request(base + sample.path + (f"?{urlencode(query)}" if query else ""), headers, body)


def send(provider: str, base_url: str, **options: Any) -> Answer:
    """Sign the provider's sample (see `build_request`) and post it to `base_url`."""
    built = build_request(provider, base_url, **options)
    request = urllib.request.Request(built.url, built.body, built.headers, method="POST")
    opener = urllib.request.build_opener(_NoRedirects)
    try:
        with opener.open(request, timeout=TIMEOUT) as response:
            return Answer(response.status, response.read().decode(errors="replace"), None)
    except urllib.error.HTTPError as error:  # 3xx (html redirect), 4xx and 5xx answers
        text = error.read().decode(errors="replace")
        return Answer(error.code, text, error.headers.get("location"))


def parse_fields(pairs: list[str]) -> dict[str, str]:
    """`k=v` arguments as a dict (later ones win)."""
    fields = {}
    for pair in pairs:
        name, equals, value = pair.partition("=")
        if not equals or not name:
            raise SendRefused(f"--field {pair!r}: expected name=value")
        fields[name.strip()] = value
    return fields
