"""The qualification scenarios through the HTTP contract, on the local stack (`leadwire serve`
in its own process), each checked the way a user would: answers, GET /leads/{id}, alerts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from leadwire_local.scenarios import SCENARIOS, RunningStack, Scenario, play
from tests.e2e.stack import ServeProcess

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    root: Path = tmp_path_factory.mktemp("scenarios")
    served = ServeProcess(root / "data", root / "serve.log")
    served.start()
    try:
        yield RunningStack(served.base, served.data_dir)
    finally:
        assert served.stop() == 0, served.output()


def scenario(number: int) -> Scenario:
    return next(s for s in SCENARIOS if s.number == number)


def test_1_blog_subscriber_is_a_lead_and_no_alert(stack):
    result = play(scenario(1), stack)
    assert result.passed, result.problems
    assert result.lead["stage"] == "lead" and result.alerts == []


def test_2_ebooks_and_a_webinar_make_bob_an_mql_without_alert(stack):
    result = play(scenario(2), stack)
    assert result.passed, result.problems
    assert result.lead["stage"] == "mql" and result.alerts == []


def test_3_demo_with_budget_and_timeline_makes_bob_sql_with_one_urgent_alert(stack):
    result = play(scenario(3), stack)
    assert result.passed, result.problems
    [alert] = result.alerts
    assert alert["urgency"] == "high" and result.email in alert["message"]
    assert result.lead["urgencyReasons"] == ["timeline 30 days"]


def test_4_student_downloading_ten_ebooks_never_becomes_sql(stack):
    result = play(scenario(4), stack)
    assert result.passed, result.problems
    assert result.lead["stage"] != "sql" and result.alerts == []
    assert result.lead["actionPoints"]["content_download"] == 30  # the cap


def test_5_vp_pricing_chat_then_demo_is_sql_with_one_alert(stack):
    result = play(scenario(5), stack)
    assert result.passed, result.problems
    assert [e["action"] for e in result.lead["ledger"]] == ["pricing_question", "demo_request"]
    assert result.lead["urgencyReasons"] == ["demo request during a chat conversation"]


def test_6_anonymous_visitor_then_email_is_one_lead_with_merged_history(stack):
    result = play(scenario(6), stack)
    assert result.passed, result.problems
    assert len(result.lead["visitorIds"]) == 1 and len(result.lead["ledger"]) == 3


def test_7_a_good_fit_first_touch_demo_request_is_sql_with_one_normal_alert(stack):
    result = play(scenario(7), stack)
    assert result.passed, result.problems
    [alert] = result.alerts
    assert alert["urgency"] == "normal"  # no timeline said, no conversation: not urgent


def test_9_a_council_head_of_digital_requesting_a_demo_is_sql(stack):
    result = play(scenario(9), stack)
    assert result.passed, result.problems
    assert result.lead["fit"] == 25 and result.lead["urgencyReasons"] == []


def test_10_a_good_fit_contact_sales_is_sql(stack):
    result = play(scenario(10), stack)
    assert result.passed, result.problems


def test_11_a_demo_request_from_no_title_and_a_personal_address_waits_for_bant(stack):
    result = play(scenario(11), stack)
    assert result.passed, result.problems
    assert result.lead["score"] >= 100 and result.lead["bant"]["known"] == 1


def test_12_a_startup_cto_starting_a_trial_is_sql(stack):
    result = play(scenario(12), stack)
    assert result.passed, result.problems


def test_a_minority_of_the_scenarios_sqls_are_urgent(stack):
    # Every scenario once more, each with a run of its own: how many SQLs are high urgency
    results = [play(s, stack) for s in SCENARIOS]
    sqls = [r.lead for r in results if r.lead.get("stage") == "sql"]
    high = [lead for lead in sqls if lead["urgency"] == "high"]
    print(f"\n[scenarios] {len(high)} of {len(sqls)} SQLs are high urgency")
    assert sqls and len(high) / len(sqls) <= 1 / 3 + 1e-9, [x["urgencyReasons"] for x in high]
    assert all(lead["urgencyReasons"] for lead in high)
