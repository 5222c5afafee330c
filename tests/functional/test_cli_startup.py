"""The CLI starts light: `leadwire --help` and `leadwire send` load neither the AWS SDK, moto
nor cfn-lint (they took seconds of CPU per command), and the template they read with a small
CloudFormation-aware YAML loader is the template CloudFormation would see."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import leadwire
import leadwire_local
from leadwire.domain.rules import DEFAULT_RULES_FILE
from leadwire_local import cli
from leadwire_local.template import TEMPLATE, Template, load_template

ROOTS = [str(Path(leadwire.__file__).parents[1]), str(Path(leadwire_local.__file__).parents[1])]
HEAVY = ("boto3", "botocore", "moto", "cfnlint", "s3transfer")


def modules_after(argv: list[str]) -> tuple[list[str], str]:
    """The modules a fresh interpreter holds after running `leadwire <argv>`, and its output."""
    code = (
        "import json, sys\n"
        f"sys.path[:0] = {ROOTS!r}\n"
        "from leadwire_local.cli import main\n"
        "try:\n"
        f"    main({argv!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('\\nMODULES ' + json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    head, _, modules = done.stdout.rpartition("\nMODULES ")
    assert modules, done.stderr
    return list(json.loads(modules)), head + done.stderr


def heavy(loaded: list[str]) -> list[str]:
    return [m for m in loaded if m.split(".", 1)[0] in HEAVY]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_help_loads_no_aws_sdk_no_moto_no_cfn_lint():
    loaded, output = modules_after(["--help"])
    assert "serve" in output and "send" in output  # it did print the help
    assert heavy(loaded) == []
    assert "pydantic" not in loaded and "yaml" not in loaded


@pytest.mark.parametrize("command", ["serve", "send", "whatif", "review", "redrive"])
def test_each_commands_help_is_as_light(command):
    loaded, output = modules_after([command, "--help"])
    assert "usage: leadwire" in output
    assert heavy(loaded) == []


def test_send_loads_no_boto3_no_moto_no_cfn_lint():
    # Given no stack listening, `send` still builds, signs and tries to post its webhook
    url = f"http://127.0.0.1:{closed_port()}"
    loaded, output = modules_after(
        ["send", "json", "--field", "email=a@corp.example", "--url", url]
    )
    assert "is `make run` running?" in output
    assert [m for m in heavy(loaded) if not m.startswith("botocore")] == []


def test_the_default_rules_path_is_the_shipped_rules():
    assert cli.default_rules_file() == DEFAULT_RULES_FILE


def test_short_tags_read_as_their_long_forms(tmp_path):
    path = tmp_path / "template.yaml"
    path.write_text(
        "Conditions:\n"
        "  HasAlarm: !Not [!Equals [!Ref AlarmEmail, '']]\n"
        "Resources:\n"
        "  Fn:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties:\n"
        "      Stream: !GetAtt LeadsTable.StreamArn\n"
        "      Name: !Sub '${AWS::StackName}-x'\n"
        "      Maybe: !If [HasAlarm, !Ref Topic, !Ref AWS::NoValue]\n"
        "      Listed: !GetAtt [LeadsTable, Arn]\n"
        "      Joined: !Join [',', [a, b]]\n"
    )
    document = load_template(path)
    assert document["Conditions"]["HasAlarm"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmEmail"}, ""]}]
    }
    props = document["Resources"]["Fn"]["Properties"]
    assert props["Stream"] == {"Fn::GetAtt": ["LeadsTable", "StreamArn"]}
    assert props["Name"] == {"Fn::Sub": "${AWS::StackName}-x"}
    assert props["Maybe"] == {"Fn::If": ["HasAlarm", {"Ref": "Topic"}, {"Ref": "AWS::NoValue"}]}
    assert props["Listed"] == {"Fn::GetAtt": ["LeadsTable", "Arn"]}
    assert props["Joined"] == {"Fn::Join": [",", ["a", "b"]]}


def test_a_file_that_is_not_a_template_is_named(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text("version: 1\n")
    with pytest.raises(ValueError, match="rules.yaml: not a CloudFormation template"):
        Template(path)


def test_the_real_template_resolves_as_before():
    # The functions' environment still resolves through the long forms (table, topic, stream)
    template = Template(TEMPLATE)
    webhook = template.function("WebhookFunction")
    assert webhook.environment["TABLE_NAME"] == {"Ref": "LeadsTable"}
    alert = template.function("SqlAlertFunction")
    stream = alert.events["LeadStream"]["Properties"]["Stream"]
    assert stream == {"Fn::GetAtt": ["LeadsTable", "StreamArn"]}
    assert json.dumps(template.document)  # plain data, nothing custom left in it
