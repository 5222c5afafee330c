"""The first-party snippet through the webhook function, as API Gateway calls it: GET /t.js
serves the script (gzipped when asked), POST /t takes its beacons: anonymous and unverified,
deduplicated on the beacon's id, bounded, rate-limited per client, CORS for the site's
origins; a bad beacon is a 4xx that writes nothing; the next form post with the visitor id
brings the visits onto the person."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime

import pytest

from leadwire.domain.models import lead_id_for
from leadwire.shell import runtime
from leadwire_local import senders
from leadwire_local.sandbox import Sandbox

VISITOR = "7d1f6a52-4c0e-4d2b-9a57-3f1e2b6c8d90"
SITE = "https://www.acme.example"
PRICING = f"{SITE}/pricing?utm_source=newsletter&utm_campaign=winter&email=x@y.example"


def beacon(sandbox: Sandbox, *, source_ip: str = "198.51.100.7", origin: str = SITE, **fields):
    headers, body = senders.beacon(VISITOR, **{"url": f"{SITE}/", **fields})
    return sandbox.request("POST", "/t", {**headers, "origin": origin}, body, source_ip=source_ip)


def table(sandbox: Sandbox) -> list[str]:
    return sorted(json.dumps(item, sort_keys=True) for item in sandbox.items())


def lead_items(sandbox: Sandbox) -> list[str]:
    return [i for i in table(sandbox) if json.loads(i)["pk"]["S"].startswith("LEAD#")]


def visitor_lead(sandbox: Sandbox) -> dict:
    response = sandbox.request("GET", f"/leads/{lead_id_for(None, VISITOR)}")
    assert response.status == 200, response.body
    return response.json()


def code(response) -> str:
    return response.json()["error"]["code"]


@pytest.fixture
def site(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    monkeypatch.setenv("FORM_ORIGINS", SITE)
    runtime.reset()
    return sandbox


def test_the_snippet_is_served_small_and_gzipped_with_the_configured_consent_default(sandbox):
    plain = sandbox.request("GET", "/t.js")
    assert plain.status == 200
    assert plain.headers["content-type"].startswith("text/javascript")
    assert plain.headers["cache-control"] == "public, max-age=3600"
    script = plain.body.decode()
    assert '"denied"' in script and "__LEADWIRE_CONSENT_DEFAULT__" not in script
    assert "sendBeacon" in script and "doNotTrack" in script and "globalPrivacyControl" in script
    assert "http" not in script.replace("https:", "")  # loads nothing from anywhere
    zipped = sandbox.request("GET", "/t.js", {"accept-encoding": "gzip, br"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert gzip.decompress(zipped.body) == plain.body
    assert len(plain.body) < 4_096 and len(zipped.body) < 2_048


def test_a_deployment_can_make_the_snippet_track_without_waiting_for_consent(sandbox, monkeypatch):
    monkeypatch.setenv("SNIPPET_CONSENT_DEFAULT", "granted")
    runtime.reset()
    assert '"granted"' in sandbox.request("GET", "/t.js").body.decode()


def test_a_page_view_beacon_scores_an_anonymous_visitor_and_keeps_no_query_string(site):
    # When the snippet sends a page view of /pricing, from the site, as text/plain
    response = beacon(site, url=PRICING, title="Pricing", referrer="https://news.example/a?b=1")
    # Then it is accepted, readable by the site's page
    assert response.status == 202, response.body
    assert response.json()["status"] == "accepted"
    assert response.headers["access-control-allow-origin"] == SITE
    # And the visitor's lead has the page view with its campaign, and no query string
    lead = visitor_lead(site)
    [entry] = lead["ledger"]
    assert (entry["action"], entry["provider"], entry["trust"]) == (
        "pricing_page_view",
        "snippet",
        "unverified",
    )
    assert lead["visits"] == 1 and lead["email"] is None
    stored = json.dumps(site.items())
    assert "x@y.example" not in stored and "b=1" not in stored
    assert "winter" in stored and "newsletter" in stored and VISITOR not in entry["eventId"]


def test_a_beacon_sent_twice_is_counted_once(site):
    headers, body = senders.beacon(VISITOR, url=f"{SITE}/pricing")
    first = site.request("POST", "/t", {**headers, "origin": SITE}, body)
    again = site.request("POST", "/t", {**headers, "origin": SITE}, body)
    assert (first.json()["status"], again.json()["status"]) == ("accepted", "duplicate")
    assert len(visitor_lead(site)["ledger"]) == 1


def test_a_beacon_never_fills_or_overwrites_profile_fields(site):
    # When a forged beacon carries an email and traits
    response = beacon(
        site,
        email="ceo@victim.example",
        traits={"email": "ceo@victim.example", "title": "CEO"},
        url=f"{SITE}/pricing",
    )
    # Then it still only scores the anonymous visitor: no person is created or touched
    assert response.status == 202
    assert visitor_lead(site)["profile"].get("email") is None
    assert site.request("GET", f"/leads/{lead_id_for('ceo@victim.example')}").status == 404
    assert "victim" not in json.dumps(site.items())


def test_a_tracked_video_event_is_scored_and_its_properties_kept_without_addresses(site):
    response = beacon(
        site,
        type="track",
        event="Video Playback Completed",
        properties={"video_title": "Demo", "position": 312, "by": "me@home.example"},
    )
    assert response.status == 202, response.body
    [entry] = visitor_lead(site)["ledger"]
    assert entry["action"] == "video_watched"
    stored = json.dumps(site.items())
    assert "Demo" in stored and "home.example" not in stored


@pytest.mark.parametrize(
    ("change", "status", "error"),
    [
        ({"type": "click"}, 400, "malformed_payload"),
        ({"visitorId": "anonymous"}, 400, "malformed_payload"),
        ({"visitorId": "<script>x</script>"}, 400, "malformed_payload"),
        ({"id": None}, 400, "malformed_payload"),
        ({"url": "javascript:alert(1)"}, 400, "malformed_payload"),
        ({"type": "track"}, 400, "malformed_payload"),
        ({"title": "x" * 9_000}, 413, "payload_too_large"),
    ],
)
def test_a_bad_beacon_is_a_4xx_json_error_that_writes_nothing(site, change, status, error):
    before = table(site)
    headers, body = senders.beacon(VISITOR, **{"url": f"{SITE}/", **change})
    response = site.request("POST", "/t", {**headers, "origin": SITE}, body)
    assert (response.status, code(response)) == (status, error), response.body
    assert response.headers["access-control-allow-origin"] == SITE
    assert table(site) == before


def test_a_beacon_that_is_not_json_or_sent_as_a_form_is_refused(site):
    before = table(site)
    not_json = site.request("POST", "/t", {"content-type": "text/plain"}, b"hello")
    as_form = site.request(
        "POST", "/t", {"content-type": "application/x-www-form-urlencoded"}, b"a=1"
    )
    assert (not_json.status, as_form.status) == (400, 415)
    assert table(site) == before


def test_a_beacon_from_another_site_is_refused(site):
    before = table(site)
    response = beacon(site, origin="https://evil.example")
    assert (response.status, code(response)) == (403, "origin_not_allowed")
    assert "access-control-allow-origin" not in response.headers
    assert table(site) == before


def test_past_the_per_minute_limit_a_client_gets_429_and_the_form_still_posts(site, monkeypatch):
    # Given a limit of 5 beacons a minute and a clock half-way through a minute
    monkeypatch.setenv("BEACONS_PER_MINUTE", "5")
    fixed = datetime.now(UTC).replace(second=30, microsecond=0)
    monkeypatch.setattr(runtime, "clock", lambda: lambda: fixed)
    runtime.reset()
    for n in range(5):
        assert beacon(site, url=f"{SITE}/page-{n}").status == 202
    # When the client sends a 6th
    before = lead_items(site)
    refused = beacon(site, url=f"{SITE}/page-5")
    # Then it is 429 with when to come back, and nothing of it is written
    assert (refused.status, code(refused)) == (429, "rate_limited")
    assert refused.headers["retry-after"] == "30"
    assert lead_items(site) == before
    # And another client is fine, and this client's form post is counted apart
    assert beacon(site, source_ip="203.0.113.9", url=f"{SITE}/other").status == 202
    headers, body = senders.html_form({"form": "newsletter", "email": "kim@acme.example"})
    form = site.request("POST", "/webhooks/forms/html", headers, body, source_ip="198.51.100.7")
    assert form.status == 202, form.body


def test_the_next_form_post_with_the_visitor_id_brings_the_page_views_onto_the_person(site):
    # Given three page views by the snippet's anonymous visitor
    for path in ("/", "/pricing", "/customers/globex"):
        assert beacon(site, url=SITE + path).status == 202
    # When they submit the demo form, the snippet having filled its hidden visitor_id
    fields = {"form": "demo-request", "email": "nora@acme.example", "visitor_id": VISITOR}
    headers, body = senders.html_form(fields)
    assert site.request("POST", "/webhooks/forms/html", headers, body).status == 202
    # Then the person's lead holds the visits and the form
    person = site.request("GET", f"/leads/{lead_id_for('nora@acme.example')}").json()
    actions = sorted(entry["action"] for entry in person["ledger"])
    assert actions == ["case_study_view", "demo_request", "page_view", "pricing_page_view"]
    assert person["visitorIds"] == [VISITOR]
    # And a later page view reaches the person
    assert beacon(site, url=f"{SITE}/pricing/enterprise").status == 202
    person = site.request("GET", f"/leads/{lead_id_for('nora@acme.example')}").json()
    assert len(person["ledger"]) == 5


def test_beacons_score_within_the_actions_daily_cap(site):
    # When the snippet reports five views of the pricing page on one day
    for n in range(5):
        assert beacon(site, url=f"{SITE}/pricing?tab={n}").status == 202
    # Then each is in the ledger, but pricing counts once that day (cap_per_day 10)
    ledger = visitor_lead(site)["ledger"]
    assert [e["action"] for e in ledger] == ["pricing_page_view"] * 5
    assert sum(e["rules"].get("action.pricing_page_view", 0) for e in ledger) == 10
