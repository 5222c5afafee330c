"""moto as the local stack runs it: one server on loopback, answering one request at a time,
with boto3 in this process pointed at it (and only ever fake credentials)."""

from __future__ import annotations

import io
import json
import logging
import os
import threading
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

import boto3
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.compat import HTTPHeaders
from moto import __version__ as moto_version
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from moto.server import ThreadedMotoServer
from werkzeug.serving import make_server
from werkzeug.test import EnvironBuilder

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
    app: Any = None  # the serialized, journaled WSGI app: this server's, and in-process calls'

    def _server_entry(self) -> None:  # moto 5.2.5's, with the app wrapped in a lock
        self._server = make_server(
            self._ip_address, self._port, self.app, True, request_handler=MotoRequestHandler
        )
        self._server_ready_event.set()
        self._server.serve_forever(poll_interval=0.5)  # stop() returns within 0.5 s


class _Dispatcher(DomainDispatcherApplication):
    """moto's dispatcher, remembering which backend serves a host: moto's own lists its
    package folder (a stat per service) on every request to an address like 127.0.0.1."""

    _backends: dict[str | None, Any]

    def get_backend_for_host(self, host: str | None) -> Any:
        cache = self.__dict__.setdefault("_backends", {})
        if host not in cache:
            cache[host] = super().get_backend_for_host(host)
        return cache[host]


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

    seq = 0
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
            seq = journal.append(document)
    journal.sync(seq)  # on disk before the answer; concurrent writers share one fsync
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


class InProcessTransport:
    """boto3 in this process calls moto's app directly, without a socket: a `before-send`
    handler that answers every request for moto's endpoint through the same serialized,
    journaled WSGI app the HTTP server runs (HTTP both ways cost a third of a webhook's CPU).
    Other processes (tools, `sam local invoke` containers) still reach moto over HTTP."""

    def __init__(self, app: Any, endpoint: str) -> None:
        self.app = app
        self.netloc = urlsplit(endpoint).netloc

    def __call__(self, request: AWSPreparedRequest, **kwargs: Any) -> AWSResponse | None:
        url = urlsplit(request.url)
        if url.netloc != self.netloc:
            return None  # not for moto: botocore sends it as usual
        body = request.body or b""
        if not isinstance(body, bytes):
            body = body.encode() if isinstance(body, str) else body.read()
        headers = {
            k: v.decode() if isinstance(v, bytes) else str(v) for k, v in request.headers.items()
        }
        environ = EnvironBuilder(
            path=url.path or "/",
            base_url=f"{url.scheme}://{url.netloc}",
            query_string=url.query,
            method=request.method,
            headers=headers,
            data=body,
        ).get_environ()
        answered: list[Any] = []

        def start_response(status: str, response_headers: Any, exc_info: Any = None) -> Any:
            answered[:] = [int(status.split(" ", 1)[0]), HTTPHeaders()]
            for name, value in response_headers:
                answered[1][name] = value
            return lambda data: None

        content = b"".join(self.app(environ, start_response))
        status, response_headers = answered
        return AWSResponse(request.url, status, response_headers, _Raw(content))


class _Raw(io.BytesIO):
    """The raw body botocore reads a response from (what urllib3 would have given it)."""

    def stream(self, **kwargs: Any) -> Iterator[bytes]:
        while chunk := self.read(65536):
            yield chunk


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
    moto.app = _serialized(_Dispatcher(create_backend_app), journal)
    moto.start()
    host, port = moto.get_host_and_port()
    os.environ["AWS_ENDPOINT_URL"] = f"http://{host}:{port}"
    # Every boto3 client this process makes from now on (the functions', the stream
    # follower's) takes the in-process path to the same app.
    boto3.setup_default_session()
    events = boto3.DEFAULT_SESSION.events  # type: ignore[union-attr]
    events.register_first(
        "before-send", InProcessTransport(moto.app, os.environ["AWS_ENDPOINT_URL"])
    )
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        os.environ[name] = value  # fake credentials, always: nothing can reach a real account
    for name in ("AWS_SESSION_TOKEN", "AWS_PROFILE"):
        os.environ.pop(name, None)
    return moto
