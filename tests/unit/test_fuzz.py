"""Fuzzing: whatever a sender or a rules author writes, only a named LeadwireError comes out
of a provider's verify + parse (a 4xx), and only a RulesError out of the rules loader."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadwire.domain.errors import LeadwireError, RulesError
from leadwire.domain.rules import DEFAULT_RULES_FILE, parse_rules
from leadwire.providers import DEV_SECRETS, PROVIDERS, WebhookRequest

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
EVENTS = Path(__file__).resolve().parents[2] / "events"
FUZZ = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)
header_text = st.text(max_size=80) | st.sampled_from(["", "v1,", "sha256=", "sha1=", "0", "-1"])


def sample(slug: str) -> tuple[dict[str, str], bytes]:
    """The provider's documented sample (events/): its headers and raw body."""
    [path, *_] = sorted(EVENTS.glob(f"webhook-{slug}-*.json"))
    event = json.loads(path.read_text())
    raw = event["body"] or ""
    body = base64.b64decode(raw) if event.get("isBase64Encoded") else raw.encode()
    return {k.lower(): v for k, v in event["headers"].items()}, body


def mutate(draw: Any, value: Any, depth: int = 0) -> Any:
    """`value` with one subtree replaced by arbitrary JSON (or a key dropped or added)."""
    if depth > 8 or not isinstance(value, dict | list) or not value or draw(st.integers(0, 4)) == 0:
        return draw(json_values)
    if isinstance(value, dict):
        key = draw(st.sampled_from(sorted(value)))
        action = draw(st.sampled_from(["descend", "drop", "add"]))
        if action == "drop":
            return {k: v for k, v in value.items() if k != key}
        if action == "add":
            return {**value, draw(st.text(max_size=12)): draw(json_values)}
        return {**value, key: mutate(draw, value[key], depth + 1)}
    index = draw(st.integers(0, len(value) - 1))
    return [*value[:index], mutate(draw, value[index], depth + 1), *value[index + 1 :]]


def call(slug: str, request: WebhookRequest, *, verify: bool) -> None:
    """verify (optionally) then parse, on every channel the provider serves."""
    provider = PROVIDERS[slug]
    for channel in sorted(provider.channels, key=lambda c: c.value):
        try:
            delivery_id = (
                provider.verify(request, [DEV_SECRETS.get(slug, "x")], NOW) if verify else None
            )
            provider.parse(request, channel, delivery_id, NOW)
        except LeadwireError:
            continue  # a named refusal: the webhook answers it with its 4xx


@pytest.mark.parametrize("slug", sorted(PROVIDERS))
@FUZZ
@given(data=st.data())
def test_arbitrary_bytes_and_headers_only_raise_named_errors(slug: str, data: st.DataObject):
    headers, _ = sample(slug)
    fuzzed = data.draw(st.dictionaries(st.sampled_from(sorted(headers)), header_text))
    body = data.draw(st.binary(max_size=400) | st.text(max_size=400).map(str.encode))
    query = data.draw(st.dictionaries(st.sampled_from(["key", "form"]), st.text(max_size=30)))
    request = WebhookRequest({**headers, **fuzzed}, body, query, "POST", "https://127.0.0.1/x")
    call(slug, request, verify=True)


@pytest.mark.parametrize("slug", sorted(PROVIDERS))
@FUZZ
@given(data=st.data())
def test_mutated_provider_payloads_only_raise_named_errors(slug: str, data: st.DataObject):
    # parse() on its own: after a valid signature the content is whatever the sender wrote
    headers, body = sample(slug)
    try:
        payload = json.loads(body)
    except ValueError:  # a form-encoded or multipart sample: mutate the bytes instead
        cut = data.draw(st.integers(0, len(body)))
        mutated = (
            body[:cut]
            + data.draw(st.binary(max_size=40))
            + body[cut + data.draw(st.integers(0, 20)) :]
        )
    else:
        mutated = json.dumps(mutate(data.draw, payload)).encode()
    call(slug, WebhookRequest(headers, mutated, {"key": DEV_SECRETS.get(slug, "")}), verify=False)


@FUZZ
@given(data=st.data())
def test_arbitrary_json_in_any_envelope_only_raises_named_errors(data: st.DataObject):
    slug = data.draw(st.sampled_from(sorted(PROVIDERS)))
    body = json.dumps(data.draw(json_values)).encode()
    headers = {
        "content-type": data.draw(
            st.sampled_from(
                [
                    "application/json",
                    "application/x-www-form-urlencoded",
                    "multipart/form-data; boundary=x",
                    "text/plain",
                ]
            )
        )
    }
    call(slug, WebhookRequest(headers, body), verify=False)


DEFAULT_RULES = DEFAULT_RULES_FILE.read_text(encoding="utf-8")


def load_or_refuse(text: str) -> None:
    try:
        parse_rules(text, "rules.yaml")
    except RulesError as e:
        assert e.message.startswith("rules.yaml")  # names the file (and the line)


@FUZZ
@given(data=st.data())
def test_mutated_rules_structures_only_raise_rules_errors(data: st.DataObject):
    rules = yaml.safe_load(DEFAULT_RULES)
    load_or_refuse(yaml.safe_dump(mutate(data.draw, rules), allow_unicode=True))


@FUZZ
@given(data=st.data())
def test_mutated_rules_text_only_raises_rules_errors(data: st.DataObject):
    lines = DEFAULT_RULES.splitlines(keepends=True)
    for _ in range(data.draw(st.integers(1, 3))):
        index = data.draw(st.integers(0, len(lines) - 1))
        action = data.draw(st.sampled_from(["drop", "duplicate", "indent", "dedent", "replace"]))
        if action == "drop":
            del lines[index]
        elif action == "duplicate":
            lines.insert(index, lines[index])
        elif action == "indent":
            lines[index] = "  " + lines[index]
        elif action == "dedent":
            lines[index] = lines[index].lstrip()
        else:
            lines[index] = data.draw(st.text(max_size=60)) + "\n"
        if not lines:
            break
    load_or_refuse("".join(lines))


@FUZZ
@given(text=st.text(max_size=300))
def test_arbitrary_text_as_rules_only_raises_rules_errors(text: str):
    load_or_refuse(text)
