"""The rules file: defaults load, and a mistake is reported with its line and field."""

from __future__ import annotations

import hashlib
import json

import pytest

from leadwire.domain.errors import RulesError
from leadwire.domain.rules import (
    DEFAULT_RULES_FILE,
    compile_rules,
    compiled_path,
    load_rules,
    parse_rules,
)


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


def line_of(text: str, fragment: str) -> int:
    return next(i for i, t in enumerate(text.splitlines(), 1) if fragment in t)


def test_a_misspelled_field_in_an_action_rule_names_its_line_and_the_key():
    # Given `pionts` for `points` in the demo request's rule, written as a block
    text = DEFAULT_RULES_FILE.read_text().replace(
        "    demo_request:     {points: 100, cap: 100, hand_raise: true}",
        "    demo_request:\n      pionts: 60\n      cap: 60\n      hand_raise: true",
    )
    # When it is loaded
    with pytest.raises(RulesError) as raised:
        parse_rules(text, "rules.yaml")
    # Then the one message is the misspelled key's own line, the key and what it should be
    line = line_of(text, "pionts: 60")
    assert raised.value.message == (
        f"rules.yaml:{line}: engagement.actions.demo_request.pionts: "
        "unknown key 'pionts' (did you mean 'points'?)"
    )


def test_a_misspelled_top_level_section_names_its_line_and_the_key():
    text = DEFAULT_RULES_FILE.read_text().replace("\nchat:\n", "\nchta:\n")
    with pytest.raises(RulesError) as raised:
        parse_rules(text, "rules.yaml")
    assert raised.value.message == (
        f"rules.yaml:{line_of(text, 'chta:')}: chta: unknown key 'chta' (did you mean 'chat'?)"
    )


def test_an_unknown_key_with_no_likely_meaning_is_named_beside_the_missing_section():
    text = DEFAULT_RULES_FILE.read_text().replace("\nchat:\n", "\nsomething_else:\n")
    with pytest.raises(RulesError) as raised:
        parse_rules(text, "rules.yaml")
    assert raised.value.message.splitlines() == [
        "rules.yaml:5: chat: Field required",
        f"rules.yaml:{line_of(text, 'something_else:')}: something_else: "
        "unknown key 'something_else'",
    ]


def test_a_misspelled_action_reference_names_the_referencing_line_and_the_action():
    # Given a form pointing at `demo_requst`, which engagement.actions does not have
    text = DEFAULT_RULES_FILE.read_text().replace(
        "demo-request: demo_request", "demo-request: demo_requst"
    )
    with pytest.raises(RulesError) as raised:
        parse_rules(text, "rules.yaml")
    # Then the message is at that form's line (not the top of the file) and names the action
    assert raised.value.message == (
        f"rules.yaml:{line_of(text, 'demo-request: demo_requst')}: forms.demo-request: "
        "action 'demo_requst' is not in engagement.actions (did you mean 'demo_request'?)"
    )


def test_the_shipped_compiled_rules_are_the_rules_file_validated():
    # Given the defaults and the compiled form shipped beside them (a cold start reads it)
    text = DEFAULT_RULES_FILE.read_text()
    # Then it was made from this very text (else: python -m leadwire.domain.rules)
    document = json.loads(compiled_path(DEFAULT_RULES_FILE).read_text())
    assert document["source_sha256"] == hashlib.sha256(text.encode()).hexdigest()
    # And loading it gives exactly what parsing and validating the file gives
    assert load_rules() == parse_rules(text, str(DEFAULT_RULES_FILE))


def test_a_rules_file_changed_after_compiling_is_parsed_again(tmp_path):
    # Given a rules file compiled, then edited
    path = tmp_path / "rules.yaml"
    path.write_text(DEFAULT_RULES_FILE.read_text())
    compile_rules(path)
    path.write_text(DEFAULT_RULES_FILE.read_text().replace('version: "', 'version: "edited-', 1))
    # When it is loaded, Then the edit counts (the stale compiled form is not read)
    assert load_rules(path).version.startswith("edited-")
