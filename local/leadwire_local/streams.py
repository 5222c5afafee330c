"""A DynamoDB stream trigger as Lambda runs it, for moto: read the table's real stream,
apply the template's filter criteria, invoke the handler in batches, honour reported item
failures with the template's retry cap, and park what still fails in the on-failure queue."""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3

from leadwire_local.lambda_events import LambdaContext, stream_event
from leadwire_local.template import Stack

Handler = Callable[[dict, Any], Any]


def matches(pattern: Mapping[str, Any], data: Any) -> bool:
    """Lambda event filtering (EventBridge pattern syntax): values, anything-but, exists, prefix."""
    for key, rule in pattern.items():
        present = isinstance(data, Mapping) and key in data
        value = data[key] if present else None
        if isinstance(rule, Mapping):
            if not present or not matches(rule, value):
                return False
        elif isinstance(rule, list):
            if not any(_matches_value(r, value, present) for r in rule):
                return False
    return True


def _matches_value(rule: Any, value: Any, present: bool) -> bool:
    if isinstance(rule, Mapping):
        if "exists" in rule:
            return present == bool(rule["exists"])
        if not present:
            return False
        if "anything-but" in rule:
            excluded = rule["anything-but"]
            return value not in (excluded if isinstance(excluded, list) else [excluded])
        if "prefix" in rule:
            return isinstance(value, str) and value.startswith(rule["prefix"])
        return False
    return present and value == rule


class StreamReader:
    """Follows every shard of a stream from its start (TRIM_HORIZON).

    It remembers the last sequence number read, not the shard iterator: moto 5.2.5 rolls back a
    cancelled transaction by swapping in a copy of the table, and an iterator handed out before
    still points at the discarded shard, so every later record would be missed."""

    def __init__(self, stream_arn: str, region: str = "us-east-1") -> None:
        self.stream_arn = stream_arn
        # botocore >= 1.44 addresses streams at <account>.streams-ddb.<region>..., a host
        # moto 5.2.5 does not intercept; the regional endpoint reaches the same API.
        endpoint = os.environ.get("AWS_ENDPOINT_URL") or (
            f"https://streams.dynamodb.{region}.amazonaws.com"
        )
        self.client = boto3.client("dynamodbstreams", region_name=region, endpoint_url=endpoint)
        self._last_read: dict[str, str | None] = {}  # shard id -> last sequence number read

    def read(self, keep: Callable[[dict[str, Any]], bool] | None = None) -> list[dict[str, Any]]:
        """The records since the last read; with `keep`, only those it keeps (the others are
        read past all the same)."""
        shard = _moto_shard(self.stream_arn)
        if shard is not None:
            return self._read_shard(shard, keep)
        shards = self.client.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]
        records: list[dict[str, Any]] = []
        for shard in shards["Shards"]:
            shard_id = shard["ShardId"]
            last = self._last_read.get(shard_id)
            position: dict[str, str] = (
                {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": last}
                if last
                else {"ShardIteratorType": "TRIM_HORIZON"}
            )
            iterator = self.client.get_shard_iterator(
                StreamArn=self.stream_arn, ShardId=shard_id, **position
            )["ShardIterator"]
            page = self.client.get_records(ShardIterator=iterator, Limit=1000)["Records"]
            if page:
                self._last_read[shard_id] = page[-1]["dynamodb"]["SequenceNumber"]
            records.extend(r for r in page if keep is None or keep(r))
        return records

    def _read_shard(
        self, shard: Any, keep: Callable[[dict[str, Any]], bool] | None
    ) -> list[dict[str, Any]]:
        """moto's records straight from its backend, as GetRecords would return them: the
        API's response serializer cost more than the rest of the local stack's webhook. Only
        the kept ones are copied out of moto (most records pass no filter)."""
        last = self._last_read.get(shard.id)
        start = int(last) + 1 if last else shard.starting_sequence_number
        offset = max(0, start - shard.starting_sequence_number)
        raw = [r.to_json() for r in shard.items[offset : offset + 1000]]
        if raw:
            self._last_read[shard.id] = raw[-1]["dynamodb"]["SequenceNumber"]
        page = [copy.deepcopy(r) for r in raw if keep is None or keep(r)]
        for record in page:  # boto3 hands out an aware datetime; moto keeps a naive UTC one
            created = record["dynamodb"].get("ApproximateCreationDateTime")
            if isinstance(created, datetime) and created.tzinfo is None:
                record["dynamodb"]["ApproximateCreationDateTime"] = created.replace(tzinfo=UTC)
        return page

    @property
    def consumed_through(self) -> int | None:
        """The highest sequence number read so far (what may be trimmed from the stream)."""
        numbers = [int(n) for n in self._last_read.values() if n]
        return max(numbers) if numbers else None


@dataclass
class StreamTrigger:
    """One stream event source mapping from the template (its batch size, filters, retry cap,
    item-failure reporting and on-failure destination)."""

    stack: Stack
    function: str
    event: str
    handler: Handler
    region: str = "us-east-1"
    failures: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        props = self.stack.template.function(self.function).events[self.event]["Properties"]
        self.stream_arn = str(self.stack.resolve(props["Stream"]))
        self.batch_size = int(props.get("BatchSize", 100))
        self.max_retries = int(props.get("MaximumRetryAttempts", -1))
        self.reports_items = "ReportBatchItemFailures" in props.get("FunctionResponseTypes", [])
        on_failure = props.get("DestinationConfig", {}).get("OnFailure", {})
        self.dead_letter_arn = (
            str(self.stack.resolve(on_failure["Destination"])) if on_failure else None
        )
        self.filters = self.stack.stream_filters(self.function, self.event)
        self.reader = StreamReader(self.stream_arn, self.region)

    def poll(self) -> int:
        """Deliver every new record that passes the filters; return how many were delivered."""
        wanted = self.reader.read(keep=self._passes)
        for start in range(0, len(wanted), self.batch_size):
            self.deliver(wanted[start : start + self.batch_size])
        return len(wanted)

    def _passes(self, record: dict[str, Any]) -> bool:
        return not self.filters or any(matches(f, record) for f in self.filters)

    def deliver(self, records: list[dict[str, Any]]) -> None:
        """Invoke with retries as Lambda would; what is still failing goes to the destination."""
        pending = records
        attempts = 0
        while pending:
            failed = self._invoke(pending)
            if not failed:
                return
            attempts += 1
            if self.max_retries >= 0 and attempts > self.max_retries:
                self._park(failed)
                return
            pending = failed

    def _invoke(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        try:
            response = self.handler(stream_event(records, self.stream_arn), LambdaContext())
        except Exception:
            return records  # a function error fails the whole batch
        if not self.reports_items or not isinstance(response, Mapping):
            return []
        failed_ids = {f.get("itemIdentifier") for f in response.get("batchItemFailures", [])}
        if not failed_ids:
            return []
        # Lambda retries from the first reported failure onwards.
        sequence = [r["dynamodb"]["SequenceNumber"] for r in records]
        first = min(sequence.index(i) for i in failed_ids if i in sequence)
        return records[first:]

    def _park(self, records: list[dict[str, Any]]) -> None:
        """The invocation record Lambda sends to an on-failure destination for streams."""
        info = {
            "requestContext": {
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": self.max_retries + 1,
                "functionArn": self.stack.ref(self.function),
            },
            "DDBStreamBatchInfo": {
                "shardId": records[0].get("dynamodb", {}).get("ShardId", "local"),
                "startSequenceNumber": records[0]["dynamodb"]["SequenceNumber"],
                "endSequenceNumber": records[-1]["dynamodb"]["SequenceNumber"],
                "batchSize": len(records),
                "streamArn": self.stream_arn,
            },
            "timestamp": datetime.now(UTC).isoformat(),
            # Lambda sends only the batch's coordinates; the local stack adds the records
            # themselves, so `leadwire redrive` works after the stream has been trimmed.
            "records": records,
        }
        self.failures.append(info)
        if self.dead_letter_arn:
            sqs = boto3.client("sqs", region_name=self.region)
            name = self.dead_letter_arn.rsplit(":", 1)[1]
            url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
            sqs.send_message(QueueUrl=url, MessageBody=json.dumps(info, default=str))


def _moto_shard(stream_arn: str) -> Any:
    """The stream's shard in moto's backend when moto runs in this process (the local stack,
    and tests under mock_aws); None when the table is elsewhere (another process, or AWS)."""
    try:
        from moto.dynamodb.models import dynamodb_backends
    except ImportError:
        return None
    parts = stream_arn.split(":", 5)
    if len(parts) < 6 or "/stream/" not in parts[5]:
        return None
    region, account = parts[3], parts[4]
    table_name = parts[5].removeprefix("table/").split("/stream/", 1)[0]
    if account not in dynamodb_backends or region not in dynamodb_backends[account]:
        return None
    table = dynamodb_backends[account][region].tables.get(table_name)
    if table is None or table.latest_stream_label != stream_arn.rsplit("/stream/", 1)[1]:
        return None
    return table.stream_shard
