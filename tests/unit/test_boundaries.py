"""The layer's folders are its architecture: this reads every module's imports (also those
inside functions and under TYPE_CHECKING) and fails on a crossed boundary."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import leadwire

LAYER = Path(leadwire.__file__).parent
AWS_LIBRARIES = ("boto3", "botocore", "aws_lambda_powertools")
DEVELOPMENT_ONLY = ("leadwire_local", "bench", "tests", "moto")


@dataclass(frozen=True)
class Rule:
    folder: str
    forbidden: tuple[str, ...]
    why: str


RULES = [
    Rule(
        "domain",
        ("leadwire.app", "leadwire.aws", "leadwire.shell", "leadwire.providers", *AWS_LIBRARIES),
        "the domain is pure: no use case, adapter, provider, AWS or Powertools",
    ),
    Rule(
        "providers",
        ("leadwire.app", "leadwire.aws", "leadwire.shell", *AWS_LIBRARIES),
        "a provider reads requests: it never stores, sends or wires anything",
    ),
    Rule(
        "app",
        ("leadwire.aws", "leadwire.shell", *AWS_LIBRARIES),
        "use cases get their adapters through ports (app/ports.py), never import them",
    ),
    Rule(
        "aws",
        (
            "leadwire.app",
            "leadwire.shell",
            "leadwire.providers",
            "aws_lambda_powertools.event_handler",
        ),
        "adapters know AWS and the domain's shapes, not the use cases or HTTP",
    ),
    Rule("", DEVELOPMENT_ONLY, "nothing in the layer needs the local stack, bench, tests or moto"),
]


@dataclass(frozen=True)
class Import:
    file: Path
    line: int
    module: str


def imports_of(path: Path) -> Iterator[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(path, node.lineno, alias.name)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield Import(path, node.lineno, node.module)
            for alias in node.names:  # `from leadwire import runtime` names a module too
                yield Import(path, node.lineno, f"{node.module}.{alias.name}")


def crossings(rule: Rule) -> list[str]:
    folder = LAYER / rule.folder if rule.folder else LAYER
    found = []
    for path in sorted(folder.rglob("*.py")):
        for imported in imports_of(path):
            hit = next(
                (
                    f
                    for f in rule.forbidden
                    if imported.module == f or imported.module.startswith(f + ".")
                ),
                None,
            )
            if hit:
                where = path.relative_to(LAYER.parent)
                found.append(
                    f"{where}:{imported.line} imports {imported.module}: "
                    f"{rule.folder or 'the layer'} must not import {hit} ({rule.why})"
                )
    return sorted(set(found))


def test_every_module_of_the_layer_sits_in_a_zone():
    loose = [p.name for p in LAYER.glob("*.py") if p.name != "__init__.py"]
    assert loose == [], f"modules outside domain/providers/app/aws/shell: {loose}"


def test_no_import_crosses_a_boundary():
    problems = [problem for rule in RULES for problem in crossings(rule)]
    assert problems == [], "\n".join(problems)


def test_the_boundary_check_finds_a_crossing(tmp_path, monkeypatch):
    # Given a domain module that imports boto3 (written to a copy of the layer's shape)
    domain = tmp_path / "leadwire" / "domain"
    domain.mkdir(parents=True)
    (domain / "leaky.py").write_text("import json\n\ndef f():\n    import boto3\n")
    monkeypatch.setattr(sys.modules[__name__], "LAYER", tmp_path / "leadwire")
    # Then the check names the file, the line, the import and the rule
    [problem] = crossings(RULES[0])
    assert problem.startswith("leadwire/domain/leaky.py:4 imports boto3: domain must not")
