"""The local stream poller keeps up with the table whatever moto does to it underneath."""

from __future__ import annotations

from tests.support import READY, post_form


def test_a_lead_scored_after_a_redelivery_still_reaches_the_alert_function(sandbox):
    # Given the poller has read the stream, then a redelivery was refused (in moto 5.2.5 a
    # cancelled transaction swaps the table, and its stream, for a copy)
    post_form(sandbox, "webinar", {"email": "ann@corp.example"}, delivery_id="msg_ann_webinar")
    sandbox.pump()
    redelivery = post_form(sandbox, "webinar", {"email": "ann@corp.example"}, "msg_ann_webinar")
    assert redelivery.json()["status"] == "duplicate"
    # When a lead then becomes sales-qualified
    post_form(sandbox, "demo-request", READY)
    sandbox.pump()
    # Then the alert function sees it
    [alert] = sandbox.received_alerts()
    assert alert.stage == "sql"
