"""The lead page an alert's link opens, as a rep's phone shows it: headless Chromium at 375 px
on the local stack. Nothing is wider than the screen, the decision buttons are whole and big
enough to tap, and tapping one records it. `LEADWIRE_BOARD_SCREENSHOTS=docs` writes the
README's picture (lead-page-375.png)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.stack import ServeProcess, get_json, serving, wait_for
from tests.support import READY

pytestmark = pytest.mark.e2e

PHONE = {"width": 375, "height": 740}
TAP_TARGET_PX = 44  # the smallest comfortable tap target (Apple's and WCAG 2.5.5's figure)
SAID = "We need 40 seats before our January kickoff; can you call me this week?"
URGENT = {**READY, "timeline": "within 2 weeks", "phone": "+1 415 555 0134", "message": SAID}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    with serving(tmp_path_factory.mktemp("lead-page")) as local:
        yield local


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.errors = errors
        yield page
    finally:
        context.close()


def box(locator: Any) -> dict[str, float]:
    found = locator.bounding_box()
    assert found is not None, locator
    return dict(found)


def test_the_lead_page_fits_a_phone_and_its_buttons_record_the_decision(stack, phone, tmp_path):
    # Given an urgent SQL's alert
    assert stack.sender.form("demo-request", URGENT, "msg_e2e_lead_page_phone") == "accepted"
    assert wait_for(lambda: len(stack.alert_lines()) == 1, timeout=120), stack.output()
    [line] = stack.alert_lines()
    [link] = re.findall(r"http://127\.0\.0\.1:\d+/l/[A-Za-z0-9_-]{36}", line["message"])

    # When the rep opens its link on a 375 px phone
    phone.goto(link)

    # Then the page shows who, what they wrote and the history, and nothing is wider
    # than the screen (no sideways scrolling)
    assert "Cleo" in phone.locator("h1").inner_text()
    assert phone.locator("blockquote", has_text=SAID).is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    headers = [box(th) for th in phone.locator("table th").all()]
    assert len({h["height"] for h in headers}) == 1, headers  # no heading wraps ("Point/s")
    for cell in phone.locator("table td:last-child").all():
        right = box(cell)["x"] + box(cell)["width"]
        assert right <= PHONE["width"] + 0.5 and cell.inner_text()[:1] in "+-0", cell.inner_text()
    # And the three decisions are whole, side by side, and big enough to tap
    buttons = phone.locator(".buttons button")
    assert buttons.all_inner_texts() == ["Accept", "Reject", "Recycle"]
    for button in buttons.all():
        shape = box(button)
        assert shape["height"] >= TAP_TARGET_PX and shape["width"] >= TAP_TARGET_PX, shape
        assert 0 <= shape["x"] and shape["x"] + shape["width"] <= PHONE["width"] + 0.5, shape
    folder = Path(os.environ.get("LEADWIRE_BOARD_SCREENSHOTS") or tmp_path)
    phone.screenshot(path=str(folder / "lead-page-375.png"), full_page=True)
    assert (folder / "lead-page-375.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # When they type a reason and tap Accept
    phone.fill("#reason", "call booked for Thursday")
    phone.locator("button.accept").tap()

    # Then the page says it was recorded, and the lead holds the decision
    phone.locator(".note", has_text="Recorded: accepted").wait_for()
    lead = get_json(f"{stack.base}/leads/{line['leadId']}")
    assert (lead["disposition"]["outcome"], lead["disposition"]["reason"]) == (
        "accepted",
        "call booked for Thursday",
    )
    assert phone.errors == []
