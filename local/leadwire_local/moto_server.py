"""moto as the local stack runs it: one server on loopback, answering one request at a time,
with boto3 in this process pointed at it (and only ever fake credentials)."""

from __future__ import annotations

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
from leadwire_local.terminal import say


class SerialMotoServer(ThreadedMotoServer):
    """moto's server, answering one request at a time: its backends are not thread-safe (a
    transaction deep-copies the table while a stream read or another write may change it)."""

    def _server_entry(self) -> None:  # moto 5.2.5's, with the app wrapped in a lock
        app = _serialized(DomainDispatcherApplication(create_backend_app))
        self._server = make_server(
            self._ip_address, self._port, app, True, request_handler=MotoRequestHandler
        )
        self._server_ready_event.set()
        self._server.serve_forever(poll_interval=0.1)  # stop() returns within 0.1 s


# Held while moto answers a request, and while the stream is trimmed behind its back.
MOTO_LOCK = threading.Lock()


def _serialized(app: Any) -> Any:
    def serial_app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        with MOTO_LOCK:
            return list(app(environ, start_response))  # consume the body inside the lock

    return serial_app


def start_moto() -> SerialMotoServer:
    """moto on a free loopback port, and boto3 (in this process) pointed at it."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per AWS call
    if not moto_patches.apply():
        say(
            f"note: moto {moto_version} is not the one moto_patches was written for; "
            "webhooks will slow down as the table grows"
        )
    moto = SerialMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
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
