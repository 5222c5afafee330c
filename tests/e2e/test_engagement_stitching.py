"""An anonymous visitor's behaviour over HTTP on `leadwire serve`: three pricing views on two
days from Segment, then the demo form with the same anonymous id; the lead's ledger shows the
visits."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from leadwire.domain.models import lead_id_for
from leadwire_local import senders
from tests.e2e.stack import ServeProcess, get_json, post, serving

pytestmark = pytest.mark.e2e

VISITOR = "anon-e2e-5b6f"


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[ServeProcess]:
    with serving(tmp_path) as local:
        yield local


def pricing_view(n: int, at: datetime) -> dict:
    return {
        "type": "page",
        "messageId": f"e2e-pricing-{n}",
        "anonymousId": VISITOR,
        "timestamp": at.isoformat(),
        "properties": {"path": "/pricing", "url": "https://www.example.com/pricing"},
    }


def test_pricing_visits_on_two_days_then_the_demo_form_show_on_the_lead(stack):
    # Given an anonymous visitor who viewed /pricing twice yesterday and once today
    today = datetime.now(UTC) - timedelta(minutes=5)
    views = [
        pricing_view(1, today - timedelta(days=1)),
        pricing_view(2, today - timedelta(days=1) + timedelta(minutes=3)),
        pricing_view(3, today),
    ]
    path, headers, body = senders.provider_webhook("segment", {"batch": views})
    status, _, text = post(stack.base + path, headers, body)
    assert status == 202 and json.loads(text)["accepted"] == 3, text
    # When they submit the demo form with the same anonymous id
    fields = {"email": "nora@northwind.example", "job_title": "CTO", "visitor_id": VISITOR}
    assert stack.sender.form("demo-request", fields, "msg_e2e_demo") == "accepted"
    # Then the person's lead holds the visits and the form, in order
    lead = get_json(f"{stack.base}/leads/{lead_id_for('nora@northwind.example')}")
    actions = [entry["action"] for entry in lead["ledger"]]
    assert sorted(actions) == sorted(["pricing_page_view"] * 3 + ["demo_request"]), lead
    points = sum(e["rules"].get("action.pricing_page_view", 0) for e in lead["ledger"])
    returned = sum(e["rules"].get("action.return_visit", 0) for e in lead["ledger"])
    assert (points, returned) == (20, 5)  # once a day, and the second day is a return visit
    assert lead["visits"] == 2 and lead["visitorIds"] == [VISITOR]
