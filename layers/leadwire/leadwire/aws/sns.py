"""SNS: the topic sales' e-mail and SMS subscriptions hang off."""

from __future__ import annotations

import json
from typing import Any

from botocore.config import Config

from leadwire.domain.alert_text import Alert
from leadwire.domain.outbox import Addressee

# At most 3 attempts of (2 s connect + 5 s read) plus backoff: about 22 s, inside the alert
# function's 30 s timeout, so a slow SNS fails the publish (and releases the claim) rather than
# the invocation. botocore's defaults (60 s read, 5 attempts) would outlast the function.
CONNECT_TIMEOUT = 2
READ_TIMEOUT = 5
ATTEMPTS = 3


def sns_client() -> Any:
    import boto3

    config = Config(
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
        retries={"mode": "standard", "total_max_attempts": ATTEMPTS},
    )
    return boto3.client("sns", config=config)


class SnsAlertPublisher:
    """One SNS message per alert; `urgency` and `sms` as message attributes for filter policies
    (the SMS subscription takes only `urgency: high` with `sms: yes`, so an alert past the SMS
    budget goes by e-mail only), and each protocol's text via MessageStructure: the e-mail's
    body, the SMS (one segment), and for a queue subscriber (the local stack's, or a tool's)
    every channel's rendering as one JSON document.

    Addressing is by attributes too: `owner` (the rep id), `queue` and `kind` (`sql` or
    `escalation`). A rep's own subscriptions filter on `owner` (`leadwire subscriptions`
    creates them from the rules file); a subscription without an owner filter is the team's
    channel and gets every alert."""

    def __init__(self, topic_arn: str, client: Any = None) -> None:
        self.topic_arn = topic_arn
        self._client = client if client is not None else sns_client()

    def publish(self, alert: Alert, sms: bool = True, to: Addressee | None = None) -> str:
        to = to or Addressee()
        addressing = {
            name: {"DataType": "String", "StringValue": value}
            for name, value in (("owner", to.owner), ("queue", to.queue), ("kind", to.kind))
            if value
        }
        response = self._client.publish(
            TopicArn=self.topic_arn,
            Subject=alert.subject,
            MessageStructure="json",
            Message=json.dumps(
                {
                    "default": alert.message,
                    "email": alert.message,
                    "sms": alert.sms,
                    "sqs": json.dumps(channel_texts(alert)),
                }
            ),
            MessageAttributes={
                "urgency": {"DataType": "String", "StringValue": alert.urgency.value},
                "stage": {"DataType": "String", "StringValue": alert.stage.value},
                "leadId": {"DataType": "String", "StringValue": alert.lead_id},
                "sms": {"DataType": "String", "StringValue": "yes" if sms else "no"},
                **addressing,
            },
        )
        return str(response["MessageId"])


def channel_texts(alert: Alert) -> dict[str, Any]:
    """Every channel's rendering: what `alerts.jsonl` shows locally."""
    return {
        "email": {"subject": alert.subject, "body": alert.message},
        "sms": alert.sms,
        "slack": alert.slack,
    }
