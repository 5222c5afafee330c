"""Signed lead links: compact, URL safe, scoped to one lead and one alert, expiring; a
changed character, another key, or the token of another lead spliced in are refused."""

from __future__ import annotations

from datetime import timedelta

import pytest

from leadwire.domain.errors import LeadLinkExpired, LeadLinkInvalid
from leadwire.domain.lead_link import (
    TOKEN_LENGTH,
    LeadLink,
    expiry_after,
    read_link,
    sign_link,
)
from leadwire.domain.models import lead_id_for

KEY, OLD_KEY = "link-key-2026", "link-key-2025"
CLEO, BOB = lead_id_for("cleo@bigco.example"), lead_id_for("bob@acme.example")


def test_a_token_grants_its_lead_and_alert_until_it_expires(now):
    expires = expiry_after(now, timedelta(days=7))
    token = sign_link(LeadLink(CLEO, 42, expires), KEY)
    assert len(token) == TOKEN_LENGTH == 36 and token.replace("-", "").replace("_", "").isalnum()
    assert read_link(token, [KEY], now) == LeadLink(CLEO, 42, expires)
    with pytest.raises(LeadLinkExpired):
        read_link(token, [KEY], expires)


def test_a_token_signed_with_the_previous_key_still_opens_during_a_rotation(now):
    token = sign_link(LeadLink(CLEO, 1, now + timedelta(days=1)), OLD_KEY)
    assert read_link(token, [KEY, OLD_KEY], now).lead_id == CLEO
    with pytest.raises(LeadLinkInvalid):
        read_link(token, [KEY], now)


@pytest.mark.parametrize("position", range(0, 36, 5))
def test_any_changed_character_is_refused(now, position):
    token = sign_link(LeadLink(CLEO, 1, now + timedelta(days=1)), KEY)
    changed = token[:position] + ("B" if token[position] != "B" else "C") + token[position + 1 :]
    with pytest.raises(LeadLinkInvalid):
        read_link(changed, [KEY], now)


def test_another_leads_payload_with_this_leads_signature_is_refused(now):
    later = now + timedelta(days=1)
    cleo, bob = (sign_link(LeadLink(x, 1, later), KEY) for x in (CLEO, BOB))
    with pytest.raises(LeadLinkInvalid):
        read_link(bob[:24] + cleo[24:], [KEY], now)


@pytest.mark.parametrize("token", ["", "x" * 36, "A" * 35, "A" * 37, "A" * 35 + "=", "../" * 12])
def test_garbage_is_refused(now, token):
    with pytest.raises(LeadLinkInvalid):
        read_link(token, [KEY], now)


def test_no_key_configured_refuses_every_token(now):
    token = sign_link(LeadLink(CLEO, 1, now + timedelta(days=1)), KEY)
    with pytest.raises(LeadLinkInvalid):
        read_link(token, [], now)
