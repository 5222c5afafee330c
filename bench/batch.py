"""A 1,000-event SendGrid batch through the webhook handler, in-process on moto: each event
is its own read and transaction, so the batch must finish well inside API Gateway's 29 s."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from bench.figures import Figure, figure
from bench.webhook import in_process_stack
from leadwire_local import senders
from leadwire_local.lambda_events import LambdaContext, http_event

API_GATEWAY_SECONDS = 29.0
GOAL_SECONDS = 15.0  # half of API Gateway's limit: room for a slower day and a cold start
ACTIVITIES = ("delivered", "open", "click", "open", "click")  # one in five acknowledged only


@dataclass(frozen=True)
class BatchRun:
    events: int
    seconds: float
    accepted: int


def sendgrid_batch(events: int, recipients: int) -> dict:
    """A signed SendGrid Event Webhook POST of `events` events for `recipients` people."""
    now = int(time.time())
    items = [
        {
            "email": f"reader{n % recipients}@corp{n % recipients}.example",
            "timestamp": now - events + n,
            "event": ACTIVITIES[n % len(ACTIVITIES)],
            "sg_event_id": f"bench-{now}-{n}",
            "sg_message_id": f"msg-{n % recipients}",
            "url": "https://www.example.com/pricing",
        }
        for n in range(events)
    ]
    path, headers, body = senders.provider_webhook("sendgrid", json.dumps(items).encode())
    return http_event(
        "POST",
        path,
        route_key="POST /webhooks/events/{provider}",
        path_parameters={"provider": "sendgrid"},
        headers=headers,
        body=body,
    )


def measure_batch(events: int = 1000, recipients: int = 200) -> BatchRun:
    with in_process_stack() as (_, handler):
        event = sendgrid_batch(events, recipients)
        started = time.perf_counter()
        result = handler(event, LambdaContext())
        seconds = time.perf_counter() - started
    if result["statusCode"] != 202:
        raise RuntimeError(f"the batch was not accepted: {result}")
    return BatchRun(events, seconds, json.loads(result["body"])["accepted"])


def batch_figures(run: BatchRun) -> list[Figure]:
    label = f"SendGrid batch of {run.events:,} events"
    return [
        figure(
            f"{label}: whole request",
            run.seconds,
            "s",
            API_GATEWAY_SECONDS,
            goal=f"<= {GOAL_SECONDS:.0f} s (API Gateway: {API_GATEWAY_SECONDS:.0f} s)",
            met=run.seconds <= GOAL_SECONDS,
            note=f"in-process on moto; {run.accepted} written; floor: API Gateway's limit",
        ),
        figure(
            f"{label}: throughput", run.events / run.seconds, "events/s", run.events / GOAL_SECONDS
        ),
    ]
