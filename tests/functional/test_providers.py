"""Every real provider wired in: its documented sample makes the expected lead; a wrong
signature or token is refused (401, nothing written); a signed timestamp too old is 409; the
previous secret still works during a rotation; a redelivery counts once; events that are not
about a lead are ignored with 202."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from leadwire.domain.models import lead_id_for
from leadwire.providers import PROVIDERS
from leadwire.shell import runtime
from leadwire_local import senders
from leadwire_local.sandbox import Sandbox

EVENTS = Path(__file__).resolve().parents[2] / "events"


@dataclass(frozen=True)
class Case:
    provider: str
    sample: str
    email: str | None
    name: str  # the lead's display name
    action: str
    form: str | None = None
    visitor_id: str | None = None
    ignored: dict | list | None = None  # an event of a kind that is not about a lead
    signs_timestamp: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def lead_id(self) -> str:
        return lead_id_for(self.email, self.visitor_id)

    def __str__(self) -> str:
        return self.provider


CASES = [
    Case(
        "typeform",
        "webhook-typeform-form-response.json",
        email="laura@citycouncil.example",
        name="Laura",
        form="demo-request",
        action="demo_request",
        extra={"company": "City Council", "job_title": "Head of Digital"},
        ignored={"event_id": "p1", "event_type": "form_response_partial", "form_response": {}},
    ),
    Case(
        "webflow",
        "webhook-webflow-form-submission.json",
        email="zaphod@heartofgold.ai",
        name="Zaphod Beeblebrox",
        form="contact-us",
        action="contact_form",  # "Contact Us" -> contact-us, named in the default rules
        extra={"phone": None},  # the sample's 15550000000 has no + and no valid number: dropped
        ignored={"triggerType": "site_publish", "payload": {"domain": "example.webflow.io"}},
        signs_timestamp=True,
    ),
    Case(
        "tally",
        "webhook-tally-form-response.json",
        email="ada@analytical-engines.example",
        name="Ada Lovelace",
        form="trial",  # the hidden field `form` wins over the form's name
        action="trial",
        extra={"company": "Analytical Engines", "company_size": "51-200"},
        ignored={"eventId": "e2", "eventType": "FORM_CREATED", "data": {}},
    ),
    Case(
        "hubspot",
        "webhook-hubspot-workflow-contact.json",
        email="grace@navy.example",
        name="Grace Hopper",
        form="contact-sales",
        action="contact_sales",
        extra={"job_title": "Director of Engineering", "company_size": "500"},
        # The Webhooks API's own documented batch: object ids only, no lead data.
        ignored=[
            {
                "eventId": 1,
                "subscriptionId": 12345,
                "portalId": 62515,
                "occurredAt": 1564113600000,
                "subscriptionType": "contact.creation",
                "attemptNumber": 0,
                "objectId": 123,
                "changeSource": "CRM",
                "changeFlag": "NEW",
                "appId": 54321,
            }
        ],
        signs_timestamp=True,
    ),
    Case(
        "jotform",
        "webhook-jotform-submission.json",
        email="kin@apievangelist.example",
        name="Kin Lane",
        form="webinar",
        action="webinar",
        extra={"company": "API Evangelist", "phone": None},  # "(555) 555-5555": dropped
    ),
    Case(
        "intercom",
        "webhook-intercom-conversation.json",
        email="ada@analytical-engines.example",
        name="Ada Lovelace",
        action="pricing_question",
        ignored={
            "type": "notification_event",
            "id": "notif_ping",
            "topic": "ping",
            "data": {"item": {"type": "ping", "message": "Hello"}},
        },
    ),
    Case(
        "crisp",
        "webhook-crisp-message.json",
        email=None,
        visitor_id="session_2a8f1c1e-7a4b-4a55-9cd1-1c2b3d4e5f60",
        name="(no name)",
        action="chat_message",
        ignored={
            "website_id": "1234abcd",
            "event": "message:received",
            "data": {"session_id": "session_x", "from": "operator", "content": "Hello!"},
            "timestamp": 1795597200,
        },
        signs_timestamp=True,
    ),
    Case(
        "tawkto",
        "webhook-tawkto-chat-start.json",
        email="ada@analytical-engines.example",
        name="Ada Lovelace",
        action="pricing_question",
        ignored={
            "event": "chat:end",
            "chatId": "70fe3290-99ad-11e9-a30a-51567162179f",
            "time": "2026-11-25T09:10:00.000Z",
            "property": {"id": "58ca8453b8a7e060cd3b1ecb", "name": "Example site"},
        },
    ),
    Case(
        "drift",
        "webhook-drift-new-message.json",
        email=None,
        visitor_id="16344778575",
        name="(no name)",
        action="chat_message",
        ignored={
            "type": "new_message",
            "orgId": 123456,
            "data": {"id": 1, "body": "Hi! How can I help?", "author": {"type": "user", "id": 7}},
        },
    ),
    Case(
        "livechat",
        "webhook-livechat-incoming-chat.json",
        email="margaret@apollo.example",
        name="Margaret Hamilton",
        action="pricing_question",
        extra={"company": "Apollo Software"},
        ignored={
            "webhook_id": "b9f1a8c2d3e4",
            "action": "chat_deactivated",
            "organization_id": "390e44e6",
            "payload": {"chat_id": "PJ0MRSHTDG", "thread_id": "K600PKZON8"},
        },
    ),
]
TIMESTAMPED = [c for c in CASES if c.signs_timestamp]


def sample(case: Case) -> tuple[str, bytes]:
    """The content type and body of the provider's documented sample in events/."""
    event = json.loads((EVENTS / case.sample).read_text())
    raw = event["body"]
    body = base64.b64decode(raw) if event["isBase64Encoded"] else raw.encode()
    return event["headers"]["content-type"], body


def post(sandbox: Sandbox, case: Case, body: bytes | None = None, **signing):
    content_type, sample_body = sample(case)
    path, headers, signed = senders.provider_webhook(
        case.provider, sample_body if body is None else body, content_type=content_type, **signing
    )
    return sandbox.request("POST", path, headers, signed)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_documented_sample_makes_the_expected_lead(sandbox, case):
    response = post(sandbox, case)
    assert response.status == 202, response.json()
    assert response.json()["status"] == "accepted"
    lead = runtime.store().load(case.lead_id)
    assert lead is not None
    assert lead.email == case.email and lead.profile.display_name == case.name
    for name, value in case.extra.items():
        assert getattr(lead.profile, name) == value
    [entry] = runtime.store().ledger(lead.lead_id)
    assert (entry.action, entry.form, entry.provider) == (case.action, case.form, case.provider)
    assert entry.event_id == response.json()["eventId"]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_wrong_signature_is_401_and_writes_nothing(sandbox, case):
    response = post(sandbox, case, secret="someone-elses-secret")
    assert response.status == 401
    assert response.json()["error"]["code"] == "invalid_signature"
    assert sandbox.items() == []


@pytest.mark.parametrize("case", CASES, ids=str)
def test_unsigned_delivery_is_401_and_writes_nothing(sandbox, case):
    content_type, body = sample(case)
    if case.provider == "livechat":
        body = json.dumps({**json.loads(body), "secret_key": ""}).encode()
    path = senders.webhook_path(case.provider)
    response = sandbox.request("POST", path, {"content-type": content_type}, body)
    assert response.status == 401
    assert sandbox.items() == []


@pytest.mark.parametrize("case", TIMESTAMPED, ids=str)
def test_stale_signed_timestamp_is_409_and_writes_nothing(sandbox, case):
    response = post(sandbox, case, now=datetime.now(UTC) - timedelta(seconds=301))
    assert response.status == 409
    assert response.json()["error"]["code"] == "stale_timestamp"
    assert sandbox.items() == []


@pytest.mark.parametrize("case", CASES, ids=str)
def test_previous_secret_is_accepted_during_rotation(sandbox, monkeypatch, case):
    old = senders.DEV_SECRETS[case.provider]
    monkeypatch.setenv(f"LEADWIRE_SECRET_{case.provider.upper()}", f"the-new-secret,{old}")
    assert post(sandbox, case, secret=old).status == 202
    assert post(sandbox, case, secret="the-new-secret").status == 202
    monkeypatch.setenv(f"LEADWIRE_SECRET_{case.provider.upper()}", "the-new-secret")
    assert post(sandbox, case, secret=old).status == 401


@pytest.mark.parametrize("case", CASES, ids=str)
def test_redelivered_webhook_is_counted_once(sandbox, case):
    first = post(sandbox, case, delivery_id="delivery-1")
    again = post(sandbox, case, delivery_id="delivery-1")
    assert first.json()["status"] == "accepted"
    assert again.status == 202 and again.json() == {
        "status": "duplicate",
        "eventId": first.json()["eventId"],
    }
    lead = runtime.store().load(case.lead_id)
    assert lead.events == 1 and len(runtime.store().ledger(lead.lead_id)) == 1


@pytest.mark.parametrize("case", [c for c in CASES if c.ignored is not None], ids=str)
def test_event_that_is_not_about_a_lead_is_ignored(sandbox, case):
    response = post(sandbox, case, body=json.dumps(case.ignored).encode())
    assert response.status == 202
    assert response.json()["status"] == "ignored" and response.json()["reason"]
    assert sandbox.items() == []


def test_jotform_post_without_a_submission_is_ignored(sandbox):
    content_type, body = senders.multipart_form([("formID", "203112345678901")])
    path, headers, _ = senders.provider_webhook("jotform", body, content_type=content_type)
    response = sandbox.request("POST", path, headers, body)
    assert response.status == 202 and response.json()["status"] == "ignored"
    assert sandbox.items() == []


def test_crisp_website_hook_is_checked_by_the_key_in_its_url(sandbox):
    _, body = sample(CASES[6])
    key = senders.DEV_SECRETS["crisp"]
    headers = {"content-type": "application/json"}
    accepted = sandbox.request("POST", f"/webhooks/chat/crisp?key={key}", headers, body)
    refused = sandbox.request("POST", "/webhooks/chat/crisp?key=guess", headers, body)
    assert (accepted.status, refused.status) == (202, 401)


def test_every_provider_has_a_sample_in_events():
    for slug in PROVIDERS:
        assert list(EVENTS.glob(f"webhook-{slug}-*.json")), f"no events/webhook-{slug}-*.json"


def test_hubspot_conversion_event_names_are_never_read_as_the_persons_name(sandbox):
    # Given a HubSpot contact with no firstname / lastname, but conversion event names (and
    # another property merely containing "name")
    case = next(c for c in CASES if c.provider == "hubspot")
    contact = json.loads(sample(case)[1])
    properties = contact["properties"]
    del properties["firstname"], properties["lastname"]
    properties["recent_conversion_event_name"] = {"value": "Contact sales: Website form"}
    properties["first_conversion_event_name"] = {"value": "Newsletter sign-up"}
    properties["campaign_name"] = {"value": "Q4 launch"}

    # When the workflow delivers it
    response = post(sandbox, case, body=json.dumps(contact).encode())

    # Then the lead has no name rather than a form's or a campaign's
    assert response.status == 202, response.json()
    lead = runtime.store().load(case.lead_id)
    assert lead.profile.name is None and lead.profile.display_name == "(no name)"
    assert lead.profile.company == "Navy Systems"  # the contact's real properties still map


LIVECHAT_CUSTOMER = "b7eff798-f8df-4364-8059-649c35c9ed0c"
LIVECHAT_BOT = "5c9871d5372c824cbf22d860a707a578"  # LiveChat bots: hex ids, no "@"


def livechat_event(author: str, users: list[dict] | None = None) -> bytes:
    payload: dict = {
        "chat_id": "PJ0MRSHTDG",
        "thread_id": "K600PKZON8",
        "event": {
            "id": f"K600PKZON8_{author[:6]}",
            "created_at": "2026-11-25T08:59:00.000000Z",
            "type": "message",
            "author_id": author,
            "text": "How much is the business plan for 30 people?",
        },
    }
    if users is not None:
        payload["chat"] = {"id": "PJ0MRSHTDG", "users": users}
    body = {"webhook_id": "b9f1a8c2d3e4", "action": "incoming_event", "payload": payload}
    return json.dumps(body).encode()


LIVECHAT = next(c for c in CASES if c.provider == "livechat")
USERS = [
    {"id": LIVECHAT_CUSTOMER, "type": "customer", "email": "margaret@apollo.example"},
    {"id": LIVECHAT_BOT, "type": "agent", "name": "ChatBot"},
    {"id": "agent@acme.example", "type": "agent", "name": "Sam Agent"},
]


@pytest.mark.parametrize(
    ("author", "users"),
    [
        (LIVECHAT_BOT, USERS),  # the users list says it is an agent
        (LIVECHAT_BOT, None),  # no list: a bot's id is not a customer's
        ("agent@acme.example", None),
        (LIVECHAT_CUSTOMER, [{"id": LIVECHAT_CUSTOMER, "type": "agent"}]),
    ],
    ids=["bot-in-users", "bot-id", "agent-email", "listed-as-agent"],
)
def test_livechat_message_by_an_agent_or_a_bot_is_ignored(sandbox, author, users):
    response = post(sandbox, LIVECHAT, body=livechat_event(author, users))
    assert response.status == 202, response.json()
    assert response.json()["status"] == "ignored" and response.json()["reason"]
    assert sandbox.items() == []


@pytest.mark.parametrize("users", [USERS, None], ids=["listed", "customer-id"])
def test_livechat_message_by_the_customer_scores_their_visitor_id(sandbox, users):
    response = post(sandbox, LIVECHAT, body=livechat_event(LIVECHAT_CUSTOMER, users))
    assert response.status == 202 and response.json()["status"] == "accepted", response.json()
    assert runtime.store().load(lead_id_for(None, LIVECHAT_CUSTOMER)) is not None


def test_livechat_chat_without_a_customer_user_is_ignored(sandbox):
    # Given a new chat a bot started: its users list names no customer
    body = json.loads(sample(LIVECHAT)[1])
    chat = body["payload"]["chat"]
    chat["users"] = [{"id": LIVECHAT_BOT, "type": "agent", "name": "ChatBot"}]
    for event in chat["thread"]["events"]:
        event["author_id"] = LIVECHAT_BOT
    response = post(sandbox, LIVECHAT, body=json.dumps(body).encode())
    assert response.status == 202 and response.json()["status"] == "ignored"
    assert sandbox.items() == []
