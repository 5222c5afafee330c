"""The local stack's memory across restarts: alerts appended to a file, the table (and the kept
queues) saved to and restored from a snapshot, and the journal of the writes since then
(`journal.py`) replayed on top of it."""

from __future__ import annotations

import json
import os
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from leadwire.shell import runtime
from leadwire_local import botocore_patches, moto_patches
from leadwire_local.journal import Journal, replay_dynamodb
from leadwire_local.moto_server import MOTO_LOCK, queue_messages
from leadwire_local.sandbox import ReceivedAlert, Sandbox
from leadwire_local.terminal import Say, say

SNAPSHOT_VERSION = 1


class AlertLog:
    """Every alert as one readable terminal line and one JSON line in `alerts.jsonl`."""

    def __init__(self, path: Path, say: Say = say) -> None:
        self.path = path
        self._say = say

    def record(self, alert: ReceivedAlert) -> None:
        with self.path.open("a", encoding="utf-8") as file:
            file.write(json.dumps(alert.as_line()) + "\n")
        to = f" to {alert.owner}" if alert.owner else ""
        what = "ESCALATION" if alert.kind == "escalation" else "ALERT"
        self._say(f"{what} [{alert.urgency}]{to} {alert.subject} (lead {alert.lead_id})")
        for line in alert.message.splitlines():
            self._say(f"  email | {line}")
        self._say(f"  sms   | {alert.sms_text} ({len(alert.sms_text)} chars)")
        self._say(
            f"  slack | {len(alert.slack.get('blocks', []))} blocks: {alert.slack.get('text', '')}"
        )

    def forget(self, lead_id: str) -> int:
        """Remove an erased lead's alert lines (the file is rewritten atomically); how many."""
        if not self.path.exists():
            return 0
        lines = self.path.read_text(encoding="utf-8").splitlines(keepends=True)
        kept = [line for line in lines if not _is_alert_for(line, lead_id)]
        if len(kept) != len(lines):
            temporary = self.path.with_name(self.path.name + ".tmp")
            temporary.write_text("".join(kept), encoding="utf-8")
            os.replace(temporary, self.path)
        return len(lines) - len(kept)


def _is_alert_for(line: str, lead_id: str) -> bool:
    try:
        return bool(json.loads(line).get("leadId") == lead_id)
    except (ValueError, AttributeError):
        return False


def save_snapshot(sandbox: Sandbox, path: Path, journal: Journal | None = None) -> int:
    """Write the table's items (DynamoDB JSON, as scanned) atomically and durably; return how
    many. With a journal, also its kept queues, and the journal is compacted into the
    snapshot: no write is taken between the scan and the truncation."""
    with journal.gate if journal is not None else nullcontext():
        items = table_items(sandbox)
        document: dict[str, Any] = {"version": SNAPSHOT_VERSION, "items": items}
        if journal is not None:
            with MOTO_LOCK:
                document["queues"] = {q: queue_messages(q) for q in sorted(journal.queues)}
            document["journalThrough"] = journal.seq
        temporary = path.with_name(path.name + ".tmp")
        with temporary.open("w", encoding="utf-8") as file:
            json.dump(document, file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
        if journal is not None:
            journal.truncate()
    return len(items)


def table_items(sandbox: Sandbox) -> list[dict[str, Any]]:
    """The table's items exactly as a Scan through boto3 returns them (`Sandbox.items`), read
    from moto's table when it is in this process: the Scan walked every item through botocore
    and moto's serializers (and re-sorted the table for every 1 MB page) while writes waited
    on the journal's gate: 15% of a 40 s burst's CPU, every 30 s. Anything unusual: scanned."""
    with MOTO_LOCK:
        sent = moto_patches.items_as_sent(runtime.settings().table_name, sandbox.region)
        read = None if sent is None else [botocore_patches.item_as_read(item) for item in sent]
    if read is None or any(item is None for item in read):
        return sandbox.items()
    return [item for item in read if item is not None]


class SnapshotUnreadable(Exception):
    """The snapshot cannot be restored; the stack refuses to start rather than overwrite it."""


def load_snapshot(sandbox: Sandbox, path: Path) -> int:
    """Put a snapshot's items (and kept queues' messages) back into the empty stack; return
    how many items."""
    document = _read(path)
    items: list[dict[str, Any]] = document["items"]
    client = boto3.client("dynamodb", region_name=sandbox.region)
    table = runtime.settings().table_name
    for start in range(0, len(items), 25):  # BatchWriteItem's limit
        requests = [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]
        while requests:
            answer = client.batch_write_item(RequestItems={table: requests})
            requests = answer.get("UnprocessedItems", {}).get(table, [])
    for queue, messages in (document.get("queues") or {}).items():
        restore_queue(sandbox, queue, messages)
    return len(items)


def _read(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        version = document.get("version")
        document["items"]  # noqa: B018 - a snapshot without items is not one
    except (OSError, ValueError, AttributeError, KeyError, TypeError) as e:
        raise SnapshotUnreadable(f"{path} cannot be read ({e}); move it aside to start") from e
    if version != SNAPSHOT_VERSION:
        raise SnapshotUnreadable(f"{path}: unknown snapshot version {version!r}")
    return dict(document)


def journal_through(path: Path) -> int:
    """The last journal entry a snapshot holds (0: none, or no snapshot)."""
    return int(_read(path).get("journalThrough") or 0) if path.exists() else 0


def restore_queue(sandbox: Sandbox, name: str, messages: list[dict[str, Any]]) -> None:
    """Make a kept queue hold exactly these messages again (visible, in their order)."""
    sqs = boto3.client("sqs", region_name=sandbox.region)
    url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    sqs.purge_queue(QueueUrl=url)
    for message in messages:
        extra = {"MessageAttributes": message["attributes"]} if message.get("attributes") else {}
        sqs.send_message(QueueUrl=url, MessageBody=message["body"], **extra)


@dataclass(frozen=True)
class Recovery:
    writes: int  # journaled writes replayed
    refused: int  # of those, writes the restored state refused (none, when all is well)
    last_seq: int  # the last entry read


def replay_journal(sandbox: Sandbox, journal: Journal, after: int) -> Recovery:
    """Apply the journal's entries after `after` (the snapshot's) in order: DynamoDB writes are
    sent to moto again as they were, a kept queue takes its last recorded content."""
    writes = refused = 0
    last = after
    queues: dict[str, list[dict[str, Any]]] = {}
    endpoint = os.environ["AWS_ENDPOINT_URL"]
    for entry in journal.entries(after):
        last = entry.seq
        if "dynamodb" in entry.document:
            writes += 1
            refused += 0 if replay_dynamodb(endpoint, entry) else 1
        elif "queue" in entry.document:
            writes += 1
            queues[entry.document["queue"]] = entry.document["messages"]
    for name, messages in queues.items():
        restore_queue(sandbox, name, messages)
    return Recovery(writes, refused, last)


def skip_stream_backlog(sandbox: Sandbox) -> int:
    """Move the alert trigger past every record on the stream without delivering them: a
    restored SQL lead was alerted in the run that scored it."""
    skipped = 0
    while batch := sandbox.trigger.reader.read():
        skipped += len(batch)
    return skipped
