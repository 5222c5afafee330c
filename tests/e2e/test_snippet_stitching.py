"""The first-party snippet over HTTP on `leadwire serve`: the script at /t.js (gzipped), a few
page views as its beacons to /t, then the example form posted with the visitor id the snippet
fills in: the person's lead holds the visits."""

from __future__ import annotations

import gzip
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from leadwire.domain.models import lead_id_for
from leadwire_local import senders
from tests.e2e.stack import ServeProcess, get_json, post, request, serving

pytestmark = pytest.mark.e2e


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[ServeProcess]:
    with serving(tmp_path) as local:
        yield local


def test_the_local_stack_serves_the_snippet_and_the_example_page_embeds_it(stack):
    status, headers, body = request("GET", stack.base + "/t.js", {"accept-encoding": "gzip"})
    assert status == 200 and headers["content-encoding"] == "gzip"
    assert b"sendBeacon" in gzip.decompress(body)
    status, headers, page = request("GET", stack.base + "/")
    assert b'<script async src="/t.js"' in page and b'name="visitor_id"' in page
    assert "'self'" in headers["content-security-policy"]


def test_page_views_then_the_demo_form_with_the_visitor_id_show_on_the_persons_lead(stack):
    visitor = str(uuid.uuid4())
    email = f"ines.{visitor[:8]}@northwind.example"
    # Given an anonymous visitor whose browser sent three page views from the example site
    for path in ("/", "/pricing", "/pricing/enterprise"):
        headers, body = senders.beacon(visitor, url=stack.base + path, title="Example")
        status, _, text = post(stack.base + "/t", {**headers, "origin": stack.base}, body)
        assert status == 202, text
    # When they post the demo form, its hidden visitor_id filled by the snippet
    form = {"form": "demo-request", "email": email, "job_title": "CTO", "visitor_id": visitor}
    status, _, text = post(
        stack.base + "/webhooks/forms/html",
        {"content-type": "application/x-www-form-urlencoded", "origin": stack.base},
        urlencode(form).encode(),
    )
    assert status == 202, text
    # Then the person's lead holds the page views and the form, and knows the visitor id
    lead = get_json(f"{stack.base}/leads/{lead_id_for(email)}")
    actions = sorted(entry["action"] for entry in lead["ledger"])
    assert actions == ["demo_request", "page_view", "pricing_page_view", "pricing_page_view"]
    assert lead["visitorIds"] == [visitor] and lead["visits"] == 1
    assert {e["provider"] for e in lead["ledger"]} == {"snippet", "html"}
    # And the anonymous lead is gone into it (its id now reaches the person)
    merged = get_json(f"{stack.base}/leads/{lead_id_for(None, visitor)}")
    assert merged["leadId"] == lead_id_for(email), json.dumps(merged)[:300]
