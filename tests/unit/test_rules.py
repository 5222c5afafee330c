"""The rules file: defaults load, and a mistake is reported with its line and field."""

from __future__ import annotations

import pytest

from leadwire.domain.errors import RulesError
from leadwire.domain.rules import DEFAULT_RULES_FILE, load_rules, parse_rules


def test_default_rules_load_and_carry_their_version():
    rules = load_rules()
    assert rules.version == "2026.12-1"
    assert rules.stages.mql < rules.stages.sql
    assert rules.forms["demo-request"] == "demo_request"


def test_a_wrong_type_names_the_line_and_the_field():
    text = DEFAULT_RULES_FILE.read_text().replace("sql: 100 ", "sql: lots ")
    with pytest.raises(RulesError) as raised:
        parse_rules(text, "rules.yaml")
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "sql: lots" in t)
    assert f"rules.yaml:{line}: stages.sql:" in raised.value.message


def test_a_form_pointing_at_an_unknown_action_is_refused():
    text = DEFAULT_RULES_FILE.read_text().replace("webinar: webinar", "webinar: webinarz")
    with pytest.raises(RulesError, match="action 'webinarz' is not in engagement.actions"):
        parse_rules(text, "rules.yaml")


def test_thresholds_in_the_wrong_order_are_refused():
    text = DEFAULT_RULES_FILE.read_text().replace("mql: 40 ", "mql: 140 ")
    with pytest.raises(RulesError, match="mql threshold"):
        parse_rules(text, "rules.yaml")


def test_invalid_yaml_names_the_line():
    with pytest.raises(RulesError, match=r"^bad.yaml:2: not valid YAML"):
        parse_rules("version: x\n\tstages: 1\n", "bad.yaml")


def test_unversioned_rules_are_stamped_with_a_content_hash():
    text = DEFAULT_RULES_FILE.read_text().replace('version: "2026.12-1"', "")
    assert parse_rules(text).version.startswith("sha256:")


def test_deploy_time_thresholds_override_and_show_in_the_version():
    rules = load_rules().with_thresholds(50, 120)
    assert (rules.stages.mql, rules.stages.sql) == (50, 120)
    assert rules.version == "2026.12-1+mql50-sql120"
