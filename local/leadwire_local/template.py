"""template.yaml as the single source of truth for local resources.

Reads the SAM template with PyYAML and constructors for CloudFormation's short tags (`!Ref`,
`!GetAtt`, `!Sub`...: cfn-lint's decoder cost seconds of imports per command), creates the table,
topic and queues it declares in whatever AWS endpoint boto3 points at (moto in tests and
in the local stack), and resolves each function's environment the way CloudFormation would.
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
NO_VALUE = object()  # what `Ref: AWS::NoValue` resolves to: the property is not set
_TABLE_PROPERTIES = (
    "AttributeDefinitions",
    "KeySchema",
    "BillingMode",
    "StreamSpecification",
    "GlobalSecondaryIndexes",
    "LocalSecondaryIndexes",
)


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    code_uri: Path
    handler: str
    environment: dict[str, Any]
    events: dict[str, Any]
    timeout: int = 3  # seconds, as Lambda's default

    def schedule_seconds(self) -> float | None:
        """How often its `rate(...)` schedule runs it, in seconds (None: not scheduled)."""
        for event in self.events.values():
            if event["Type"] != "Schedule":
                continue
            found = re.fullmatch(
                r"rate\((\d+) (minute|hour|day)s?\)", str(event["Properties"]["Schedule"])
            )
            if found:
                unit = {"minute": 60, "hour": 3600, "day": 86400}[found.group(2)]
                return int(found.group(1)) * unit
        return None


@dataclass
class Stack:
    """The resources of one template created in one endpoint, by logical id."""

    template: Template
    region: str
    names: dict[str, str] = field(default_factory=dict)  # Ref value
    attributes: dict[tuple[str, str], str] = field(default_factory=dict)  # GetAtt values

    def ref(self, logical_id: str) -> str:
        if logical_id in self.names:
            return self.names[logical_id]
        if logical_id in self.template.parameters:
            return str(self.template.parameters[logical_id].get("Default", ""))
        return {
            "AWS::Region": self.region,
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::AccountId": "123456789012",
            "AWS::StackName": "leadwire-local",
        }.get(logical_id, logical_id)

    def get_att(self, logical_id: str, attribute: str) -> str:
        return self.attributes.get((logical_id, attribute), f"{logical_id}.{attribute}")

    def resolve(self, value: Any) -> Any:
        """Evaluate Ref / Fn::GetAtt / Fn::Sub / Fn::If against the created resources;
        `Ref: AWS::NoValue` is NO_VALUE (the key it is under is left out)."""
        if isinstance(value, Mapping):
            if value.get("Ref") == "AWS::NoValue":
                return NO_VALUE
            if "Fn::If" in value:
                condition, then, otherwise = value["Fn::If"]
                return self.resolve(then if self.condition(str(condition)) else otherwise)
            if "Ref" in value:
                return self.ref(str(value["Ref"]))
            if "Fn::GetAtt" in value:
                target = value["Fn::GetAtt"]
                logical, attribute = target if isinstance(target, list) else target.split(".", 1)
                return self.get_att(str(logical), str(attribute))
            if "Fn::Sub" in value:
                text = value["Fn::Sub"]
                return re.sub(r"\$\{([^}]+)\}", lambda m: self._sub(m.group(1)), str(text))
            return {str(k): self.resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        return value

    def condition(self, name: str) -> bool:
        """A template condition, with parameters at their defaults (or overridden)."""
        return bool(self._truth(self.template.document.get("Conditions", {})[name]))

    def _truth(self, value: Any) -> Any:
        if isinstance(value, Mapping):
            if "Fn::Not" in value:
                return not self._truth(value["Fn::Not"][0])
            if "Fn::Equals" in value:
                left, right = value["Fn::Equals"]
                return str(self._truth(left)) == str(self._truth(right))
            if "Fn::And" in value:
                return all(self._truth(v) for v in value["Fn::And"])
            if "Fn::Or" in value:
                return any(self._truth(v) for v in value["Fn::Or"])
            if "Condition" in value:
                return self.condition(str(value["Condition"]))
        return self.resolve(value)

    def _sub(self, name: str) -> str:
        if "." in name and not name.startswith("AWS::"):
            logical, attribute = name.split(".", 1)
            return self.get_att(logical, attribute)
        return self.ref(name)

    def environment(self, function: str) -> dict[str, str]:
        spec = self.template.function(function)
        resolved = {k: self.resolve(v) for k, v in spec.environment.items()}
        return {k: str(v) for k, v in resolved.items() if v is not NO_VALUE}

    def stream_filters(self, function: str, event: str) -> list[dict[str, Any]]:
        props = self.template.function(function).events[event]["Properties"]
        filters = props.get("FilterCriteria", {}).get("Filters", [])
        return [json.loads(f["Pattern"]) for f in filters]

    def handler(self, function: str) -> Callable[[dict, Any], Any]:
        return load_handler(self.template.function(function))


class Template:
    def __init__(self, path: Path = TEMPLATE) -> None:
        document = load_template(path)
        self.path = path
        self.document: dict[str, Any] = document
        self.parameters: dict[str, Any] = dict(document.get("Parameters", {}))

    def resources(self, kind: str) -> dict[str, dict[str, Any]]:
        return {
            name: resource
            for name, resource in self.document["Resources"].items()
            if resource["Type"] == kind
        }

    def function(self, logical_id: str) -> FunctionSpec:
        resource = self.document["Resources"][logical_id]
        props = resource["Properties"]
        globals_ = self.document.get("Globals", {}).get("Function", {})
        environment = {
            **globals_.get("Environment", {}).get("Variables", {}),
            **props.get("Environment", {}).get("Variables", {}),
        }
        return FunctionSpec(
            logical_id=logical_id,
            code_uri=self.path.parent / props["CodeUri"],
            handler=props.get("Handler", globals_.get("Handler", "")),
            environment=environment,
            events=dict(props.get("Events", {})),
            timeout=int(props.get("Timeout", globals_.get("Timeout", 3))),
        )

    def create(self, region: str = "us-east-1", prefix: str = "leadwire") -> Stack:
        """Create the template's table(s), topic(s) and queue(s) where boto3 points now."""
        import boto3  # only commands that create resources pay for it

        stack = Stack(self, region)
        dynamodb = boto3.client("dynamodb", region_name=region)
        for logical, resource in self.resources("AWS::DynamoDB::Table").items():
            props = resource["Properties"]
            name = f"{prefix}-{logical}"
            settings = {k: _plain(props[k]) for k in _TABLE_PROPERTIES if k in props}
            if "StreamSpecification" in settings:  # CloudFormation implies what the API wants
                settings["StreamSpecification"]["StreamEnabled"] = True
            table = dynamodb.create_table(TableName=name, **settings)["TableDescription"]
            if ttl := props.get("TimeToLiveSpecification"):
                dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=_plain(ttl))
            stack.names[logical] = name
            stack.attributes[(logical, "Arn")] = table["TableArn"]
            if "LatestStreamArn" in table:
                stack.attributes[(logical, "StreamArn")] = table["LatestStreamArn"]
        sqs = boto3.client("sqs", region_name=region)
        for logical in self.resources("AWS::SQS::Queue"):
            name = f"{prefix}-{logical}"
            url = sqs.create_queue(QueueName=name)["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
            stack.names[logical] = url
            stack.attributes[(logical, "Arn")] = arn["Attributes"]["QueueArn"]
            stack.attributes[(logical, "QueueName")] = name
        sns = boto3.client("sns", region_name=region)
        for logical in self.resources("AWS::SNS::Topic"):
            name = f"{prefix}-{logical}"
            arn = sns.create_topic(Name=name)["TopicArn"]
            stack.names[logical] = arn
            stack.attributes[(logical, "TopicName")] = name
        for logical in self.resources("AWS::Serverless::Function"):
            stack.names[logical] = f"{prefix}-{logical}"
        return stack


def load_handler(spec: FunctionSpec) -> Callable[[dict, Any], Any]:
    """Import a function's handler from its CodeUri as Lambda would, under a unique module name
    (every function's module is called `app`)."""
    module_name, _, attribute = spec.handler.rpartition(".")
    path = spec.code_uri / (module_name.replace(".", "/") + ".py")
    unique = f"leadwire_function_{spec.logical_id}"
    module_spec = importlib.util.spec_from_file_location(unique, path)
    if module_spec is None or module_spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return getattr(module, attribute)


def _plain(value: Any) -> Any:
    """cfn-lint's nodes as plain dicts/lists (boto3 validates parameter types strictly)."""
    return json.loads(json.dumps(value))


def load_template(path: Path) -> dict[str, Any]:
    """The template as CloudFormation reads it: short tags in their long form (`!Ref X` is
    `{"Ref": "X"}`, `!GetAtt A.B` is `{"Fn::GetAtt": ["A", "B"]}`, `!Sub ...` is
    `{"Fn::Sub": ...}`); a document that is not a mapping is refused with its path."""
    import yaml

    class CloudFormationLoader(yaml.SafeLoader):
        """SafeLoader plus CloudFormation's intrinsic-function tags."""

    CloudFormationLoader.add_multi_constructor("!", _intrinsic)
    with path.open(encoding="utf-8") as file:
        document = yaml.load(file, Loader=CloudFormationLoader)  # noqa: S506 - SafeLoader's
    if not isinstance(document, dict) or "Resources" not in document:
        raise ValueError(f"{path}: not a CloudFormation template (no Resources mapping)")
    return document


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    import yaml

    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "Condition":
        return {"Condition": value}
    if suffix == "GetAtt" and isinstance(value, str):
        return {"Fn::GetAtt": value.split(".", 1)}
    return {f"Fn::{suffix}": value}
