"""The local stack's write-ahead journal: every write moto accepts is on disk before its caller
hears back, so a webhook that got its `202` survives a kill -9.

The journal sits in front of moto (see `moto_server`): each successful DynamoDB write request
(PutItem, UpdateItem, DeleteItem, BatchWriteItem, TransactWriteItems: the leads, their ledger,
alert markers and anything else the functions keep in the table) is appended as one JSON line
and fsynced before moto's answer goes back. A kept queue (the alert dead-letter queue) is
journaled as its whole content after each change, since its receipt handles cannot be replayed.
At start the lines after the snapshot's `journalThrough` are replayed on top of it; a snapshot
(`snapshot.save_snapshot`) then compacts them away, under `gate`, so that no write falls between
the table it scanned and the journal it truncated.
"""

from __future__ import annotations

import json
import os
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DYNAMODB_PREFIX = "DynamoDB_20120810."
DYNAMODB_WRITES = frozenset(
    {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}
)
SQS_PREFIX = "AmazonSQS."
SQS_CHANGES = frozenset(
    {"SendMessage", "SendMessageBatch", "DeleteMessage", "DeleteMessageBatch", "PurgeQueue"}
)
# What moto reads to know which service a replayed request is for (it checks no signature).
_REPLAY_AUTHORIZATION = (
    "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/dynamodb/aws4_request, "
    "SignedHeaders=host;x-amz-target, Signature=0"
)


@dataclass(frozen=True)
class Entry:
    seq: int
    document: dict[str, Any]


class Journal:
    """An append-only, fsynced file of the writes since the last snapshot."""

    def __init__(self, path: Path, queues: frozenset[str] = frozenset()) -> None:
        self.path = path
        self.queues = queues  # names of the queues whose content is kept
        self.gate = threading.Lock()  # held by each journaled write, and by a compaction
        self.recording = False  # off while the snapshot and the journal are replayed
        self.seq = 0
        self.appended = 0  # entries written by this run (the cost figures count them)
        self.written = 0  # the last seq whose line is written (perhaps not yet synced)
        self.synced = 0  # the last seq known to be on disk
        self._syncing = threading.Lock()  # one fsync at a time; it covers every line before it
        self._answering = threading.local()  # `deferring`: inside `answered_after_sync`
        self._file: Any = None

    # -- writing --------------------------------------------------------------------------------

    def start(self, seq: int) -> None:
        """Record from now on, numbering after `seq` (the last entry replayed or compacted)."""
        self.seq = self.written = self.synced = seq
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self.path.open("ab", buffering=0)
        _fsync_directory(self.path.parent)
        self.recording = True

    def append(self, document: dict[str, Any]) -> int:
        """One line, written (in moto's order) but not yet synced: call with `gate` held, then
        `sync(seq)` before answering. Returns its seq (0: not journaling)."""
        if self._file is None:
            return 0
        self.seq += 1
        line = json.dumps({"seq": self.seq, **document}, separators=(",", ":")) + "\n"
        self._file.write(line.encode())
        self.written = self.seq  # after the write: a sync that reads it covers this line
        self.appended += 1
        return self.seq

    def sync(self, seq: int) -> None:
        """Return once entry `seq` is on disk. Group commit: a writer that finds its line
        already covered by another's fsync does not fsync again, so concurrent webhooks share
        the disk's latency instead of queueing on it."""
        if seq <= self.synced:
            return
        with self._syncing:
            if seq <= self.synced or self._file is None:
                return  # synced meanwhile, or compacted into a snapshot (durable there)
            through = self.written
            os.fsync(self._file.fileno())
            self.synced = max(self.synced, through)

    @contextmanager
    def answered_after_sync(self) -> Iterator[None]:
        """For a caller that answers its own client (the HTTP server, around a function): the
        writes it makes inside are not synced one by one before moto answers them; leaving
        syncs every line written by then (its own, and any other it may have read). So the
        function's instance is free for the next request while the disk catches up, and
        requests in flight share one fsync; the caller answers only after leaving."""
        if self.deferring:
            yield
            return
        self._answering.deferring = True
        try:
            yield
        finally:
            self._answering.deferring = False
            self.sync(self.written)

    @property
    def deferring(self) -> bool:
        """Whether this thread's writes are synced later, by `answered_after_sync`."""
        return bool(getattr(self._answering, "deferring", False))

    def truncate(self) -> None:
        """Forget every entry (they are in the snapshot just written). Call with `gate` held."""
        if self._file is not None:
            self._file.truncate(0)
            os.fsync(self._file.fileno())
            self.synced = self.written = self.seq  # what was written is in the snapshot
        elif self.path.exists():
            with self.path.open("r+b") as file:
                file.truncate(0)
                os.fsync(file.fileno())

    def close(self) -> None:
        self.recording = False
        if self._file is not None:
            self._file.close()
            self._file = None

    # -- reading --------------------------------------------------------------------------------

    def entries(self, after: int = 0) -> Iterator[Entry]:
        """The entries numbered after `after`; a torn last line (a kill mid-write, never
        answered) is left out."""
        if not self.path.exists():
            return
        with self.path.open("rb") as file:
            for raw in file:
                if not raw.endswith(b"\n"):
                    return
                try:
                    document = json.loads(raw)
                except ValueError:
                    return
                seq = int(document.pop("seq"))
                if seq > after:
                    yield Entry(seq, document)


def dynamodb_entry(target: str, body: bytes) -> dict[str, Any]:
    return {"dynamodb": target.removeprefix(DYNAMODB_PREFIX), "body": body.decode()}


def replay_dynamodb(endpoint: str, entry: Entry) -> bool:
    """Send a journaled DynamoDB write to moto again, exactly as it was; whether it was taken."""
    request = urllib.request.Request(
        endpoint,
        data=entry.document["body"].encode(),
        method="POST",
        headers={
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": DYNAMODB_PREFIX + entry.document["dynamodb"],
            "Authorization": _REPLAY_AUTHORIZATION,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return bool(answer.status == 200)
    except OSError:  # HTTPError included: a write the replayed state refuses
        return False


def _fsync_directory(directory: Path) -> None:
    """A new file's name is durable only once its directory is synced (POSIX)."""
    if os.name != "posix":
        return
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
