"""The local stack's memory across restarts: alerts appended to a file, the table saved to
and restored from a snapshot."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import boto3

from leadwire.shell import runtime
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
        self._say(f"ALERT [{alert.urgency}] {alert.subject} (lead {alert.lead_id})")

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


def save_snapshot(sandbox: Sandbox, path: Path) -> int:
    """Write the table's items (DynamoDB JSON, as scanned) atomically; return how many."""
    items = sandbox.items()
    document = {"version": SNAPSHOT_VERSION, "items": items}
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(document), encoding="utf-8")
    os.replace(temporary, path)
    return len(items)


class SnapshotUnreadable(Exception):
    """The snapshot cannot be restored; the stack refuses to start rather than overwrite it."""


def load_snapshot(sandbox: Sandbox, path: Path) -> int:
    """Put a snapshot's items back into the (empty) table; return how many."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        version = document.get("version")
        items: list[dict[str, Any]] = document["items"]
    except (OSError, ValueError, AttributeError, KeyError) as e:
        raise SnapshotUnreadable(f"{path} cannot be read ({e}); move it aside to start") from e
    if version != SNAPSHOT_VERSION:
        raise SnapshotUnreadable(f"{path}: unknown snapshot version {version!r}")
    client = boto3.client("dynamodb", region_name=sandbox.region)
    table = runtime.settings().table_name
    for start in range(0, len(items), 25):  # BatchWriteItem's limit
        requests = [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]
        while requests:
            answer = client.batch_write_item(RequestItems={table: requests})
            requests = answer.get("UnprocessedItems", {}).get(table, [])
    return len(items)


def skip_stream_backlog(sandbox: Sandbox) -> int:
    """Move the alert trigger past every record on the stream without delivering them: a
    restored SQL lead was alerted in the run that scored it."""
    skipped = 0
    while batch := sandbox.trigger.reader.read():
        skipped += len(batch)
    return skipped
