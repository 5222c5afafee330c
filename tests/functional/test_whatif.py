"""What-if: recorded history replayed under a candidate rules file."""

from __future__ import annotations

from datetime import UTC, datetime

from leadwire.domain.replay import compare
from leadwire.domain.rules import DEFAULT_RULES_FILE, parse_rules
from leadwire.shell import runtime
from leadwire_local import senders

BOB = {"email": "bob@acme.example", "job_title": "Team Lead", "company_size": "120"}


def post(sandbox, form, fields):
    headers, body = senders.json_webhook(senders.json_form(form, fields))
    assert sandbox.request("POST", "/webhooks/forms/json", headers, body).status == 202


def test_lowering_the_sql_threshold_shows_who_would_have_alerted(sandbox):
    # Given Bob (MQL, score 90 after a demo request without BANT) and a reader (lead)
    for form in ("newsletter", "demo-request"):
        post(sandbox, form, BOB)
    post(sandbox, "newsletter", {"email": "reader@corp.example"})
    current = runtime.rules()
    candidate = parse_rules(
        DEFAULT_RULES_FILE.read_text()
        .replace("sql: 100 ", "sql: 90 ")
        .replace('version: "2026.11-1"', 'version: "2026.12-candidate"')
    )
    # When the recorded history is replayed under both
    result = compare(runtime.store().all_ledger_entries(), current, candidate, datetime.now(UTC))
    # Then Bob would have become an SQL (a hand-raise from fit 25) and alerted; the reader not
    assert result.events == 3
    assert result.stage_changes() == {("mql", "sql"): 1}
    assert len(result.candidate.alerted) == 1 and result.current.alerted == set()
    report = result.report()
    assert "mql -> sql       1  (up)" in report
    assert "2026.12-candidate" in report and "new alerts 1" in report


def test_replaying_under_the_same_rules_changes_nothing(sandbox):
    post(sandbox, "webinar", BOB)
    post(sandbox, "demo-request", {**BOB, "budget": "$40k", "timeline": "Q1"})
    rules = runtime.rules()
    result = compare(runtime.store().all_ledger_entries(), rules, rules, datetime.now(UTC))
    assert result.stage_changes() == {}
    assert result.current.alerted == result.candidate.alerted == {next(iter(result.current.leads))}


def test_leadwire_whatif_reads_the_local_snapshot(sandbox, tmp_path, capsys):
    from leadwire_local.cli import main
    from leadwire_local.snapshot import save_snapshot

    for form in ("newsletter", "demo-request"):
        post(sandbox, form, BOB)
    save_snapshot(sandbox, tmp_path / "snapshot.json")
    candidate = tmp_path / "candidate.yaml"
    candidate.write_text(DEFAULT_RULES_FILE.read_text().replace("sql: 100 ", "sql: 90 "))
    assert main(["whatif", "--rules", str(candidate), "--data-dir", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "Leads that would change stage: 1" in printed and "mql -> sql" in printed


def test_leadwire_whatif_names_the_line_of_a_broken_rules_file(tmp_path, capsys):
    from leadwire_local.cli import main

    broken = tmp_path / "broken.yaml"
    broken.write_text(DEFAULT_RULES_FILE.read_text().replace("mql: 40 ", "mql: forty "))
    assert main(["whatif", "--rules", str(broken), "--data-dir", str(tmp_path)]) == 2
    assert f"{broken}:8: stages.mql:" in capsys.readouterr().err


def test_the_report_names_the_leads_that_would_change_stage(sandbox):
    # Given Bob (MQL, 90) and Ann (MQL, 90), both demo requests without BANT
    ann = {**BOB, "email": "ann@acme.example"}
    for fields in (BOB, ann):
        for form in ("newsletter", "demo-request"):
            post(sandbox, form, fields)
    rules = runtime.rules()
    # When the SQL threshold would be 90
    result = compare(
        runtime.store().all_ledger_entries(),
        rules,
        rules.with_thresholds(None, 90),
        datetime.now(UTC),
    )
    # Then each is named with its stage and score before and after; a limit keeps the list short
    named = [c.lead_id for c in result.changed_leads()]
    assert sorted(named) == sorted(result.current.leads)
    full = result.report(limit=None)
    for lead_id in named:
        assert f"  {lead_id}   mql -> sql     90 -> 90" in full
    short = result.report(limit=1)
    assert named[0] in short and named[1] not in short.split("Score distribution")[0]
    assert "... and 1 more (--all lists every one)" in short


def test_leadwire_whatif_all_names_every_changed_lead(sandbox, tmp_path, capsys, monkeypatch):
    from leadwire_local import cli
    from leadwire_local.snapshot import save_snapshot

    for n in range(3):
        for form in ("newsletter", "demo-request"):
            post(sandbox, form, {**BOB, "email": f"bob{n}@acme.example"})
    save_snapshot(sandbox, tmp_path / "snapshot.json")
    candidate = tmp_path / "candidate.yaml"
    candidate.write_text(DEFAULT_RULES_FILE.read_text().replace("sql: 100 ", "sql: 90 "))
    args = ["whatif", "--rules", str(candidate), "--data-dir", str(tmp_path)]
    # When only 2 are named by default, --all names the third too
    monkeypatch.setattr(cli, "WHATIF_NAMED", 2)
    assert cli.main(args) == 0
    assert "... and 1 more" in capsys.readouterr().out
    assert cli.main([*args, "--all"]) == 0
    printed = capsys.readouterr().out
    assert printed.count("mql -> sql     90 -> 90") == 3 and "more (--all" not in printed
