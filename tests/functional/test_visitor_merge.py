"""Anonymous chat visitors: scored under their visitor id, merged into the lead once an email
arrives, with the whole history, no double counting and one alert."""

from __future__ import annotations

import json

import pytest

from leadwire.domain.models import Channel, lead_id_for
from leadwire.providers import WebhookRequest
from leadwire.shell import runtime
from leadwire_local import senders

VISITOR = "v_7f3a"


def chat(sandbox, message_id, text, email=None, visitor=VISITOR):
    payload = senders.json_chat("conv_1", message_id, text, visitor_id=visitor, email=email)
    headers, body = senders.json_webhook(payload, delivery_id=f"msg_{message_id}")
    response = sandbox.request("POST", "/webhooks/chat/json", headers, body)
    assert response.status == 202, response.body
    return response.json()["status"]


def form(sandbox, name, fields, delivery_id):
    headers, body = senders.json_webhook(senders.json_form(name, fields), delivery_id=delivery_id)
    return sandbox.request("POST", "/webhooks/forms/json", headers, body).json()["status"]


def test_anonymous_visitor_then_email_makes_one_lead_with_the_whole_history(sandbox):
    # Given an anonymous visitor who asks about pricing
    chat(sandbox, "m1", "Hi, how much does it cost?")
    anonymous = runtime.store().load(lead_id_for(None, VISITOR))
    assert anonymous is not None and anonymous.email is None
    # When a later message carries their email
    chat(sandbox, "m2", "I'm at dana@corp.example", email="dana@corp.example")
    # Then there is one lead, under the email, with both events
    lead = runtime.store().load(lead_id_for("dana@corp.example"))
    assert lead.visitor_ids == [VISITOR] and lead.events == 2
    assert lead.action_points == {"pricing_question": 25, "chat_message": 2}
    ledger = runtime.store().ledger(lead.lead_id)
    assert [e.event_id for e in ledger] == ["json:msg_m1", "json:msg_m2"]
    profiles = [i for i in sandbox.items() if i["sk"]["S"] == "PROFILE"]
    assert [i["entity"]["S"] for i in profiles].count("lead") == 1


def test_later_anonymous_messages_and_redeliveries_reach_the_merged_lead_once(sandbox):
    chat(sandbox, "m1", "Hello there")
    chat(sandbox, "m2", "it's dana", email="dana@corp.example")
    assert chat(sandbox, "m1", "Hello there") == "duplicate"
    assert chat(sandbox, "m3", "what are your plans?") == "accepted"
    lead = runtime.store().load(lead_id_for("dana@corp.example"))
    assert lead.events == 3 and lead.last_action == "pricing_question"
    assert runtime.store().load(lead_id_for(None, VISITOR)).lead_id == lead.lead_id


def test_a_visitor_seen_first_with_an_email_is_linked_for_later(sandbox):
    chat(sandbox, "m1", "hi", email="eli@corp.example", visitor="v_eli")
    chat(sandbox, "m2", "pricing for 10 seats?", visitor="v_eli")
    lead = runtime.store().load(lead_id_for("eli@corp.example"))
    assert lead.events == 2


def test_sql_reached_through_the_merge_alerts_once(sandbox):
    chat(sandbox, "m1", "What is your pricing for 500 people?", visitor="v_vp")
    fields = {
        "email": "vera@bigco.example",
        "first_name": "Vera",
        "job_title": "VP Operations",
        "company_size": "500",
        "visitor_id": "v_vp",
    }
    assert form(sandbox, "demo-request", fields, "msg_demo") == "accepted"
    lead = runtime.store().load(lead_id_for("vera@bigco.example"))
    assert lead.stage.value == "sql"
    sandbox.pump()
    sandbox.pump()
    [alert] = sandbox.received_alerts()
    assert alert.lead_id == lead.lead_id


def test_a_visitor_event_racing_the_merge_is_not_lost(sandbox, monkeypatch):
    # Given an anonymous visitor
    chat(sandbox, "m1", "hello")
    store = runtime.store()
    real_record = store.record
    raced = []

    def record_after_a_racing_message(
        outcome, expected_version, absorbed=None, link=None, alert=None, turn=None
    ):
        if absorbed is not None and not raced:
            raced.append(True)  # another anonymous message lands between our read and write
            monkeypatch.setattr(store, "record", real_record)
            payload = senders.json_chat("conv_1", "m2", "pricing?", visitor_id=VISITOR)
            headers, body = senders.json_webhook(payload, delivery_id="msg_m2")
            racing = runtime.intake().receive(Channel.CHAT, "json", WebhookRequest(headers, body))
            assert racing.status == "accepted"
            monkeypatch.setattr(store, "record", record_after_a_racing_message)
        return real_record(outcome, expected_version, absorbed, link, alert, turn=turn)

    monkeypatch.setattr(store, "record", record_after_a_racing_message)
    # When the email arrives while that message is being written
    chat(sandbox, "m3", "I'm finn", email="finn@corp.example")
    # Then the merge retried and kept all three
    lead = store.load(lead_id_for("finn@corp.example"))
    assert raced and lead.events == 3
    assert len(store.ledger(lead.lead_id)) == 3


def test_erasing_a_merged_lead_removes_the_visitor_alias_too(sandbox):
    chat(sandbox, "m1", "hi")
    chat(sandbox, "m2", "gus here", email="gus@corp.example")
    lead_id = lead_id_for("gus@corp.example")
    assert sandbox.request("DELETE", f"/leads/{lead_id}").status == 200
    everything = json.dumps(sandbox.items())
    assert lead_id not in everything and lead_id_for(None, VISITOR) not in everything


def test_a_chatty_visitor_is_merged_whole_and_redeliveries_stay_duplicates(sandbox):
    # Given an anonymous visitor with more messages than fit in one transaction
    for i in range(50):
        chat(sandbox, f"c{i}", f"message {i}")
    # When they give their email
    chat(sandbox, "c50", "it's hal", email="hal@corp.example")
    # Then every entry moved, none is left behind, and old deliveries are still duplicates
    lead = runtime.store().load(lead_id_for("hal@corp.example"))
    assert len(runtime.store().ledger(lead.lead_id)) == 51 and lead.events == 51
    assert runtime.store().ledger(lead_id_for(None, VISITOR)) == []
    assert chat(sandbox, "c3", "message 3") == "duplicate"
    assert chat(sandbox, "c49", "message 49") == "duplicate"
    # And erasure leaves nothing of either id
    assert sandbox.request("DELETE", f"/leads/{lead.lead_id}").status == 200
    assert sandbox.items() == []


def test_a_crash_after_merging_a_chatty_visitor_still_counts_redeliveries_once(
    sandbox, monkeypatch
):
    for i in range(48):
        chat(sandbox, f"c{i}", f"message {i}")
    store = runtime.store()

    def crash(keys):
        raise RuntimeError("the function died after the merge transaction")

    monkeypatch.setattr(store, "_delete_keys", crash)
    with pytest.raises(RuntimeError):  # Lambda dies: API Gateway answers 5xx, the sender retries
        chat(sandbox, "c48", "ivy here", email="ivy@corp.example")
    monkeypatch.undo()
    # A redelivery of a message that was not moved in the transaction is still a duplicate
    assert chat(sandbox, "c47", "message 47") == "duplicate"
    lead = store.load(lead_id_for("ivy@corp.example"))
    assert lead.events == 49
