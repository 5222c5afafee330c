"""Cold starts as Lambda has them: a fresh interpreter of the runtime's Python (3.13 when the
Makefile finds one), the layer and functions as shipped (pip-installed for that Python and
compiled to unchecked-hash bytecode, run with -B as read-only /opt and /var/task are), import
*and* the first invocation answered, against a moto server on loopback.

The floor of each function is the same fresh interpreter doing `import boto3`, creating the
clients and making exactly the AWS calls the function made (recorded from a warm-up run of the
function itself), raw. Both are measured as the child's CPU time (user + system), which a busy
machine inflates far less than wall time, in interleaved rounds; the median is reported.
"""

from __future__ import annotations

import json
import logging
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

from bench.figures import Figure, figure, p50, relative_noise
from bench.webhook import json_form_event
from leadwire.domain.models import lead_id_for
from leadwire.providers import DEV_SECRETS
from leadwire_local.lambda_events import http_event, scheduled_event, stream_event
from leadwire_local.streams import StreamReader, matches
from leadwire_local.template import ROOT, Stack, Template

FUNCTIONS = {  # logical id -> the goal of its cold start against its raw floor
    "WebhookFunction": 1.3,
    "SqlAlertFunction": 1.2,
    "LeadsFunction": 1.2,
    "DecayFunction": 1.2,
}
RSS_GOAL = 1.6
DECAY_RULE = "arn:aws:events:us-east-1:123456789012:rule/leadwire-decay"
CPU_SECONDS_TIMEOUT = 300  # a bound for a hung child, not a speed goal

# A fresh interpreter as Lambda starts one: the handler module imported from its folder, one
# event answered; with LEADWIRE_BENCH_RECORD set it also records every AWS call it makes.
FUNCTION_CHILD = """
import json, os, sys
record = os.environ.get("LEADWIRE_BENCH_RECORD")
if record:
    import pickle
    import botocore.client
    calls = []
    original = botocore.client.BaseClient._make_api_call
    def recorded(self, operation, params):
        calls.append((self.meta.service_model.service_name, operation, params))
        return original(self, operation, params)
    botocore.client.BaseClient._make_api_call = recorded
sys.path.insert(0, sys.argv[1])
import app
class Context:
    function_name = "leadwire-bench"
    memory_limit_in_mb = 256
    aws_request_id = "cold-start"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:leadwire-bench"
    def get_remaining_time_in_millis(self):
        return 10_000
result = app.lambda_handler(json.loads(sys.stdin.read()), Context())
if record:
    with open(record, "wb") as out:
        pickle.dump(calls, out)
def peak_kb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0
print(json.dumps({"result": result, "maxrss_kb": peak_kb()}, default=str))
"""

# The floor: the same interpreter, boto3 and the recorded calls, nothing else.
FLOOR_CHILD = """
import json, pickle, sys
import boto3
from botocore import xform_name
from botocore.exceptions import ClientError
with open(sys.argv[1], "rb") as recorded:
    calls = pickle.load(recorded)
clients = {}
for service, operation, params in calls:
    if service not in clients:
        clients[service] = boto3.client(service)
    try:
        getattr(clients[service], xform_name(operation))(**params)
    except ClientError:
        pass  # a replayed condition may fail; the work of sending it was done
def peak_kb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0
print(json.dumps({"maxrss_kb": peak_kb()}))
"""


def runtime_python() -> tuple[str, str]:
    """The interpreter to measure with and why: LEADWIRE_BENCH_PYTHON (the Makefile passes the
    python3.13 it found), else this one."""
    chosen = os.environ.get("LEADWIRE_BENCH_PYTHON", "")
    if chosen and Path(chosen).exists():
        return chosen, "python3.13 as on Lambda"
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    return sys.executable, f"no python3.13 found: measured on {version}"


def _locked_version(package: str) -> str:
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    for entry in lock["package"]:
        if entry["name"] == package:
            return str(entry["version"])
    raise LookupError(f"{package} is not in uv.lock")


def build(python: str, into: Path) -> Path:
    """The layer, the functions and the runtime's boto3 as Lambda has them, compiled."""
    pinned = ROOT / ".tools" / "bin" / "uv"  # the Makefile's pinned uv, else one on PATH
    uv = str(pinned) if pinned.exists() else shutil.which("uv") or "uv"
    layer, runtime = into / "layer", into / "runtime"
    install = [uv, "pip", "install", "--quiet", "--python", python, "--target"]
    requirements = ROOT / "layers" / "leadwire" / "requirements.txt"
    subprocess.run([*install, str(layer), "-r", str(requirements)], check=True)
    boto3_pin = f"boto3=={_locked_version('boto3')}"  # the runtime ships boto3, not the layer
    subprocess.run([*install, str(runtime), boto3_pin], check=True)
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(ROOT / "layers" / "leadwire" / "leadwire", layer / "leadwire", ignore=ignore)
    shutil.copytree(ROOT / "functions", into / "functions", ignore=ignore)
    subprocess.run(
        [python, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash"]
        + [str(into)],
        check=True,
    )
    return into


@contextmanager
def moto_stack() -> Iterator[tuple[Stack, str]]:
    """A moto server with the template's resources and the `json` provider's secret in SSM."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    saved = dict(os.environ)
    try:
        os.environ["AWS_ENDPOINT_URL"] = endpoint
        stack = Template().create(region="us-east-1")
        prefix = stack.environment("WebhookFunction")["SECRETS_PARAMETER_PREFIX"]
        boto3.client("ssm", region_name="us-east-1").put_parameter(
            Name=prefix + "json", Value=DEV_SECRETS["json"], Type="SecureString"
        )
        yield stack, endpoint
    finally:
        os.environ.clear()
        os.environ.update(saved)
        server.stop()


@dataclass
class Samples:
    cpu_s: list[float] = field(default_factory=list)
    maxrss_kb: list[int] = field(default_factory=list)


@dataclass
class ColdStarts:
    python: str
    functions: dict[str, Samples]
    floors: dict[str, Samples]


class _Children:
    """Runs the children and charges each its own CPU time (they run one at a time)."""

    def __init__(self, python: str, built: Path, stack: Stack, endpoint: str) -> None:
        self.python, self.built, self.stack = python, built, stack
        self.base = {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": f"{built / 'layer'}{os.pathsep}{built / 'runtime'}",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ENDPOINT_URL": endpoint,
            "POWERTOOLS_SERVICE_NAME": "leadwire",
            "POWERTOOLS_LOG_LEVEL": "INFO",
            # As Lambda's runtime sets it (botocore adds it to its user agent; the functions
            # freeze what their cold start loaded: leadwire/shell/coldstart.py).
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",  # the template's Runtime
        }

    def run(
        self, code: str, args: list[str], env: dict[str, str], stdin: str
    ) -> tuple[dict, float]:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run(
            [self.python, "-B", "-c", code, *args],
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=CPU_SECONDS_TIMEOUT,
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode:
            raise RuntimeError(f"a cold-start child failed:\n{done.stderr[-3000:]}")
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        return json.loads(done.stdout.strip().splitlines()[-1]), cpu

    def function(self, logical: str, event: dict, record: Path | None = None) -> tuple[dict, float]:
        spec = self.stack.template.function(logical)
        folder = self.built / "functions" / spec.code_uri.name
        env = {**self.base, **self.stack.environment(logical)}
        if record:
            env["LEADWIRE_BENCH_RECORD"] = str(record)
        return self.run(FUNCTION_CHILD, [str(folder)], env, json.dumps(event, default=_epoch))

    def floor(self, recorded: Path) -> tuple[dict, float]:
        return self.run(FLOOR_CHILD, [str(recorded)], self.base, "")


def _epoch(value: Any) -> float:
    """Lambda delivers a stream record's ApproximateCreationDateTime as epoch seconds."""
    if isinstance(value, datetime):
        return value.timestamp()
    raise TypeError(f"{type(value).__name__} in an event")


def _webhook_event(n: int) -> dict:
    """A good-fit demo request (an SQL on arrival), signed now."""
    fields = {
        "email": f"cold{n}@bigco.example",
        "first_name": "Vera",
        "job_title": "VP Operations",
        "company": "BigCo",
        "company_size": "500",
        "message": "We need this for 40 people",
    }
    return json_form_event("demo-request", fields)


def _leads_event(lead_id: str) -> dict:
    return http_event(
        "GET",
        f"/leads/{lead_id}",
        route_key="GET /leads/{leadId}",
        path_parameters={"leadId": lead_id},
    )


def _stream_trigger(stack: Stack) -> tuple[str, list[dict[str, Any]], str]:
    spec = stack.template.function("SqlAlertFunction")
    name, props = next(
        (n, e["Properties"]) for n, e in spec.events.items() if e.get("Type") == "DynamoDB"
    )
    return str(stack.resolve(props["Stream"])), stack.stream_filters("SqlAlertFunction", name), name


def measure(rounds: int = 9) -> ColdStarts:
    """Each function's cold start and its floor, interleaved for `rounds` rounds after one
    warm-up round (which fills the page cache and records the floors' calls)."""
    python, why = runtime_python()
    functions = {logical: Samples() for logical in FUNCTIONS}
    floors = {logical: Samples() for logical in FUNCTIONS}
    with (
        tempfile.TemporaryDirectory(prefix="leadwire-bench-") as tmp,
        moto_stack() as (
            stack,
            endpoint,
        ),
    ):
        built = build(python, Path(tmp) / "build")
        children = _Children(python, built, stack, endpoint)
        stream_arn, filters, _ = _stream_trigger(stack)
        reader = StreamReader(stream_arn)
        recorded = {logical: Path(tmp) / f"{logical}.calls" for logical in FUNCTIONS}

        def one(logical: str, event: dict, round_: int) -> dict:
            warm_up = round_ == 0
            answer, cpu = children.function(logical, event, recorded[logical] if warm_up else None)
            floor_answer, floor_cpu = children.floor(recorded[logical])
            if not warm_up:
                functions[logical].cpu_s.append(cpu)
                functions[logical].maxrss_kb.append(answer["maxrss_kb"])
                floors[logical].cpu_s.append(floor_cpu)
                floors[logical].maxrss_kb.append(floor_answer["maxrss_kb"])
            return answer["result"]

        for round_ in range(rounds + 1):
            reader.read()  # what came before this round is not its alert
            accepted = one("WebhookFunction", _webhook_event(round_), round_)
            if accepted["statusCode"] != 202:
                raise RuntimeError(f"the cold webhook was not accepted: {accepted}")
            lead_id = lead_id_for(f"cold{round_}@bigco.example")
            sql = [r for r in reader.read() if any(matches(f, r) for f in filters)]
            if not sql:
                raise RuntimeError("the cold webhook's demo request made no SQL to alert on")
            alerted = one("SqlAlertFunction", stream_event(sql, stream_arn), round_)
            if alerted.get("batchItemFailures"):
                raise RuntimeError(f"the cold alert failed: {alerted}")
            shown = one("LeadsFunction", _leads_event(lead_id), round_)
            if shown["statusCode"] != 200:
                raise RuntimeError(f"the cold lead read failed: {shown}")
            one("DecayFunction", scheduled_event(datetime.now(UTC), DECAY_RULE), round_)
    return ColdStarts(python=why, functions=functions, floors=floors)


def figures(run: ColdStarts) -> list[Figure]:
    found = []
    for logical, goal in FUNCTIONS.items():
        own, floor = run.functions[logical].cpu_s, run.floors[logical].cpu_s
        value, floor_value = p50(own) * 1000, p50(floor) * 1000
        ratio = value / floor_value
        found.append(
            figure(
                f"cold start {logical}: import + first invocation",
                value,
                "ms CPU",
                floor_value,
                goal=f"<= {goal}x",
                met=ratio <= goal,
                note=f"{run.python}; shipped bytecode; floor: import boto3 + the same AWS "
                "calls, raw",
                missed_by=max(0.0, ratio / goal - 1),
                noise=relative_noise([a / b for a, b in zip(own, floor, strict=True)]),
            )
        )
    own_rss = run.functions["WebhookFunction"].maxrss_kb
    floor_rss = run.floors["WebhookFunction"].maxrss_kb
    rss, rss_floor = p50(own_rss) / 1024, p50(floor_rss) / 1024
    found.append(
        figure(
            "peak memory, cold webhook invocation",
            rss,
            "MiB",
            rss_floor,
            goal=f"<= {RSS_GOAL}x",
            met=rss <= RSS_GOAL * rss_floor,
            note="peak RSS (VmHWM); floor: the raw floor's; MemorySize is 256 MB",
            missed_by=max(0.0, rss / rss_floor / RSS_GOAL - 1),
            noise=relative_noise([a / b for a, b in zip(own_rss, floor_rss, strict=True)]),
        )
    )
    return found


if __name__ == "__main__":
    result = measure(rounds=int(sys.argv[1]) if len(sys.argv) > 1 else 3)
    for f in figures(result):
        print(f"{f.name:<60} {f.value:8.1f} {f.unit:<7} floor {f.floor:8.1f} ratio {f.ratio:.2f}")
