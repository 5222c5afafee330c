"""moto as the local stack runs it: one server on loopback, answering one request at a time,
with boto3 in this process pointed at it (and only ever fake credentials)."""

from __future__ import annotations

import io
import json
import logging
import os
import threading
from collections.abc import Iterable
from typing import Any

from moto import __version__ as moto_version
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from moto.server import ThreadedMotoServer
from werkzeug.serving import make_server

from leadwire_local import moto_patches
from leadwire_local.journal import (
    DYNAMODB_PREFIX,
    DYNAMODB_WRITES,
    SQS_CHANGES,
    SQS_PREFIX,
    Journal,
    dynamodb_entry,
)
from leadwire_local.terminal import say


class SerialMotoServer(ThreadedMotoServer):
    """moto's server, answering one request at a time: its backends are not thread-safe (a
    transaction deep-copies the table while a stream read or another write may change it).
    With a journal, every write it accepts is on disk before it answers."""

    journal: Journal | None = None

    def _server_entry(self) -> None:  # moto 5.2.5's, with the app wrapped in a lock
        app = _serialized(DomainDispatcherApplication(create_backend_app), self.journal)
        self._server = make_server(
            self._ip_address, self._port, app, True, request_handler=MotoRequestHandler
        )
        self._server_ready_event.set()
        self._server.serve_forever(poll_interval=0.5)  # stop() returns within 0.5 s


# Held while moto answers a request, and while the stream is trimmed behind its back.
MOTO_LOCK = threading.Lock()


def _serialized(app: Any, journal: Journal | None = None) -> Any:
    def serial_app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
        if journal is None or not journal.recording or not _changes_state(target):
            with MOTO_LOCK:
                return list(app(environ, start_response))  # consume the body inside the lock
        return _journaled(app, journal, target, environ, start_response)

    return serial_app


def _changes_state(target: str) -> bool:
    if target.startswith(DYNAMODB_PREFIX):
        return target.removeprefix(DYNAMODB_PREFIX) in DYNAMODB_WRITES
    return target.startswith(SQS_PREFIX) and target.removeprefix(SQS_PREFIX) in SQS_CHANGES


def _journaled(
    app: Any, journal: Journal, target: str, environ: dict[str, Any], start_response: Any
) -> Iterable[bytes]:
    """Apply a write and journal it (fsynced) before moto's answer leaves; the gate keeps the
    journal in the order moto applied the writes, and a compaction out of the way."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    statuses: list[str] = []

    def capture(status: str, headers: Any, exc_info: Any = None) -> Any:
        statuses.append(status)
        return start_response(status, headers, exc_info)

    with journal.gate:
        document: dict[str, Any] | None = None
        with MOTO_LOCK:
            answer = list(app(environ, capture))
            if statuses and statuses[0].startswith("200"):
                if target.startswith(DYNAMODB_PREFIX):
                    document = dynamodb_entry(target, body)
                else:
                    queue = _queue_name(body)
                    if queue in journal.queues:
                        document = {"queue": queue, "messages": queue_messages(queue)}
        if document is not None:
            journal.append(document)
    return answer


def _queue_name(body: bytes) -> str:
    try:
        return str(json.loads(body).get("QueueUrl", "")).rstrip("/").rsplit("/", 1)[-1]
    except (ValueError, AttributeError):
        return ""


def queue_messages(name: str, region: str = "us-east-1") -> list[dict[str, Any]]:
    """What a queue holds, visible or in flight (read from moto's backend, in this process:
    call with MOTO_LOCK held)."""
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.sqs.models import sqs_backends

    queue = sqs_backends[DEFAULT_ACCOUNT_ID][region].queues.get(name)
    if queue is None:
        return []
    return [
        {"body": m.body, "attributes": dict(m.message_attributes)}
        for m in list(queue._messages)  # noqa: SLF001 - moto keeps no public view of in-flight ones
    ]


def start_moto(journal: Journal | None = None) -> SerialMotoServer:
    """moto on a free loopback port, and boto3 (in this process) pointed at it; writes are
    journaled once `journal.start()` is called."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per AWS call
    if not moto_patches.apply():
        say(
            f"note: moto {moto_version} is not the one moto_patches was written for; "
            "webhooks will slow down as the table grows"
        )
    moto = SerialMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.journal = journal
    moto.start()
    host, port = moto.get_host_and_port()
    os.environ["AWS_ENDPOINT_URL"] = f"http://{host}:{port}"
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        os.environ[name] = value  # fake credentials, always: nothing can reach a real account
    for name in ("AWS_SESSION_TOKEN", "AWS_PROFILE"):
        os.environ.pop(name, None)
    return moto
