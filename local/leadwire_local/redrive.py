"""`leadwire redrive`: replay the alert dead-letter queue once SNS (or whatever failed) is back.

Each message is what the stream trigger sends to its on-failure destination when a batch has
used up its retries. A deployed stack's message holds only the batch's coordinates
(`DDBStreamBatchInfo`: stream, shard, first and last sequence number), so the records are read
back from the stream (GetShardIterator AT_SEQUENCE_NUMBER + GetRecords; the stream keeps them
24 hours), passed through the trigger's filter, and the alert function is invoked with them in
the stream-event shape. The local stack's messages also carry the records themselves.

A message is deleted only after its replay succeeded; one that fails stays in the queue (made
visible again at once) for the next run. Replaying twice is harmless: the alert function sends
from the table's outbox, once per SQL transition, and never for an erased lead or one no longer
SQL. The sweeper sends pending alerts from the table anyway; a redrive only makes it sooner.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from leadwire_local.lambda_events import LambdaContext, stream_event
from leadwire_local.progress import on_a_terminal, progress
from leadwire_local.streams import matches

Record = dict[str, Any]
Replay = Callable[[list[Record], str], None]  # the records, their stream's ARN
Fetch = Callable[[Mapping[str, Any]], list[Record]]

VISIBILITY_SECONDS = 300  # long enough to replay one batch; a failure resets it to 0
_EMPTY_PAGES = 5  # GetRecords may return empty pages before the end of an open shard


class ReplayFailed(Exception):
    """The alert function did not take the batch (error, or items reported as failed)."""


@dataclass
class RedriveReport:
    replayed: int = 0  # messages replayed and deleted
    records: int = 0  # stream records handed to the function
    failed: int = 0  # messages kept for the next run
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "replayed": self.replayed,
            "records": self.records,
            "failed": self.failed,
            "errors": self.errors,
        }

    def summary(self) -> str:
        line = f"replayed {self.replayed} message(s), {self.records} record(s); {self.failed} kept"
        return "\n".join([line, *(f"  kept: {e}" for e in self.errors)])


def redrive(
    sqs: Any,
    queue_url: str,
    replay: Replay,
    fetch: Fetch,
    filters: Sequence[Mapping[str, Any]] = (),
    limit: int = 1000,
) -> RedriveReport:
    """Replay up to `limit` dead-lettered batches; delete each message only after its replay."""
    report = RedriveReport()
    kept: list[str] = []
    seen: set[str] = set()

    def messages() -> Iterator[dict[str, Any]]:
        while report.replayed + report.failed < limit:
            received = sqs.receive_message(
                QueueUrl=queue_url,
                MaxNumberOfMessages=10,
                VisibilityTimeout=VISIBILITY_SECONDS,
                WaitTimeSeconds=0,
            ).get("Messages", [])
            fresh = [m for m in received if m["MessageId"] not in seen]
            if not fresh:
                return
            yield from fresh

    waiting = _waiting(sqs, queue_url) if on_a_terminal() else None
    for message in progress(messages(), "redriving", "message", waiting):
        seen.add(message["MessageId"])
        try:
            info = json.loads(message["Body"])
            batch = info["DDBStreamBatchInfo"]
            records = info.get("records") or fetch(batch)
            wanted = [r for r in records if not filters or any(matches(f, r) for f in filters)]
            if wanted:
                replay(wanted, batch["streamArn"])
        except Exception as e:  # any failure: keep the message, report why, go on
            report.failed += 1
            report.errors.append(f"{message['MessageId']}: {type(e).__name__}: {e}")
            kept.append(message["ReceiptHandle"])
            continue
        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        report.replayed += 1
        report.records += len(wanted)
    for handle in kept:  # visible again now, for the next run
        sqs.change_message_visibility(QueueUrl=queue_url, ReceiptHandle=handle, VisibilityTimeout=0)
    return report


def _waiting(sqs: Any, queue_url: str) -> int | None:
    """How many messages the queue holds (SQS's approximate count), for the bar's total."""
    try:
        found = sqs.get_queue_attributes(
            QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages"]
        )
        return int(found["Attributes"]["ApproximateNumberOfMessages"]) or None
    except Exception:  # only a bar's total: never a reason to fail the redrive
        return None


def stream_fetch(streams: Any) -> Fetch:
    """Read a dead-lettered batch back from the stream by its coordinates."""

    def fetch(batch: Mapping[str, Any]) -> list[Record]:
        first, last = int(batch["startSequenceNumber"]), int(batch["endSequenceNumber"])
        iterator = streams.get_shard_iterator(
            StreamArn=batch["streamArn"],
            ShardId=batch["shardId"],
            ShardIteratorType="AT_SEQUENCE_NUMBER",
            SequenceNumber=str(batch["startSequenceNumber"]),
        )["ShardIterator"]
        records: list[Record] = []
        empty = 0
        while iterator and empty < _EMPTY_PAGES:
            page = streams.get_records(ShardIterator=iterator, Limit=1000)
            for record in page["Records"]:
                number = int(record["dynamodb"]["SequenceNumber"])
                if number > last:
                    return records
                if number >= first:
                    records.append(record)
            empty = 0 if page["Records"] else empty + 1
            iterator = page.get("NextShardIterator")
        if not records:
            raise LookupError(
                f"no records {first}..{last} on shard {batch['shardId']} (older than the "
                "stream's 24 h retention?)"
            )
        return records

    return fetch


def handler_replay(handler: Callable[[dict, Any], Any]) -> Replay:
    """Replay into a handler in this process (the local stack's alert function)."""

    def replay(records: list[Record], stream_arn: str) -> None:
        _check(handler(stream_event(records, stream_arn), LambdaContext()))

    return replay


def lambda_replay(client: Any, function_name: str) -> Replay:
    """Replay by invoking the deployed alert function with the stream-event shape."""

    def replay(records: list[Record], stream_arn: str) -> None:
        event = {"Records": [lambda_record(r, stream_arn) for r in records]}
        answer = client.invoke(
            FunctionName=function_name,
            InvocationType="RequestResponse",
            Payload=json.dumps(event).encode(),
        )
        payload = answer["Payload"].read()
        if answer.get("FunctionError"):
            raise ReplayFailed(f"{answer['FunctionError']}: {payload[:500]!r}")
        _check(json.loads(payload) if payload else None)

    return replay


def lambda_record(record: Record, stream_arn: str) -> Record:
    """A GetRecords record as Lambda delivers it: JSON numbers for times, the stream's ARN."""
    dynamodb = dict(record["dynamodb"])
    created = dynamodb.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        dynamodb["ApproximateCreationDateTime"] = created.timestamp()
    return {**record, "dynamodb": dynamodb, "eventSourceARN": stream_arn}


def _check(response: Any) -> None:
    failures = response.get("batchItemFailures") if isinstance(response, Mapping) else None
    if failures:
        raise ReplayFailed(f"{len(failures)} record(s) failed again")


def template_filters(template: Any, function: str, event: str) -> list[dict[str, Any]]:
    """The trigger's filter patterns as template.yaml declares them."""
    props = template.function(function).events[event]["Properties"]
    return [json.loads(f["Pattern"]) for f in props.get("FilterCriteria", {}).get("Filters", [])]
