"""The deployed stack's behaviour in one process: template resources in moto, the real
handlers behind the template's HTTP routes, and the stream trigger wired to the alert
function. Used by the tests, `leadwire demo` and the local server alike."""

from __future__ import annotations

import base64
import functools
import json
import os
import queue
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import boto3

from leadwire.shell import runtime
from leadwire_local.faults import FailNext, sns_outage
from leadwire_local.lambda_events import LambdaContext, http_event, scheduled_event
from leadwire_local.redrive import RedriveReport, handler_replay, redrive, stream_fetch
from leadwire_local.streams import StreamTrigger
from leadwire_local.template import Stack, Template

WEBHOOK_FUNCTION = "WebhookFunction"
ALERT_FUNCTION = "SqlAlertFunction"
ALERT_STREAM_EVENT = "LeadStream"
SWEEP_FUNCTION = "AlertSweepFunction"
# How many instances of each HTTP function may run at once (Lambda runs one execution
# environment per concurrent request); 1 serializes them, as one warm instance would.
CONCURRENCY_VARIABLE = "LEADWIRE_LOCAL_CONCURRENCY"
ADMIN_PREFIX = "/_local/"  # the local stack's own routes; API Gateway has none of them


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    function: str
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class ReceivedAlert:
    lead_id: str
    stage: str
    urgency: str
    subject: str
    message: str  # the e-mail's body
    sms: str = ""  # the `sms` attribute: "yes" when within the SMS budget
    sms_text: str = ""  # the SMS's text (sent by SMS only when `sms` is "yes")
    slack: dict[str, Any] = field(default_factory=dict)  # the Block Kit message
    # Whom it went to (the `owner`, `queue`, `kind` attributes rep subscriptions filter on);
    # no owner: rules without routing, every subscription took it.
    owner: str = ""
    queue: str = ""
    kind: str = ""

    def as_line(self) -> dict[str, Any]:
        line = {
            "leadId": self.lead_id,
            "stage": self.stage,
            "urgency": self.urgency,
            "subject": self.subject,
            "message": self.message,
            "email": {"subject": self.subject, "body": self.message},
            "sms": self.sms_text,
            "smsSent": self.sms == "yes",
            "slack": self.slack,
        }
        addressed = {"owner": self.owner, "queue": self.queue, "kind": self.kind}
        return line | {k: v for k, v in addressed.items() if v}


class Sandbox:
    """Create with AWS already pointed at moto (mock_aws, or AWS_ENDPOINT_URL to a server)."""

    def __init__(
        self,
        template: Template | None = None,
        region: str = "us-east-1",
        environment: Mapping[str, str] | None = None,
        concurrency: int | None = None,
    ) -> None:
        self.template = template or Template()
        self.region = region
        self.concurrency = max(1, concurrency or int(os.environ.get(CONCURRENCY_VARIABLE) or 1))
        self.stack: Stack = self.template.create(region=region)
        self._apply_environment(environment or {})
        self.routes = list(self._routes())
        self._handlers: dict[str, Any] = {}
        self._handlers_lock = threading.Lock()
        self.trigger = StreamTrigger(
            self.stack, ALERT_FUNCTION, ALERT_STREAM_EVENT, self.handler(ALERT_FUNCTION), region
        )
        self.alerts_queue_url = self._subscribe_alerts_queue()
        self._sns_outage: FailNext | None = None

    # -- configuration -------------------------------------------------------------------------

    def _apply_environment(self, overrides: Mapping[str, str]) -> None:
        """Every function's template environment, then the local overrides: one process hosts
        them all, and they agree on the shared names (table, topic)."""
        merged: dict[str, str] = {}
        for logical in self.template.resources("AWS::Serverless::Function"):
            merged.update(self.stack.environment(logical))
        merged["SECRETS_SOURCE"] = "env"  # LEADWIRE_SECRET_<PROVIDER>, with dev defaults
        merged.update(overrides)
        os.environ.update(merged)
        runtime.reset()

    def handler(self, function: str) -> Any:
        """The function's handler as Lambda runs it: each instance takes one invocation at a
        time, since a handler module keeps per-request state on module-level objects
        (Powertools' `app`). HTTP functions get up to `concurrency` instances (each its own
        copy of the module); the stream's function one, as one batch per shard is in flight."""
        with self._handlers_lock:
            if function not in self._handlers:
                load = functools.partial(self.stack.handler, function)
                if self.concurrency > 1 and function in {r.function for r in self.routes}:
                    self._handlers[function] = _Instances(load, self.concurrency)
                else:
                    self._handlers[function] = _one_at_a_time(load())
            return self._handlers[function]

    def _routes(self) -> list[Route]:
        routes = []
        for logical in self.template.resources("AWS::Serverless::Function"):
            for event in self.template.function(logical).events.values():
                if event["Type"] != "HttpApi":
                    continue
                props = event["Properties"]
                path = str(props["Path"])
                regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(path))
                routes.append(
                    Route(str(props["Method"]).upper(), path, logical, re.compile(f"^{regex}$"))
                )
        return routes

    # -- HTTP, the way API Gateway's HTTP API calls a function ---------------------------------

    def request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
        source_ip: str = "127.0.0.1",
    ) -> HttpResponse:
        parts = urlsplit(url)
        if parts.path.startswith(ADMIN_PREFIX) and method.upper() == "POST":
            return self._admin(parts.path.removeprefix(ADMIN_PREFIX), body)
        for route in self.routes:
            found = route.pattern.match(parts.path)
            if found and route.method == method.upper():
                event = http_event(
                    method.upper(),
                    parts.path,
                    route_key=f"{route.method} {route.path}",
                    path_parameters=found.groupdict(),
                    headers=headers,
                    body=body,
                    query=parts.query,
                    source_ip=source_ip,
                )
                result = self.handler(route.function)(event, LambdaContext())
                return _http_response(result)
        body_json = {
            "error": {"code": "not_found", "message": f"no route for {method} {parts.path}"}
        }
        return HttpResponse(
            404, {"content-type": "application/json"}, json.dumps(body_json).encode()
        )

    # -- local-only admin routes: fault injection and the dead-letter redrive ------------------

    def _admin(self, action: str, body: bytes) -> HttpResponse:
        """`POST /_local/faults {"snsPublishFailures": n}`: the next n SNS publishes fail
        (`{}` only reports what is left and how many failed).
        `POST /_local/redrive`: replay the alert dead-letter queue (`leadwire redrive`).
        `POST /_local/sweep {"clockAheadSeconds": s}`: run the alert sweeper now (as if `s`
        seconds later, to pass the lease without waiting)."""
        if action == "faults":
            wanted = json.loads(body or b"{}")
            if self._sns_outage is None:
                self._sns_outage = sns_outage(runtime.sns_client())
            if "snsPublishFailures" in wanted:
                self._sns_outage.arm(int(wanted["snsPublishFailures"]))
            answer: dict[str, Any] = {
                "snsPublishFailures": self._sns_outage.left,
                "snsPublishFailed": self._sns_outage.raised,
            }
        elif action == "redrive":
            answer = self.redrive().as_dict()
        elif action == "sweep":
            answer = self.sweep(float(json.loads(body or b"{}").get("clockAheadSeconds", 0)))
        else:
            return _json(404, {"error": {"code": "not_found", "message": f"no {action}"}})
        return _json(200, answer)

    def redrive(self) -> RedriveReport:
        """Replay the alert dead-letter queue into the alert function, as `leadwire redrive`."""
        streams = self.trigger.reader.client
        return redrive(
            self._sqs,
            self.stack.ref("AlertDeadLetterQueue"),
            replay=handler_replay(self.handler(ALERT_FUNCTION)),
            fetch=stream_fetch(streams),
            filters=self.trigger.filters,
        )

    def sweep(self, ahead_seconds: float = 0) -> dict[str, Any]:
        """Run the alert sweeper once, as its schedule does (what it found and sent); with
        `ahead_seconds`, as if run that much later (tests pass the lease so, not by sleeping)."""
        at = datetime.now(UTC) + timedelta(seconds=max(0.0, ahead_seconds))
        event = scheduled_event(at, f"arn:aws:events:{self.region}:123456789012:rule/sweep")
        timeout = self.template.function(SWEEP_FUNCTION).timeout
        result = self.handler(SWEEP_FUNCTION)(event, LambdaContext(timeout_ms=timeout * 1000))
        return dict(result)

    # -- the stream and the alerts --------------------------------------------------------------

    def pump(self) -> int:
        """Deliver new stream records to the alert function; return how many passed the filter."""
        return self.trigger.poll()

    def _subscribe_alerts_queue(self) -> str:
        # One client, made here: creating boto3 clients while other threads do is not safe.
        self._sqs = sqs = boto3.client("sqs", region_name=self.region)
        url = sqs.create_queue(QueueName="leadwire-local-alert-subscriber")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        for logical in self.template.resources("AWS::SNS::Topic"):
            boto3.client("sns", region_name=self.region).subscribe(
                TopicArn=self.stack.ref(logical),
                Protocol="sqs",
                Endpoint=arn["Attributes"]["QueueArn"],
            )
        self.sms_queue_url = self._subscribe_like_the_sms_subscription()
        return url

    def _subscribe_like_the_sms_subscription(self) -> str | None:
        """A queue standing in for the phone: subscribed with the template's SMS subscription
        filter policy, so a test sees which alerts would have gone by SMS."""
        for resource in self.template.resources("AWS::SNS::Subscription").values():
            props = resource["Properties"]
            if props.get("Protocol") != "sms":
                continue
            sqs, sns = self._sqs, boto3.client("sns", region_name=self.region)
            url = str(sqs.create_queue(QueueName="leadwire-local-sms-subscriber")["QueueUrl"])
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
            sns.subscribe(
                TopicArn=str(self.stack.resolve(props["TopicArn"])),
                Protocol="sqs",
                Endpoint=arn["Attributes"]["QueueArn"],
                Attributes={
                    "FilterPolicy": json.dumps(props["FilterPolicy"]),
                    "FilterPolicyScope": str(props.get("FilterPolicyScope", "MessageAttributes")),
                },
            )
            return url
        return None

    def received_sms(self) -> list[ReceivedAlert]:
        """Alerts the SMS subscription would have taken (drains its stand-in queue)."""
        return self._drain(self.sms_queue_url) if self.sms_queue_url else []

    def received_alerts(self) -> list[ReceivedAlert]:
        """Alerts as a subscriber to the topic receives them (drains the subscriber queue)."""
        return self._drain(self.alerts_queue_url)

    def _drain(self, queue_url: str) -> list[ReceivedAlert]:
        sqs = self._sqs
        alerts: list[ReceivedAlert] = []
        if _known_empty(queue_url, self.region):
            return alerts  # the stream follower asks after every poll; most find nothing
        while True:
            batch = sqs.receive_message(
                QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0
            ).get("Messages", [])
            if not batch:
                return alerts
            for message in batch:
                envelope = json.loads(message["Body"])
                attributes = {
                    k: v.get("Value") for k, v in envelope.get("MessageAttributes", {}).items()
                }
                texts = _channel_texts(envelope.get("Message", ""))
                alerts.append(
                    ReceivedAlert(
                        lead_id=attributes.get("leadId", ""),
                        stage=attributes.get("stage", ""),
                        urgency=attributes.get("urgency", ""),
                        subject=envelope.get("Subject") or "",
                        message=texts["email"]["body"],
                        sms=attributes.get("sms", ""),
                        owner=attributes.get("owner", ""),
                        queue=attributes.get("queue", ""),
                        kind=attributes.get("kind", ""),
                        sms_text=texts["sms"],
                        slack=texts["slack"],
                    )
                )
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])

    def items(self) -> list[dict[str, Any]]:
        """Everything in the leads table (tests use it to prove a request wrote nothing)."""
        client = boto3.client("dynamodb", region_name=self.region)
        items: list[dict[str, Any]] = []
        for page in client.get_paginator("scan").paginate(TableName=runtime.settings().table_name):
            items.extend(page["Items"])
        return items


def _known_empty(queue_url: str, region: str) -> bool:
    """Whether moto, in this process, holds no message at all (visible or not) for the queue:
    then a ReceiveMessage would answer nothing. False when it cannot tell (moto elsewhere)."""
    try:
        from moto.core.models import DEFAULT_ACCOUNT_ID
        from moto.sqs.models import sqs_backends
    except ImportError:
        return False
    parts = queue_url.rstrip("/").rsplit("/", 2)
    account = parts[-2] if len(parts) == 3 and parts[-2].isdigit() else DEFAULT_ACCOUNT_ID
    queues = sqs_backends[account][region].queues if account in sqs_backends else {}
    queue = queues.get(parts[-1])
    return queue is not None and not queue._messages  # noqa: SLF001 - no public count of all


def _channel_texts(message: str) -> dict[str, Any]:
    """A queue subscriber's message: every channel's rendering (aws/sns.py `channel_texts`);
    a plain text one (a message published before) is the e-mail's body."""
    try:
        document = json.loads(message)
    except ValueError:
        document = None
    if isinstance(document, dict) and {"email", "sms", "slack"} <= document.keys():
        return document
    return {"email": {"body": message}, "sms": "", "slack": {}}


def _one_at_a_time(handler: Callable[[dict, Any], Any]) -> Callable[[dict, Any], Any]:
    # Reentrant: a test that calls a handler from inside the same handler must not hang.
    lock = threading.RLock()

    def invoke(event: dict, context: Any) -> Any:
        with lock:
            return handler(event, context)

    return invoke


class _Instances:
    """Up to `limit` copies of a handler module, made on demand; a request waits for a free one."""

    def __init__(self, load: Callable[[], Callable[[dict, Any], Any]], limit: int) -> None:
        self._load = load
        self._free: queue.LifoQueue[Callable[[dict, Any], Any]] = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(limit)
        self._loading = threading.Lock()  # importing a module copy is not thread-safe

    def __call__(self, event: dict, context: Any) -> Any:
        with self._slots:
            try:
                instance = self._free.get_nowait()
            except queue.Empty:
                with self._loading:
                    instance = self._load()
            try:
                return instance(event, context)
            finally:
                self._free.put(instance)


def _json(status: int, body: Any) -> HttpResponse:
    return HttpResponse(status, {"content-type": "application/json"}, json.dumps(body).encode())


def _http_response(result: Mapping[str, Any]) -> HttpResponse:
    headers = {k.lower(): str(v) for k, v in (result.get("headers") or {}).items()}
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers[name.lower()] = ", ".join(str(v) for v in values)
    body = result.get("body") or ""
    raw = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
    return HttpResponse(int(result.get("statusCode", 200)), headers, raw)
