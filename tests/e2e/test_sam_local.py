"""`sam local invoke` as the README writes it, without Docker: the environment a container would
get is resolved by SAM CLI's own code (from .tools/) out of template.yaml and the env.json
`leadwire serve` wrote, and the real handler runs in a process with exactly that environment,
against the running stack, on the event `leadwire event` prints."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from leadwire_local.template import TEMPLATE, Template
from tests.e2e.stack import COMMAND_TIMEOUT, ServeProcess, checkout_environment, get_json

pytestmark = pytest.mark.e2e

ROOT = TEMPLATE.parent
SAM_PYTHON = ROOT / ".tools" / "uv-tools" / "aws-sam-cli" / "bin" / "python"
SAM_ENVIRONMENT = Path(__file__).with_name("sam_environment.py")
# Lambda's python runtime: the function's code at /var/task, the layer's at /opt/python.
RUN_HANDLER = """
import json, sys
from app import lambda_handler
from leadwire_local.lambda_events import LambdaContext
print(json.dumps(lambda_handler(json.load(sys.stdin), LambdaContext())))
"""


def sam_resolved_environment(function: str, env_file: Path) -> dict[str, str]:
    """What SAM CLI gives the function's container for `--env-vars env_file` (fake credentials
    in an otherwise empty shell, as the README's command line sets them)."""
    shell = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "SAM_CLI_TELEMETRY": "0",
    }
    resolved = subprocess.run(
        [str(SAM_PYTHON), str(SAM_ENVIRONMENT), str(TEMPLATE), function, str(env_file)],
        capture_output=True,
        text=True,
        env=shell,
        cwd=ROOT,
        timeout=COMMAND_TIMEOUT,
    )
    assert resolved.returncode == 0, resolved.stderr
    return dict(json.loads(resolved.stdout))


@pytest.mark.skipif(not SAM_PYTHON.exists(), reason="the SAM CLI is not in .tools (make lint)")
def test_sam_local_invoke_with_the_env_file_and_a_fresh_event_reaches_the_running_stack(tmp_path):
    # Given `make run` going (as seen from a `--docker-network host` container: 127.0.0.1)
    host = ("--container-host", "127.0.0.1")
    served = ServeProcess(tmp_path / "data", tmp_path / "serve.log", *host)
    served.start()
    try:
        # Then its env.json names every function, with this run's table, topic and moto
        variables = json.loads((served.data_dir / "env.json").read_text())
        functions = Template(TEMPLATE).resources("AWS::Serverless::Function")
        assert set(variables) == set(functions)
        webhook = variables["WebhookFunction"]
        assert webhook["TABLE_NAME"] == "leadwire-LeadsTable"
        assert webhook["SECRETS_SOURCE"] == "env"
        assert webhook["AWS_ENDPOINT_URL"].startswith("http://127.0.0.1:")
        assert variables["SqlAlertFunction"]["ALERTS_TOPIC_ARN"].startswith("arn:aws:sns:")
        # When SAM CLI resolves the function's environment with it
        environment = sam_resolved_environment("WebhookFunction", served.data_dir / "env.json")
        for name in ("TABLE_NAME", "SECRETS_SOURCE", "AWS_ENDPOINT_URL"):
            assert environment[name] == webhook[name], name
        # ... and the handler runs with exactly that, on `leadwire event`'s output
        event = subprocess.run(
            [sys.executable, "-m", "leadwire_local.cli", "event", "webhook-json-form"],
            capture_output=True,
            text=True,
            env=checkout_environment(),
            timeout=COMMAND_TIMEOUT,
        )
        assert event.returncode == 0, event.stderr
        code_paths = [ROOT / "functions" / "webhook", ROOT / "layers" / "leadwire", ROOT / "local"]
        invoked = subprocess.run(
            [sys.executable, "-c", RUN_HANDLER],
            input=event.stdout,
            capture_output=True,
            text=True,
            env={**environment, "PYTHONPATH": os.pathsep.join(map(str, code_paths))},
            timeout=COMMAND_TIMEOUT,
        )
        # Then the webhook is accepted (fresh signature, dev secret) and written to the stack
        assert invoked.returncode == 0, invoked.stderr
        answer = json.loads(invoked.stdout.strip().splitlines()[-1])
        assert answer["statusCode"] == 202, answer
        [lead] = get_json(served.base + "/leads?email=vera@bigco.example")["items"]
        assert lead["stage"] in ("mql", "sql")
    finally:
        assert served.stop() == 0, served.output()


def test_deployed_functions_get_no_endpoint_variable():
    # The template's default leaves AWS_ENDPOINT_URL unset (deploys are unchanged)
    template = Template(TEMPLATE)
    assert template.parameters["AwsEndpointUrl"]["Default"] == ""
    for function in template.resources("AWS::Serverless::Function"):
        declared = template.function(function).environment["AWS_ENDPOINT_URL"]
        assert declared["Fn::If"][0] == "HasAwsEndpointUrl"
        assert declared["Fn::If"][2] == {"Ref": "AWS::NoValue"}
