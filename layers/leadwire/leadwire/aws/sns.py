"""SNS: the topic sales' e-mail and SMS subscriptions hang off."""

from __future__ import annotations

import json
from typing import Any

from leadwire.domain.alert_text import Alert


def sns_client() -> Any:
    import boto3

    return boto3.client("sns")


class SnsAlertPublisher:
    """One SNS message per alert; `urgency` as a message attribute for filter policies
    (SMS subscribers take only `high`), and a short text for SMS via MessageStructure."""

    def __init__(self, topic_arn: str, client: Any = None) -> None:
        self.topic_arn = topic_arn
        self._client = client if client is not None else sns_client()

    def publish(self, alert: Alert) -> str:
        response = self._client.publish(
            TopicArn=self.topic_arn,
            Subject=alert.subject,
            MessageStructure="json",
            Message=json.dumps(
                {"default": alert.message, "email": alert.message, "sms": alert.sms}
            ),
            MessageAttributes={
                "urgency": {"DataType": "String", "StringValue": alert.urgency.value},
                "stage": {"DataType": "String", "StringValue": alert.stage.value},
                "leadId": {"DataType": "String", "StringValue": alert.lead_id},
            },
        )
        return str(response["MessageId"])
