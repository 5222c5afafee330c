"""The lead page behind an alert's signed link, on moto through the real handlers: the alert
carries the link; opening it shows the lead and records that sales saw it; its buttons record a
disposition; a tampered, expired or spliced token is a 403 page and an erased lead a 410 page,
with nothing written; the prospect's text stays text."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode, urlsplit

import boto3
import pytest
from boto3.dynamodb.types import TypeSerializer

from leadwire.aws.dynamo import lead_item
from leadwire.domain.lead_link import DEV_LINK_KEY, LeadLink, sign_link
from leadwire.domain.models import Sla, lead_id_for
from leadwire.shell import runtime
from tests.support import READY, post_form

LEAD = lead_id_for(READY["email"])
BROWSER = {"user-agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Safari/604.1"}
FORM = {"content-type": "application/x-www-form-urlencoded", **BROWSER}


def alerted_link(sandbox, fields=READY) -> str:
    """The path of the link the SQL alert carried (the local base URL is the template's)."""
    assert post_form(sandbox, "demo-request", fields).status == 202
    sandbox.pump()
    [alert] = sandbox.received_alerts()
    [url] = re.findall(r"https?://\S+/l/[A-Za-z0-9_-]+", alert.message)
    assert url in alert.sms_text and alert.slack["blocks"][-2]["elements"][0]["url"] == url
    return urlsplit(url).path


def with_clock(lead_id: str, now: datetime) -> None:
    """Give the lead a running response clock (what routing does when it alerts)."""
    lead = runtime.store().load(lead_id)
    assert lead is not None
    lead = lead.model_copy(update={"sla": Sla(started_at=now, due=now + timedelta(minutes=5))})
    item = {k: TypeSerializer().serialize(v) for k, v in lead_item(lead).items()}
    boto3.client("dynamodb").put_item(TableName=runtime.settings().table_name, Item=item)


def test_the_link_opens_the_lead_page_and_records_that_sales_saw_it(sandbox):
    # Given an SQL alerted with a link, its response clock running
    path = alerted_link(sandbox)
    with_clock(LEAD, datetime.now(UTC))

    # When a rep opens the link on their phone, twice
    page = sandbox.request("GET", path, BROWSER)
    again = sandbox.request("GET", path, BROWSER)

    # Then the page shows the lead, and the clock stopped once
    assert page.status == 200 and page.headers["content-type"].startswith("text/html")
    body = page.body.decode()
    assert "<h1>Cleo</h1>" in body and "requested a demo" in body
    assert 'href="mailto:cleo@bigco.example"' in body and 'value="accepted"' in body
    assert "script-src" not in page.headers["content-security-policy"]  # none allowed at all
    assert page.headers["referrer-policy"] == "no-referrer"
    assert again.status == 200
    lead = sandbox.request("GET", f"/leads/{LEAD}").json()
    assert lead["sla"]["acknowledgedAt"] is not None
    assert [e["action"] for e in lead["ledger"]].count("acknowledged.link") == 1
    history = sandbox.request("GET", path, BROWSER).body.decode()
    assert "seen through the alert&#x27;s link" in history  # (in words, not the action name)


NAVIGATION = {"sec-fetch-mode": "navigate", "sec-fetch-dest": "document", "sec-fetch-user": "?1"}


@pytest.mark.parametrize(
    "headers",
    [
        {"user-agent": "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"},
        {"user-agent": "Mozilla/5.0 (compatible; MSIE 10.0) SafeLinks"},
        {},  # no user agent at all: not a browser
        {**BROWSER, "sec-purpose": "prefetch"},  # a browser prefetching it, nobody looking
        {**BROWSER, "sec-fetch-mode": "no-cors", "sec-fetch-dest": "image"},  # an <img> of it
        {**BROWSER, "sec-fetch-mode": "navigate", "sec-fetch-dest": "iframe"},  # framed
    ],
    ids=["slack", "mail-scanner", "no-agent", "prefetch", "image", "iframe"],
)
def test_a_link_preview_does_not_count_as_sales_seeing_the_lead(sandbox, headers):
    path = alerted_link(sandbox)
    with_clock(LEAD, datetime.now(UTC))
    assert sandbox.request("GET", path, headers).status == 200
    assert sandbox.request("GET", f"/leads/{LEAD}").json()["sla"]["acknowledgedAt"] is None


def test_a_browser_opening_the_link_from_a_mail_counts_as_seeing_the_lead(sandbox):
    path = alerted_link(sandbox)
    with_clock(LEAD, datetime.now(UTC))
    assert sandbox.request("GET", path, {**BROWSER, **NAVIGATION}).status == 200
    assert sandbox.request("GET", f"/leads/{LEAD}").json()["sla"]["acknowledgedAt"] is not None


def test_the_buttons_record_a_disposition_with_its_reason_and_come_back_303(sandbox):
    path = alerted_link(sandbox)
    form = urlencode({"outcome": "accepted", "reason": "booked a call <b>Tue</b>"}).encode()

    answer = sandbox.request("POST", f"{path}/disposition", FORM, form)

    assert answer.status == 303 and answer.headers["location"] == f"{path}?done=accepted"
    lead = sandbox.request("GET", f"/leads/{LEAD}").json()
    assert lead["disposition"]["outcome"] == "accepted"
    assert lead["disposition"]["reason"] == "booked a call <b>Tue</b>"
    shown = sandbox.request("GET", f"{path}?done=accepted", BROWSER).body.decode()
    assert "Recorded: accepted." in shown and "booked a call &lt;b&gt;Tue&lt;/b&gt;" in shown
    # And the page's history says what happened in words, not the ledger's action names
    history = shown[shown.index("<h2>History</h2>") :]
    assert "sales accepted it" in history and "requested a demo" in history, history
    assert "disposition.accepted" not in history and "demo_request" not in history


def test_an_unknown_outcome_is_a_400_page_and_changes_nothing(sandbox):
    path = alerted_link(sandbox)
    before = sandbox.items()
    answer = sandbox.request("POST", f"{path}/disposition", FORM, b"outcome=won")
    assert answer.status == 400 and b"<h1>" in answer.body
    assert sandbox.items() == before


def test_tampered_expired_and_spliced_tokens_are_refused_with_a_403_page(sandbox):
    # Given an alerted lead and another lead's genuine token
    path = alerted_link(sandbox)
    token = path.rsplit("/", 1)[1]
    future = datetime.now(UTC) + timedelta(days=1)
    other = sign_link(LeadLink(lead_id_for("bob@acme.example"), 1, future), DEV_LINK_KEY)
    past = datetime.now(UTC) - timedelta(hours=2)
    expired = sign_link(LeadLink(LEAD, 1, past), DEV_LINK_KEY)
    forged = sign_link(LeadLink(LEAD, 1, future), "not-the-key")
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    before = sandbox.items()

    # When each is opened, and used to post a disposition
    for bad in (tampered, expired, forged, other[:24] + token[24:], "x" * 36, "short"):
        page = sandbox.request("GET", f"/l/{bad}", BROWSER)
        post = sandbox.request("POST", f"/l/{bad}/disposition", FORM, b"outcome=rejected")
        # Then each is a 403 page, and nothing changed
        assert (page.status, post.status) == (403, 403), bad
        assert page.headers["content-type"].startswith("text/html")
        assert b"This link does not open a lead" in page.body
    assert b"expired" in sandbox.request("GET", f"/l/{expired}", BROWSER).body
    assert sandbox.items() == before


def test_an_erased_lead_is_a_410_page_and_nothing_is_written(sandbox):
    path = alerted_link(sandbox)
    assert sandbox.request("DELETE", f"/leads/{LEAD}").status == 200
    before = sandbox.items()
    page = sandbox.request("GET", path, BROWSER)
    post = sandbox.request("POST", f"{path}/disposition", FORM, b"outcome=rejected")
    assert (page.status, post.status) == (410, 410)
    assert b"This lead was erased" in page.body and b"cleo" not in page.body.lower()
    # nothing of the person is left (the routing queue's turn counter is not theirs)
    assert sandbox.items() == before
    assert [i["pk"]["S"] for i in before] == ["ROUTING#enterprise"]


def test_the_prospects_text_is_escaped_on_the_page(sandbox):
    hostile = {
        **READY,
        "first_name": '<img src=x onerror="alert(1)">',
        "company": "Evil\u202e</dd><script>alert(2)</script>",
        "message": 'hi</blockquote><a href="javascript:alert(3)">click</a>\nsecond line',
    }
    path = alerted_link(sandbox, hostile)
    body = sandbox.request("GET", path, BROWSER).body.decode()
    assert "<img" not in body and "<script" not in body and '<a href="javascript' not in body
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in body
    assert "\u202e" not in body and "second line" in body


def test_the_page_says_who_else_from_the_company_engaged(sandbox):
    # Given a colleague of Cleo's engaged this week
    assert post_form(sandbox, "webinar", {"email": "ann@bigco.example"}).status == 202
    sandbox.pump()
    sandbox.received_alerts()
    # When the rep opens Cleo's link
    body = sandbox.request("GET", alerted_link(sandbox), BROWSER).body.decode()
    # Then the page has the account's line
    assert "<h2>Account</h2><p>1 other from Bigco engaged this week</p>" in body
