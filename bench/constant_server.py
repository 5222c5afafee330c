"""An HTTP server that answers every POST with a constant 202: the local stack's HTTP layer
(stdlib ThreadingHTTPServer, HTTP/1.0, the same queue size) with no work behind it.

Run as `python -m bench.constant_server PORT`; it prints `ready` and serves until SIGTERM.
"""

from __future__ import annotations

import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType
from typing import Any

ANSWER = b'{"status": "accepted", "eventId": "constant"}'


class ConstantServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # as leadwire_local.server.LocalHttpServer


class ConstantHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self.send_response(202)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(ANSWER)))
        self.end_headers()
        self.wfile.write(ANSWER)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet, like the local stack at its default log level."""


def main(port: int) -> int:
    server = ConstantServer(("127.0.0.1", port), ConstantHandler)

    def stop(signum: int, frame: FrameType | None) -> None:
        threading.Thread(target=server.shutdown).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("ready", flush=True)
    server.serve_forever(poll_interval=0.1)
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1])))
