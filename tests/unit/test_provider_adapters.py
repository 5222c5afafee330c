"""Provider adapters as pure functions: signature schemes, field mapping, form names."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime

import pytest

from leadwire.domain.errors import MalformedPayload, SignatureInvalid, StaleTimestamp
from leadwire.domain.models import Channel, lead_id_for
from leadwire.providers import DEV_SECRETS, PROVIDERS, WebhookRequest
from leadwire.providers.fields import (
    clean_email,
    clean_field,
    field_for_label,
    form_slug,
    lead_fields,
    moment,
    plain_text,
    trusted_time,
)
from leadwire.providers.hubspot import signed_content
from leadwire.providers.signatures import check_timestamp, verify_hmac, verify_token

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
BODY = b'{"event_type": "form_response"}'


def test_every_provider_is_registered_with_a_dev_secret_when_it_checks_one():
    assert set(PROVIDERS) == {
        "html",
        "json",
        "typeform",
        "webflow",
        "tally",
        "hubspot",
        "jotform",
        "intercom",
        "crisp",
        "tawkto",
        "drift",
        "livechat",
        "segment",
        "sendgrid",
        "mailgun",
        "postmark",
        "rudderstack",
    }
    assert {slug for slug, p in PROVIDERS.items() if p.signed} == set(DEV_SECRETS)


def test_typeform_style_signature_matches_an_independent_computation():
    # What Typeform's own example verifiers compute: sha256= + base64(HMAC-SHA256(body)).
    digest = hmac.new(b"s3cret", BODY, hashlib.sha256).digest()
    header = "sha256=" + base64.b64encode(digest).decode()
    verify_hmac(header, BODY, ["s3cret"], encoding="base64", prefix="sha256=")
    with pytest.raises(SignatureInvalid):
        verify_hmac(header, BODY + b" ", ["s3cret"], encoding="base64", prefix="sha256=")


def test_hex_sha1_signature_accepts_either_case_and_any_held_secret():
    # tawk.to / Intercom: hex HMAC-SHA1; a rotation holds two secrets.
    digest = hmac.new(b"old", BODY, hashlib.sha1).hexdigest().upper()
    verify_hmac(digest, BODY, ["new", "old"], algorithm="sha1", encoding="hex")
    with pytest.raises(SignatureInvalid):
        verify_hmac(digest, BODY, ["new"], algorithm="sha1", encoding="hex")


@pytest.mark.parametrize("header", [None, "", "sha1=zz", "md5=abcd", "not base64 !"])
def test_missing_or_garbled_signature_is_refused(header):
    with pytest.raises(SignatureInvalid):
        verify_hmac(header, BODY, ["s3cret"], encoding="base64", prefix="sha256=")


def test_a_token_is_compared_whole():
    verify_token("tok-123", ["tok-999", "tok-123"])
    for wrong in (None, "", "tok-12", "tok-1234"):
        with pytest.raises(SignatureInvalid):
            verify_token(wrong, ["tok-123"])


def test_millisecond_timestamps_get_the_same_five_minutes():
    millis = int(NOW.timestamp() * 1000)
    assert check_timestamp(str(millis - 299_000), NOW, millis=True)
    with pytest.raises(StaleTimestamp):
        check_timestamp(str(millis - 301_000), NOW, millis=True)


def test_hubspot_signs_method_uri_body_and_timestamp_with_listed_escapes_decoded():
    signed = signed_content("post", "https://h.example/hook?a=x%3Ay%2Cz%20w", b"{}", "1700")
    assert signed == b"POSThttps://h.example/hook?a=x:y,z%20w{}1700"


def test_webflow_signature_covers_the_timestamp():
    provider = PROVIDERS["webflow"]
    stamp = str(int(NOW.timestamp() * 1000))
    good = hmac.new(b"k", f"{stamp}:".encode() + BODY, hashlib.sha256).hexdigest()
    headers = {"x-webflow-timestamp": stamp, "x-webflow-signature": good}
    provider.verify(WebhookRequest(headers, BODY), ["k"], NOW)
    with pytest.raises(SignatureInvalid):  # the same signature, replayed with a new time
        later = {**headers, "x-webflow-timestamp": str(int(stamp) + 1)}
        provider.verify(WebhookRequest(later, BODY), ["k"], NOW)


@pytest.mark.parametrize(
    ("label", "field"),
    [
        ("Email", "email"),
        ("If you're OK with a follow-up, please give us your email address.", "email"),
        ("What is your first name?", "first_name"),
        ("Last Name", "last_name"),
        ("phoneNumber", "phone"),
        ("Phone Number", "phone"),
        ("Company size", "company_size"),
        ("Your company name", "company"),
        ("jobtitle", "job_title"),
        ("numemployees", "company_size"),
        ("What is your name?", "name"),
        ("Favourite colour", None),
    ],
)
def test_form_labels_map_to_our_field_names(label, field):
    assert field_for_label(label) == field


def test_lead_fields_keep_short_unknown_answers_and_drop_long_ones():
    fields = lead_fields(
        [
            ("Email", "a@b.example"),
            ("E-mail", "second@b.example"),
            ("utm_source", "ads"),
            ("Tell us everything", "x" * 600),
            ("Interests", ["Pricing", "API"]),
            ("Phone", 15550000000),
        ]
    )
    assert fields == {
        "email": "a@b.example",
        "utm_source": "ads",
        "interests": "Pricing, API",
        "phone": "15550000000",
    }


@pytest.mark.parametrize(
    ("name", "slug"),
    [("Demo request", "demo-request"), ("Contact Us!", "contact-us"), ("", None), (42, "42")],
)
def test_form_titles_become_rule_keys(name, slug):
    assert form_slug(name) == slug


def test_provider_times_are_read_in_utc():
    assert moment("2022-09-14T12:35:16.117Z", NOW) == datetime(
        2022, 9, 14, 12, 35, 16, 117000, tzinfo=UTC
    )
    assert moment(1795597200000, NOW) == moment(1795597200, NOW)
    assert moment("yesterday", NOW) == NOW and moment(None, NOW) == NOW


def test_a_time_before_year_one_in_another_zone_is_unreadable_not_a_crash():
    assert moment("0001-01-01T00:00:00+01:00", NOW) == NOW


@pytest.mark.parametrize(
    ("when", "note"),
    [
        (datetime(2099, 1, 1, tzinfo=UTC), "time 2099-01-01T00:00:00Z is in the future"),
        (datetime(1, 1, 1, tzinfo=UTC), "time 0001-01-01T00:00:00Z is before 2000"),
        (datetime(1999, 12, 31, 23, 59, tzinfo=UTC), "before 2000"),
    ],
)
def test_a_provider_time_in_the_future_or_before_2000_is_replaced_by_the_receive_time(when, note):
    notes: list[str] = []
    assert trusted_time(when, NOW, notes) == NOW
    [said] = notes
    assert note in said and said.endswith("receive time used")


def test_a_provider_time_a_little_ahead_or_in_the_past_is_kept():
    notes: list[str] = []
    slightly_ahead = NOW.replace(minute=4)
    assert trusted_time(slightly_ahead, NOW, notes) == slightly_ahead
    assert trusted_time(datetime(2001, 1, 1, tzinfo=UTC), NOW, notes).year == 2001
    assert notes == []


@pytest.mark.parametrize(
    ("raw", "email", "note"),
    [
        ("Kate@Corp.example", "kate@corp.example", None),
        ("\u212aate@corp.example", "kate@corp.example", "compatibility characters"),
        ("kate\u200b\u200d@corp.example", "kate@corp.example", "removed 2 zero-width characters"),
        ("\ufeffkate@corp.example", "kate@corp.example", "removed 1 zero-width character"),
        ("ｋａｔｅ@corp.example", "kate@corp.example", "compatibility characters"),
    ],
)
def test_emails_are_nfkc_normalized_and_stripped_of_zero_width_before_the_lead_id(raw, email, note):
    notes: list[str] = []
    assert clean_email(raw, notes) == email
    assert notes == [] if note is None else note in " ".join(notes)
    assert lead_id_for(raw) == lead_id_for(email)
    assert not any("kate" in n for n in notes)  # notes never carry the address


@pytest.mark.parametrize(
    "raw", ["ann\u202e@corp.example", "ann\x00@corp.example", "ann@b\u0430.example"]
)
def test_emails_with_bidi_or_control_characters_or_a_look_alike_domain_are_refused(raw):
    with pytest.raises(MalformedPayload):
        clean_email(raw, [])


def test_names_lose_bidi_overrides_isolates_and_control_characters_and_say_so():
    notes: list[str] = []
    assert clean_field("last_name", "\u2067Smith\u2069\u202e\x07", notes) == "Smith"
    assert notes == [
        "last_name: removed 3 bidi control characters",
        "last_name: removed 1 control character",
    ]


def test_chat_html_becomes_plain_text():
    assert (
        plain_text("<p>Price for 5 &amp; more?</p><p>Thanks</p>") == "Price for 5 & more?\nThanks"
    )


def request(payload: object) -> WebhookRequest:
    return WebhookRequest({"content-type": "application/json"}, json.dumps(payload).encode())


def test_typeform_hidden_form_field_wins_over_the_title():
    payload = {
        "event_id": "e1",
        "event_type": "form_response",
        "form_response": {
            "hidden": {"form": "Contact Sales"},
            "definition": {"title": "Website form", "fields": []},
            "answers": [{"type": "email", "email": "A@B.example", "field": {"id": "f"}}],
        },
    }
    event = PROVIDERS["typeform"].parse(request(payload), Channel.FORM, None, NOW).event
    assert event is not None
    assert (event.form, event.email, event.event_id) == (
        "contact-sales",
        "a@b.example",
        "typeform:e1",
    )


def test_an_envelope_that_is_not_an_object_is_malformed():
    with pytest.raises(MalformedPayload):
        PROVIDERS["intercom"].parse(request(["x"]), Channel.CHAT, None, NOW)


def test_livechat_agent_message_is_ignored():
    payload = {
        "action": "incoming_event",
        "payload": {
            "chat_id": "c1",
            "event": {
                "id": "e1",
                "type": "message",
                "author_id": "agent@acme.example",
                "text": "Hi",
            },
        },
    }
    parsed = PROVIDERS["livechat"].parse(request(payload), Channel.CHAT, None, NOW)
    assert parsed.event is None and parsed.ignored


def test_crisp_set_email_identifies_the_session():
    payload = {
        "event": "session:set_email",
        "data": {"session_id": "session_1", "email": "ada@example.com"},
        "timestamp": 1795597200000,
    }
    event = PROVIDERS["crisp"].parse(request(payload), Channel.CHAT, None, NOW).event
    assert event is not None and (event.email, event.visitor_id) == ("ada@example.com", "session_1")


def test_typeform_answer_with_a_non_object_field_is_read_not_crashed():
    """Found by the fuzzer: `"field": true` raised AttributeError (a 500, retried forever)."""
    body = {
        "event_id": "e1",
        "event_type": "form_response",
        "form_response": {
            "form_id": "f",
            "definition": {"title": "Demo request", "fields": []},
            "answers": [{"type": "email", "email": "ann@corp.example", "field": True}],
        },
    }
    request = WebhookRequest({"content-type": "application/json"}, json.dumps(body).encode())
    parsed = PROVIDERS["typeform"].parse(request, Channel.FORM, None, datetime.now(UTC))
    assert parsed.event is not None and parsed.event.email == "ann@corp.example"
