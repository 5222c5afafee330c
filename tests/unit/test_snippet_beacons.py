"""The snippet's beacons read and recorded on fakes: what a beacon may say (anonymous, no
query strings, bounded), and how many anonymous visitor ids a person may collect."""

from __future__ import annotations

import json

import pytest

from leadwire.app.intake import Intake, IntakeLimits
from leadwire.aws.secrets import EnvSigningSecrets
from leadwire.domain.errors import MalformedPayload, UnsupportedContentType
from leadwire.domain.models import Channel, lead_id_for
from leadwire.providers import DEV_SECRETS, WebhookRequest
from leadwire.providers.snippet import read_beacon, script
from leadwire_local import senders
from tests.fakes import InMemoryLeadStore

VISITOR = "0b7c3e9a-1f2d-4e5a-9c8b-7a6d5e4f3c2b"


def beacon_request(**fields: object) -> WebhookRequest:
    headers, body = senders.beacon(VISITOR, **{"url": "https://www.acme.example/", **fields})
    return WebhookRequest(headers=headers, body=body)


def test_a_page_view_keeps_path_title_referrer_origin_and_campaign_only(now):
    event = read_beacon(
        beacon_request(
            url="https://www.acme.example/Pricing/?utm_campaign=q4&token=s3cret#plans",
            title="  Pricing  ",
            referrer="https://www.google.com/search?q=acme+pricing",
            email="bob@acme.example",
        ),
        now,
    )
    assert (event.activity, event.page, event.visitor_id) == ("page", "/pricing/", VISITOR)
    assert event.attributes == {
        "url": "https://www.acme.example/Pricing/",
        "title": "Pricing",
        "referrer": "https://www.google.com/search",
        "utm_campaign": "q4",
    }
    assert event.email is None and event.profile.said() == {}
    assert event.occurred_at == now and event.provider == "snippet"


def test_the_snippets_own_utm_object_wins_over_the_url(now):
    event = read_beacon(
        beacon_request(
            url="https://www.acme.example/?utm_source=url", utm={"source": "ads", "medium": "cpc"}
        ),
        now,
    )
    assert (event.attributes["utm_source"], event.attributes["utm_medium"]) == ("ads", "cpc")


def test_the_same_beacon_id_from_another_visitor_is_another_event(now):
    headers, body = senders.beacon(VISITOR, id="fixed-id-0001", url="https://a.example/")
    other = json.dumps({**json.loads(body), "visitorId": "another-visitor-01"}).encode()
    first = read_beacon(WebhookRequest(headers=headers, body=body), now)
    second = read_beacon(WebhookRequest(headers=headers, body=other), now)
    assert first.event_id != second.event_id and VISITOR not in first.event_id


@pytest.mark.parametrize(
    "body",
    [
        b"[]",
        b'{"id": "abcdefgh", "visitorId": "abcdefgh", "type": "page"}',
        b'{"id": "abc", "visitorId": "abcdefgh", "type": "page", "url": "https://a.example/"}',
        b'{"id": "abcdefgh", "visitorId": "null", "type": "page", "url": "https://a.example/"}',
        b'{"id": "abcdefgh", "visitorId": "abcdefgh", "type": "track", "event": "  "}',
    ],
)
def test_a_beacon_that_cannot_be_read_is_malformed(now, body):
    headers = {"content-type": "text/plain;charset=UTF-8"}
    with pytest.raises(MalformedPayload):
        read_beacon(WebhookRequest(headers=headers, body=body), now)


def test_a_beacon_posted_as_a_form_is_the_wrong_media_type(now):
    request = WebhookRequest(headers={"content-type": "multipart/form-data"}, body=b"")
    with pytest.raises(UnsupportedContentType):
        read_beacon(request, now)


def test_the_served_script_has_no_comment_lines_and_its_consent_default():
    served = script("granted")
    assert '"granted"' in served and "\n//" not in served and "\n  " not in served
    with pytest.raises(ValueError):
        script("maybe")


def test_a_person_collects_at_most_five_visitor_ids_and_the_sixth_stays_anonymous(rules, now):
    # Given a kiosk where six visitors browsed, each then sending the form with one email
    store = InMemoryLeadStore()
    intake = Intake(
        store=store,
        secrets=EnvSigningSecrets({}, dev_defaults=DEV_SECRETS),
        rules=rules,
        limits=IntakeLimits(max_visitor_ids=5),
        clock=lambda: now,
        sleep=lambda _: None,
    )
    visitors = [f"kiosk-visitor-{n:02d}" for n in range(6)]
    for n, visitor in enumerate(visitors):
        headers, body = senders.beacon(visitor, url=f"https://www.acme.example/p{n}")
        intake.receive_beacon(WebhookRequest(headers=headers, body=body))
        fields = {"form": "newsletter", "email": "front-desk@acme.example", "visitor_id": visitor}
        headers, body = senders.html_form(fields)
        intake.receive(Channel.FORM, "html", WebhookRequest(headers=headers, body=body))
    # Then the person holds the first five visitors' histories, and every form post
    person = store.load(lead_id_for("front-desk@acme.example"))
    assert person is not None and person.visitor_ids == visitors[:5]
    assert person.events == 5 + 6
    # And the sixth visitor is still its own anonymous lead, its id not linked
    sixth = store.load(lead_id_for(None, visitors[5]))
    assert sixth is not None and sixth.lead_id == lead_id_for(None, visitors[5])
    [note] = [n for e in store.ledger(person.lead_id) for n in e.normalized]
    assert note == "visitor_id: not linked, the lead has 5 already"
