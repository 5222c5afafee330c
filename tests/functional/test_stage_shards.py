"""The write-sharded ByStage index: new leads spread over the template's shards, and the leads
API pages through them merged, newest first, without a repeat or a gap, at any page size."""

from __future__ import annotations

from collections import Counter

import boto3

from leadwire.aws.dynamo import BY_STAGE, STAGE_SHARD
from leadwire.domain.models import Stage
from leadwire.shell import runtime
from leadwire_local.template import load_template
from tests.support import READY, post_form

LEADS = 40


def template_shards(sandbox) -> int:
    return int(load_template(sandbox.template.path)["Parameters"]["StageShards"]["Default"])


def new_leads(sandbox, count: int) -> list[str]:
    emails = [f"reader{i}@corp{i}.example" for i in range(count)]
    for email in emails:
        assert post_form(sandbox, "newsletter", {"email": email}).status == 202
    return emails


def pages(sandbox, query: str) -> list[list[dict]]:
    found, cursor = [], None
    while True:
        response = sandbox.request("GET", query + (f"&cursor={cursor}" if cursor else ""))
        assert response.status == 200, response.body
        body = response.json()
        found.append(body["items"])
        cursor = body["next"]
        if cursor is None:
            return found
        assert len(found) <= LEADS + 3  # count-bounded: a cursor that never ends fails here


def newest_first(items: list[dict]) -> bool:
    keys = [(i["stageAt"] or i["createdAt"], i["leadId"]) for i in items]
    return keys == sorted(keys, reverse=True)


def test_the_functions_shard_the_index_as_the_template_says(sandbox):
    assert runtime.settings().stage_shards == template_shards(sandbox) > 1


def test_new_leads_spread_over_every_shard_of_the_lead_stage(sandbox):
    # Given many new leads
    new_leads(sandbox, LEADS)

    # Then their index keys fall in several shards of `lead`, each a shard the readers query
    items = boto3.client("dynamodb").scan(
        TableName=runtime.settings().table_name,
        FilterExpression="entity = :lead",
        ExpressionAttributeValues={":lead": {"S": "lead"}},
    )["Items"]
    shards = Counter(i[STAGE_SHARD]["S"] for i in items)
    wanted = {f"lead#{n}" for n in range(template_shards(sandbox))}
    assert sum(shards.values()) == LEADS and set(shards) <= wanted
    assert len(shards) >= len(wanted) // 2  # 40 ids over 8 shards: crc32 leaves none near-empty
    assert max(shards.values()) < LEADS // 2


def test_small_pages_walk_every_shard_merged_newest_first_without_repeats(sandbox):
    # Given leads across all shards, and two SQLs
    emails = new_leads(sandbox, LEADS)
    for n in range(2):
        sql = {**READY, "email": f"buyer{n}@big{n}.example"}
        assert post_form(sandbox, "demo-request", sql).status == 202

    for limit in (1, 3, 5, 7):
        # When sales pages through the lead stage, and through every stage
        by_stage = pages(sandbox, f"/leads?stage=lead&limit={limit}")
        merged = pages(sandbox, f"/leads?limit={limit}")

        # Then every lead is there once, in order, each page full but the last
        for walked, expected in ((by_stage, LEADS), (merged, LEADS + 2)):
            flat = [i for page in walked for i in page]
            assert len(flat) == len({i["leadId"] for i in flat}) == expected
            assert all(len(page) == limit for page in walked[:-1])
        assert {i["email"] for page in by_stage for i in page} == set(emails)
        assert newest_first([i for page in by_stage for i in page])


def test_a_page_is_one_query_per_shard_of_the_stage(sandbox, monkeypatch):
    new_leads(sandbox, 5)
    store = runtime.store()
    queries = []
    real = store._client.query

    def counted(**kwargs):
        queries.append(kwargs["IndexName"])
        return real(**kwargs)

    monkeypatch.setattr(store._client, "query", counted)
    store.list_leads(None, 25)
    everything = len(queries)
    queries.clear()
    store.list_leads(Stage.LEAD, 25)
    assert queries == [BY_STAGE] * template_shards(sandbox)
    assert everything == 3 * template_shards(sandbox)


def test_a_lead_stored_before_the_sharded_index_is_listed_once_backfilled(sandbox):
    # Given a lead as an older version stored it (no stageShard), and one written now
    new_leads(sandbox, 2)
    client = boto3.client("dynamodb")
    table = runtime.settings().table_name
    [old, _] = client.scan(
        TableName=table,
        FilterExpression="entity = :lead",
        ExpressionAttributeValues={":lead": {"S": "lead"}},
    )["Items"]
    client.put_item(TableName=table, Item={k: v for k, v in old.items() if k != STAGE_SHARD})
    store = runtime.store()
    assert len(store.list_leads(Stage.LEAD)[0]) == 1  # the old one is not in the index

    # When the store backfills (the local stack does at start), twice
    assert store.shard_stage_keys() == 1 and store.shard_stage_keys() == 0

    # Then both are listed again, the old one in its shard
    assert len(store.list_leads(Stage.LEAD)[0]) == 2
