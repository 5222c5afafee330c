"""The quarterly review on moto: webhooks and sales' dispositions through the real handlers."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from leadwire.domain.models import lead_id_for
from leadwire.domain.review import review
from leadwire.domain.rules import DEFAULT_RULES_FILE
from leadwire.shell import runtime
from leadwire_local import senders

# fit 50: webinar 65 (MQL), demo request 165 (SQL, a hand-raise from fit 50)
STRONG = {"job_title": "CEO", "company_size": "5000"}
# fit 25: newsletter 35, webinar 50 (MQL), demo request 150 (SQL, a hand-raise from fit 25)
BORDERLINE = {"job_title": "Manager", "company_size": "120"}


def post(sandbox, form, fields):
    headers, body = senders.json_webhook(senders.json_form(form, fields))
    assert sandbox.request("POST", "/webhooks/forms/json", headers, body).status == 202


def dispose(sandbox, email, outcome):
    body = json.dumps({"outcome": outcome, "reason": "review test"}).encode()
    path = f"/leads/{lead_id_for(email)}/disposition"
    response = sandbox.request("POST", path, {"content-type": "application/json"}, body)
    assert response.status == 200, response.body


@pytest.fixture
def quarter(sandbox):
    """3 strong SQLs (2 accepted, 1 rejected), 2 borderline SQLs (1 recycled, 1 rejected)
    and an MQL that went no further."""
    for n, outcome in enumerate(["accepted", "accepted", "rejected"]):
        email = f"ceo{n}@big.example"
        for form in ("webinar", "demo-request"):
            post(sandbox, form, {**STRONG, "email": email})
        dispose(sandbox, email, outcome)
    for n, outcome in enumerate(["recycled", "rejected"]):
        email = f"manager{n}@mid.example"
        for form in ("newsletter", "webinar", "demo-request"):
            post(sandbox, form, {**BORDERLINE, "email": email})
        dispose(sandbox, email, outcome)
    post(sandbox, "webinar", {**BORDERLINE, "email": "reader@mid.example"})
    return sandbox


def test_the_review_counts_what_sales_did_with_the_sqls(quarter):
    # When the last 90 days are reviewed from the table
    until = datetime.now(UTC) + timedelta(minutes=1)
    result = review(
        runtime.store().all_ledger_entries(), runtime.rules(), until - timedelta(days=90), until
    )
    # Then acceptance is 2 of 5 dispositions, 5 of the 6 MQLs became SQL
    assert result.dispositions == {"accepted": 2, "rejected": 2, "recycled": 1}
    assert result.acceptance == pytest.approx(0.4)
    assert (result.became_mql, result.mql_then_sql) == (6, 5)
    assert result.leads == 6 and len(result.days_to_sql) == 5
    # And each rule's firings are split by sales' verdict
    counts = {name: (a, d) for name, a, d in result.rule_counts()}
    assert counts["fit.seniority.c_level"] == (2, 1)
    assert counts["fit.seniority.manager"] == (0, 2)
    assert counts["action.demo_request"] == (2, 3)
    # And with acceptance low and both borderline rejects hand-raises from fit 25, the
    # hand-raise fit floor goes to 26
    assert result.suggestion is not None and result.suggestion.hand_raise_min_fit == 26


def test_leadwire_review_reads_the_local_snapshot(quarter, tmp_path, capsys):
    from leadwire_local.cli import main
    from leadwire_local.snapshot import save_snapshot

    save_snapshot(quarter, tmp_path / "snapshot.json")
    assert main(["review", "--data-dir", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "SQL acceptance by sales: 40% (5 dispositions: accepted 2, rejected 2, recycled 1)" in (
        printed
    )
    assert "MQL -> SQL conversion: 83% (5 of 6 leads that became MQL)" in printed
    assert "hand-raise fit floor 20 -> 26" in printed
    assert "Leads that would change stage: 0" in printed


def test_leadwire_review_of_an_empty_period_exits_1(quarter, tmp_path, capsys):
    from leadwire_local.cli import main
    from leadwire_local.snapshot import save_snapshot

    save_snapshot(quarter, tmp_path / "snapshot.json")
    args = ["review", "--data-dir", str(tmp_path), "--since", "2020-01-01", "--until", "2020-03-31"]
    assert main(args) == 1
    assert "no lead was active between 2020-01-01 00:00 and 2020-04-01 00:00 UTC" in (
        capsys.readouterr().err
    )


def test_leadwire_review_with_no_data_exits_1(sandbox, tmp_path, capsys):
    from leadwire_local.cli import main
    from leadwire_local.snapshot import save_snapshot

    save_snapshot(sandbox, tmp_path / "snapshot.json")
    assert main(["review", "--data-dir", str(tmp_path)]) == 1
    assert "no recorded events: nothing to review" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["review", "whatif"])
def test_a_misspelled_key_in_the_rules_file_is_named_with_its_line(command, tmp_path, capsys):
    from leadwire_local.cli import main

    broken = tmp_path / "broken.yaml"
    text = DEFAULT_RULES_FILE.read_text().replace(
        "demo_request:     {points: 100", "demo_request:     {pionts: 100"
    )
    broken.write_text(text)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "pionts" in t)
    assert main([command, "--rules", str(broken), "--data-dir", str(tmp_path)]) == 2
    assert capsys.readouterr().err.strip() == (
        f"{broken}:{line}: engagement.actions.demo_request.pionts: "
        "unknown key 'pionts' (did you mean 'points'?)"
    )
