"""The local stream poller keeps up with the table whatever moto does to it underneath."""

from __future__ import annotations

from leadwire_local import senders


def post(sandbox, form, fields, delivery_id=None):
    headers, body = senders.json_webhook(senders.json_form(form, fields), delivery_id=delivery_id)
    return sandbox.request("POST", "/webhooks/forms/json", headers, body)


READY = {"email": "cleo@bigco.example", "job_title": "CEO", "company_size": "800"}


def test_a_lead_scored_after_a_redelivery_still_reaches_the_alert_function(sandbox):
    # Given the poller has read the stream, then a redelivery was refused (in moto 5.2.5 a
    # cancelled transaction swaps the table, and its stream, for a copy)
    post(sandbox, "webinar", {"email": "ann@corp.example"}, delivery_id="msg_ann_webinar")
    sandbox.pump()
    redelivery = post(sandbox, "webinar", {"email": "ann@corp.example"}, "msg_ann_webinar")
    assert redelivery.json()["status"] == "duplicate"
    # When a lead then becomes sales-qualified
    post(sandbox, "demo-request", READY)
    sandbox.pump()
    # Then the alert function sees it
    [alert] = sandbox.received_alerts()
    assert alert.stage == "sql"
