"""What a developer's local stack keeps when it dies: every write it answered for (the journal),
nothing it erased, and the alerts it parked in the dead-letter queue."""

from __future__ import annotations

import json
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from leadwire.domain.models import lead_id_for
from leadwire_local import senders
from tests.e2e.stack import ServeProcess, _attempt, get_json, post, request, wait_for
from tests.support import READY

pytestmark = pytest.mark.e2e

BURST = 400  # deliveries offered; the stack is killed long before they are all answered
KILL_AFTER = 25  # accepted (202) deliveries before the SIGKILL
WORKERS = 8


def _burst_until_killed(served: ServeProcess) -> tuple[list[str], list[str]]:
    """Offer BURST deliveries from WORKERS threads, each attempted once; SIGKILL the stack
    once KILL_AFTER have been accepted. Return the accepted emails and the unanswered ones."""
    accepted: list[str] = []
    unanswered: list[str] = []
    lock = threading.Lock()
    enough = threading.Event()

    def deliver(n: int) -> None:
        email = f"burst{n}@crash{n}.example"
        if enough.is_set() and served.process is not None and served.process.poll() is not None:
            return  # dead: the rest are not sent at all
        payload = senders.json_form("webinar", {"email": email, "first_name": f"B{n}"})
        headers, body = senders.json_webhook(payload, delivery_id=f"msg_burst_{n}")
        answer = _attempt("POST", served.base + "/webhooks/forms/json", headers, body)
        with lock:
            if answer is not None and answer[0] == 202:
                accepted.append(email)
                if len(accepted) >= KILL_AFTER:
                    enough.set()
            else:
                unanswered.append(email)

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        killer = threading.Thread(target=lambda: (enough.wait(), served.kill()))
        killer.start()
        list(pool.map(deliver, range(BURST)))
        enough.set()  # every delivery was answered before the count was reached: kill now
        killer.join()
    return accepted, unanswered


@pytest.mark.parametrize("snapshot_every", ["0", "0.3"], ids=["journal-only", "compacting"])
def test_sigkill_mid_burst_loses_no_accepted_webhook_and_revives_no_erased_lead(
    tmp_path: Path, snapshot_every: str
) -> None:
    # Given a stack (snapshots only on a clean stop, or every 0.3 s while it runs) holding an
    # SQL lead, and a lead that was erased
    served = ServeProcess(
        tmp_path / "data", tmp_path / "serve.log", "--snapshot-every", snapshot_every
    )
    served.start()
    assert served.sender.form("demo-request", READY, "msg_kept") == "accepted"
    erased_email = "erase.me@gone.example"
    assert served.sender.form("webinar", {"email": erased_email}, "msg_erased") == "accepted"
    erased = lead_id_for(erased_email)
    assert request("DELETE", f"{served.base}/leads/{erased}")[0] == 200
    # When it is killed with SIGKILL in the middle of a burst of webhooks
    accepted, _ = _burst_until_killed(served)
    assert len(accepted) >= KILL_AFTER
    # Then a restart says it recovered writes from the journal ...
    served.start()
    try:
        found = re.search(r"recovered (\d+) write\(s\) from the journal", served.output())
        assert found, served.output()
        # ... every accepted delivery is there, scored once (its redelivery is a duplicate)
        for email in accepted:
            [lead] = get_json(f"{served.base}/leads?email={email}")["items"]
            assert lead["stage"] == "lead", lead
        n = int(accepted[0].removeprefix("burst").split("@")[0])
        assert served.sender.form("webinar", {"email": accepted[0]}, f"msg_burst_{n}") == (
            "duplicate"
        )
        assert get_json(f"{served.base}/leads/{lead_id_for(READY['email'])}")["stage"] == "sql"
        # ... and the erased lead did not come back, nor is it in any file
        assert request("GET", f"{served.base}/leads/{erased}")[0] == 404
        assert get_json(f"{served.base}/leads?email={erased_email}")["items"] == []
        for name in ("snapshot.json", "journal.jsonl", "alerts.jsonl"):
            path = served.data_dir / name
            text = path.read_text() if path.exists() else ""
            assert erased_email not in text and erased not in text, name
    finally:
        assert served.stop() == 0, served.output()
    assert "Traceback" not in served.output(), served.output()


def test_a_clean_restart_reports_no_recovery(tmp_path: Path) -> None:
    # Given a stack that took a webhook and was stopped cleanly
    served = ServeProcess(tmp_path / "data", tmp_path / "serve.log")
    served.start()
    assert served.sender.form("webinar", {"email": "ann@calm.example"}, "msg_calm") == "accepted"
    assert served.stop() == 0, served.output()
    # When it starts again
    served.start()
    try:
        # Then the journal is empty (compacted into the snapshot) and no unclean stop is told
        assert "unclean stop" not in served.output()
        lead = get_json(f"{served.base}/leads?email=ann@calm.example")["items"]
        assert len(lead) == 1
    finally:
        assert served.stop() == 0, served.output()


@pytest.mark.parametrize("how", ["stop", "kill"])
def test_an_alert_parked_in_the_dead_letter_queue_survives_a_restart(
    tmp_path: Path, how: str
) -> None:
    # Given an SQL whose alert was parked in the dead-letter queue (SNS down for all retries)
    served = ServeProcess(tmp_path / "data", tmp_path / "serve.log", "--snapshot-every", "0")
    served.start()
    armed = post(served.base + "/_local/faults", {}, json.dumps({"snsPublishFailures": 4}).encode())
    assert armed[0] == 200
    assert served.sender.form("demo-request", READY, "msg_parked") == "accepted"
    lead_id = lead_id_for(READY["email"])
    assert served.settled_alerts(lead_id) == []
    # When the stack is stopped (SIGTERM) or killed (SIGKILL), then started again
    if how == "stop":
        assert served.stop() == 0, served.output()
    else:
        served.kill()
    served.start()
    try:
        # Then the redrive still finds the parked batch, and sales gets the alert once
        status, _, body = post(served.base + "/_local/redrive", {}, b"")
        assert status == 200, body
        assert json.loads(body)["replayed"] == 1, (body, served.output())
        assert wait_for(lambda: len(served.settled_alerts(lead_id)) == 1), served.output()
        status, _, body = post(served.base + "/_local/redrive", {}, b"")
        assert json.loads(body)["replayed"] == 0
        assert len(served.settled_alerts(lead_id)) == 1
    finally:
        assert served.stop() == 0, served.output()
