"""moto as the local stack runs it: one server on loopback, answering one request at a time,
with boto3 in this process pointed at it (and only ever fake credentials)."""

from __future__ import annotations

import io
import json
import logging
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar
from urllib.parse import urlsplit

import boto3
from botocore.auth import AUTH_TYPE_MAPS, SIGV4_TIMESTAMP, SigV4Auth
from botocore.awsrequest import AWSPreparedRequest, AWSRequest, AWSResponse
from botocore.compat import HTTPHeaders
from botocore.exceptions import ClientError, NoCredentialsError
from botocore.utils import get_current_datetime
from moto import __version__ as moto_version
from moto.dynamodb.responses import DynamoHandler
from moto.dynamodbstreams.responses import DynamoDBStreamsHandler
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from moto.server import ThreadedMotoServer
from werkzeug.exceptions import HTTPException
from werkzeug.serving import make_server
from werkzeug.test import EnvironBuilder

from leadwire_local import botocore_patches, direct_dynamodb, moto_patches
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


T = TypeVar("T")
# moto's handlers for the requests that take the direct path in this process (the webhook's
# reads and writes, the stream follower's): what moto's Flask app would call, without Flask.
DIRECT_HANDLERS: dict[str, Callable[..., Any]] = {
    DYNAMODB_PREFIX: DynamoHandler.dispatch,
    "DynamoDBStreams_20120810.": DynamoDBStreamsHandler.dispatch,
}


class SerialApp:
    """moto's WSGI app, one request at a time, every write journaled before it answers; and
    the same for a botocore request in this process (`answer`), handed to moto's handler as
    `mock_aws` hands it, without building a Flask request around it."""

    def __init__(self, app: Any, journal: Journal | None = None) -> None:
        self.app = app
        self.journal = journal

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
        body = b""
        if self._journaling(target):
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length) if length else b""
            environ["wsgi.input"] = io.BytesIO(body)
        statuses: list[str] = []

        def capture(status: str, headers: Any, exc_info: Any = None) -> Any:
            statuses.append(status)
            return start_response(status, headers, exc_info)

        def call() -> tuple[int, list[bytes]]:
            answer = list(self.app(environ, capture))  # consume the body inside the lock
            return int(statuses[0].split(" ", 1)[0]) if statuses else 500, answer

        return self._serial(target, body, call)

    def answer(self, request: AWSPreparedRequest) -> tuple[int, Any, bytes] | None:
        """moto's answer to an in-process request it has a direct handler for; None: use the
        WSGI app."""
        target = request.headers.get("X-Amz-Target", "")
        if isinstance(target, bytes):
            target = target.decode()
        handler = next((h for p, h in DIRECT_HANDLERS.items() if target.startswith(p)), None)
        if handler is None:
            return None
        body = request.body or b""
        if not isinstance(body, bytes):
            body = body.encode() if isinstance(body, str) else body.read()
        moto_request = moto_patches.in_process_request(
            request.method, request.url, request.headers, body
        )

        def call() -> tuple[int, tuple[int, Any, bytes]]:
            try:
                status, headers, content = handler(
                    moto_request, moto_request.raw_url, dict(moto_request.headers)
                )
            except HTTPException as e:  # moto's errors, as its Flask app renders them
                status, headers, content = e.code or 500, e.get_headers(), e.get_body()
            except ClientError as e:  # as moto's convert_to_flask_response answers them
                status, headers, content = 400, {}, e.response["Error"]["Message"]
            if isinstance(content, str):
                content = content.encode()
            return status, (status, headers, content)

        return self._serial(target, body, call)

    def _journaling(self, target: str) -> bool:
        journal = self.journal
        return journal is not None and journal.recording and _changes_state(target)

    def _serial(self, target: str, body: bytes, call: Callable[[], tuple[int, T]]) -> T:
        """Run `call` (moto answering) under MOTO_LOCK; a write is journaled (fsynced) before
        its answer leaves, the gate keeping the journal in the order moto applied the writes,
        and a compaction out of the way. Inside `journal.answered_after_sync` (a function the
        HTTP server runs) the fsync waits for the function's end, before its HTTP answer."""
        journal = self.journal
        if journal is None or not self._journaling(target):
            with MOTO_LOCK:
                return call()[1]
        seq = 0
        with journal.gate, MOTO_LOCK:
            status, answer = call()
            if status == 200:
                if target.startswith(DYNAMODB_PREFIX):
                    document: dict[str, Any] | None = dynamodb_entry(target, body)
                else:
                    queue = _queue_name(body)
                    document = None
                    if queue in journal.queues:
                        document = {"queue": queue, "messages": queue_messages(queue)}
                # Written before anyone can read the change (a reader that syncs through
                # `journal.written` then covers what it saw).
                if document is not None:
                    seq = journal.append(document)
        if not journal.deferring:  # else synced before the HTTP answer (`answered_after_sync`)
            journal.sync(seq)  # on disk before the answer; concurrent writers share one fsync
        return answer


def _serialized(app: Any, journal: Journal | None = None) -> SerialApp:
    return SerialApp(app, journal)


def _changes_state(target: str) -> bool:
    if target.startswith(DYNAMODB_PREFIX):
        return target.removeprefix(DYNAMODB_PREFIX) in DYNAMODB_WRITES
    return target.startswith(SQS_PREFIX) and target.removeprefix(SQS_PREFIX) in SQS_CHANGES


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
    journaled app the HTTP server runs (HTTP both ways cost a third of a webhook's CPU);
    DynamoDB's straight to moto's handler, the rest through its WSGI app. Other processes
    (tools, `sam local invoke` containers) still reach moto over HTTP."""

    def __init__(self, app: Any, endpoint: str) -> None:
        self.app = app
        self.netloc = urlsplit(endpoint).netloc

    def __call__(self, request: AWSPreparedRequest, **kwargs: Any) -> AWSResponse | None:
        url = urlsplit(request.url)
        if url.netloc != self.netloc:
            return None  # not for moto: botocore sends it as usual
        direct = self.app.answer(request) if isinstance(self.app, SerialApp) else None
        if direct is not None:
            status, direct_headers, content = direct
            answered = HTTPHeaders()
            for name, value in direct_headers.items():
                answered[name] = str(value)
            return AWSResponse(request.url, status, answered, _Raw(content))
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


IN_PROCESS_SIGNER = "leadwire-local-v4"  # botocore's name for `InProcessAuth`


class InProcessAuth(SigV4Auth):
    """SigV4 for moto in this process without the signature: moto reads the credential scope
    (access key, region, service) from the Authorization header and checks no signature, and
    hashing the body and four HMACs were a tenth of a call's botocore time. A request for any
    other address is signed as usual."""

    netloc = ""  # moto's, set by `start_moto`

    def add_auth(self, request: AWSRequest) -> None:
        if urlsplit(request.url).netloc != self.netloc:
            super().add_auth(request)
            return
        if self.credentials is None:
            raise NoCredentialsError()
        request.context["timestamp"] = get_current_datetime().strftime(SIGV4_TIMESTAMP)
        self._modify_request_before_signing(request)  # the date header, a session token
        request.headers["Authorization"] = (
            f"AWS4-HMAC-SHA256 Credential={self.scope(request)}, "
            "SignedHeaders=host;x-amz-date, Signature=0"
        )


def _in_process_signer(signature_version: str | None = None, **kwargs: Any) -> str | None:
    """botocore's `choose-signer` hook: SigV4 requests are handed to `InProcessAuth`."""
    return IN_PROCESS_SIGNER if signature_version == "v4" else None


class _Raw(io.BytesIO):
    """The raw body botocore reads a response from (what urllib3 would have given it)."""

    def stream(self, **kwargs: Any) -> Iterator[bytes]:
        while chunk := self.read(65536):
            yield chunk


def take_the_in_process_path(events: Any, app: Any, endpoint: str) -> None:
    """Clients made from now on with these botocore events reach moto's `app` at `endpoint`
    in-process (`InProcessTransport`), their SigV4 requests unsigned (`InProcessAuth`), and
    the webhook's DynamoDB calls straight to moto's handler (`direct_dynamodb`)."""
    events.register_first("before-send", InProcessTransport(app, endpoint))
    InProcessAuth.netloc = urlsplit(endpoint).netloc
    AUTH_TYPE_MAPS[IN_PROCESS_SIGNER] = InProcessAuth
    events.register("choose-signer", _in_process_signer)
    if isinstance(app, SerialApp) and direct_dynamodb.wanted() and direct_dynamodb.is_applicable():
        events.register_first("before-call.dynamodb", direct_dynamodb.DirectDynamoDB(app, endpoint))


def start_moto(journal: Journal | None = None) -> SerialMotoServer:
    """moto on a free loopback port, and boto3 (in this process) pointed at it; writes are
    journaled once `journal.start()` is called."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per AWS call
    if not moto_patches.apply():
        say(
            f"note: moto {moto_version} is not the one moto_patches was written for; "
            "webhooks will slow down as the table grows"
        )
    botocore_patches.apply()  # only faster: no note when botocore moved on
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
    take_the_in_process_path(events, moto.app, os.environ["AWS_ENDPOINT_URL"])
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        os.environ[name] = value  # fake credentials, always: nothing can reach a real account
    for name in ("AWS_SESSION_TOKEN", "AWS_PROFILE"):
        os.environ.pop(name, None)
    return moto
