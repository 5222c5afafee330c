"""Cold starts in fresh interpreters: each function module's import against `import boto3`
(figure 2), and a cold webhook invocation's peak memory and time against `import boto3`
(figure 3). The modules are loaded by path under a unique name, as
leadwire_local.template.load_handler does (that helper itself imports cfn-lint, so the child
repeats its three importlib lines instead of importing it)."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

from bench.figures import Figure, figure, p50
from leadwire.providers import DEV_SECRETS
from leadwire_local.lambda_events import http_event
from leadwire_local.senders import json_form, json_webhook
from leadwire_local.template import ROOT, Template

LAYER = ROOT / "layers" / "leadwire"
FUNCTIONS = ["WebhookFunction", "SqlAlertFunction", "LeadsFunction", "DecayFunction"]

# A fresh interpreter: the function module loaded as load_handler loads it, and nothing else.
IMPORT_HANDLER = """
import importlib.util, sys
spec = importlib.util.spec_from_file_location(sys.argv[1], sys.argv[2])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
getattr(module, sys.argv[3])
"""

# Peak resident memory of this process. Linux keeps ru_maxrss across exec (a child started by
# a 300 MB parent reports 300 MB), so it is read from VmHWM, which starts afresh at exec;
# ru_maxrss where there is no /proc.
PEAK_KB = """
import resource
def peak_kb():
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
"""

# The same, then one invocation with the event on stdin; the measurements on the last line.
COLD_INVOCATION = (
    "import json, time\n"
    + PEAK_KB
    + "started = time.perf_counter()\n"
    + IMPORT_HANDLER
    + """
imported = time.perf_counter()
class Context:
    function_name = "leadwire-webhook"
    memory_limit_in_mb = 256
    aws_request_id = "cold-start"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:leadwire-webhook"
    def get_remaining_time_in_millis(self):
        return 10_000
result = getattr(module, sys.argv[3])(json.loads(sys.stdin.read()), Context())
done = time.perf_counter()
print(json.dumps({
    "status": result["statusCode"],
    "import_s": imported - started,
    "invoke_s": done - imported,
    "maxrss_kb": peak_kb(),
}))
"""
)

IMPORT_BOTO3 = (
    PEAK_KB
    + """
import json, time
started = time.perf_counter()
import boto3
print(json.dumps({"import_s": time.perf_counter() - started,
                  "maxrss_kb": peak_kb()}))
"""
)


def _child_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(LAYER),  # the layer, as /opt/python is on Lambda's path
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_SERVICE_NAME": "leadwire",
        "POWERTOOLS_LOG_LEVEL": "INFO",
    }
    env.update(extra or {})
    return env


def _wall(command: list[str], env: Mapping[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=60)
    return time.perf_counter() - started


@dataclass(frozen=True)
class ImportRun:
    boto3: list[float]
    modules: dict[str, list[float]]


def measure_imports(repeats: int = 11) -> ImportRun:
    """Wall time of a fresh `python` importing each function module, and importing boto3,
    interleaved round by round (the first round warms the page cache and __pycache__)."""
    template = Template()
    env = _child_environment()
    floor_command = [sys.executable, "-c", "import boto3"]
    commands = {}
    for logical in FUNCTIONS:
        spec = template.function(logical)
        module, _, attribute = spec.handler.rpartition(".")
        path = spec.code_uri / (module.replace(".", "/") + ".py")
        unique = f"leadwire_function_{logical}"
        commands[logical] = [sys.executable, "-c", IMPORT_HANDLER, unique, str(path), attribute]
    floor: list[float] = []
    modules: dict[str, list[float]] = {logical: [] for logical in FUNCTIONS}
    for round_ in range(repeats + 1):
        for logical, command in commands.items():
            timed_floor = _wall(floor_command, env)
            timed_module = _wall(command, env)
            if round_:
                floor.append(timed_floor)
                modules[logical].append(timed_module)
    return ImportRun(floor, modules)


def import_figures(run: ImportRun) -> list[Figure]:
    floor = p50(run.boto3) * 1000
    figures = []
    for logical, samples in run.modules.items():
        value = p50(samples) * 1000
        figures.append(
            figure(
                f"cold import {logical} (fresh python)",
                value,
                "ms",
                floor,
                goal="<= 1.3x",
                met=value <= 1.3 * floor,
                note="floor: python -c 'import boto3'",
            )
        )
    return figures


# -- a cold webhook invocation against a moto server -------------------------------------------


@contextmanager
def moto_server_stack() -> Iterator[dict[str, str]]:
    """A moto server on loopback with the template's resources and the `json` provider's
    secret in SSM, as deployed; yields the webhook function's environment pointed at it."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per AWS call
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    saved = dict(os.environ)
    try:
        os.environ.update(_child_environment({"AWS_ENDPOINT_URL": endpoint}))
        stack = Template().create(region="us-east-1")
        environment = stack.environment("WebhookFunction")
        boto3.client("ssm", region_name="us-east-1").put_parameter(
            Name=environment["SECRETS_PARAMETER_PREFIX"] + "json",
            Value=DEV_SECRETS["json"],
            Type="SecureString",
        )
        os.environ.clear()
        os.environ.update(saved)
        yield _child_environment({**environment, "AWS_ENDPOINT_URL": endpoint})
    finally:
        os.environ.clear()
        os.environ.update(saved)
        server.stop()


@dataclass(frozen=True)
class ColdRun:
    maxrss_kb: list[int]
    import_s: list[float]
    invoke_s: list[float]
    boto3_maxrss_kb: list[int]
    boto3_import_s: list[float]


def measure_cold_invocations(repeats: int = 5) -> ColdRun:
    spec = Template().function("WebhookFunction")
    module, _, attribute = spec.handler.rpartition(".")
    path = spec.code_uri / (module.replace(".", "/") + ".py")
    command = [
        sys.executable,
        "-c",
        COLD_INVOCATION,
        "leadwire_function_WebhookFunction",
        str(path),
        attribute,
    ]
    found: dict[str, list[Any]] = {k: [] for k in ColdRun.__dataclass_fields__}
    with moto_server_stack() as env:
        for n in range(repeats + 1):
            headers, body = json_webhook(
                json_form("demo-request", {"email": f"cold{n}@corp.example", "first_name": "C"})
            )
            event = http_event(
                "POST",
                "/webhooks/forms/json",
                route_key="POST /webhooks/forms/{provider}",
                path_parameters={"provider": "json"},
                headers=headers,
                body=body,
            )
            done = subprocess.run(
                command, env=env, input=json.dumps(event), capture_output=True, text=True
            )
            if done.returncode:
                raise RuntimeError(f"the cold invocation failed:\n{done.stderr}")
            measured = json.loads(done.stdout.strip().splitlines()[-1])
            if measured["status"] != 202:
                raise RuntimeError(f"the cold invocation was not accepted: {done.stdout}")
            floor = subprocess.run(
                [sys.executable, "-c", IMPORT_BOTO3],
                env=_child_environment(),
                capture_output=True,
                text=True,
                check=True,
            )
            boto = json.loads(floor.stdout)
            if n:  # the first pair warms the caches
                found["maxrss_kb"].append(measured["maxrss_kb"])
                found["import_s"].append(measured["import_s"])
                found["invoke_s"].append(measured["invoke_s"])
                found["boto3_maxrss_kb"].append(boto["maxrss_kb"])
                found["boto3_import_s"].append(boto["import_s"])
    return ColdRun(**found)


def cold_figures(run: ColdRun) -> list[Figure]:
    rss, rss_floor = p50(run.maxrss_kb) / 1024, p50(run.boto3_maxrss_kb) / 1024
    start = (p50(run.import_s) + p50(run.invoke_s)) * 1000
    return [
        figure(
            "peak memory, cold webhook invocation",
            rss,
            "MiB",
            rss_floor,
            note="peak RSS (VmHWM); floor: import boto3 alone; MemorySize is 256 MB",
        ),
        figure(
            "cold webhook start: import + first invocation",
            start,
            "ms",
            p50(run.boto3_import_s) * 1000,
            note="in-interpreter time against a moto server on loopback (SSM secret, "
            "DynamoDB); floor: import boto3, timed inside the interpreter",
        ),
    ]
