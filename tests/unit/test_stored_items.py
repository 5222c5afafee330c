"""The items the store writes and reads are exactly what boto3's TypeSerializer made of a JSON
round trip of the records (and TypeDeserializer read back), built without either."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from hypothesis import given
from hypothesis import strategies as st

from leadwire.aws.dynamo import (
    _LEAD_DERIVED,
    _attribute,
    _decimals,
    _empty_by_default,
    _plain,
    _typed,
    _untyped,
    lead_item,
    ledger_item,
)
from leadwire.domain.models import BusinessHours, Escalation, Lead, LedgerEntry, Profile, Sla
from leadwire.domain.rules import ScoringRules
from leadwire.domain.scoring import score
from tests.support import form_event

_serializer, _deserializer = TypeSerializer(), TypeDeserializer()


def as_json_round_trip(model: Lead | LedgerEntry, derived: frozenset[str]) -> dict[str, Any]:
    """How the store made a record's attributes before: JSON text of its dump, read back with
    Decimal numbers."""
    data = model.model_dump(mode="json", by_alias=True, exclude=derived, exclude_none=True)
    for alias in _empty_by_default(type(model)):
        if data.get(alias) in ([], {}):
            del data[alias]
    plain: dict[str, Any] = json.loads(json.dumps(data, ensure_ascii=False), parse_float=Decimal)
    return plain


def as_boto3_typed(item: dict[str, Any]) -> str:
    return json.dumps({k: _serializer.serialize(v) for k, v in item.items()})


def scored_leads(rules: ScoringRules, now: datetime) -> list[Lead]:
    vera = Profile(
        email="vera@bigco.example",
        first_name="Véra",
        job_title="VP Operations",
        company="BigCo",
        company_size="500",
    )
    lead, seen = None, []
    for n, form in enumerate(["newsletter", "content-download", "webinar", "demo-request"]):
        at = now + timedelta(hours=n)
        lead = score(lead, form_event(form, vera, at, n, message="40 seats"), rules, at).lead
        seen.append(lead)
    assert lead is not None
    sla = Sla(
        started_at=now,
        due=now + timedelta(minutes=30),
        escalations=[Escalation(at=now, to="rep-2", reason="no answer in 0.5 h")],
        minutes=30.5,
        hours=BusinessHours(timezone="Europe/Paris", start=time(8, 30)),
        next=["rep-2", "manager"],
        names={"rep-2": "Ana"},
    )
    seen.append(lead.model_copy(update={"owner": "rep-1", "sla": sla}))
    return seen


def test_lead_and_ledger_items_are_what_boto3_made_of_them(rules, now):
    for lead in scored_leads(rules, now):
        entry = score(None, form_event("contact", lead.profile, now), rules, now).entry
        for model, derived in ((lead, _LEAD_DERIVED), (entry, frozenset())):
            assert repr(_plain(model, derived)) == repr(as_json_round_trip(model, derived))
        for item in (lead_item(lead), ledger_item(lead.lead_id, entry)):
            assert json.dumps(_typed(item)) == as_boto3_typed(item)


def test_items_read_back_as_boto3_reads_them(rules, now):
    for lead in scored_leads(rules, now):
        stored = _typed(lead_item(lead))
        expected = {k: _deserializer.deserialize(v) for k, v in stored.items()}
        assert repr(_untyped(stored)) == repr(expected)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats()
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(json_values)
def test_any_json_value_is_typed_as_boto3_typed_its_round_trip(value):
    try:
        expected: Any = _serializer.serialize(
            json.loads(json.dumps(value, ensure_ascii=False), parse_float=Decimal)
        )
    except (TypeError, ArithmeticError) as e:
        with pytest.raises(type(e)):
            _attribute(_decimals(value))
        return
    typed = _attribute(_decimals(value))
    assert json.dumps(typed) == json.dumps(expected)
    assert repr(_untyped({"v": typed})) == repr({"v": _deserializer.deserialize(expected)})
