"""Standard Webhooks verification on the raw bytes: rotation, several signatures, replays."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from leadwire.domain.errors import SignatureInvalid, StaleTimestamp
from leadwire.providers.signatures import sign_standard_webhook, verify_standard_webhook

SECRET = "whsec_" + base64.b64encode(b"current-secret-32-bytes-long!!!!").decode()
OLD = "whsec_" + base64.b64encode(b"previous-secret-32-bytes-long!!!").decode()
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
STAMP = int(NOW.timestamp())
BODY = b'{"form": "demo-request", "fields": {"email": "a@b.example"}}'


def headers(secret: str = SECRET, stamp: int = STAMP, body: bytes = BODY) -> dict[str, str]:
    return {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(stamp),
        "webhook-signature": sign_standard_webhook(secret, "msg_1", stamp, body),
    }


def test_the_specs_published_example_verifies():
    # The example from the Standard Webhooks specification and its reference libraries.
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    sent = {
        "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "webhook-timestamp": "1614265330",
        "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    }
    when = datetime.fromtimestamp(1614265330, UTC)
    assert (
        verify_standard_webhook(sent, b'{"test": 2432232314}', [secret], when) == sent["webhook-id"]
    )


def test_a_valid_signature_returns_the_delivery_id():
    assert verify_standard_webhook(headers(), BODY, [SECRET], NOW) == "msg_1"


def test_a_changed_body_is_refused():
    with pytest.raises(SignatureInvalid):
        verify_standard_webhook(headers(), BODY + b" ", [SECRET], NOW)


def test_the_previous_secret_still_works_during_a_rotation():
    assert verify_standard_webhook(headers(OLD), BODY, [SECRET, OLD], NOW) == "msg_1"
    with pytest.raises(SignatureInvalid):
        verify_standard_webhook(headers(OLD), BODY, [SECRET], NOW)


def test_any_of_several_signatures_in_the_header_may_match():
    sent = headers()
    sent["webhook-signature"] = "v1,bm90LWl0 v2,whatever " + sent["webhook-signature"]
    assert verify_standard_webhook(sent, BODY, [SECRET], NOW) == "msg_1"


@pytest.mark.parametrize("skew", [-301, 301])
def test_a_timestamp_more_than_300_seconds_away_is_stale(skew):
    with pytest.raises(StaleTimestamp):
        verify_standard_webhook(headers(stamp=STAMP + skew), BODY, [SECRET], NOW)


def test_missing_headers_are_refused():
    with pytest.raises(SignatureInvalid, match="missing"):
        verify_standard_webhook({}, BODY, [SECRET], NOW)


def test_a_mistyped_secret_does_not_break_the_good_one():
    assert verify_standard_webhook(headers(), BODY, ["whsec_%%%", SECRET], NOW) == "msg_1"


def test_a_secret_without_base64_padding_verifies_as_the_official_libraries_accept_it():
    # Given the spec's example key written without its "=" padding (some dashboards strip it)
    key = b"a-key-whose-base64-needs-padding"
    padded = "whsec_" + base64.b64encode(key).decode()
    unpadded = padded.rstrip("=")
    assert unpadded != padded

    # Then a delivery signed with the padded form verifies against the unpadded one
    assert verify_standard_webhook(headers(padded), BODY, [unpadded], NOW) == "msg_1"


def test_a_secret_that_is_not_base64_is_named_in_the_refusal_but_not_shown():
    with pytest.raises(SignatureInvalid, match="not valid base64") as refused:
        verify_standard_webhook(headers(), BODY, ["whsec_%%%not-base64"], NOW)
    assert "%%%not-base64" not in str(refused.value)


def test_a_mistyped_rotation_secret_is_mentioned_when_nothing_matches():
    with pytest.raises(SignatureInvalid, match="secret 1 of 2 is not valid base64"):
        verify_standard_webhook(headers(OLD), BODY, ["whsec_%%%", SECRET], NOW)
