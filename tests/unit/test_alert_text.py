"""What each channel shows a rep: who, why in words, what they wrote, how to reach them, the
owner and the link; no internal id; the SMS one GSM-7 segment with its link; hostile values
inert everywhere."""

from __future__ import annotations

import json
import unicodedata
from datetime import timedelta

from leadwire.domain.alert_text import SMS_LIMIT, AlertLink, gsm, render_alert
from leadwire.domain.models import Profile
from tests import builders
from tests.builders import CLEO

# The longest base URL a deployment has: the HTTP API's in a long region name.
BASE = "https://a1b2c3d4e5.execute-api.ap-southeast-2.amazonaws.com"
TOKEN = "A" * 36


def sql_lead(rules, now, profile=CLEO, message="We need 40 seats by January, call me"):
    return builders.sql_lead(rules, now, profile=profile, message=message)


def link(now):
    return AlertLink(f"{BASE}/l/{TOKEN}", now + timedelta(days=7))


def texts(alert):
    return [alert.subject, alert.message, alert.sms, json.dumps(alert.slack)]


def test_the_email_says_who_why_what_they_wrote_how_to_reach_them_the_owner_and_the_link(
    rules, now
):
    lead = sql_lead(rules, now).model_copy(update={"owner": "alice"})
    alert = render_alert(lead, link(now), owner="Alice Ng")
    lines = alert.message.splitlines()
    assert alert.subject == "[URGENT] SQL: Cleo Martin (CEO, BigCo) - score 145"
    assert lines[0] == "Sales-qualified lead - HIGH urgency: Cleo Martin"
    assert "Why: requested a demo; timeline 14 days; budget $200k" in lines
    assert 'They wrote: "We need 40 seats by January, call me"' in lines
    assert "Phone: +15550104242" in lines and "Email: cleo@bigco.example" in lines
    assert "Owner: Alice Ng" in lines and "Company size: 800" in lines
    assert f"Open the lead (accept, reject or recycle it): {BASE}/l/{TOKEN}" in lines
    assert "The link needs no login and works until 2026-12-02 09:00 UTC." in lines


def test_no_text_carries_an_internal_id_or_a_rules_name(rules, now):
    alert = render_alert(sql_lead(rules, now).model_copy(update={"owner": "alice"}), link(now))
    for text in texts(alert):
        assert alert.lead_id not in text and "ld_" not in text
        assert "demo_request" not in text and "need demo" not in text
    assert "Owner: alice" in alert.message  # no name given: the rep id as routing names it


def test_without_a_name_the_alert_says_what_is_known(rules, now):
    nameless = CLEO.model_copy(update={"first_name": None, "last_name": None})
    anonymous = Profile(company="Acme")
    by_email = render_alert(sql_lead(rules, now, nameless))
    assert by_email.message.splitlines()[2] == "Who: cleo@bigco.example"
    lead = sql_lead(rules, now).model_copy(update={"profile": anonymous})
    by_company = render_alert(lead)
    assert "Who: a visitor from Acme" in by_company.message.splitlines()
    lead = sql_lead(rules, now).model_copy(update={"profile": Profile()})
    assert "Who: a website visitor" in render_alert(lead).message.splitlines()
    for alert in (by_email, by_company):
        assert not any("(no name)" in text for text in texts(alert))


def test_the_sms_is_one_gsm_segment_with_the_link_whole(rules, now):
    alert = render_alert(sql_lead(rules, now), link(now))
    assert alert.sms.endswith(f" +15550104242 {BASE}/l/{TOKEN}")
    assert alert.sms.startswith("URGENT: Cleo Martin: requested a demo")
    assert len(alert.sms) <= SMS_LIMIT
    assert gsm(alert.sms) == alert.sms


def test_the_longest_scenario_still_fits_one_segment_with_its_link(rules, now):
    # Given every field at its cap, non-GSM letters, a long e-mail and the longest base URL
    long = "Zoë-Brontë ß株式会社 " * 30
    profile = Profile(
        email=("x" * 60) + "@" + ("y" * 60) + ".example",
        first_name=long,
        last_name=long,
        job_title=long,
        company=long,
        company_size="10,000+",
    )
    lead = sql_lead(rules, now, profile, message=long).model_copy(
        update={"urgency_reasons": ["timeline 14 days", f'said "{long}"']}
    )

    # When it is rendered
    sms = render_alert(lead, link(now)).sms

    # Then it is one GSM-7 segment that ends with the whole link
    assert len(sms) <= SMS_LIMIT and sms.endswith(f"{BASE}/l/{TOKEN}")
    assert gsm(sms) == sms and all(" " <= c <= "~" for c in sms)
    assert sms.startswith("URGENT: Zoe-Bront")


def test_non_gsm_characters_are_transliterated_or_dropped():
    assert gsm("Zoë Brontë — “Ærø” straße 株式会社 {x}") == 'Zoe Bronte - "AEro" strasse x'


def test_slack_shows_the_same_content_as_plain_text_with_the_link_as_a_button(rules, now):
    alert = render_alert(sql_lead(rules, now), link(now), owner="Alice Ng")
    blocks = alert.slack["blocks"]
    assert alert.slack["unfurl_links"] is False  # an unfurl would open the link
    assert blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": alert.subject, "emoji": False},
    }
    fields = [f["text"] for f in blocks[1]["fields"]]
    assert "Why: requested a demo; timeline 14 days; budget $200k" in fields
    assert "Owner: Alice Ng" in fields and "Phone: +15550104242" in fields
    assert blocks[2]["text"]["text"] == 'They wrote: "We need 40 seats by January, call me"'
    assert blocks[3]["elements"][0]["url"] == f"{BASE}/l/{TOKEN}"
    assert all(f["type"] == "plain_text" for f in blocks[1]["fields"])


HOSTILE = Profile(
    email="mallory@corp.example",
    first_name="Mallory\nCALL +1-900-555-0199 or visit https://evil.example/login",
    job_title="CEO\u202e\u200b\x07",
    company="Evil <!channel> <https://evil.example|Open the lead>\r\nUrgent: wire money\u2028now",
    company_size="800",
)


def test_alert_values_are_one_labelled_line_each_without_control_characters(rules, now):
    # Given an SQL whose profile and message carry line breaks, control, bidi, zero-width
    # characters and Slack markup
    lead = sql_lead(rules, now, HOSTILE, message="hi\nOpen the lead: https://evil.example")

    # When the alert is rendered
    alert = render_alert(lead, link(now))

    # Then every value sits on its own labelled line, and no line is the prospect's own
    lines = alert.message.splitlines()
    assert "Who: Mallory CALL +1-900-555-0199 or visit https://evil.example/login" in lines
    assert "Title: CEO" in lines
    assert 'They wrote: "hi Open the lead: https://evil.example"' in lines
    assert not any(
        line.startswith(("CALL", "Urgent: wire", "Open the lead: https")) for line in lines
    )
    for text in (alert.subject, alert.sms, *lines):
        assert not any(unicodedata.category(c).startswith("C") for c in text), text
        assert "\u2028" not in text
    assert "\n" not in alert.subject and "\n" not in alert.sms
    # In Slack the markup stays text: plain_text objects, and an escaped fallback
    assert "<" not in alert.slack["text"] and "&lt;!chan" in alert.slack["text"]
    slack_texts = [f for b in alert.slack["blocks"] for f in b.get("fields", [])]
    assert all(f["type"] == "plain_text" for f in slack_texts)


def test_a_500_character_value_is_capped_in_every_alert_text(rules, now):
    long = "x" * 500
    profile = CLEO.model_copy(update={"first_name": long, "company": long, "job_title": long})
    said = f'said "{long}"'  # the prospect's own words, as urgency reasons quote them
    lead = sql_lead(rules, now, profile, message=long).model_copy(
        update={"urgency_reasons": [said]}
    )

    alert = render_alert(lead, link(now))

    assert len(alert.subject) < 100 and len(alert.sms) <= 160
    assert all(len(line) <= 320 for line in alert.message.splitlines())
    assert "x" * 301 not in alert.message and 'said "xxx' in alert.message
