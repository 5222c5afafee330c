"""A DynamoDB stream batch with partial failures, as Lambda's `ReportBatchItemFailures` reads it.

Powertools' `BatchProcessor(EventType.DynamoDBStreams)` + `process_partial_response` is the
model and its contract is kept: each record handled on its own, a failed one logged and named by
its sequence number in `batchItemFailures` (Lambda retries from there), and a batch whose every
record failed raised, so Lambda retries it whole. Importing the Powertools batch utility loads
asyncio and every event data class: ~30 ms of CPU at each cold start of the alert function.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from functools import cached_property
from typing import Any

_log = logging.getLogger("leadwire")


class StreamBatchFailed(Exception):
    """Every record of the batch failed: Lambda retries the batch (Powertools'
    BatchProcessingError)."""


class StreamRecord:
    """One stream record: its ids and its new image, deserialized (numbers as Decimal)."""

    def __init__(self, record: Mapping[str, Any]) -> None:
        self.raw = record
        self._change: Mapping[str, Any] = record.get("dynamodb") or {}

    @property
    def event_id(self) -> str | None:
        return self.raw.get("eventID")

    @property
    def sequence_number(self) -> str | None:
        return self._change.get("SequenceNumber")

    @cached_property
    def new_image(self) -> dict[str, Any]:
        from boto3.dynamodb.types import TypeDeserializer  # loaded with the store already

        reader = TypeDeserializer()
        image = self._change.get("NewImage") or {}
        return {name: reader.deserialize(value) for name, value in image.items()}


def process_stream_batch(
    event: Mapping[str, Any], handle: Callable[[StreamRecord], None]
) -> dict[str, list[dict[str, str | None]]]:
    """Handle each record; the failed ones' sequence numbers for Lambda to retry from."""
    records = [StreamRecord(r) for r in event.get("Records") or []]
    failures: list[dict[str, str | None]] = []
    for record in records:
        try:
            handle(record)
        except Exception as error:
            # A fault the retry is for (SNS down, throttling): one line saying which record and
            # why, as Powertools' batch processor had it, not a traceback per attempt.
            _log.warning(
                "stream record failed",
                extra={
                    "sequence": record.sequence_number,
                    "error": f"{type(error).__name__}: {error}",
                },
            )
            failures.append({"itemIdentifier": record.sequence_number})
    if records and len(failures) == len(records):
        raise StreamBatchFailed(f"all {len(records)} records failed; the batch is retried")
    return {"batchItemFailures": failures}
