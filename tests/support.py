"""What the tests share: a lead one demo request makes sales-qualified, normalized form events
for the pure scoring, signed webhook posts into the Sandbox, and an SNS outage through the
local stack's own fault hook (`FailNext`), and stand-in HTTP servers on 127.0.0.1."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from http.server import HTTPServer
from typing import Any, TypeVar

from leadwire.domain.models import Channel, LeadEvent, Profile
from leadwire.shell import runtime
from leadwire_local import senders
from leadwire_local.faults import FailNext, sns_outage
from leadwire_local.sandbox import HttpResponse, Sandbox

# Fit 45 (CEO 25, 800 people 15, business email 5) + a demo request's 60; budget and
# authority known: one demo request makes this lead an SQL.
READY: dict[str, str] = {
    "email": "cleo@bigco.example",
    "first_name": "Cleo",
    "job_title": "CEO",
    "company_size": "800",
    "budget": "$200k",
    "timeline": "next year",
}
FORMS = "/webhooks/forms/json"


def post_form(
    sandbox: Sandbox,
    form: str,
    fields: dict[str, Any],
    delivery_id: str | None = None,
    **signing: Any,
) -> HttpResponse:
    """A signed `json` form delivery, as a form tool posts it."""
    headers, body = senders.json_webhook(
        senders.json_form(form, fields), delivery_id=delivery_id, **signing
    )
    return sandbox.request("POST", FORMS, headers, body)


def sns_down(count: int = 1_000_000) -> FailNext:
    """The next `count` SNS publishes fail as an unreachable endpoint does; `.arm(0)` ends it."""
    outage = sns_outage(runtime.sns_client())
    outage.arm(count)
    return outage


def form_event(name: str, profile: Profile, at: datetime, n: int = 0, **fields: str) -> LeadEvent:
    """A normalized `json` form submission, as the providers hand one to `score`."""
    return LeadEvent(
        event_id=f"json:{name}-{n}-{profile.email}-{at.isoformat()}",
        provider="json",
        channel=Channel.FORM,
        form=name,
        occurred_at=at,
        profile=profile,
        **fields,
    )


Server = TypeVar("Server", bound=HTTPServer)


@contextmanager
def serving_in_thread(server: Server) -> Iterator[Server]:
    """A stand-in server answering from a thread for a with-block, shut down and closed after."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
