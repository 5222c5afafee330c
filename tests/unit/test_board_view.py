"""The board's view of the leads (GET /leads?sort=priority&q=&owner=): who sales calls first,
what a search finds, one rep's leads, and paging through them all."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from leadwire.app.leads import LeadQueries
from leadwire.domain.errors import MalformedPayload
from leadwire.domain.models import Lead, Profile, Sla, Stage
from tests.fakes import InMemoryLeadStore


def a_lead(name: str, now: datetime, **fields: object) -> Lead:
    first, _, company = name.partition("@")
    profile = Profile(email=f"{first}@{company or 'corp'}.example", first_name=first.title())
    lead = Lead.new(f"ld_{name.replace('@', '_'):0<24}"[:27], now - timedelta(hours=1))
    return lead.model_copy(update={"profile": profile, **fields})


@pytest.fixture
def store() -> InMemoryLeadStore:
    return InMemoryLeadStore()


def view(store: InMemoryLeadStore, rules, now, **query: str | None) -> dict:
    params = {"stage": None, "email": None, "limit": None, "cursor": None, **query}
    return LeadQueries(store, rules, lambda: now).list(**params)  # type: ignore[arg-type]


def names(page: dict) -> list[str]:
    return [item["profile"]["firstName"] for item in page["items"]]


def test_sqls_come_first_by_urgency_then_response_due_then_score(store, rules, now):
    due = lambda minutes: Sla(started_at=now, due=now + timedelta(minutes=minutes))  # noqa: E731
    for lead in [
        a_lead("chatty", now, stage=Stage.LEAD, fit=2, stage_at=now),  # newest, but a lead
        a_lead("mona", now, stage=Stage.MQL, fit=60),
        a_lead("slow", now, stage=Stage.SQL, fit=90, sla=due(60)),
        a_lead("soon", now, stage=Stage.SQL, fit=50, sla=due(5)),
        a_lead(
            "hot",
            now,
            stage=Stage.SQL,
            fit=40,
            sla=due(50),
            urgent_said_at=now,
            urgent_words="asap",
        ),  # high urgency (as of now, as the board reads it)
        a_lead("noclock", now, stage=Stage.SQL, fit=99),
        a_lead(
            "seen",
            now,
            stage=Stage.SQL,
            fit=30,
            sla=due(1).model_copy(update={"acknowledged_at": now}),
        ),  # answered: its clock no longer counts
    ]:
        store.leads[lead.lead_id] = lead
    page = view(store, rules, now, sort="priority")
    assert names(page) == ["Hot", "Soon", "Slow", "Noclock", "Seen", "Mona", "Chatty"]
    assert page["total"] == 7 and page["next"] is None


def test_the_default_order_is_still_newest_in_stage_first(store, rules, now):
    store.leads.update(
        {
            x.lead_id: x
            for x in [
                a_lead("old", now, stage=Stage.SQL, fit=90, stage_at=now - timedelta(days=2)),
                a_lead("new", now, stage=Stage.LEAD, stage_at=now),
            ]
        }
    )
    page = view(store, rules, now)
    assert names(page) == ["New", "Old"] and "total" not in page  # the response as before


def test_search_finds_name_email_or_company_in_any_case(store, rules, now):
    lead = a_lead("vera@bigco", now).model_copy(
        update={
            "profile": Profile(
                email="vera@bigco.example", first_name="Vera", last_name="Lynn", company="BigCo Ltd"
            )
        }
    )
    store.leads[lead.lead_id] = lead
    store.leads.update({x.lead_id: x for x in [a_lead("bob@acme", now)]})
    for search in ("vera", "LYNN", "bigco ltd", "vera@big", "Vera Lynn"):
        assert names(view(store, rules, now, search=search)) == ["Vera"], search
    assert names(view(store, rules, now, search="nobody")) == []


def test_one_reps_leads(store, rules, now):
    store.leads.update(
        {
            x.lead_id: x
            for x in [
                a_lead("ann", now, stage=Stage.SQL, owner="rep_ana"),
                a_lead("ben", now, stage=Stage.SQL, owner="rep_bo"),
                a_lead("cid", now, stage=Stage.SQL),
            ]
        }
    )
    assert names(view(store, rules, now, owner="rep_ana", sort="priority")) == ["Ann"]


def test_paging_walks_every_lead_once_past_the_stores_page(store, rules, now):
    for n in range(230):  # more than one store page (100) and many board pages
        lead = a_lead(f"p{n:03d}", now, stage=Stage.MQL, fit=n)
        store.leads[lead.lead_id] = lead
    seen, cursor = [], None
    while True:
        page = view(store, rules, now, sort="priority", limit="40", cursor=cursor)
        seen += names(page)
        cursor = page["next"]
        if cursor is None:
            break
    assert seen == [f"P{n:03d}" for n in reversed(range(230))]  # highest score first


@pytest.mark.parametrize(
    "query",
    [
        {"sort": "random"},
        {"sort": "priority", "cursor": "bm90LWEtY3Vyc29y"},
        {"sort": "priority", "cursor": "~x"},
        {"sort": "priority", "stage": "won"},
    ],
)
def test_bad_view_queries_are_refused(store, rules, now, query):
    with pytest.raises(MalformedPayload):
        view(store, rules, now, **query)


def test_a_search_without_sort_keeps_newest_in_stage_first_across_stages(store, rules, now):
    store.leads.update(
        {
            x.lead_id: x
            for x in [
                a_lead("vera@a", now, stage=Stage.SQL, stage_at=now - timedelta(hours=1)),
                a_lead("vic@a", now, stage=Stage.LEAD, stage_at=now - timedelta(hours=3)),
                a_lead("val@a", now, stage=Stage.MQL, stage_at=now - timedelta(hours=2)),
            ]
        }
    )
    assert names(view(store, rules, now, search="a.example")) == ["Vera", "Val", "Vic"]
