"""The local stack's moto patch: same transaction semantics, no whole-table copy, and a trip
wire that fails when moto changes underneath it."""

from __future__ import annotations

import copy
from collections.abc import Iterator

import pytest
from moto.dynamodb.models.table import Table

from leadwire.domain.models import lead_id_for
from leadwire.shell import runtime
from leadwire_local import moto_patches, senders
from leadwire_local.streams import StreamReader


@pytest.fixture
def patched(sandbox) -> Iterator[object]:
    assert moto_patches.apply()
    try:
        yield sandbox
    finally:
        moto_patches.restore()


def post(sandbox, form, email, delivery_id):
    headers, body = senders.json_webhook(
        senders.json_form(form, {"email": email}), delivery_id=delivery_id
    )
    return sandbox.request("POST", "/webhooks/forms/json", headers, body).json()["status"]


def test_the_patch_is_pinned_to_the_moto_it_was_written_for():
    # If this fails, moto changed: re-read its transact_write_items, re-check the patch,
    # then update PINNED_MOTO / PINNED_SOURCE.
    assert moto_patches.is_applicable(), moto_patches.source_digest()


def test_patched_transactions_keep_dedupe_and_version_semantics(patched):
    assert post(patched, "webinar", "a@corp.example", "msg_1") == "accepted"
    assert post(patched, "webinar", "a@corp.example", "msg_1") == "duplicate"
    assert post(patched, "trial", "a@corp.example", "msg_2") == "accepted"
    lead = runtime.store().load(lead_id_for("a@corp.example"))
    assert lead.version == 2 and lead.events == 2


def test_a_cancelled_transaction_writes_nothing_and_streams_nothing(patched):
    post(patched, "webinar", "a@corp.example", "msg_1")
    reader = StreamReader(patched.trigger.stream_arn)
    before_records = len(reader.read())
    before_items = patched.items()
    assert post(patched, "webinar", "a@corp.example", "msg_1") == "duplicate"
    assert patched.items() == before_items
    # the first post wrote its ledger entry, the lead and the person's corp.example account item
    assert len(reader.read()) == 0 and before_records == 3


def test_a_transaction_does_not_copy_whole_tables(patched, monkeypatch):
    copied: list[type] = []
    real = copy.deepcopy

    def recording(value, *args, **kwargs):
        copied.append(type(value))
        return real(value, *args, **kwargs)

    monkeypatch.setattr(copy, "deepcopy", recording)
    post(patched, "webinar", "b@corp.example", "msg_9")
    assert Table not in copied


def test_consumed_stream_records_are_trimmed_and_numbering_goes_on(patched):
    post(patched, "webinar", "c@corp.example", "msg_1")
    reader = StreamReader(patched.trigger.stream_arn)
    first = reader.read()
    last = max(int(r["dynamodb"]["SequenceNumber"]) for r in first)
    assert moto_patches.trim_stream(runtime.settings().table_name, last) == len(first)
    post(patched, "trial", "c@corp.example", "msg_2")
    later = reader.read()
    assert len(later) == 2  # ledger entry, lead (the account heard of them today already)
    assert min(int(r["dynamodb"]["SequenceNumber"]) for r in later) == last + 1
