"""Headless Chromium for the browser tests (tests/e2e/test_browser.py, test_board_browser.py):
Debian's `chromium`, driven by Playwright, installed with apt when it is missing (we run as
root on Debian); the tests skip, saying why, only where that install cannot happen."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("LEADWIRE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",  # root in a container: Chromium's sandbox cannot start
    "--headless=new",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
APT_UPDATE_TIMEOUT = 300
APT_INSTALL_TIMEOUT = 600
LAUNCH_TIMEOUT_MS = 300_000  # a bound for a hung browser, not a speed goal


def install_chromium() -> str | None:
    """`apt-get install chromium`, bounded in time; None when done, else why it cannot be."""
    apt = shutil.which("apt-get")
    if apt is None:
        return f"{CHROMIUM} is missing and there is no apt-get to install Debian's chromium"
    if os.geteuid() != 0:
        return f"{CHROMIUM} is missing and installing it with apt-get needs root"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    lock_wait = ["-o", "DPkg::Lock::Timeout=120"]  # another apt run may hold the lock
    steps = [
        ([apt, *lock_wait, "update"], APT_UPDATE_TIMEOUT),
        ([apt, *lock_wait, "install", "-y", "chromium"], APT_INSTALL_TIMEOUT),
    ]
    for command, timeout in steps:
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=timeout, env=env, check=False
            )
        except subprocess.TimeoutExpired:
            return f"`{' '.join(command)}` did not finish within {timeout} s"
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            return f"`{' '.join(command)}` failed ({done.returncode}): {' / '.join(tail)}"
    return None if CHROMIUM.exists() else f"chromium installed, but {CHROMIUM} is not there"


@pytest.fixture(scope="session")
def chromium() -> str:
    if not CHROMIUM.exists():
        started = time.monotonic()
        problem = install_chromium()
        if problem:
            pytest.skip(f"no headless Chromium: {problem}")
        print(f"installed chromium in {time.monotonic() - started:.0f} s")
    return str(CHROMIUM)


@pytest.fixture(scope="session")
def browser(chromium: str) -> Iterator[Any]:
    # Playwright drives the system Chromium; `playwright install` (which downloads its own
    # browser builds) is never needed.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium, args=CHROMIUM_ARGS, timeout=LAUNCH_TIMEOUT_MS
        )
        try:
            yield launched
        finally:
            launched.close()
