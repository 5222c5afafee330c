"""A hostile-input corpus against the deployed routes: every refusal is a 4xx JSON error that
writes nothing; what is accepted (script tags, SQL-looking text in a valid field) is stored
as inert text and does nothing else.

Each case says why it gets its answer. The table is scanned before and after every request.
"""

# ruff: noqa: E501  (the corpus is a table: one case per line reads best)
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlencode

import pytest

from leadwire.domain.form_token import issue_token, read_token
from leadwire.domain.models import lead_id_for
from leadwire.providers.html_form import DEV_TOKEN_KEY
from leadwire.providers.signatures import sign_hmac
from leadwire.shell import runtime
from leadwire_local import senders
from leadwire_local.sandbox import Sandbox

FORMS_JSON = "/webhooks/forms/json"
FORMS_HTML = "/webhooks/forms/html"
URLENCODED = {"content-type": "application/x-www-form-urlencoded"}
JSON = {"content-type": "application/json"}
ALLOWED_ORIGIN = "https://www.acme.example"
SEEDED_EMAIL = "bob@acme-robotics.example"
SEEDED = lead_id_for(SEEDED_EMAIL)

Request = tuple[str, str, dict[str, str], bytes]  # method, path (with query), headers, body


@dataclass(frozen=True)
class Case:
    name: str
    why: str
    build: Callable[[], Request]
    status: int
    code: str

    def __str__(self) -> str:
        return self.name


def html(fields: dict[str, str] | list[tuple[str, str]]) -> Callable[[], Request]:
    return lambda: ("POST", FORMS_HTML, URLENCODED, urlencode(fields).encode())


def html_raw(body: bytes, headers: dict[str, str] = URLENCODED) -> Callable[[], Request]:
    return lambda: ("POST", FORMS_HTML, headers, body)


def signed_json(
    body: bytes, *, content_type: str = "application/json", **signing
) -> Callable[[], Request]:
    """A Standard Webhooks delivery of exactly `body`, correctly signed unless told otherwise."""

    def build() -> Request:
        message_id = signing.get("delivery_id", f"msg_{time.time_ns()}")
        stamp = signing.get("timestamp", int(time.time()))
        secret = signing.get("secret", senders.DEV_SECRETS["json"])
        signature = senders.sign_standard_webhook(secret, message_id, stamp, body)
        headers = {
            "content-type": content_type,
            "webhook-id": message_id,
            "webhook-timestamp": str(stamp),
            "webhook-signature": signing.get("signature", signature),
        }
        return "POST", FORMS_JSON, headers, body

    return build


def json_form(fields: dict, form: str = "demo-request") -> Callable[[], Request]:
    return signed_json(json.dumps({"form": form, "fields": fields}).encode())


def provider(slug: str, payload: dict | bytes, **signing) -> Callable[[], Request]:
    """A delivery signed the provider's way (senders.sign), with `signing` overrides."""

    def build() -> Request:
        path, headers, body = senders.provider_webhook(slug, payload, **signing)
        return "POST", path, headers, body

    return build


def unsigned(path: str, body: bytes = b"{}", headers: dict[str, str] = JSON):
    return lambda: ("POST", path, headers, body)


def leads(method: str, path: str, body: bytes = b"", headers: dict[str, str] = JSON):
    return lambda: (method, path, headers, body)


def forged_cursor(stage: str, key: dict) -> Callable[[], Request]:
    """A cursor shaped as the API gives them out (base64 JSON of stage -> start key), but
    with a start key the API never issued."""
    cursor = base64.urlsafe_b64encode(json.dumps({stage: key}).encode()).decode()
    return leads("GET", f"/leads?stage={stage}&cursor={quote(cursor)}")


SORT = "2026-11-25T09:00:00.000000Z#" + SEEDED
STAGE_KEY = {"pk": f"LEAD#{SEEDED}", "sk": "PROFILE", "stage": "lead", "stageSort": SORT}


def redirect(target: str) -> Callable[[], Request]:
    return html({"form": "contact", "email": "ann@corp.example", "redirect": target})


BOB = {"email": "eve@corp.example", "first_name": "Eve"}
OLD = datetime.now(UTC) - timedelta(hours=1)
WRONG_JSON_SECRET = "whsec_" + base64.b64encode(senders.DEV_SECRETS["typeform"].encode()).decode()

REFUSED = [
    # -- bodies -----------------------------------------------------------------------------
    Case("html-empty-body", "an empty form names no one", html_raw(b""), 400, "missing_identity"),
    Case("json-empty-body", "signed, but empty is not JSON", signed_json(b""), 400, "malformed_payload"),
    Case("json-empty-unsigned", "no signature: refused before parsing", unsigned(FORMS_JSON, b""), 401, "invalid_signature"),
    Case("html-over-limit", "64 KiB + 1 byte: refused before parsing", html_raw(b"email=" + b"a" * 65_531), 413, "payload_too_large"),
    Case("json-1mb", "size is checked before the signature", unsigned(FORMS_JSON, b"{" + b" " * 1_000_000 + b"}"), 413, "payload_too_large"),
    Case("json-not-json", "signed text that is not JSON", signed_json(b"form=demo&email=a@b.example"), 400, "malformed_payload"),
    Case("json-top-level-array", "the envelope must be an object", signed_json(b'[{"form": "trial"}]'), 400, "malformed_payload"),
    Case("json-top-level-null", "the envelope must be an object", signed_json(b"null"), 400, "malformed_payload"),
    Case("json-text-plain", "signed, but not sent as JSON", signed_json(b"{}", content_type="text/plain"), 415, "unsupported_media_type"),
    Case("html-as-json", "a browser form never posts JSON", html_raw(b'{"email": "a@b.example"}', JSON), 415, "unsupported_media_type"),
    Case("html-no-content-type", "no content type at all", html_raw(b"email=a%40b.example", {}), 415, "unsupported_media_type"),
    Case("json-nested-30000", "30,000 nested arrays (under the size limit)", signed_json(b"[" * 30_000 + b"]" * 30_000), 400, "malformed_payload"),
    Case("json-nested-field", "a field value that is an object", json_form({"email": {"a": {"b": {"c": "x@y.example"}}}}), 400, "malformed_payload"),
    Case("json-nul-in-email", "\\u0000 inside the address (the identity is never cleaned into another)", json_form({"email": "ann\x00@corp.example"}), 400, "malformed_payload"),
    Case("json-bidi-in-email", "a right-to-left override inside the address", json_form({"email": "ann\u202e@corp.example"}), 400, "malformed_payload"),
    Case("json-zero-width-email", "an address of zero-width spaces is no address", json_form({"email": "\u200b\u200b"}), 400, "missing_identity"),
    Case("json-visitor-id-list", "a list as the visitor id", signed_json(json.dumps({"conversation_id": "c1", "visitor": {"id": ["v1"]}, "message": {"id": "m1", "text": "hi"}}).encode()), 400, "malformed_payload"),
    Case("json-nul-raw", "a raw NUL byte inside a JSON string is not JSON", signed_json(b'{"form": "trial", "fields": {"email": "a\x00@b.example"}}'), 400, "malformed_payload"),
    Case("html-invalid-utf8", "bytes that are not UTF-8", html_raw(b"email=a%40b.example&company=\xff\xfe"), 400, "malformed_payload"),
    Case("json-invalid-utf8", "signed bytes that are not UTF-8", signed_json(b'{"form": "trial", "fields": {"email": "\xc3\x28@b.example"}}'), 400, "malformed_payload"),
    Case("multipart-invalid-utf8", "a multipart field that is not UTF-8", html_raw(senders.multipart_form([("email", "a@b.example")])[1].replace(b"a@b", b"\xff@b"), {"content-type": senders.multipart_form([])[0]}), 400, "malformed_payload"),
    Case("multipart-no-boundary", "multipart without its boundary", html_raw(b"--x\r\n", {"content-type": "multipart/form-data"}), 400, "malformed_payload"),
    Case("json-overlong-email", "an address longer than 254", json_form({"email": "a" * 250 + "@b.example"}), 400, "malformed_payload"),
    Case("html-too-many-fields", "more than 100 form fields", html([("email", "a@b.example")] + [(f"f{i}", "x") for i in range(120)]), 400, "malformed_payload"),
    Case("json-email-header-injection", "CRLF + Bcc in the email", json_form({"email": "a@b.example\r\nBcc: x@y.example"}), 400, "malformed_payload"),
    Case("html-email-header-injection", "LF + Cc in the email", html({"email": "a@b.example\nCc: x@y.example"}), 400, "malformed_payload"),
    Case("json-email-display-name", "a display name is not an address", json_form({"email": '"Bob" <bob@x.example>'}), 400, "malformed_payload"),
    Case("html-email-script-tag", "markup is not an address", html({"email": "<script>alert(1)</script>@x.example"}), 400, "malformed_payload"),
    Case("json-email-sql", "SQL-looking text is not an address", json_form({"email": "' OR 1=1 --@x.example"}), 400, "malformed_payload"),
    Case("json-email-nosql-operator", "an operator object instead of an address", json_form({"email": {"$gt": ""}}), 400, "malformed_payload"),
    Case("json-email-list", "a list instead of an address", json_form({"email": ["a@b.example", "c@d.example"]}), 400, "malformed_payload"),
    Case("json-email-lookalike-domain", "Cyrillic 'а' in the domain (IDN homograph)", json_form({"email": "bob@\u0430cme-robotics.example"}), 400, "malformed_payload"),
    Case("json-form-nosql", "the form name must be text", signed_json(b'{"form": {"$ne": null}, "fields": {"email": "a@b.example"}}'), 400, "malformed_payload"),
    Case("json-no-identity", "no email and no visitor id", json_form({"first_name": "Anon"}), 400, "missing_identity"),
    # -- signatures -------------------------------------------------------------------------
    Case("json-no-signature", "no Standard Webhooks headers", unsigned(FORMS_JSON, json.dumps({"form": "trial", "fields": BOB}).encode()), 401, "invalid_signature"),
    Case("json-signature-not-base64", "v1, followed by garbage", signed_json(b"{}", signature="v1,not-base64!!"), 401, "invalid_signature"),
    Case("json-signature-no-version", "a bare digest without v1,", signed_json(b"{}", signature=base64.b64encode(b"x" * 32).decode()), 401, "invalid_signature"),
    Case("json-signature-other-body", "a valid signature for another body", lambda: _swap_body(signed_json(b'{"form": "newsletter", "fields": {"email": "a@b.example"}}'), b'{"form": "demo-request", "fields": {"email": "a@b.example"}}'), 401, "invalid_signature"),
    Case("json-replayed-old", "signed an hour ago: a replay", signed_json(json.dumps({"form": "trial", "fields": BOB}).encode(), timestamp=int(time.time()) - 3600), 409, "stale_timestamp"),
    Case("json-from-the-future", "signed an hour ahead", signed_json(json.dumps({"form": "trial", "fields": BOB}).encode(), timestamp=int(time.time()) + 3600), 409, "stale_timestamp"),
    Case("json-timestamp-not-a-number", "the signed timestamp is text", lambda: _text_timestamp(), 401, "invalid_signature"),
    Case("json-other-providers-secret", "signed with typeform's secret", signed_json(json.dumps({"form": "trial", "fields": BOB}).encode(), secret=WRONG_JSON_SECRET), 401, "invalid_signature"),
    Case("typeform-json-secret", "typeform signature made with json's secret", provider("typeform", {"event_type": "form_response"}, secret=senders.DEV_SECRETS["json"]), 401, "invalid_signature"),
    Case("typeform-unsigned", "no Typeform-Signature", unsigned("/webhooks/forms/typeform"), 401, "invalid_signature"),
    Case("tally-other-body", "tally signature for another body", lambda: _swap_body(provider("tally", {"eventType": "FORM_RESPONSE"}), b'{"eventType": "FORM_RESPONSE", "x": 1}'), 401, "invalid_signature"),
    Case("webflow-stale", "webflow timestamp an hour old", provider("webflow", {"triggerType": "form_submission"}, now=OLD), 409, "stale_timestamp"),
    Case("crisp-stale", "crisp timestamp an hour old", provider("crisp", {"event": "message:send"}, now=OLD), 409, "stale_timestamp"),
    Case("hubspot-other-url", "HubSpot signed the URL of another host", provider("hubspot", {"x": 1}, url="https://evil.example/webhooks/forms/hubspot"), 401, "invalid_signature"),
    Case("intercom-sha256", "Intercom signs with SHA-1; a SHA-256 digest is refused", lambda: _intercom_sha256(), 401, "invalid_signature"),
    Case("jotform-wrong-key", "the URL key of someone else", provider("jotform", b"x=1", secret="guessed", content_type="multipart/form-data; boundary=x"), 401, "invalid_signature"),
    Case("drift-no-token", "no verification token", unsigned("/webhooks/chat/drift"), 401, "invalid_signature"),
    Case("livechat-wrong-secret", "the body's secret_key does not match", provider("livechat", {"action": "incoming_chat"}, secret="guessed"), 401, "invalid_signature"),
    # -- providers and paths ----------------------------------------------------------------
    Case("unknown-provider", "no such provider", unsigned("/webhooks/forms/nosuch"), 404, "unknown_provider"),
    Case("form-only-provider-on-chat", "html is a form provider", unsigned("/webhooks/chat/html", b"email=a%40b.example", URLENCODED), 404, "unknown_provider"),
    Case("provider-upper-case", "slugs are lower-case", unsigned("/webhooks/forms/JSON"), 404, "unknown_provider"),
    Case("provider-lookalike", "Cyrillic 'ј' in json", unsigned("/webhooks/forms/" + quote("\u0458son")), 404, "unknown_provider"),
    Case("provider-dotdot", "a parent-directory provider", unsigned("/webhooks/forms/.."), 404, "unknown_provider"),
    Case("provider-encoded-traversal", "encoded ../../leads", unsigned("/webhooks/forms/..%2F..%2Fleads"), 404, "unknown_provider"),
    Case("provider-nul", "a NUL in the provider", unsigned("/webhooks/forms/json%00"), 404, "unknown_provider"),
    Case("lead-get-traversal", "encoded ../../etc/passwd as a lead id", leads("GET", "/leads/..%2F..%2Fetc%2Fpasswd"), 404, "lead_not_found"),
    Case("lead-get-upper-case", "lead ids are lower-case hex", leads("GET", "/leads/" + SEEDED.upper()), 404, "lead_not_found"),
    Case("lead-delete-traversal", "erasure through a traversal id", leads("DELETE", "/leads/..%2F" + SEEDED), 404, "lead_not_found"),
    Case("lead-delete-suffix", "the real id plus a NUL", leads("DELETE", f"/leads/{SEEDED}%00"), 404, "lead_not_found"),
    Case("lead-delete-wildcard", "a wildcard is not a lead id", leads("DELETE", "/leads/ld_*"), 404, "lead_not_found"),
    Case("disposition-traversal", "disposition through a traversal id", leads("POST", "/leads/..%2F..%2Fleads/disposition", b'{"outcome": "accepted"}'), 404, "lead_not_found"),
    Case("disposition-not-json", "the body is not JSON", leads("POST", f"/leads/{SEEDED}/disposition", b"outcome=accepted"), 400, "malformed_payload"),
    Case("disposition-invalid-utf8", "the body is not UTF-8", leads("POST", f"/leads/{SEEDED}/disposition", b'{"outcome": "\xff"}'), 400, "malformed_payload"),
    Case("disposition-nosql-outcome", "an operator object as the outcome", leads("POST", f"/leads/{SEEDED}/disposition", b'{"outcome": {"$ne": null}}'), 400, "malformed_payload"),
    Case("disposition-sets-stage", "extra fields are refused, not applied", leads("POST", f"/leads/{SEEDED}/disposition", b'{"outcome": "accepted", "stage": "sql", "score": 1000}'), 400, "malformed_payload"),
    Case("disposition-overlong-reason", "a 501-character reason", leads("POST", f"/leads/{SEEDED}/disposition", json.dumps({"outcome": "rejected", "reason": "x" * 501}).encode()), 400, "malformed_payload"),
    Case("list-stage-sql-injection", "a stage that is SQL", leads("GET", "/leads?stage=" + quote("sql' OR '1'='1")), 400, "malformed_payload"),
    Case("list-limit-not-a-number", "limit must be a number", leads("GET", "/leads?limit=1;DROP"), 400, "malformed_payload"),
    Case("list-cursor-garbage", "a cursor we never issued", leads("GET", "/leads?stage=sql&cursor=" + quote('{"pk": {"S": "x"}}')), 400, "malformed_payload"),
    Case("list-cursor-forged-no-sort-key", "a well-formed cursor whose key lacks the index sort key", forged_cursor("lead", {"pk": f"LEAD#{SEEDED}", "sk": "PROFILE"}), 400, "malformed_payload"),
    Case("list-cursor-forged-other-stage", "a start key of another stage's partition", forged_cursor("sql", STAGE_KEY), 400, "malformed_payload"),
    Case("list-cursor-forged-not-a-lead", "a start key that is no lead's", forged_cursor("lead", {**STAGE_KEY, "pk": "LEAD#x", "stageSort": "2026-11-25T09:00:00.000000Z#x"}), 400, "malformed_payload"),
    Case("list-cursor-forged-ledger-item", "a start key naming a ledger item", forged_cursor("lead", {**STAGE_KEY, "sk": "EVENT#json:msg_1"}), 400, "malformed_payload"),
    Case("list-cursor-forged-extra-attribute", "a start key with an attribute the index has not", forged_cursor("lead", {**STAGE_KEY, "email": "x@y.example"}), 400, "malformed_payload"),
    Case("list-cursor-forged-sort-not-a-time", "a sort key that is not a time", forged_cursor("lead", {**STAGE_KEY, "stageSort": "zzz#" + SEEDED}), 400, "malformed_payload"),
    # -- open redirect ----------------------------------------------------------------------
    Case("redirect-other-origin", "another site", redirect("https://evil.example/thanks"), 400, "redirect_not_allowed"),
    Case("redirect-scheme-relative", "//evil.example keeps the page's scheme", redirect("//evil.example/thanks"), 400, "redirect_not_allowed"),
    Case("redirect-userinfo", "the allowed host as user info", redirect("https://www.acme.example@evil.example/"), 400, "redirect_not_allowed"),
    Case("redirect-suffix-domain", "the allowed host as a subdomain of another", redirect("https://www.acme.example.evil.example/"), 400, "redirect_not_allowed"),
    Case("redirect-javascript", "a script URL", redirect("javascript:alert(document.domain)"), 400, "redirect_not_allowed"),
    Case("redirect-data", "a data URL", redirect("data:text/html,<script>alert(1)</script>"), 400, "redirect_not_allowed"),
    Case("redirect-backslash", "a backslash some browsers read as a slash", redirect("https://evil.example\\@www.acme.example/"), 400, "redirect_not_allowed"),
    Case("redirect-http", "the allowed host over http", redirect("http://www.acme.example/thanks"), 400, "redirect_not_allowed"),
    Case("redirect-other-port", "the allowed host on another port", redirect("https://www.acme.example:8443/"), 400, "redirect_not_allowed"),
    Case("redirect-crlf", "a header split inside the redirect", redirect("https://www.acme.example/\r\nSet-Cookie: a=b"), 400, "malformed_payload"),
]  # fmt: skip


# Issue #11, "bad input rule": a field that is not the identity never fails a delivery that has
# a valid one. Formerly refused (html-nul-in-field, json-nul-escaped, html-overlong-field,
# json-overlong-message, json-too-many-attributes, html-header-injection-in-name), these are
# accepted with the field cleaned or dropped, and the ledger entry's `normalized` says so.
@dataclass(frozen=True)
class Cleaned:
    name: str
    why: str
    fields: dict[str, object]
    field: str  # where the cleaned value lands on the event: a profile field, or message
    stored: object
    note: str
    html: bool = False

    def __str__(self) -> str:
        return self.name


CLEANED = [
    Cleaned("html-nul-in-field", "NUL removed from a company", {"company": "Ac\x00me"}, "company", "Acme", "company: removed 1 control character", html=True),
    Cleaned("json-nul-escaped", "\\u0000 removed from a company", {"company": "Ac\x00me"}, "company", "Acme", "company: removed 1 control character"),
    Cleaned("html-overlong-field", "501 characters in a short field: dropped", {"company": "x" * 501}, "company", None, "company: dropped, longer than 500 characters", html=True),
    Cleaned("json-overlong-company", "600 characters of company: dropped", {"company": "x" * 600}, "company", None, "company: dropped, longer than 500 characters"),
    Cleaned("json-overlong-message", "5,001 characters of free text: dropped", {"message": "x" * 5001}, "message", None, "message: dropped, longer than 5000 characters"),
    Cleaned("json-list-company", "a list where text is expected: dropped", {"company": ["Acme", "Other"]}, "company", None, "company: dropped, not text"),
    Cleaned("json-object-title", "an object where text is expected: dropped", {"job_title": {"$gt": ""}}, "job_title", None, "job_title: dropped, not text"),
    Cleaned("json-too-many-attributes", "60 extra fields: the first 50 kept", {f"extra_{i}": "x" for i in range(60)}, "attributes", 50, "dropped 10 extra fields beyond 50"),
    Cleaned("html-header-injection-in-name", "a line break in a one-line field becomes a space", {"last_name": "X\r\nBcc: x@y.example"}, "last_name", "X Bcc: x@y.example", "last_name: line breaks replaced by spaces", html=True),
    Cleaned("json-bidi-in-name", "a right-to-left override in a name", {"first_name": "\u202eEve\u202c"}, "first_name", "Eve", "first_name: removed 2 bidi control characters"),
    Cleaned("json-submitted-in-the-future", "a submission time in 2099: the receive time", {"first_name": "Eve"}, "first_name", "Eve", "time 2099-01-01T00:00:00Z is in the future: receive time used"),
]  # fmt: skip


@pytest.mark.parametrize("case", CLEANED, ids=str)
def test_a_malformed_field_beside_a_valid_identity_is_cleaned_or_dropped_not_refused(seeded, case):
    # Given a delivery with a valid email and one malformed field that is not the identity
    email = f"{case.name}@corp.example"
    fields = {"email": email, **case.fields}
    if case.html:
        method, path, headers, body = html({"form": "newsletter", **fields})()
    else:
        payload = {"form": "newsletter", "fields": fields}
        if case.name == "json-submitted-in-the-future":
            payload["submitted_at"] = "2099-01-01T00:00:00Z"
        method, path, headers, body = signed_json(json.dumps(payload).encode())()

    # When it arrives
    response = seeded.request(method, path, headers, body)

    # Then the lead is made, the field cleaned or dropped, and the ledger entry says so
    assert response.status == 202 and response.json()["status"] == "accepted", response.body
    [entry] = runtime.store().ledger(lead_id_for(email))
    assert entry.event is not None
    if case.field == "message":
        assert entry.event.message == case.stored
    elif case.field == "attributes":
        assert len(entry.event.attributes) == case.stored
    else:
        assert getattr(entry.event.profile, case.field) == case.stored
    assert case.note in entry.normalized
    assert not any(email in note for note in entry.normalized)


def _swap_body(build: Callable[[], Request], other: bytes) -> Request:
    method, path, headers, _ = build()
    return method, path, headers, other


def _text_timestamp() -> Request:
    body = b'{"form": "trial", "fields": {"email": "a@b.example"}}'
    key = base64.b64decode(senders.DEV_SECRETS["json"].removeprefix("whsec_"))
    digest = hmac.new(key, b"msg_t.soon." + body, hashlib.sha256).digest()
    headers = {
        **JSON,
        "webhook-id": "msg_t",
        "webhook-timestamp": "soon",
        "webhook-signature": "v1," + base64.b64encode(digest).decode(),
    }
    return "POST", FORMS_JSON, headers, body


def _intercom_sha256() -> Request:
    body = b'{"type": "notification_event", "topic": "conversation.user.created"}'
    signature = sign_hmac(senders.DEV_SECRETS["intercom"], body, encoding="hex", prefix="sha1=")
    return "POST", "/webhooks/chat/intercom", {**JSON, "x-hub-signature": signature}, body


@pytest.fixture
def seeded(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    """One real lead already stored (so erasure and disposition have a target), and an
    allowed redirect origin."""
    monkeypatch.setenv("REDIRECT_ORIGINS", ALLOWED_ORIGIN)
    runtime.reset()
    headers, body = senders.json_webhook(
        senders.json_form("webinar", {"email": SEEDED_EMAIL, "job_title": "Team Lead"})
    )
    assert sandbox.request("POST", FORMS_JSON, headers, body).status == 202
    sandbox.pump()
    return sandbox


def table(sandbox: Sandbox) -> list[str]:
    return sorted(json.dumps(item, sort_keys=True) for item in sandbox.items())


def lead_items(items: list[str]) -> list[str]:
    """The items about leads (not the html form's post counters, which have their own test)."""
    return [i for i in items if json.loads(i)["pk"]["S"].startswith("LEAD#")]


def test_the_corpus_is_big_enough():
    cases = REFUSED + ACCEPTED + DEFENDED
    assert len(cases) >= 50
    assert len({c.name for c in cases}) == len(cases)


@pytest.mark.parametrize("case", REFUSED, ids=str)
def test_hostile_request_gets_a_4xx_json_error_and_writes_nothing(seeded, case):
    assert_refused_writing_nothing(seeded, case)


def assert_refused_writing_nothing(sandbox: Sandbox, case: Case) -> None:
    # Given a table with one lead in it
    before = table(sandbox)
    method, path, headers, body = case.build()

    # When the hostile request arrives
    response = sandbox.request(method, path, headers, body)

    # Then it is refused with a JSON error of the expected kind, and nothing changed
    assert (response.status, _code(response)) == (case.status, case.code), response.body[:300]
    assert response.headers["content-type"] == "application/json"
    error = response.json()
    assert set(error) == {"error"} and set(error["error"]) == {"code", "message"}
    assert "Traceback" not in response.body.decode("utf-8", "replace")
    assert table(sandbox) == before
    assert sandbox.pump() == 0 and sandbox.received_alerts() == []


def _code(response) -> str | None:
    try:
        return response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None


# Accepted on purpose: the text is valid in the field it is in. It must be stored exactly as
# sent (never executed, unescaped or interpreted) and do nothing but score the lead.
@dataclass(frozen=True)
class Inert:
    name: str
    why: str
    field: str
    value: str

    def __str__(self) -> str:
        return self.name


ACCEPTED = [
    Inert("script-tag-company", "markup in a company name is just a name", "company", "<script>alert(1)</script>"),
    Inert("img-onerror-name", "an HTML payload in a name", "first_name", '<img src=x onerror="alert(1)">'),
    Inert("sql-drop-company", "SQL is text to DynamoDB", "company", "Robert'); DROP TABLE leads;--"),
    Inert("nosql-operator-title", "a Mongo operator as text", "job_title", '{"$gt": ""}'),
    Inert("ddb-expression-industry", "DynamoDB expression syntax as text", "industry", "attribute_exists(pk) OR #x = :y"),
    Inert("lookalike-name", "Cyrillic letters in a name are a real name", "last_name", "\u0412\u043eb"),
    Inert("template-injection-country", "template syntax is not evaluated", "country", "{{7*7}}${7*7}"),
]  # fmt: skip


@pytest.mark.parametrize("case", ACCEPTED, ids=str)
def test_markup_and_query_syntax_in_a_valid_field_is_stored_as_inert_text(seeded, case):
    # Given a table with one lead in it
    before = table(seeded)
    email = f"{case.name}@corp.example"

    # When a form carries the hostile-looking text in an otherwise valid field
    headers, body = senders.html_form(
        {"form": "newsletter", "email": email, case.field: case.value}
    )
    response = seeded.request("POST", FORMS_HTML, headers, body)

    # Then it is accepted, stored exactly as sent, never echoed, and nothing else happened
    assert response.status == 202 and response.json()["status"] == "accepted"
    assert case.value not in response.body.decode()
    lead = runtime.store().load(lead_id_for(email))
    assert lead is not None and getattr(lead.profile, case.field) == case.value
    after = table(seeded)
    assert set(lead_items(before)) <= set(lead_items(after))
    assert len(lead_items(after)) == len(lead_items(before)) + 2  # profile + ledger entry
    assert seeded.pump() == 0 and seeded.received_alerts() == []
    assert runtime.store().load(SEEDED).events == 1  # the other lead is untouched


@pytest.mark.parametrize(
    ("query", "why"),
    [
        (
            "email=" + quote("<script>alert(1)</script>"),
            "markup as an email: a lookup that finds no one",
        ),
        ("email=" + quote("' OR 1=1 --"), "SQL as an email: hashed into a lead id, finds no one"),
        ("stage=sql&email=" + quote('{"$ne": null}'), "an operator as an email: finds no one"),
    ],
)
def test_a_lead_query_that_looks_like_an_attack_finds_nothing_and_writes_nothing(
    seeded, query, why
):
    before = table(seeded)
    response = seeded.request("GET", f"/leads?{query}")
    assert response.status == 200 and response.json() == {"items": [], "next": None}
    assert table(seeded) == before


def test_a_negative_page_size_is_clamped_to_one_lead_and_writes_nothing(seeded):
    before = table(seeded)
    response = seeded.request("GET", "/leads?limit=-5")
    assert response.status == 200 and [i["leadId"] for i in response.json()["items"]] == [SEEDED]
    assert table(seeded) == before


# Found by tests/unit/test_fuzz.py: a signed delivery whose event type (or a nested list) had
# another JSON type crashed the provider with a TypeError, a 500 the sender would retry forever.
@pytest.mark.parametrize(
    ("slug", "payload", "status"),
    [
        ("crisp", {"event": [], "data": {}}, "ignored"),
        ("intercom", {"topic": ["conversation.user.created"], "data": {"item": {}}}, "ignored"),
        (
            "intercom",
            {
                "type": "notification_event",
                "topic": "conversation.user.replied",
                "data": {"item": {"conversation_parts": {"conversation_parts": {"0": {}}}}},
            },
            "ignored",
        ),
        (
            "intercom",
            {
                "type": "notification_event",
                "topic": "conversation.user.created",
                "data": {"item": {"source": {"author": {"type": ["user"]}}}},
            },
            "ignored",
        ),
        (
            "livechat",
            {"action": "incoming_event", "payload": {"chat_id": "c1", "event": {"type": []}}},
            "ignored",
        ),
        (
            "hubspot",
            {"form-submissions": True, "properties": {"email": {"value": "h1@corp.example"}}},
            "accepted",
        ),
        (
            "hubspot",
            {
                "form-submissions": [{"timestamp": "yesterday"}, {"timestamp": 1764000000000}],
                "properties": {"email": {"value": "h2@corp.example"}},
            },
            "accepted",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_signed_delivery_with_odd_json_types_is_answered_not_a_crash(seeded, slug, payload, status):
    before = table(seeded)
    path, headers, body = senders.provider_webhook(slug, payload)
    response = seeded.request("POST", path, headers, body)
    assert response.status == 202, response.body[:300]
    assert response.json()["status"] == status
    if status == "ignored":
        assert table(seeded) == before


# Issue #12: `phone` is what sales dials, stored as E.164 (phonenumbers); a look-alike number
# is dropped like any other malformed non-identity field, and the ledger entry says why.
SHAPE = "phone: dropped, not only digits, spaces and + ( ) - . /"
PHONES = [
    ("with-country-code", "+1 (415) 555-0100", "+14155550100", None),
    ("dotted-uk", "+44 20.7946.0958", "+442079460958", None),
    ("full-width-digits", "\uff0b\uff11 \uff14\uff11\uff15 \uff15\uff15\uff15 \uff10\uff11\uff10\uff10", "+14155550100", None),
    ("letter-o-for-zero", "+1 415 555 01OO", None, SHAPE),
    ("vanity-letters", "+1 800 FLOWERS", None, SHAPE),
    ("arabic-indic-digits", "+\u0661 \u0664\u0661\u0665 \u0665\u0665\u0665 \u0660\u0661\u0660\u0660", None, SHAPE),
    ("zero-width-inside", "+1 415\u200b555 0100", None, SHAPE),
    ("extension", "+1 415 555 0100 ext. 12", None, SHAPE),
    ("extension-semicolon", "+14155550100;ext=12", None, SHAPE),
    ("tel-uri", "tel:+1-415-555-0100", None, SHAPE),
    ("instruction-text", "CALL +1-900-555-0199 or visit https://evil.example/login", None, "phone: dropped, longer than 32 characters"),
    ("short-instruction", "call +1 900 555 0199", None, SHAPE),
    ("too-long", "+1 415 555 0100 0000 0000 0000 0000", None, "phone: dropped, longer than 32 characters"),
    ("too-many-digits", "+1415555010000000", None, "phone: dropped, not a valid phone number"),
    ("unassigned-area-code", "+1 555 010 9999", None, "phone: dropped, not a valid phone number"),
    ("no-country-code", "415-555-0100", None, "phone: dropped, no +country code, and no default region is set"),
]  # fmt: skip


@pytest.mark.parametrize("html_post", [True, False], ids=["html", "json"])
@pytest.mark.parametrize(("name", "sent", "stored", "note"), PHONES, ids=[p[0] for p in PHONES])
def test_phones_are_stored_as_e164_and_look_alikes_dropped(
    seeded, html_post, name, sent, stored, note
):
    # Given a delivery with a valid email and a phone number as someone typed it
    email = f"phone-{name}@corp.example"
    fields = {"email": email, "phone": sent}
    if html_post:
        method, path, headers, body = html({"form": "newsletter", **fields})()
    else:
        method, path, headers, body = json_form(fields, form="newsletter")()

    # When it arrives
    response = seeded.request(method, path, headers, body)

    # Then it is accepted with the phone as E.164, or without one and a note that says why
    assert response.status == 202 and response.json()["status"] == "accepted", response.body
    lead = runtime.store().load(lead_id_for(email))
    assert lead is not None and lead.profile.phone == stored
    [entry] = runtime.store().ledger(lead.lead_id)
    assert (note in entry.normalized) if note else not any("phone" in n for n in entry.normalized)
    assert not any(sent in n for n in entry.normalized)


def test_a_default_region_reads_national_numbers(seeded, monkeypatch):
    # Given a deployment that reads numbers without a country code as US numbers
    monkeypatch.setenv("PHONE_DEFAULT_REGION", "US")
    runtime.reset()

    # When a form carries a national number
    method, path, headers, body = html({"form": "newsletter", "email": "nat@corp.example", "phone": "(415) 555-0100"})()  # fmt: skip
    assert seeded.request(method, path, headers, body).status == 202

    # Then it is stored as E.164
    lead = runtime.store().load(lead_id_for("nat@corp.example"))
    assert lead is not None and lead.profile.phone == "+14155550100"


# -- the html form's defences (issue #12): allowed origins, honeypot, signed form token, and
# the per-client rate limit, with tokens required and one allowed origin.
OTHER_SITE = "https://evil.example"


def form_token(age_seconds: float, key: str = DEV_TOKEN_KEY) -> str:
    """A token as GET /forms/token issues it, fetched `age_seconds` ago."""
    issued = datetime.now(UTC) - timedelta(seconds=age_seconds)
    return issue_token(key, issued, uuid.uuid4().hex)


def browser_post(
    fields: dict[str, str], token: Callable[[], str] | None = lambda: form_token(10), **headers
) -> Callable[[], Request]:
    """A browser's post of the form from a page (Origin / Referer as `headers` say)."""

    def build() -> Request:
        sent = {"form": "contact", "email": "dina@corp.example", **fields}
        if token is not None:
            sent["leadwire_token"] = token()
        return "POST", FORMS_HTML, {**URLENCODED, **headers}, urlencode(sent).encode()

    return build


FROM_SITE = {"origin": ALLOWED_ORIGIN}
DEFENDED = [
    Case("html-wrong-origin", "a page on another site posts the form", browser_post({}, origin=OTHER_SITE), 403, "origin_not_allowed"),
    Case("html-wrong-referer", "no Origin header: the Referer's site is checked instead", browser_post({}, referer=OTHER_SITE + "/contact"), 403, "origin_not_allowed"),
    Case("html-lookalike-origin", "the allowed host as a subdomain of another", browser_post({}, origin=ALLOWED_ORIGIN + ".evil.example"), 403, "origin_not_allowed"),
    Case("html-opaque-origin", "Origin: null (a sandboxed frame, a local file)", browser_post({}, origin="null"), 403, "origin_not_allowed"),
    Case("html-honeypot-filled", "the CSS-hidden field a person never sees, filled by a bot", browser_post({"leadwire_website": "http://spam.example"}, **FROM_SITE), 400, "honeypot_filled"),
    Case("html-token-missing", "tokens are required and the form has none", browser_post({}, token=None, **FROM_SITE), 400, "form_token_missing"),
    Case("html-token-empty", "an empty token field", browser_post({}, token=lambda: "", **FROM_SITE), 400, "form_token_missing"),
    Case("html-token-forged", "signed with a key that is not ours", browser_post({}, token=lambda: form_token(10, key="guessed-key"), **FROM_SITE), 403, "form_token_invalid"),
    Case("html-token-altered", "an issue time moved back an hour, signature kept", browser_post({}, token=lambda: _moved(form_token(10), -3600), **FROM_SITE), 403, "form_token_invalid"),
    Case("html-token-garbage", "not a token's shape at all", browser_post({}, token=lambda: "v1.0.AAAA.<script>", **FROM_SITE), 403, "form_token_invalid"),
    Case("html-token-from-the-future", "issued an hour from now", browser_post({}, token=lambda: form_token(-3600), **FROM_SITE), 403, "form_token_invalid"),
    Case("html-token-too-fresh", "posted the instant the page rendered: no person types that fast", browser_post({}, token=lambda: form_token(0), **FROM_SITE), 400, "form_token_too_fresh"),
    Case("html-token-expired", "a page left open for over two hours", browser_post({}, token=lambda: form_token(2 * 3600 + 5), **FROM_SITE), 403, "form_token_expired"),
]  # fmt: skip


def _moved(token: str, seconds: int) -> str:
    version, issued, nonce, signature = token.split(".")
    return ".".join([version, str(int(issued) + seconds), nonce, signature])


@pytest.fixture
def defended(seeded: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    """The seeded table, with the html form's defences on: one allowed origin, tokens required."""
    monkeypatch.setenv("FORM_ORIGINS", ALLOWED_ORIGIN)
    monkeypatch.setenv("FORM_TOKEN_REQUIRED", "true")
    runtime.reset()
    return seeded


@pytest.mark.parametrize("case", DEFENDED, ids=str)
def test_a_form_post_the_defences_refuse_gets_a_4xx_json_error_and_writes_nothing(defended, case):
    assert_refused_writing_nothing(defended, case)


def test_a_post_from_an_allowed_page_with_a_fresh_token_is_accepted_and_the_token_used_once(
    defended,
):
    # Given a token fetched by a page on the allowed origin ten seconds ago
    token = form_token(10)
    first = browser_post({}, token=lambda: token, referer=ALLOWED_ORIGIN + "/contact")()

    # When the form is posted (Referer only: the origin comes from it), it is accepted
    response = defended.request(*first)
    assert response.status == 202 and response.json()["status"] == "accepted", response.body
    assert runtime.store().load(lead_id_for("dina@corp.example")) is not None

    # And the same token on another submission is refused, writing nothing
    before = table(defended)
    other = browser_post({"email": "eve@corp.example"}, token=lambda: token, **FROM_SITE)()
    replayed = defended.request(*other)
    assert (replayed.status, _code(replayed)) == (409, "form_token_used")
    assert table(defended) == before


def test_a_refused_browser_post_goes_back_to_its_form_with_the_error_code(defended):
    # Given a browser on the allowed site, whose bot-filled honeypot gets the post refused
    before = table(defended)
    method, path, headers, body = browser_post(
        {"leadwire_website": "x"},
        origin=ALLOWED_ORIGIN,
        referer=ALLOWED_ORIGIN + "/contact?thanks=1&utm=ad",
        accept="text/html,application/xhtml+xml,*/*;q=0.8",
    )()

    # When it posts
    response = defended.request(method, path, headers, body)

    # Then the browser is sent back to the form with the reason, and nothing was written
    assert response.status == 303
    assert response.headers["location"] == ALLOWED_ORIGIN + "/contact?utm=ad&error=honeypot_filled"
    assert table(defended) == before


def test_a_refused_browser_post_from_another_site_is_not_sent_back_there(defended):
    method, path, headers, body = browser_post(
        {}, origin=OTHER_SITE, referer=OTHER_SITE + "/phish", accept="text/html"
    )()
    response = defended.request(method, path, headers, body)
    assert (response.status, _code(response)) == (403, "origin_not_allowed")
    assert "location" not in response.headers


def test_the_form_token_endpoint_issues_a_token_the_allowed_page_can_read(defended):
    # When the allowed page fetches a token
    response = defended.request("GET", "/forms/token", {"origin": ALLOWED_ORIGIN})

    # Then it gets one signed with the form-token key, readable by that page only (CORS)
    assert response.status == 200
    answer = response.json()
    assert answer["field"] == "leadwire_token"
    assert read_token(answer["token"], [DEV_TOKEN_KEY]).nonce
    assert response.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert response.headers["cache-control"] == "no-store"
    other = defended.request("GET", "/forms/token", {"origin": OTHER_SITE})
    assert "access-control-allow-origin" not in other.headers
    # And posted at once, it is too fresh: a person takes a few seconds to fill a form
    post = browser_post({}, token=lambda: answer["token"], **FROM_SITE)()
    assert _code(defended.request(*post)) == "form_token_too_fresh"


def test_the_61st_post_in_a_minute_from_one_client_is_429_while_another_client_is_fine(
    seeded, monkeypatch
):
    # Given a clock fixed half-way through a minute (the window is the calendar minute)
    fixed = datetime.now(UTC).replace(second=30, microsecond=0)
    monkeypatch.setattr(runtime, "clock", lambda: lambda: fixed)
    runtime.reset()
    client, other = "198.51.100.7", "203.0.113.9"

    # When one client posts 60 forms in that minute, each is accepted
    for n in range(60):
        headers, body = senders.html_form({"form": "newsletter", "email": f"r{n}@corp.example"})
        response = seeded.request("POST", FORMS_HTML, headers, body, source_ip=client)
        assert response.status == 202, (n, response.body)

    # Then the 61st is refused with 429 and when to come back, and writes nothing
    before = table(seeded)
    headers, body = senders.html_form({"form": "newsletter", "email": "r60@corp.example"})
    refused = seeded.request("POST", FORMS_HTML, headers, body, source_ip=client)
    assert (refused.status, _code(refused)) == (429, "rate_limited")
    assert refused.headers["retry-after"] == "30"
    assert table(seeded) == before
    # While another client is fine in the same minute
    accepted = seeded.request("POST", FORMS_HTML, headers, body, source_ip=other)
    assert accepted.status == 202
    # And no address is stored: the counters are keyed by a hash, and expire by TTL
    counters = [i for i in seeded.items() if i["pk"]["S"].startswith("FORMCLIENT#")]
    assert len(counters) == 2 and all("expiresAt" in i for i in counters)
    assert client not in json.dumps(seeded.items()) and other not in json.dumps(seeded.items())


def test_of_two_submissions_racing_with_one_token_only_the_first_spends_it(seeded):
    # Given two submissions that both read the token as unspent (a race)
    store = runtime.form_guard_store()
    expires = datetime.now(UTC) + timedelta(hours=2)
    assert store.token_spent_on("race-nonce") is None

    # When both spend it, the conditional put lets one win and names it to the other
    assert store.spend_token("race-nonce", "html:first", expires) is None
    assert store.spend_token("race-nonce", "html:second", expires) == "html:first"
    [spent] = [i for i in seeded.items() if i["pk"]["S"] == "FORMTOKEN#race-nonce"]
    assert spent["eventId"]["S"] == "html:first" and "expiresAt" in spent
