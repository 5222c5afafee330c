"""The deployed board's sign-in, in headless Chromium: the page as the leads function serves
it with a login configured, against a stand-in for Cognito's hosted UI that speaks the same
OAuth 2.0 authorization-code-with-PKCE protocol (authorize redirect, token endpoint with CORS),
and a stand-in API that, like the JWT authorizer, answers 401 without the issued token.

The same stand-in API also lists leads as routing leaves them (an owner, a response clock),
which the local stack cannot make yet, to show how the board draws them.

What Cognito itself checks (the ID token's signature, issuer, audience, expiry) is tested on
moto's Cognito in tests/functional/test_board.py; this is the browser's half.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from leadwire.shell.board import BoardLogin, board_page
from tests.e2e.test_browser import STEP_TIMEOUT_MS

pytestmark = pytest.mark.e2e

CLIENT_ID = "board-client-1"
CODE = "one-time-code"


def fake_id_token(claims: dict[str, Any]) -> str:
    part = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"eyJhbGciOiJSUzI1NiJ9.{part}.c2lnbmF0dXJl"  # the browser never checks it


ID_TOKEN = fake_id_token({"email": "ana@seller.example", "custom:rep": "rep_ana"})


class Served:
    """One stdlib HTTP server on a free port, in a thread, remembering what it was asked."""

    def __init__(self, handle: Any) -> None:
        served = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                handle(self, served)

            def do_POST(self) -> None:
                handle(self, served)

            def do_OPTIONS(self) -> None:
                handle(self, served)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.seen: list[dict[str, Any]] = []
        self.refuse_all = False  # an API whose authorizer refuses every token
        self.items: list[dict[str, Any]] = []  # the leads the stand-in API lists
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def answer(request: BaseHTTPRequestHandler, status: int, body: bytes, headers: dict[str, str]):
    request.send_response(status)
    for name, value in headers.items():
        request.send_header(name, value)
    request.send_header("content-length", str(len(body)))
    request.end_headers()
    request.wfile.write(body)


def hosted_ui(request: BaseHTTPRequestHandler, served: Served) -> None:
    """Cognito's /oauth2/authorize (the user signs in: straight back with a code) and
    /oauth2/token (the code and the PKCE verifier for tokens)."""
    url = urlsplit(request.path)
    cors = {"access-control-allow-origin": "*", "access-control-allow-headers": "content-type"}
    if request.command == "OPTIONS":
        answer(request, 204, b"", cors)
        return
    if url.path == "/oauth2/authorize":
        asked = {k: v[0] for k, v in parse_qs(url.query).items()}
        served.seen.append({"authorize": asked})
        target = asked["redirect_uri"] + "?" + urlencode({"code": CODE})
        answer(request, 302, b"", {"location": target})
        return
    if url.path == "/oauth2/token" and request.command == "POST":
        length = int(request.headers.get("content-length") or 0)
        form = {k: v[0] for k, v in parse_qs(request.rfile.read(length).decode()).items()}
        served.seen.append({"token": form})
        asked = next(s["authorize"] for s in served.seen if "authorize" in s)
        digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
        challenge = base64.urlsafe_b64encode(digest).decode().rstrip("=")
        good = (
            form.get("grant_type") == "authorization_code"
            and form.get("code") == CODE
            and form.get("client_id") == CLIENT_ID
            and form.get("redirect_uri") == asked["redirect_uri"]
            and challenge == asked["code_challenge"]
        )
        body = {"id_token": ID_TOKEN, "expires_in": 3600} if good else {"error": "invalid_grant"}
        answer(request, 200 if good else 400, json.dumps(body).encode(), cors)
        return
    answer(request, 404, b"", {})


@pytest.fixture
def stand_ins() -> Iterator[tuple[Served, Served]]:
    login = Served(hosted_ui)

    def board(request: BaseHTTPRequestHandler, served: Served) -> None:
        url = urlsplit(request.path)
        if url.path == "/board":
            body, headers = board_page(BoardLogin(login.base, CLIENT_ID))
            answer(request, 200, body, headers)
            return
        served.seen.append({"path": request.path, "auth": request.headers.get("authorization")})
        if served.refuse_all or request.headers.get("authorization") != "Bearer " + ID_TOKEN:
            answer(
                request, 401, b'{"message":"Unauthorized"}', {"content-type": "application/json"}
            )
            return
        page = {"items": served.items, "next": None, "total": len(served.items)}
        answer(request, 200, json.dumps(page).encode(), {"content-type": "application/json"})

    api = Served(board)
    try:
        yield login, api
    finally:
        api.close()
        login.close()


def test_the_board_signs_in_with_pkce_and_sends_the_id_token(browser, stand_ins):
    login, api = stand_ins
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(STEP_TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        # Given the deployed board, opened with a filter in its address
        page.goto(api.base + "/board?stage=sql")
        # Then it went through the hosted UI and is back, signed in, with its filter
        page.locator("#status", has_text="live").wait_for()
        assert page.inner_text("#who") == "ana@seller.example"
        assert urlsplit(page.url).query == "stage=sql"  # the code is gone from the address
        asked = login.seen[0]["authorize"]
        assert asked["client_id"] == CLIENT_ID and asked["response_type"] == "code"
        assert asked["code_challenge_method"] == "S256"
        assert asked["redirect_uri"] == api.base + "/board"
        # And every API call carried the ID token; none went out without it
        calls = [s for s in api.seen if s["path"].startswith("/board/api/")]
        assert calls and all(c["auth"] == "Bearer " + ID_TOKEN for c in calls), calls
        assert "stage=sql" in calls[0]["path"]
        # "My leads" is the rep the token names
        page.click("#mine")
        page.locator("#mine[aria-pressed=true]").wait_for()
        assert any("owner=rep_ana" in s["path"] for s in api.seen)
    finally:
        context.close()
    assert errors == []


def test_a_token_the_api_refuses_right_after_sign_in_does_not_loop(browser, stand_ins):
    login, api = stand_ins
    api.refuse_all = True  # e.g. the authorizer's audience is not this app client
    context = browser.new_context(viewport={"width": 375, "height": 740})
    context.set_default_timeout(STEP_TIMEOUT_MS)
    page = context.new_page()
    try:
        page.goto(api.base + "/board")
        page.locator("#status.offline", has_text="refused a fresh sign-in").wait_for()
        page.wait_for_timeout(4_000)  # more than a poll: still no second trip to the login
        assert len([s for s in login.seen if "authorize" in s]) == 1, login.seen
    finally:
        context.close()


def routed_lead(name: str, owner: str, **sla: datetime | None) -> dict[str, Any]:
    """A lead as the API shows it once routing gave it an owner and a response clock."""
    now = datetime.now(UTC)
    return {
        "leadId": f"ld_{name}",
        "email": f"{name}@bigco.example",
        "profile": {"firstName": name.title(), "company": "BigCo"},
        "stage": "sql",
        "score": 140,
        "fit": 40,
        "engagement": 100.4,
        "urgency": "high",
        "urgencyReasons": ["timeline 10 days"],
        "owner": owner,
        "queue": "emea",
        "sla": {
            "startedAt": (now - timedelta(minutes=10)).isoformat(),
            **{k: v.isoformat() if v else None for k, v in sla.items()},
            "escalations": [],
        },
        "lastAction": "demo_request",
        "updatedAt": (now - timedelta(minutes=3)).isoformat(),
        "message": "Call me after 3pm",
    }


def test_owner_and_response_clock_are_shown_and_an_owner_filters(browser, stand_ins):
    login, api = stand_ins
    now = datetime.now(UTC)
    api.items = [
        routed_lead("olga", "rep_ana", due=now - timedelta(minutes=3), acknowledgedAt=None),
        routed_lead(
            "piet", "rep_bo", due=now + timedelta(minutes=4, seconds=20), acknowledgedAt=None
        ),
        routed_lead("quin", "rep_bo", due=now, acknowledgedAt=now - timedelta(minutes=2)),
    ]
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(STEP_TIMEOUT_MS)
    page = context.new_page()
    try:
        page.goto(api.base + "/board")
        page.locator("#leads tbody tr").nth(2).wait_for()
        due = page.locator("#leads tbody td:nth-child(5)").all_inner_texts()
        assert due == ["3 min ago", "in 4 min", "seen 2 min ago"], due
        assert page.locator("#leads tbody tr").first.locator(".overdue").count() == 1
        owners = page.locator("#leads tbody td:nth-child(6)").all_inner_texts()
        assert owners == ["rep_ana", "rep_bo", "rep_bo"], owners
        assert page.locator("#leads tbody td:nth-child(3)").first.inner_text() == "140"
        # A click on an owner shows only theirs, and says so
        page.locator("#leads tbody button.owner", has_text="rep_bo").first.click()
        page.locator("#owner-chip", has_text="rep_bo").wait_for()
        assert any("owner=rep_bo" in s["path"] for s in api.seen)
        page.click("#owner-clear")
        page.locator("#owner-chip").wait_for(state="hidden")
    finally:
        context.close()
