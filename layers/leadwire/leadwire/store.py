"""DynamoDB storage: the only module that knows key shapes and item layout.

One table, one partition per lead: `LEAD#<id>` holds the profile item (`PROFILE`), one ledger
item per scored event (`EVENT#<event id>`, which is also the permanent dedupe key) and the
alert markers (`ALERT#<lead version>`). A lead and its whole history are one Query away.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from leadwire.errors import AlertInFlight, DuplicateEvent, StorageUnavailable, VersionConflict
from leadwire.models import Lead, LedgerEntry, Outcome

PROFILE = "PROFILE"
EVENT_PREFIX = "EVENT#"
ALERT_PREFIX = "ALERT#"
ALERT_LEASE_SECONDS = 120

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


class LeadStore(Protocol):
    def load(self, lead_id: str) -> Lead | None: ...

    def record(self, outcome: Outcome, expected_version: int) -> Lead:
        """Write the ledger entry and the lead at once; DuplicateEvent / VersionConflict."""
        ...

    def ledger(self, lead_id: str) -> list[LedgerEntry]: ...


class AlertMarkers(Protocol):
    def claim(self, lead_id: str, marker: str, now: datetime) -> bool:
        """True when this caller should send the alert; False when it was already sent."""
        ...

    def confirm(self, lead_id: str, marker: str, message_id: str, now: datetime) -> None: ...

    def release(self, lead_id: str, marker: str) -> None: ...


def lead_pk(lead_id: str) -> str:
    return f"LEAD#{lead_id}"


def lead_item(lead: Lead) -> dict[str, Any]:
    return {"pk": lead_pk(lead.lead_id), "sk": PROFILE, "entity": "lead", **_plain(lead)}


def ledger_item(lead_id: str, entry: LedgerEntry) -> dict[str, Any]:
    return {
        "pk": lead_pk(lead_id),
        "sk": EVENT_PREFIX + entry.event_id,
        "entity": "ledger",
        **_plain(entry),
    }


def lead_from_item(item: dict[str, Any]) -> Lead:
    """A lead from a stored item (also a stream NewImage, already deserialized)."""
    return Lead.model_validate(item)


class DynamoLeadStore:
    """LeadStore and AlertMarkers on one DynamoDB table."""

    def __init__(self, table_name: str, client: Any = None) -> None:
        if client is None:
            import boto3

            client = boto3.client(
                "dynamodb",
                config=Config(
                    retries={"mode": "standard", "max_attempts": 3},
                    connect_timeout=2,
                    read_timeout=5,
                ),
            )
        self.table_name = table_name
        self._client = client

    # -- leads and ledger ------------------------------------------------------------------

    def load(self, lead_id: str) -> Lead | None:
        with _storage_errors():
            response = self._client.get_item(
                TableName=self.table_name,
                Key=_typed({"pk": lead_pk(lead_id), "sk": PROFILE}),
                ConsistentRead=True,
            )
        item = response.get("Item")
        return lead_from_item(_untyped(item)) if item else None

    def record(self, outcome: Outcome, expected_version: int) -> Lead:
        lead = outcome.lead.model_copy(update={"version": expected_version + 1})
        if expected_version == 0:
            lead_condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(pk)"}
        else:
            lead_condition = {
                "ConditionExpression": "#version = :expected",
                "ExpressionAttributeNames": {"#version": "version"},
                "ExpressionAttributeValues": _typed({":expected": expected_version}),
            }
        try:
            self._client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self.table_name,
                            "Item": _typed(ledger_item(lead.lead_id, outcome.entry)),
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    {
                        "Put": {
                            "TableName": self.table_name,
                            "Item": _typed(lead_item(lead)),
                            **lead_condition,
                        }
                    },
                ]
            )
        except ClientError as e:
            if e.response["Error"]["Code"] != "TransactionCanceledException":
                raise StorageUnavailable(f"the lead could not be stored: {_code(e)}") from e
            reasons = [r.get("Code") for r in e.response.get("CancellationReasons", [])]
            if not reasons:  # some emulators only put the reasons in the message
                reasons = _reasons_from_message(e.response["Error"].get("Message", ""))
            if reasons[:1] == ["ConditionalCheckFailed"]:
                raise DuplicateEvent(outcome.entry.event_id) from e
            if "ConditionalCheckFailed" in reasons or "TransactionConflict" in reasons:
                raise VersionConflict(lead.lead_id) from e
            raise StorageUnavailable(f"the lead could not be stored: {reasons}") from e
        except BotoCoreError as e:
            raise StorageUnavailable(f"the lead could not be stored: {type(e).__name__}") from e
        return lead

    def ledger(self, lead_id: str) -> list[LedgerEntry]:
        entries = [
            LedgerEntry.model_validate(item)
            for item in self._query_partition(lead_id, EVENT_PREFIX)
        ]
        return sorted(entries, key=lambda e: (e.at, e.event_id))

    def _query_partition(self, lead_id: str, prefix: str) -> Iterator[dict[str, Any]]:
        paginator = self._client.get_paginator("query")
        with _storage_errors():
            pages = paginator.paginate(
                TableName=self.table_name,
                KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
                ExpressionAttributeValues=_typed({":pk": lead_pk(lead_id), ":prefix": prefix}),
                ConsistentRead=True,
            )
            for page in pages:
                yield from (_untyped(item) for item in page.get("Items", []))

    # -- alert markers -----------------------------------------------------------------------

    def claim(self, lead_id: str, marker: str, now: datetime) -> bool:
        key = {"pk": lead_pk(lead_id), "sk": ALERT_PREFIX + marker}
        try:
            self._client.put_item(
                TableName=self.table_name,
                Item=_typed(
                    {
                        **key,
                        "entity": "alert",
                        "status": "sending",
                        "claimedAt": int(now.timestamp()),
                    }
                ),
                # A released claim is free again; one left by a crashed invocation expires
                # after the lease.
                ConditionExpression="attribute_not_exists(pk) OR #status = :released OR "
                "(#status = :sending AND claimedAt < :stale)",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=_typed(
                    {
                        ":sending": "sending",
                        ":released": "released",
                        ":stale": int(now.timestamp()) - ALERT_LEASE_SECONDS,
                    }
                ),
            )
            return True
        except ClientError as e:
            if e.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise StorageUnavailable(f"alert marker: {_code(e)}") from e
        with _storage_errors():
            existing = self._client.get_item(
                TableName=self.table_name, Key=_typed(key), ConsistentRead=True
            ).get("Item")
        if existing and _untyped(existing).get("status") == "sent":
            return False
        raise AlertInFlight(f"{lead_id}/{marker}")

    def confirm(self, lead_id: str, marker: str, message_id: str, now: datetime) -> None:
        with _storage_errors():
            self._client.update_item(
                TableName=self.table_name,
                Key=_typed({"pk": lead_pk(lead_id), "sk": ALERT_PREFIX + marker}),
                UpdateExpression="SET #status = :sent, messageId = :id, sentAt = :at",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=_typed(
                    {":sent": "sent", ":id": message_id, ":at": now.isoformat()}
                ),
            )

    def release(self, lead_id: str, marker: str) -> None:
        """Free the claim after a failed publish (an update, so the function needs no delete)."""
        try:
            self._client.update_item(
                TableName=self.table_name,
                Key=_typed({"pk": lead_pk(lead_id), "sk": ALERT_PREFIX + marker}),
                UpdateExpression="SET #status = :released",
                ConditionExpression="#status = :sending",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=_typed({":sending": "sending", ":released": "released"}),
            )
        except ClientError as e:
            if e.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise StorageUnavailable(f"alert marker: {_code(e)}") from e


@contextmanager
def _storage_errors() -> Iterator[None]:
    """Any AWS failure while reading or writing is StorageUnavailable (a 503, retried)."""
    try:
        yield
    except ClientError as e:
        raise StorageUnavailable(f"storage failed: {_code(e)}") from e
    except BotoCoreError as e:
        raise StorageUnavailable(f"storage failed: {type(e).__name__}") from e


def _plain(model: Lead | LedgerEntry) -> dict[str, Any]:
    """JSON-shaped attributes with numbers as Decimal, which DynamoDB requires."""
    return json.loads(model.model_dump_json(by_alias=True), parse_float=Decimal)


def _typed(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _serializer.serialize(v) for k, v in item.items()}


def _untyped(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _deserializer.deserialize(v) for k, v in item.items()}


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", "unknown"))


def _reasons_from_message(message: str) -> list[str | None]:
    inside = message[message.rfind("[") + 1 : message.rfind("]")] if "[" in message else ""
    return [None if r.strip() == "None" else r.strip() for r in inside.split(",") if r.strip()]
