"""A stand-in for Slack's incoming webhooks on 127.0.0.1: answers each post with the next
status it was given (then 200), and keeps what it received and when."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.support import serving_in_thread


class StubSlack(ThreadingHTTPServer):
    """Answers each post with the next status of `answers` (then 200), keeping what it got."""

    def __init__(self, answers: list[int]) -> None:
        super().__init__(("127.0.0.1", 0), _SlackHandler)
        self.answers = answers
        self.posts: list[dict] = []
        self.times: list[float] = []  # time.monotonic() of each post

    @classmethod
    @contextmanager
    def running(cls, answers: list[int] | None = None) -> Iterator[StubSlack]:
        with serving_in_thread(cls(answers or [])) as server:
            yield server

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/services/T000/B000/XXXX"


class _SlackHandler(BaseHTTPRequestHandler):
    server: StubSlack

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["content-length"]))
        self.server.posts.append(json.loads(body))
        self.server.times.append(time.monotonic())
        status = self.server.answers.pop(0) if self.server.answers else 200
        answer = b"ok" if status == 200 else b"internal_error"
        self.send_response(status)
        self.send_header("content-length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: object) -> None:
        pass
