"""The webhook handler in-process on moto: against the raw boto3 calls it makes (figure 1),
and after 10,000 events against after 10 (figure 7)."""

from __future__ import annotations

import copy
import gc
import io
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from boto3.dynamodb.types import TypeSerializer
from moto import mock_aws

from bench.figures import Figure, figure, p50, p99, relative_noise
from leadwire.aws.dynamo import EVENT_PREFIX, lead_item, lead_pk, ledger_item
from leadwire.domain.models import Channel, LeadEvent, Profile
from leadwire.domain.rules import load_rules
from leadwire.domain.scoring import score
from leadwire.shell import runtime
from leadwire_local import moto_patches, senders
from leadwire_local.lambda_events import LambdaContext, http_event
from leadwire_local.sandbox import WEBHOOK_FUNCTION, Sandbox

FORMS = ["newsletter", "content-download", "webinar", "content-download", "contact"]
TITLES = ["Team Lead", "VP Marketing", "Engineer", "Director of IT", "Student"]
_serializer = TypeSerializer()


class LogSink(io.TextIOBase):
    """Where the functions' Powertools logs go during the benchmark: counted, not printed."""

    def __init__(self) -> None:
        self.bytes = 0
        self.lines = 0
        self.last = ""

    def write(self, text: str) -> int:
        self.bytes += len(text.encode())
        self.lines += text.count("\n")
        if text.strip():
            self.last = text.strip()
        return len(text)

    def writable(self) -> bool:
        return True


LOGS = LogSink()  # one for the process: Powertools keeps the first stream it was given


@dataclass
class Captured:
    """The DynamoDB calls the handler made, as boto3 was asked for them."""

    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def hook(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        self.calls.append((model.name, copy.deepcopy(params)))


@contextmanager
def in_process_stack() -> Iterator[tuple[Sandbox, Callable[[dict, Any], dict]]]:
    """moto in this process with the local stack's pinned transaction patch, the template's
    resources, and the webhook handler loaded as Lambda would (logs at INFO, into LOGS)."""
    saved = dict(os.environ)
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
        }
    )
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        os.environ.pop(name, None)
    try:
        with mock_aws():
            if not moto_patches.apply():
                raise RuntimeError("moto is not the release moto_patches is pinned to")
            try:
                with redirect_stdout(LOGS):
                    sandbox = Sandbox(environment={"POWERTOOLS_LOG_LEVEL": "INFO"})
                    handler = sandbox.handler(WEBHOOK_FUNCTION)
                yield sandbox, handler
            finally:
                moto_patches.restore()
    finally:
        os.environ.clear()
        os.environ.update(saved)
        runtime.reset()


def webhook_event(n: int, pool: int = 50, prefix: str = "bench") -> dict[str, Any]:
    """A signed `json` form for one of `pool` leads, as API Gateway hands it to the function."""
    lead = n % pool
    fields = {
        "email": f"{prefix}{lead}@corp{lead}.example",
        "first_name": f"Bench{lead}",
        "job_title": TITLES[lead % len(TITLES)],
        "company": f"Corp {lead}",
        "company_size": str(20 + 37 * lead),
        "industry": "software",
    }
    return json_form_event(FORMS[n % len(FORMS)], fields)


def json_form_event(form: str, fields: dict[str, Any]) -> dict[str, Any]:
    """The `json` form `form` with `fields`, signed now, as API Gateway hands it over."""
    headers, body = senders.json_webhook(senders.json_form(form, fields))
    return http_event(
        "POST",
        "/webhooks/forms/json",
        route_key="POST /webhooks/forms/{provider}",
        path_parameters={"provider": "json"},
        headers=headers,
        body=body,
    )


def invoke(handler: Callable[[dict, Any], dict], event: dict[str, Any]) -> float:
    """One invocation's wall time in seconds; it must be accepted."""
    context = LambdaContext()
    started = time.perf_counter()
    result = handler(event, context)
    elapsed = time.perf_counter() - started
    if result["statusCode"] != 202 or '"accepted"' not in result["body"]:
        raise RuntimeError(f"the webhook was not accepted: {result}")
    return elapsed


class RawCalls:
    """What the handler asks DynamoDB for, made directly with the same client: a consistent
    get_item of the profile and the 2-item transaction (ledger entry + lead under its version),
    with items of the same shape and size as the handler's own."""

    def __init__(self, get_params: dict[str, Any], transaction: dict[str, Any]) -> None:
        self.client = runtime.dynamodb_client()  # the very client the handler uses
        self.get_params = get_params
        self.ledger_put = transaction["TransactItems"][0]["Put"]
        self.lead_put = transaction["TransactItems"][1]["Put"]
        self.versions: dict[str, int] = {}

    def __call__(self, n: int, pool: int = 50) -> float:
        pk = {"S": lead_pk(f"raw-{n % pool}")}  # key shapes from the store, not by hand
        version = self.versions.get(pk["S"], 0)
        ledger = {**self.ledger_put, "Item": {**self.ledger_put["Item"], "pk": pk}}
        ledger["Item"]["sk"] = {"S": EVENT_PREFIX + f"raw-{n}"}
        lead = {k: v for k, v in self.lead_put.items() if not k.startswith(("Condition", "Expr"))}
        lead["Item"] = {**self.lead_put["Item"], "pk": pk, "version": {"N": str(version + 1)}}
        if version == 0:
            lead["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            lead["ConditionExpression"] = "#version = :expected"
            lead["ExpressionAttributeNames"] = {"#version": "version"}
            lead["ExpressionAttributeValues"] = {":expected": {"N": str(version)}}
        get = {**self.get_params, "Key": {**self.get_params["Key"], "pk": pk}}
        started = time.perf_counter()
        self.client.get_item(**get)
        self.client.transact_write_items(TransactItems=[{"Put": ledger}, {"Put": lead}])
        elapsed = time.perf_counter() - started
        self.versions[pk["S"]] = version + 1
        return elapsed


@dataclass(frozen=True)
class HandlerRun:
    handler: list[float]
    raw: list[float]
    transaction: dict[str, Any]
    log_bytes_per_invocation: float
    log_line: str


def measure_handler(rounds: int = 400, warmup: int = 40) -> HandlerRun:
    """Handler and raw calls interleaved (AB, BA, ...), after a warm-up of both."""
    with in_process_stack() as (_, handler):
        captured = Captured()
        events = runtime.dynamodb_client().meta.events
        events.register("provide-client-params.dynamodb.*", captured.hook)
        for n in range(warmup):  # the pool's leads exist after this: later events update them
            invoke(handler, webhook_event(n))
        events.unregister("provide-client-params.dynamodb.*", captured.hook)
        get = next(p for name, p in reversed(captured.calls) if name == "GetItem")
        transaction = next(
            p for name, p in reversed(captured.calls) if name == "TransactWriteItems"
        )
        raw = RawCalls(get, transaction)
        for n in range(warmup):
            raw(n)
        prepared = [webhook_event(warmup + n) for n in range(rounds)]
        timed_handler: list[float] = []
        timed_raw: list[float] = []
        logged_before = LOGS.bytes
        gc.collect()
        for n, event in enumerate(prepared):
            if n % 2:
                timed_raw.append(raw(warmup + n))
                timed_handler.append(invoke(handler, event))
            else:
                timed_handler.append(invoke(handler, event))
                timed_raw.append(raw(warmup + n))
        log_bytes = (LOGS.bytes - logged_before) / rounds
        return HandlerRun(timed_handler, timed_raw, transaction, log_bytes, LOGS.last)


def handler_figures(run: HandlerRun) -> list[Figure]:
    h50, r50 = p50(run.handler) * 1000, p50(run.raw) * 1000
    h99, r99 = p99(run.handler) * 1000, p99(run.raw) * 1000
    return [
        figure(
            "webhook handler p50 (moto) vs raw get+transaction",
            h50,
            "ms",
            r50,
            goal="<= 1.15x",
            met=h50 <= 1.15 * r50,
            missed_by=max(0.0, h50 / r50 / 1.15 - 1),
            noise=relative_noise([a / b for a, b in zip(run.handler, run.raw, strict=True)]),
        ),
        figure(
            "webhook handler p99 (moto) vs raw get+transaction",
            h99,
            "ms",
            r99,
            goal="<= 1.3x",
            met=h99 <= 1.3 * r99,
            missed_by=max(0.0, h99 / r99 / 1.3 - 1),
        ),
    ]


# -- figure 7: after 10,000 events vs after 10 ------------------------------------------------


def seed(count: int, per_lead: int = 4) -> None:
    """`count` scored events (ledger entries) and their leads, written straight to the table
    in batches: the items the handler would have written, without its per-request cost."""
    rules = load_rules()
    table = runtime.settings().table_name
    client = runtime.dynamodb_client()
    start = datetime.now(UTC) - timedelta(days=1)
    items: list[dict[str, Any]] = []
    leads = (count + per_lead - 1) // per_lead
    for lead_number in range(leads):
        lead = None
        for n in range(min(per_lead, count - lead_number * per_lead)):
            event = _seed_event(lead_number, n, start)
            outcome = score(lead, event, rules, event.occurred_at)
            lead = outcome.lead.model_copy(update={"version": n + 1})
            items.append(ledger_item(lead.lead_id, outcome.entry))
        assert lead is not None
        items.append(lead_item(lead))
    for begin in range(0, len(items), 25):
        batch = [
            {"PutRequest": {"Item": {k: _serializer.serialize(v) for k, v in item.items()}}}
            for item in items[begin : begin + 25]
        ]
        request = {table: batch}
        while request:
            request = client.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}


def _seed_event(lead: int, n: int, start: datetime) -> LeadEvent:
    email = f"seed{lead}@seed{lead % 500}.example"
    return LeadEvent(
        event_id=f"seed-{lead}-{n}",
        provider="json",
        channel=Channel.FORM,
        form=FORMS[n % len(FORMS)],
        occurred_at=start + timedelta(seconds=lead + n * 3600),
        profile=Profile(
            email=email,
            first_name=f"Seed{lead}",
            job_title=TITLES[lead % len(TITLES)],
            company_size=str(10 + lead % 900),
        ),
    )


def p50_after(seeded: int, measured: int, warmup: int, handler: Any, prefix: str) -> list[float]:
    seed(seeded)
    for n in range(warmup):
        invoke(handler, webhook_event(n, prefix=prefix))
    prepared = [webhook_event(warmup + n, prefix=prefix) for n in range(measured)]
    gc.collect()
    return [invoke(handler, event) for event in prepared]


def measure_growth(
    measured: int = 150, warmup: int = 20, seeded: int = 10_000
) -> tuple[list[float], list[float]]:
    """p50 after 10 events, after 10,000, and after 10 again in a fresh table (the two small
    runs bracket the large one, so a drift of the machine shows instead of skewing the ratio)."""
    with in_process_stack() as (_, handler):
        small = p50_after(10, measured, warmup, handler, "small")
    with in_process_stack() as (_, handler):
        large = p50_after(seeded, measured, warmup, handler, "large")
    with in_process_stack() as (_, handler):
        small += p50_after(10, measured, warmup, handler, "small")
    return small, large


def growth_figure(small: list[float], large: list[float]) -> Figure:
    s50, l50 = p50(small) * 1000, p50(large) * 1000
    return figure(
        "webhook p50 after 10,000 events vs after 10",
        l50,
        "ms",
        s50,
        goal="<= 1.5x",
        met=l50 <= 1.5 * s50,
        note="moto in-process with leadwire_local.moto_patches applied",
    )
