"""The alert a rep acts on, on the local stack over HTTP: every channel's rendering in
alerts.jsonl (e-mail, one-segment SMS with its link, Slack posted to its webhook), and the
link opening the lead's page served by the same stack, whose buttons record a disposition."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

from tests.e2e.stack import ServeProcess, get_json, request, serving, wait_for
from tests.slack_stub import StubSlack
from tests.support import READY

pytestmark = pytest.mark.e2e

URGENT = {**READY, "timeline": "within 2 weeks", "phone": "+1 415 555 0134"}
URGENT["message"] = "We need 40 seats before our January kickoff. Call me this week?"


@pytest.fixture
def slack() -> Iterator[StubSlack]:
    with StubSlack.running() as server:
        yield server


@pytest.fixture
def stack(tmp_path: Path, slack: StubSlack) -> Iterator[ServeProcess]:
    env = {"LEADWIRE_SECRET_SLACK_WEBHOOK": slack.url}
    with serving(tmp_path, env=env) as local:
        yield local


def test_every_channel_renders_the_alert_and_its_link_opens_the_lead_page(stack, slack):
    # When a form tool posts a demo request that makes the lead an urgent SQL
    started = time.monotonic()
    assert stack.sender.form("demo-request", URGENT, "msg_e2e_links") == "accepted"

    # Then, without anything nudging the stack, alerts.jsonl has every channel's rendering
    assert wait_for(lambda: len(stack.alert_lines()) == 1, timeout=120), stack.output()
    email_sms_at = time.monotonic() - started
    assert wait_for(lambda: len(slack.posts) == 1, timeout=120), stack.output()
    slack_at = slack.times[0] - started
    [line] = stack.alert_lines()
    assert {"leadId", "stage", "urgency", "subject", "message"} <= line.keys()  # as before
    [link] = re.findall(r"http://127\.0\.0\.1:\d+/l/[A-Za-z0-9_-]{36}", line["message"])
    assert link.startswith(stack.base + "/l/")
    assert line["email"]["body"] == line["message"] and "Cleo" in line["email"]["subject"]
    assert line["sms"].endswith(f"+14155550134 {link}") and len(line["sms"]) <= 160
    assert line["smsSent"] is True
    assert line["slack"] == slack.posts[0]
    assert line["slack"]["blocks"][-2]["elements"][0]["url"] == link
    for text in (line["subject"], line["message"], line["sms"], str(line["slack"])):
        assert line["leadId"] not in text
    print(
        f"\nwebhook -> e-mail/SMS alert line {email_sms_at * 1000:.0f} ms,"
        f" -> Slack post {slack_at * 1000:.0f} ms; SMS {len(line['sms'])} characters"
    )

    # When the rep opens the link on their phone
    path = urlsplit(link).path
    status, headers, page = request("GET", link, {"user-agent": "Mozilla/5.0 (iPhone)"})

    # Then the stack serves the lead's page
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert b"We need 40 seats" in page and b'name="viewport"' in page

    # When they accept it with a reason
    form = urlencode({"outcome": "accepted", "reason": "call booked"}).encode()
    status, headers, _ = request(
        "POST",
        f"{link}/disposition",
        {"content-type": "application/x-www-form-urlencoded"},
        form,
    )

    # Then they come back to the page, and the lead records it
    assert status == 303 and headers["Location"] == f"{path}?done=accepted"
    lead = get_json(f"{stack.base}/leads/{line['leadId']}")
    assert lead["disposition"] == {**lead["disposition"], "outcome": "accepted"}
    assert "ALERT [high]" in stack.output() and "sms   |" in stack.output()


def test_a_tampered_link_is_a_403_page_on_the_local_stack(stack):
    stack.sender.form("demo-request", READY, "msg_e2e_tampered")
    assert wait_for(lambda: len(stack.alert_lines()) == 1, timeout=120), stack.output()
    [link] = re.findall(r"http://\S+/l/\S+", stack.alert_lines()[0]["message"])
    tampered = link[:-1] + ("A" if link[-1] != "A" else "B")
    status, headers, page = request("GET", tampered)
    assert status == 403 and b"This link does not open a lead" in page
