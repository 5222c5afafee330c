"""The deployed stack's behaviour in one process: template resources in moto, the real
handlers behind the template's HTTP routes, and the stream trigger wired to the alert
function. Used by the tests, `leadwire demo` and the local server alike."""

from __future__ import annotations

import base64
import json
import os
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import boto3

from leadwire import runtime
from leadwire_local.lambda_events import LambdaContext, http_event
from leadwire_local.streams import StreamTrigger
from leadwire_local.template import Stack, Template

WEBHOOK_FUNCTION = "WebhookFunction"
ALERT_FUNCTION = "SqlAlertFunction"
ALERT_STREAM_EVENT = "LeadStream"


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
    message: str

    def as_line(self) -> dict[str, str]:
        return {
            "leadId": self.lead_id,
            "stage": self.stage,
            "urgency": self.urgency,
            "subject": self.subject,
            "message": self.message,
        }


class Sandbox:
    """Create with AWS already pointed at moto (mock_aws, or AWS_ENDPOINT_URL to a server)."""

    def __init__(
        self,
        template: Template | None = None,
        region: str = "us-east-1",
        environment: Mapping[str, str] | None = None,
    ) -> None:
        self.template = template or Template()
        self.region = region
        self.stack: Stack = self.template.create(region=region)
        self._apply_environment(environment or {})
        self.routes = list(self._routes())
        self._handlers: dict[str, Any] = {}
        self._handlers_lock = threading.Lock()
        self.trigger = StreamTrigger(
            self.stack, ALERT_FUNCTION, ALERT_STREAM_EVENT, self.handler(ALERT_FUNCTION), region
        )
        self.alerts_queue_url = self._subscribe_alerts_queue()

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
        """The function's handler as one Lambda instance: invocations run one at a time, since
        a handler module keeps per-request state on module-level objects (Powertools' `app`)."""
        with self._handlers_lock:
            if function not in self._handlers:
                self._handlers[function] = _one_at_a_time(self.stack.handler(function))
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
        self, method: str, url: str, headers: Mapping[str, str] | None = None, body: bytes = b""
    ) -> HttpResponse:
        parts = urlsplit(url)
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
                )
                result = self.handler(route.function)(event, LambdaContext())
                return _http_response(result)
        body_json = {
            "error": {"code": "not_found", "message": f"no route for {method} {parts.path}"}
        }
        return HttpResponse(
            404, {"content-type": "application/json"}, json.dumps(body_json).encode()
        )

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
        return url

    def received_alerts(self) -> list[ReceivedAlert]:
        """Alerts as a subscriber to the topic receives them (drains the subscriber queue)."""
        sqs = self._sqs
        alerts = []
        while True:
            batch = sqs.receive_message(
                QueueUrl=self.alerts_queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0
            ).get("Messages", [])
            if not batch:
                return alerts
            for message in batch:
                envelope = json.loads(message["Body"])
                attributes = {
                    k: v.get("Value") for k, v in envelope.get("MessageAttributes", {}).items()
                }
                alerts.append(
                    ReceivedAlert(
                        lead_id=attributes.get("leadId", ""),
                        stage=attributes.get("stage", ""),
                        urgency=attributes.get("urgency", ""),
                        subject=envelope.get("Subject") or "",
                        message=envelope.get("Message", ""),
                    )
                )
                sqs.delete_message(
                    QueueUrl=self.alerts_queue_url, ReceiptHandle=message["ReceiptHandle"]
                )

    def items(self) -> list[dict[str, Any]]:
        """Everything in the leads table (tests use it to prove a request wrote nothing)."""
        client = boto3.client("dynamodb", region_name=self.region)
        items: list[dict[str, Any]] = []
        for page in client.get_paginator("scan").paginate(TableName=runtime.settings().table_name):
            items.extend(page["Items"])
        return items


def _one_at_a_time(handler: Callable[[dict, Any], Any]) -> Callable[[dict, Any], Any]:
    # Reentrant: a test that calls a handler from inside the same handler must not hang.
    lock = threading.RLock()

    def invoke(event: dict, context: Any) -> Any:
        with lock:
            return handler(event, context)

    return invoke


def _http_response(result: Mapping[str, Any]) -> HttpResponse:
    headers = {k.lower(): str(v) for k, v in (result.get("headers") or {}).items()}
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers[name.lower()] = ", ".join(str(v) for v in values)
    body = result.get("body") or ""
    raw = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
    return HttpResponse(int(result.get("statusCode", 200)), headers, raw)
