"""The webhook's DynamoDB calls answered straight by moto's handler (`direct_dynamodb`) give
what the usual in-process path gives: the same answers, the same errors, the same table, and
the same journal."""

from __future__ import annotations

import json
import socket
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto.moto_server.werkzeug_app import create_backend_app

from leadwire_local import direct_dynamodb, moto_server, pinned
from leadwire_local.journal import Journal

KEYS = [f"p{n}" for n in range(4)]


def test_the_direct_path_is_pinned_to_the_libraries_it_was_written_for():
    # If this fails, botocore or moto changed: re-read the functions whose digest moved,
    # re-check direct_dynamodb, then update its PINNED_* values.
    changed = pinned.moved(direct_dynamodb.PINNED_SOURCES, direct_dynamodb.source_digests())
    assert direct_dynamodb.is_applicable(), changed


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Paths:
    """Two clients over one journaled app: `direct` (the hook on) and `usual` (off), each in
    its own region, so each has its own moto tables."""

    def __init__(self, journal: Journal, monkeypatch: pytest.MonkeyPatch) -> None:
        endpoint = f"http://127.0.0.1:{_port()}"
        app = moto_server._serialized(moto_server._Dispatcher(create_backend_app), journal)
        self.clients: dict[str, Any] = {}
        for name, region, wanted in (("direct", "us-east-1", "1"), ("usual", "eu-west-1", "0")):
            monkeypatch.setenv("LEADWIRE_DIRECT_DYNAMODB", wanted)
            session = boto3.Session(
                aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region
            )
            moto_server.take_the_in_process_path(session.events, app, endpoint)
            self.clients[name] = session.client("dynamodb", endpoint_url=endpoint)
        hooks = self.clients["direct"].meta.events._emitter._handlers.prefix_search(
            "before-call.dynamodb.GetItem"
        )
        self.hook = next(h for h in hooks if isinstance(h, direct_dynamodb.DirectDynamoDB))

    def create(self, table: str) -> None:
        for client in self.clients.values():
            client.create_table(
                TableName=table,
                KeySchema=[
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "sk", "KeyType": "RANGE"},
                ],
                AttributeDefinitions=[
                    {"AttributeName": "pk", "AttributeType": "S"},
                    {"AttributeName": "sk", "AttributeType": "S"},
                ],
                BillingMode="PAY_PER_REQUEST",
            )

    def both(self, operation: str, params: dict[str, Any]) -> tuple[Any, Any]:
        return tuple(_outcome(c, operation, params) for c in self.clients.values())  # type: ignore[return-value]

    def tables(self, table: str) -> tuple[Any, Any]:
        return tuple(  # type: ignore[return-value]
            sorted(
                json.dumps(i, sort_keys=True, default=repr)
                for i in c.scan(TableName=table)["Items"]
            )
            for c in self.clients.values()
        )


def _outcome(client: Any, operation: str, params: dict[str, Any]) -> Any:
    try:
        answer = getattr(client, operation)(**params)
    except ClientError as e:
        answer = {"raised": type(e).__name__, **e.response}
    answer.pop("ResponseMetadata", None)
    return answer


@pytest.fixture
def paths(restored_environ, tmp_path, monkeypatch) -> Iterator[Paths]:
    journal = Journal(tmp_path / "journal.jsonl")
    journal.start(0)
    yield Paths(journal, monkeypatch)
    journal.close()


scalars = st.one_of(
    st.builds(lambda s: {"S": s}, st.text(max_size=6)),
    st.builds(lambda n: {"N": n}, st.sampled_from(["0", "1", "-2.5", "1E+2", "123456789012345"])),
    st.builds(lambda b: {"BOOL": b}, st.booleans()),
    st.just({"NULL": True}),
    st.builds(lambda s: {"SS": sorted(s)}, st.sets(st.text(min_size=1, max_size=3), min_size=1)),
    st.builds(lambda s: {"NS": sorted(s)}, st.sets(st.sampled_from(["1", "2", "3.5"]), min_size=1)),
    st.builds(lambda b: {"B": b}, st.binary(max_size=4)),  # taken the usual way
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.builds(lambda v: {"L": v}, st.lists(inner, max_size=3)),
        st.builds(lambda v: {"M": v}, st.dictionaries(st.sampled_from("abc"), inner, max_size=3)),
    ),
    max_leaves=6,
)
keys = st.builds(lambda pk: {"pk": {"S": pk}, "sk": {"S": "P"}}, st.sampled_from(KEYS))
items = st.builds(
    lambda key, rest: {**rest, **key},
    keys,
    st.dictionaries(st.sampled_from(["a", "b", "c", "d"]), values, max_size=4),
)
condition = st.sampled_from(
    [{}, {"ConditionExpression": "attribute_not_exists(pk)"}, {"ConditionExpression": "a = b"}]
)
puts = st.builds(
    lambda item, cond, old: {
        "Put": {
            "Item": item,
            **cond,
            **({"ReturnValuesOnConditionCheckFailure": "ALL_OLD"} if old else {}),
        }
    },
    items,
    condition,
    st.booleans(),
)
updates = st.builds(
    lambda key, cond: {
        "Update": {
            "Key": key,
            "UpdateExpression": "SET v = if_not_exists(v, :z) + :one",
            "ExpressionAttributeValues": {":z": {"N": "0"}, ":one": {"N": "1"}},
            **cond,
        }
    },
    keys,
    condition,
)
deletes = st.builds(lambda key, cond: {"Delete": {"Key": key, **cond}}, keys, condition)
checks = st.builds(
    lambda key: {"ConditionCheck": {"Key": key, "ConditionExpression": "attribute_exists(pk)"}},
    keys,
)
transactions = st.builds(
    lambda writes: ("transact_write_items", {"TransactItems": writes}),
    st.lists(st.one_of(puts, updates, deletes, checks), min_size=1, max_size=3),
)
reads = st.builds(
    lambda key, projected, consistent: (
        "get_item",
        {
            "Key": key,
            **(
                {"ProjectionExpression": "a, #b", "ExpressionAttributeNames": {"#b": "b"}}
                if projected
                else {}
            ),
            **({"ConsistentRead": True} if consistent else {}),
        },
    ),
    keys,
    st.booleans(),
    st.booleans(),
)
operations = st.lists(st.one_of(reads, transactions), min_size=1, max_size=12)


def _on_table(operation: str, params: dict[str, Any], table: str) -> dict[str, Any]:
    if operation == "get_item":
        return {"TableName": table, **params}
    writes = [
        {kind: {"TableName": table, **op} for kind, op in w.items()}
        for w in params["TransactItems"]
    ]
    return {"TransactItems": writes}


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(operations=operations, missing=st.booleans())
def test_direct_answers_equal_the_usual_path_s(paths, operations, missing):
    # Given the same table on both paths
    table = f"direct-{uuid.uuid4().hex[:12]}"
    paths.create(table)
    # When the same reads and transactions (some refused, some on a missing table) run on both
    for n, (operation, params) in enumerate(operations):
        target = f"{table}-missing" if missing and n == len(operations) - 1 else table
        direct, usual = paths.both(operation, _on_table(operation, params, target))
        # Then each answer (an item, a cancellation with its reasons and Item) is the same
        assert direct == usual, (operation, params)
    # And so is what the table holds
    assert paths.tables(table)[0] == paths.tables(table)[1]


def test_direct_calls_are_journaled_and_answered_without_moto_s_http_shape(paths, tmp_path):
    # Given a table
    table = f"direct-{uuid.uuid4().hex[:12]}"
    paths.create(table)
    client = paths.clients["direct"]
    answered = paths.hook.answered
    # When a transaction writes an item and it is read back
    item = {"pk": {"S": "a"}, "sk": {"S": "P"}, "n": {"N": "1"}}
    client.transact_write_items(TransactItems=[{"Put": {"TableName": table, "Item": item}}])
    read = client.get_item(TableName=table, Key={"pk": {"S": "a"}, "sk": {"S": "P"}})
    # Then both were answered directly, the read with the item, the write journaled on disk
    assert paths.hook.answered == answered + 2
    assert read["Item"] == item and read["ResponseMetadata"]["HTTPStatusCode"] == 200
    lines = [json.loads(line) for line in (tmp_path / "journal.jsonl").read_text().splitlines()]
    assert lines[-1]["dynamodb"] == "TransactWriteItems"
    assert json.loads(lines[-1]["body"])["TransactItems"][0]["Put"]["Item"] == item
    # ... and a refused transaction comes back as the usual path's error, with its reasons
    with pytest.raises(client.exceptions.TransactionCanceledException) as refused:
        client.transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": table,
                        "Item": item,
                        "ConditionExpression": "attribute_not_exists(pk)",
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    }
                }
            ]
        )
    reasons = refused.value.response["CancellationReasons"]
    assert reasons[0]["Code"] == "ConditionalCheckFailed" and reasons[0]["Item"] == item
