"""The sales board as sales uses it, in headless Chromium at a laptop's 1280 px and a phone's
375 px, against `leadwire serve`: nothing overlaps or is cut off (element boxes), SQLs come
first, search, paging, CSV export of the view, and the disposition buttons.

`LEADWIRE_BOARD_SCREENSHOTS=docs` writes the README's pictures (board-1280.png, board-375.png)
there; otherwise they go to a temporary folder.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from leadwire_local import senders
from tests.e2e.stack import ServeProcess, post, request
from tests.e2e.test_browser import STEP_TIMEOUT_MS, play_board_story
from tests.support import READY

pytestmark = pytest.mark.e2e

WIDTHS = {"laptop": (1280, 800), "phone": (375, 740)}
FILLERS = [
    ("Ines", "Duarte", "Lisbon Labs"),
    ("Kofi", "Mensah", "Accra Freight"),
    ("Mei", "Tanaka", "Kobe Tools"),
    ("Olga", "Petrova", "Volga Data"),
    ("Raj", "Iyer", "Pune Systems"),
    ("Sofia", "Rossi", "Torino Design"),
    ("Tom", "Berg", "Nordic Ships"),
    ("Uma", "Shah", "Surat Textiles"),
]
PAGE_SIZE = 25
BOB_SAID = "Can we see it with our HubSpot data next week? Around 40 seats."


def post_json(stack: ServeProcess, form: str, fields: dict[str, str]) -> None:
    headers, body = senders.json_webhook(senders.json_form(form, fields))
    status, _, answer = post(stack.base + "/webhooks/forms/json", headers, body)
    assert status == 202, answer


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    """A stack with the README's story (leads in every stage) and enough newsletter
    sign-ups for two pages of the board."""
    root = tmp_path_factory.mktemp("board")
    served = ServeProcess(root / "data", root / "serve.log")
    served.start()
    try:
        play_board_story(served)
        post_json(
            served,
            "demo-request",
            {"email": "bob@acme-robotics.example", "message": BOB_SAID},
        )
        for n in range(30):
            first, last, company = FILLERS[n % len(FILLERS)]
            post_json(
                served,
                "newsletter",
                {
                    "email": f"{first.lower()}.{n}@{company.split()[0].lower()}.example",
                    "first_name": first,
                    "last_name": last,
                    "company": company,
                },
            )
        yield served
    finally:
        assert served.stop() == 0, served.output()
        assert "Traceback" not in served.output(), served.output()


class Board:
    """The board in a fresh browser context of one size, with every script error."""

    def __init__(self, browser: Any, stack: ServeProcess, size: tuple[int, int]) -> None:
        width, height = size
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.context.set_default_timeout(STEP_TIMEOUT_MS)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.stack = stack
        self.width = width

    def open(self, suffix: str = "") -> None:
        self.page.goto(self.stack.base + "/board" + suffix)
        self.page.locator("#status", has_text="live").wait_for()
        self.page.locator("#leads tbody tr").first.wait_for()

    def row(self, text: str) -> Any:
        return self.page.locator("#leads tbody tr", has_text=text)

    def open_lead(self, text: str) -> Any:
        self.row(text).first.click()
        self.page.locator("#detail #ledger tbody tr").first.wait_for()
        return self.page.locator("#detail")

    def ids(self) -> list[str]:
        rows = self.page.locator("#leads tbody tr").all()
        return [str(row.get_attribute("data-lead-id")) for row in rows]

    def names(self) -> list[str]:
        return [
            t.split("\n")[0] for t in self.page.locator("#leads tbody td.lead").all_inner_texts()
        ]


@pytest.fixture(params=list(WIDTHS))
def board(request: pytest.FixtureRequest, browser: Any, stack: ServeProcess) -> Iterator[Board]:
    opened = Board(browser, stack, WIDTHS[request.param])
    try:
        yield opened
    finally:
        opened.context.close()
    assert opened.errors == [], opened.errors


def box(locator: Any) -> dict[str, float]:
    found = locator.bounding_box()
    assert found is not None, locator
    return found


def inside(inner: dict[str, float], outer: dict[str, float], slack: float = 0.5) -> bool:
    return (
        inner["x"] >= outer["x"] - slack
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + slack
    )


def overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def screenshots() -> Path | None:
    folder = os.environ.get("LEADWIRE_BOARD_SCREENSHOTS")
    return Path(folder) if folder else None


def test_nothing_overlaps_or_is_cut_and_sqls_come_first(board, tmp_path):
    folder = screenshots() or tmp_path
    viewport = {"x": 0, "width": board.width}
    phone = board.width < 700
    board.open()
    # SQLs first (most urgent, then the clock, then the score), then MQLs, then leads
    stages = board.page.locator("#leads tbody td:nth-child(2)").all_inner_texts()
    order = {"SQL": 0, "MQL": 1, "lead": 2}
    assert stages[0] == "SQL" and [order[s] for s in stages] == sorted(order[s] for s in stages)
    # No column of the leads table is cut: each cell of a row within the table, the table
    # within its section, the section within the screen
    list_box = box(board.page.locator("section.list"))
    table = box(board.page.locator("#leads"))
    assert inside(list_box, viewport) and inside(table, list_box), (table, list_box)
    for cell in board.row("bob@acme").locator("td:not(.blank)").all():
        assert inside(box(cell), table), cell.inner_text()
    # Times are relative
    assert (
        "ago" in board.row("bob@acme").inner_text()
        or "just now" in board.row("bob@acme").inner_text()
    )
    if phone:  # the list, as a phone shows it
        board.page.screenshot(path=str(folder / "board-375.png"))
    # Bob's detail: what he wrote, his score split once, the ledger
    detail = board.open_lead("bob@acme-robotics.example")
    detail.locator("blockquote", has_text=BOB_SAID).wait_for()
    assert detail.locator(".split div", has_text="Engagement").count() == 1
    engagement = detail.locator(".split div", has_text="Engagement").locator("b").inner_text()
    assert engagement.isdigit(), engagement  # rounded, never "60.0"
    detail_box = box(detail)
    assert inside(detail_box, viewport)
    if phone:  # one lead fills the screen; the list is a tap away
        assert not board.page.locator("section.list").is_visible()
    else:  # the detail is beside the list, never over it
        assert not overlap(list_box, detail_box), (list_box, detail_box)
    # The ledger's points column is whole, inside the detail panel
    ledger = box(detail.locator("#ledger"))
    assert inside(ledger, detail_box)
    points = detail.locator("#ledger td.num").all()
    assert points
    for cell in points:
        assert inside(box(cell), ledger) and cell.inner_text()[:1] in "+-0", cell.inner_text()
    if phone:
        detail.locator("#ledger").scroll_into_view_if_needed()
        board.page.screenshot(path=str(folder / "board-375-lead.png"))
        detail.locator("button.back").click()
        board.row("bob@acme").wait_for()
        assert not detail.is_visible()
    else:
        board.page.screenshot(path=str(folder / "board-1280.png"), full_page=True)
    for shot in folder.glob("board-*.png"):
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_search_finds_by_name_email_or_company(board):
    board.open()
    board.page.fill("#search", "acme robot")
    board.page.wait_for_url("**/board?q=acme+robot*")
    board.row("Ines").first.wait_for(state="detached")
    assert board.names() == ["Bob Builder"]
    board.page.fill("#search", "Kobe")
    board.row("Bob").first.wait_for(state="detached")
    assert set(board.names()) == {"Mei Tanaka"} and len(board.names()) >= 3


def test_paging_reaches_every_lead(board):
    board.open()
    total = json.loads(request("GET", board.stack.base + "/leads?sort=priority&limit=1")[2])[
        "total"
    ]
    assert total > PAGE_SIZE
    first = board.ids()
    assert len(first) == PAGE_SIZE
    assert board.page.inner_text("#range") == f"1\u2013{PAGE_SIZE} of {total}"
    board.page.click("#next")
    board.page.locator("#range", has_text=f"{PAGE_SIZE + 1}\u2013").wait_for()
    second = board.ids()
    assert len(first) + len(second) == total and not set(first) & set(second)
    assert board.page.is_disabled("#next")
    board.page.click("#prev")
    board.page.locator("#range", has_text="1\u2013").wait_for()
    assert board.ids() == first


def test_csv_export_is_the_current_view(board):
    board.open("?q=kobe")
    board.row("Mei").first.wait_for()
    with board.page.expect_download() as download:
        board.page.click("#csv")
    text = Path(download.value.path()).read_text()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows and {r["company"] for r in rows} == {"Kobe Tools"}
    assert {"name", "email", "stage", "score", "owner", "message"} <= set(rows[0])
    assert download.value.suggested_filename.endswith(".csv")


def test_disposition_buttons_need_a_reason_to_reject_and_record_it(board):
    email = f"rita.{board.width}@bigco.example"
    post_json(board.stack, "demo-request", {**READY, "email": email, "first_name": "Rita"})
    board.open("?q=rita")
    detail = board.open_lead(email)
    # Rejecting without a reason is not sent
    detail.locator("button[data-outcome=rejected]").click()
    detail.locator("#disposition-result", has_text="Say why").wait_for()
    lead = json.loads(request("GET", board.stack.base + "/leads?email=" + quote(email))[2])
    assert lead["items"][0]["disposition"] is None
    # With one, it is recorded, and the board says so
    detail.locator("#reason").fill("student project")
    detail.locator("button[data-outcome=rejected]").click()
    detail.locator("#disposition-result", has_text="rejected").wait_for()
    lead = json.loads(request("GET", board.stack.base + "/leads?email=" + quote(email))[2])
    assert lead["items"][0]["disposition"]["outcome"] == "rejected"
    assert lead["items"][0]["disposition"]["reason"] == "student project"
    # Accepting a lead that is no SQL (any more) is refused with the API's reason, shown
    detail.locator("button[data-outcome=accepted]").click()
    detail.locator("#disposition-result.refused").wait_for()


def test_a_lead_shows_who_else_from_its_company_engaged_and_opens_them(board):
    # Given several people from Kobe Tools signed up this week
    board.open("?q=kobe")
    board.page.wait_for_function("document.querySelectorAll('#leads tbody tr').length >= 3")
    people = len(board.names())
    # When sales opens one of them
    detail = board.open_lead("Mei")
    # Then the detail names the account, its surge and every colleague
    detail.locator("h3", has_text="Account: Kobe Tools (surge)").wait_for()
    assert f"{people - 1} others from Kobe Tools engaged this week" in detail.inner_text()
    colleagues = detail.locator(".colleague a")
    assert colleagues.count() == people - 1
    # And a colleague's name opens that colleague's lead
    target = colleagues.first.get_attribute("href")
    colleagues.first.click()
    board.page.wait_for_url("**" + str(target))
    assert board.errors == []
