"""`leadwire send` as a user runs it, against `leadwire serve` in its own process."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.stack import COMMAND_TIMEOUT, ServeProcess, checkout_environment, get_json, serving

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    with serving(tmp_path_factory.mktemp("send")) as local:
        yield local


def leadwire_send(stack: ServeProcess, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "leadwire_local.cli", "send", *args, "--url", stack.base]
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
        env=checkout_environment(),
    )


def lead_by_email(stack: ServeProcess, email: str) -> dict[str, Any]:
    [summary] = get_json(f"{stack.base}/leads?email={email}")["items"]
    return dict(get_json(f"{stack.base}/leads/{summary['leadId']}"))


def test_send_json_posts_a_signed_form_with_the_given_fields(stack):
    email = f"vera.{uuid.uuid4().hex[:8]}@bigco.example"
    # When a user sends a json form webhook with their own form name and fields
    result = leadwire_send(
        stack, "json", "--form", "demo-request", "--field", f"email={email}",
        "--field", "first_name=Vera", "--field", "job_title=CEO",
    )  # fmt: skip
    # Then the stack accepted it, and the lead holds those fields and that form
    assert result.returncode == 0, result.stderr
    status, body = result.stdout.splitlines()[:2]
    assert status == "202" and json.loads(body)["status"] == "accepted", result.stdout
    lead = lead_by_email(stack, email)
    assert lead["profile"]["firstName"] == "Vera" and lead["profile"]["jobTitle"] == "CEO"
    [entry] = lead["ledger"]
    assert entry["form"] == "demo-request" and entry["action"] == "demo_request"


def test_send_hubspot_signs_the_url_the_webhook_function_sees(stack):
    email = f"grace.{uuid.uuid4().hex[:8]}@navy.example"
    # When a user sends HubSpot's sample (its v3 signature covers https://<Host><path>)
    result = leadwire_send(stack, "hubspot", "--form", "webinar", "--field", f"email={email}")
    # Then the signature checks out and the override reached the lead
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("202\n"), result.stdout
    lead = lead_by_email(stack, email)
    assert lead["profile"].get("firstName") is None  # only the given fields are sent
    assert lead["ledger"][0]["form"] == "webinar"


def test_send_refuses_an_override_a_provider_has_no_room_for(stack):
    result = leadwire_send(stack, "drift", "--field", "email=x@corp.example")
    assert result.returncode == 2
    assert "not supported for drift" in result.stderr and "Traceback" not in result.stderr


def test_send_says_when_no_stack_is_listening(tmp_path):
    class Nowhere:
        base = "http://127.0.0.1:9"  # discard: nothing listens there

    result = leadwire_send(Nowhere(), "json")  # type: ignore[arg-type]
    assert result.returncode == 1
    assert "is `make run` running?" in result.stderr and "Traceback" not in result.stderr
