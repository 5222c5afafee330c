"""Each function loads only what it uses: importing a handler in a fresh interpreter (as a cold
Lambda does) must not load what the function never calls."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import leadwire

ROOT = Path(__file__).parents[2]
LAYER_ROOT = Path(leadwire.__file__).parents[1]

# What the stream and schedule functions never use: the providers (and their pydantic models),
# the rules file's YAML parser, and Powertools' HTTP resolvers.
NOT_FOR_BACKGROUND = ("leadwire.providers", "yaml", "aws_lambda_powertools.event_handler")
# What no function loads at import: Powertools' resolvers (and their event data classes), its
# batch utility (asyncio), pydantic; the route tables and the stream loop are the layer's own.
NOT_FOR_ANY = (
    "aws_lambda_powertools.event_handler",
    "aws_lambda_powertools.utilities.batch",
    "aws_lambda_powertools.utilities.data_classes",
    "asyncio",
    "pydantic",
)
FORBIDDEN = {
    "sql_alert": (
        *NOT_FOR_BACKGROUND,
        *NOT_FOR_ANY,
        "leadwire.domain.rules",
        "leadwire.app.intake",
    ),
    "alert_sweep": (
        *NOT_FOR_BACKGROUND,
        *NOT_FOR_ANY,
        "leadwire.domain.rules",
        "leadwire.app.intake",
    ),
    "decay": (*NOT_FOR_BACKGROUND, *NOT_FOR_ANY),
    # The leads function renders its HTML pages (the board, the lead page) only when asked for.
    "leads": (
        "leadwire.providers",
        "leadwire.app.intake",
        "leadwire.app.lead_page",
        "leadwire.shell.board",
        "leadwire.shell.lead_page",
        "yaml",
        *NOT_FOR_ANY,
    ),
    # The webhook loads a provider when a request names it, a phone parser when one is given.
    "webhook": (
        "leadwire.app.disposition",
        "leadwire.app.erasure",
        "leadwire.app.decay",
        "leadwire.providers.sendgrid",
        "leadwire.providers.typeform",
        "phonenumbers",
        *NOT_FOR_ANY,
    ),
}


def after_import(function: str, report: str, env: dict[str, str] | None = None) -> Any:
    """What `report` (a JSON expression) says in a fresh interpreter that imported the
    function's handler, as a cold Lambda does."""
    code = (
        "import gc, json, sys\n"
        f"sys.path[:0] = [{str(ROOT / 'functions' / function)!r}, {str(LAYER_ROOT)!r}]\n"
        "import app\n"
        f"print(json.dumps({report}))\n"
    )
    base = {"AWS_DEFAULT_REGION": "us-east-1", "POWERTOOLS_SERVICE_NAME": "leadwire"}
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=600,
        env={**base, **(env or {})},
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def modules_after_import(function: str) -> list[str]:
    return list(after_import(function, "sorted(sys.modules)"))


@pytest.mark.parametrize("function", sorted(FORBIDDEN))
def test_a_cold_function_imports_only_what_it_uses(function):
    loaded = modules_after_import(function)
    unwanted = [
        name
        for name in loaded
        if any(name == f or name.startswith(f + ".") for f in FORBIDDEN[function])
    ]
    assert unwanted == [], f"functions/{function}/app.py loads {unwanted}"
    assert "leadwire.shell.runtime" in loaded  # (and it did import the layer)


def cold_start_collector(function: str, lambda_runtime: bool) -> dict[str, Any]:
    """The collector's state as a fresh interpreter leaves it after importing the handler."""
    report = (
        "{'enabled': gc.isenabled(), 'frozen': gc.get_freeze_count(), 'first': [m for m in"
        " sys.modules if m.startswith(('aws_lambda_powertools', 'leadwire.shell.coldstart'))][0]}"
    )
    lambda_env = {"AWS_EXECUTION_ENV": "AWS_Lambda_python3.13"} if lambda_runtime else {}
    return dict(after_import(function, report, lambda_env))


@pytest.mark.parametrize("function", sorted(FORBIDDEN))
def test_in_lambda_a_function_freezes_what_it_loaded_and_collects_again(function):
    # In Lambda's runtime: the collector paused before Powertools loads, then on, with the
    # loaded objects frozen out of its walks
    in_lambda = cold_start_collector(function, lambda_runtime=True)
    assert in_lambda["first"] == "leadwire.shell.coldstart"
    assert in_lambda["enabled"] is True and in_lambda["frozen"] > 10_000
    # Elsewhere (tests, the local stack load functions again and again): nothing is frozen
    assert cold_start_collector(function, lambda_runtime=False)["frozen"] == 0
