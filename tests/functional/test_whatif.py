"""What-if: recorded history replayed under a candidate rules file."""

from __future__ import annotations

from datetime import UTC, datetime

from leadwire.domain.replay import compare
from leadwire.domain.rules import DEFAULT_RULES_FILE, parse_rules
from leadwire.shell import runtime
from leadwire_local import senders

BOB = {"email": "bob@acme.example", "job_title": "Team Lead", "company_size": "120"}
# No title, a personal address: a demo request makes her score 110 but no SQL (fit 0 is under
# the hand-raise fit floor, and only need is known of BANT), so she stays an MQL.
MAX = {"email": "max@gmail.com"}
ONE_OF_BANT = ("bant_min_known: 2 ", "bant_min_known: 1 ")


def post(sandbox, form, fields):
    headers, body = senders.json_webhook(senders.json_form(form, fields))
    assert sandbox.request("POST", "/webhooks/forms/json", headers, body).status == 202


def test_easing_the_bant_gate_shows_who_would_have_alerted(sandbox):
    # Given Max (MQL, score 110 after a demo request, BANT 1/4) and a reader (lead)
    for form in ("newsletter", "demo-request"):
        post(sandbox, form, MAX)
    post(sandbox, "newsletter", {"email": "reader@corp.example"})
    current = runtime.rules()
    candidate = parse_rules(
        DEFAULT_RULES_FILE.read_text()
        .replace(*ONE_OF_BANT)
        .replace('version: "2026.12-1"', 'version: "2026.12-candidate"')
    )
    # When the recorded history is replayed under both
    result = compare(runtime.store().all_ledger_entries(), current, candidate, datetime.now(UTC))
    # Then Max would have become an SQL (one of BANT is enough) and alerted; the reader not
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
        post(sandbox, form, MAX)
    save_snapshot(sandbox, tmp_path / "snapshot.json")
    candidate = tmp_path / "candidate.yaml"
    candidate.write_text(DEFAULT_RULES_FILE.read_text().replace(*ONE_OF_BANT))
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
    # Given Max and Ann (MQL, 110 each), both demo requests with only need known of BANT
    ann = {"email": "ann@gmail.com"}
    for fields in (MAX, ann):
        for form in ("newsletter", "demo-request"):
            post(sandbox, form, fields)
    rules = runtime.rules()
    # When one of BANT would be enough
    result = compare(
        runtime.store().all_ledger_entries(),
        rules,
        parse_rules(DEFAULT_RULES_FILE.read_text().replace(*ONE_OF_BANT)),
        datetime.now(UTC),
    )
    # Then each is named with its stage and score before and after; a limit keeps the list short
    named = [c.lead_id for c in result.changed_leads()]
    assert sorted(named) == sorted(result.current.leads)
    full = result.report(limit=None)
    for lead_id in named:
        [line] = [x for x in full.splitlines() if lead_id in x and "->" in x]
        assert line.split() == [lead_id, "mql", "->", "sql", "110", "->", "110"]
    short = result.report(limit=1)
    assert named[0] in short and named[1] not in short.split("Score distribution")[0]
    assert "... and 1 more (--all lists every one)" in short


def test_leadwire_whatif_all_names_every_changed_lead(sandbox, tmp_path, capsys, monkeypatch):
    from leadwire_local import cli
    from leadwire_local.snapshot import save_snapshot

    for n in range(3):
        for form in ("newsletter", "demo-request"):
            post(sandbox, form, {"email": f"max{n}@gmail.com"})
    save_snapshot(sandbox, tmp_path / "snapshot.json")
    candidate = tmp_path / "candidate.yaml"
    candidate.write_text(DEFAULT_RULES_FILE.read_text().replace(*ONE_OF_BANT))
    args = ["whatif", "--rules", str(candidate), "--data-dir", str(tmp_path)]
    # When only 2 are named by default, --all names the third too
    monkeypatch.setattr(cli, "WHATIF_NAMED", 2)
    assert cli.main(args) == 0
    assert "... and 1 more" in capsys.readouterr().out
    assert cli.main([*args, "--all"]) == 0
    printed = capsys.readouterr().out
    changed = [x.split() for x in printed.splitlines() if x.strip().startswith("ld_")]
    assert [c[1:] for c in changed] == [["mql", "->", "sql", "110", "->", "110"]] * 3
    assert "more (--all" not in printed


def test_a_what_if_replays_website_behaviour_under_new_page_rules(sandbox):
    # Given a visitor who viewed pricing on three days, then asked for a demo
    views = [
        {
            "type": "page",
            "messageId": f"w{day}",
            "anonymousId": "anon-whatif",
            "timestamp": f"2026-11-2{day}T09:00:00Z",
            "properties": {"path": "/pricing"},
        }
        for day in (2, 3, 4)
    ]
    path, headers, body = senders.provider_webhook("segment", {"batch": views})
    assert sandbox.request("POST", path, headers, body).json()["accepted"] == 3
    post(sandbox, "newsletter", {**MAX, "visitor_id": "anon-whatif"})
    current = runtime.rules()
    # When pricing views are worth more (and the rules are renamed to tell them apart)
    candidate = parse_rules(
        DEFAULT_RULES_FILE.read_text()
        .replace(
            "pricing_page_view: {points: 10, cap_per_day: 10, cap: 30}",
            "pricing_page_view: {points: 15, cap_per_day: 15, cap: 45}",
        )
        .replace('version: "2026.12-1"', 'version: "2026.12-pages"')
    )
    result = compare(runtime.store().all_ledger_entries(), current, candidate, datetime.now(UTC))
    # Then the replay reads every behaviour event, and scores the views higher
    assert result.events == 4
    [person] = result.candidate.leads
    before, after = result.current.leads[person], result.candidate.leads[person]
    assert after.action_points["pricing_page_view"] == 45
    assert before.action_points["pricing_page_view"] == 30
    assert before.visits == after.visits == 3
