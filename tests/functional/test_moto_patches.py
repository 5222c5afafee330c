"""The local stack's moto patches: same transaction semantics, no whole-table copy, the same
size limit and the same response bytes for less work, and a trip wire that fails when moto
changes underneath them."""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Iterator
from typing import Any

import boto3
import botocore.exceptions
import moto.core.responses as moto_responses
import moto.utilities.aws_headers as moto_headers
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto.core.parse import JSONParser
from moto.core.request import Request as MotoRequest
from moto.core.serialize import XFormedAttributePicker, get_serializer_class
from moto.core.utils import get_service_model
from moto.dynamodb.comparisons import ConditionExpressionParser
from moto.dynamodb.exceptions import ItemSizeTooLarge
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table
from moto.dynamodb.models.utilities import dynamo_to_dict
from moto.dynamodb.responses import DynamoHandler
from moto.moto_api._internal import mock_random

from leadwire.domain.models import lead_id_for
from leadwire.shell import runtime
from leadwire_local import moto_patches, pinned, senders, snapshot
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


def test_the_patches_are_pinned_to_the_moto_they_were_written_for():
    # If this fails, moto changed: re-read the functions whose digest moved, re-check the
    # patches, then update PINNED_MOTO / PINNED_SOURCES.
    changed = pinned.moved(moto_patches.PINNED_SOURCES, moto_patches.source_digests())
    assert moto_patches.is_applicable(), changed


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


def test_a_transaction_failing_half_way_through_its_writes_leaves_every_item_as_it_was(
    sandbox,
):
    # Given two items, and a transaction whose conditions pass but whose last write fails
    # (adding to a string) after the first has been applied
    client = boto3.client("dynamodb")
    table = runtime.settings().table_name
    a = {"pk": {"S": "t#a"}, "sk": {"S": "x"}, "n": {"N": "1"}, "m": {"M": {"l": {"L": []}}}}
    b = {"pk": {"S": "t#b"}, "sk": {"S": "x"}, "n": {"S": "text"}}
    writes = [
        {"Put": {"TableName": table, "Item": {**a, "n": {"N": "2"}}}},
        {
            "Update": {
                "TableName": table,
                "Key": {"pk": b["pk"], "sk": b["sk"]},
                "UpdateExpression": "SET n = n + :one",
                "ExpressionAttributeValues": {":one": {"N": "1"}},
            }
        },
    ]

    def attempt() -> tuple[str, list[Any]]:
        for item in (a, b):
            client.put_item(TableName=table, Item=item)
        try:
            client.transact_write_items(TransactItems=writes)
            failure = "none"
        except botocore.exceptions.ClientError as e:
            failure = e.response["Error"]["Code"]
        keys = [{"pk": i["pk"], "sk": i["sk"]} for i in (a, b)]
        return failure, [client.get_item(TableName=table, Key=k).get("Item") for k in keys]

    # When it runs on moto as it is, and patched
    unpatched = attempt()
    assert moto_patches.apply()
    try:
        patched_outcome = attempt()
    finally:
        moto_patches.restore()
    # Then both refuse it alike and both items are as they were before it
    assert patched_outcome == unpatched
    assert unpatched[0] != "none" and unpatched[1] == [a, b]


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


# -- the item size limit, summed once ------------------------------------------------------


def item_of(size: int) -> dict[str, Any]:
    """An item whose attributes (names and values) come to `size` bytes, in 100 attributes."""
    attributes = {"pk": {"S": "k"}}  # 2 + 1 bytes
    left = size - 3
    for n in range(99):
        name = f"a{n:02d}"  # 3 bytes
        width = left // (99 - n) - 3
        attributes[name] = {"S": "x" * width}
        left -= 3 + width
    return attributes


@pytest.mark.parametrize("size", [405_000, 405_001, 1_000])
def test_the_item_size_limit_is_where_moto_puts_it(size):
    def build() -> str:
        try:
            item = Item(None, None, item_of(size))  # type: ignore[arg-type]
            return f"{len(item.attrs)} attributes"
        except ItemSizeTooLarge:
            return "too large"

    unpatched = build()
    assert moto_patches.apply()
    try:
        assert build() == unpatched == ("too large" if size > 405_000 else "100 attributes")
    finally:
        moto_patches.restore()


# -- DynamoDB responses, serialized without the shape walk ---------------------------------

NUMBERS = st.integers(-(10**37), 10**37)  # DynamoDB keeps 38 digits
SCALARS = st.one_of(
    st.builds(lambda s: {"S": s}, st.text(max_size=8)),
    st.builds(lambda n: {"N": str(n)}, NUMBERS),
    st.builds(lambda b: {"B": b}, st.binary(max_size=8)),
    st.builds(lambda b: {"BOOL": b}, st.booleans()),
    st.just({"NULL": True}),
    st.builds(lambda s: {"SS": sorted(s)}, st.sets(st.text(max_size=4), min_size=1, max_size=3)),
    st.builds(lambda s: {"NS": [str(n) for n in s]}, st.sets(NUMBERS, min_size=1)),
    st.builds(lambda s: {"BS": sorted(s)}, st.sets(st.binary(max_size=4), min_size=1)),
)
ATTRIBUTE_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.builds(lambda m: {"M": m}, st.dictionaries(st.text(max_size=4), inner, max_size=4)),
        st.builds(lambda items: {"L": items}, st.lists(inner, max_size=4)),
    ),
    max_leaves=12,
)
ITEMS = st.dictionaries(st.text(min_size=1, max_size=6), ATTRIBUTE_VALUES, max_size=6)


def serialized(operation: str, result: Any) -> Any:
    """The response body moto sends for `result`, as its DynamoDB handler serializes it."""
    service = get_service_model("dynamodb")
    serializer_class = get_serializer_class("dynamodb", service.protocol)
    serializer = serializer_class(
        operation_model=service.operation_model(operation),
        value_picker=XFormedAttributePicker(),
    )
    return json.loads(serializer.serialize(dynamo_to_dict(result))["body"])


@settings(max_examples=150, deadline=None)
@given(ITEMS, st.lists(ITEMS, max_size=3))
def test_dynamodb_responses_are_the_bytes_moto_would_send(item, items):
    for operation, result in [
        ("GetItem", {"Item": item}),
        ("Query", {"Items": items, "Count": len(items), "LastEvaluatedKey": item or None}),
        ("PutItem", {"Attributes": item}),
    ]:
        unpatched = serialized(operation, result)
        assert moto_patches.apply()
        try:
            assert serialized(operation, result) == unpatched
        finally:
            moto_patches.restore()


def as_wire(value: Any) -> Any:
    """Binary as it arrives over the wire (base64 text), the other form moto keeps."""
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, dict):
        return {k: as_wire(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_wire(v) for v in value]
    return value


@settings(max_examples=150, deadline=None)
@given(ITEMS, st.booleans())
def test_an_item_s_json_is_what_moto_builds_and_as_much_a_copy(attributes, wire):
    attributes = {"pk": {"S": "k"}, **(as_wire(attributes) if wire else attributes)}

    def views() -> list[Any]:
        item = Item(DynamoType({"S": "k"}), None, copy.deepcopy(attributes))
        before = repr(item)
        seen = []
        for view in (item.to_json, item.to_regular_json):
            try:
                shown = view()
            except TypeError as e:  # moto's own (boto3 refuses base64 text in a binary set)
                seen.append(type(e))
                continue
            seen.append(copy.deepcopy(shown))
            scribble(shown)
        assert repr(item) == before  # nothing handed out shares the stored item's containers
        return seen

    unpatched = views()
    assert moto_patches.apply()
    try:
        assert views() == unpatched
    finally:
        moto_patches.restore()


def scribble(value: Any) -> None:
    """Change every container in a view, as a careless caller might."""
    if isinstance(value, dict):
        for v in list(value.values()):
            scribble(v)
        value["scribbled"] = True
    elif isinstance(value, list):
        for v in value:
            scribble(v)
        value.append("scribbled")


# -- DynamoDB requests, parsed without the shape walk ----------------------------------------


def parsed(operation: str, body: Any) -> Any:
    """The parameters moto's DynamoDB handler reads from a request body, as its parser does."""
    operation_model = get_service_model("dynamodb").operation_model(operation)
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return JSONParser(operation_model, map_type=dict).parse({"body": raw})  # type: ignore[typeddict-item]


# What a careless or hostile caller may put where an attribute value goes.
ODD_VALUES = st.one_of(
    st.none(),
    st.just({}),
    st.just({"S": "a", "N": "1"}),
    st.just({"SS": "abc"}),
    st.just({"B": "not base64!"}),
    st.just({"X": "1"}),
    st.just("S"),
    st.just({"M": ["a"]}),
    st.just({"S": None}),
)
WIRE_VALUES = st.one_of(ATTRIBUTE_VALUES.map(as_wire), ODD_VALUES)
WIRE_ITEMS = st.dictionaries(st.text(min_size=1, max_size=6), WIRE_VALUES, max_size=6)


def outcome(operation: str, body: Any) -> Any:
    try:
        return parsed(operation, body)
    except Exception as e:  # moto's own refusal: the patched parser must refuse alike
        return type(e)


@settings(max_examples=200, deadline=None)
@given(WIRE_ITEMS, WIRE_ITEMS, WIRE_VALUES)
def test_dynamodb_requests_are_parsed_as_moto_parses_them(item, values, value):
    table = {"TableName": "t"}
    bodies = [
        ("PutItem", {**table, "Item": item, "ExpressionAttributeValues": values}),
        ("GetItem", {**table, "Key": item}),
        (
            "TransactWriteItems",
            {
                "TransactItems": [
                    {"Put": {**table, "Item": item, "ConditionExpression": "a = :v"}},
                    {"Update": {**table, "Key": values, "ExpressionAttributeValues": item}},
                ]
            },
        ),
        ("Query", {**table, "ExclusiveStartKey": {"pk": value}}),
    ]
    for operation, body in bodies:
        unpatched = outcome(operation, body)
        assert moto_patches.apply()
        try:
            assert outcome(operation, body) == unpatched
        finally:
            moto_patches.restore()


# -- a request in this process, handed to moto without werkzeug's EnvironBuilder -----------

HEADER_NAMES = st.sampled_from(
    ["X-Amz-Target", "Content-Type", "content-type", "User-Agent", "X-Amz-Date", "Authorization"]
    + ["Content-Length", "amz-sdk-invocation-id", "x-amz-security-token", "Accept-Encoding"]
    + ["Content-Encoding"]
)
HEADER_VALUES_ALSO = ["application/x-amz-json-1.0", "application/x-www-form-urlencoded", "gzip"]
HEADER_VALUES = st.one_of(
    st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=12),
    st.sampled_from([*HEADER_VALUES_ALSO, "DynamoDB_20120810."]),
)
REQUEST_HEADERS = st.dictionaries(HEADER_NAMES, HEADER_VALUES, max_size=8)
URLS = st.sampled_from(
    ["http://127.0.0.1:5000/", "http://localhost", "https://127.0.0.1:8443/", "http://h:1/a/b"]
    + ["http://127.0.0.1:5000/?x=1", "http://127.0.0.1:5000/%7E"]
)


def as_moto_sees_it(build: Any) -> dict[str, Any]:
    """Everything moto reads of a request (`build()` makes it): its environ, what werkzeug
    derives from it, and what a DynamoDB handler's setup makes of a fresh one."""
    handler = DynamoHandler()
    seen: dict[str, Any] = {}
    try:
        handler.setup_class(build())
    except Exception as e:  # moto's refusal (a body it cannot parse): the same either way
        seen["setup"] = type(e)
    else:
        setup = {
            k: v for k, v in vars(handler).items() if k not in ("normalized_request", "headers")
        }
        seen["setup"] = sorted((k, repr(v)) for k, v in setup.items() if k != "response_headers")
        seen["response headers"] = sorted(k for k in handler.response_headers)
    request = build()
    objects = ("wsgi.input", "werkzeug.request")
    environ = {k: v for k, v in request.environ.items() if k not in objects}
    return seen | {
        "environ": list(environ.items()),
        "attributes": (request.method, request.url, request.raw_url, request.path),
        "headers": list(request.headers),
        "data": request.data,
        "form": list(request.form.items(multi=True)),
        "files": list(request.files.items()),
        "rest": request.stream.read(),
    }


@settings(max_examples=300, deadline=None)
@given(URLS, REQUEST_HEADERS, st.binary(max_size=40) | st.builds(str.encode, st.text(max_size=30)))
def test_an_in_process_request_is_the_one_moto_builds(url, headers, body):
    ours = as_moto_sees_it(lambda: moto_patches.in_process_request("POST", url, headers, body))
    assert ours == as_moto_sees_it(lambda: MotoRequest.from_primitives("POST", url, headers, body))


def test_a_real_dynamodb_call_is_set_up_as_moto_sets_it_up():
    headers = {
        "X-Amz-Target": "DynamoDB_20120810.GetItem",
        "Content-Type": "application/x-amz-json-1.0",
        "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/dynamodb/"
        "aws4_request, SignedHeaders=host;x-amz-date, Signature=0",
        "Content-Length": "47",
    }
    body = json.dumps({"TableName": "t", "Key": {"pk": {"S": "a"}, "b": {"B": "AAE="}}}).encode()
    url = "http://127.0.0.1:5000/"
    ours = as_moto_sees_it(lambda: moto_patches.in_process_request("POST", url, headers, body))
    assert ours == as_moto_sees_it(lambda: MotoRequest.from_primitives("POST", url, headers, body))
    assert "'Key': {'pk': {'S': 'a'}, 'b': {'B': b'\\x00\\x01'}}" in dict(ours["setup"])["params"]


def test_request_ids_are_moto_s_shape_and_follow_its_seed():
    def ids() -> tuple[str, dict[str, str]]:
        mock_random.seed(7)
        headers: dict[str, str] = {}
        first = moto_headers.gen_amzn_requestid_long(headers)
        return first, headers

    unpatched, _ = ids()
    assert moto_patches.apply()
    try:
        first, headers = moto_responses.gen_amzn_requestid_long({}), {}
        patched, headers = ids()
        again, _ = ids()
    finally:
        moto_patches.restore()
    for request_id in (unpatched, first, patched):
        assert len(request_id) == 52 and request_id.isalnum() and request_id.isascii()
    assert headers == {"x-amzn-requestid": patched} and again == patched


EXPRESSIONS = st.one_of(
    st.sampled_from(
        [
            "attribute_not_exists(pk) OR #v = :v",
            "attribute_exists(pk) AND (version = :v OR NOT begins_with(#s, :p))",
            "a BETWEEN :lo AND :hi",
            "size(#l) > :n AND c IN (:a, :b)",
            "a <> :v",
        ]
    ),
    st.text(st.sampled_from("ab:#()=<> ,_"), max_size=16),
)


def tokens(expression: str) -> Any:
    parser = ConditionExpressionParser(expression, {}, {})
    try:
        return list(parser._lex_condition_expression())
    except Exception as e:  # an invalid expression: the same error, every time it is sent
        return type(e), str(e)


@settings(max_examples=300, deadline=None)
@given(EXPRESSIONS)
def test_condition_expressions_are_tokenized_as_moto_tokenizes_them(expression):
    unpatched = tokens(expression)
    assert moto_patches.apply()
    try:
        assert tokens(expression) == unpatched
        assert tokens(expression) == unpatched  # from the cache
    finally:
        moto_patches.restore()


# -- the snapshot's read of the table, straight from moto ---------------------------------


def read_back(read: Any) -> Any:
    try:
        return read()
    except Exception as e:  # moto answers a Scan botocore cannot read (a map member named "")
        return type(e)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(ITEMS, min_size=1, max_size=4), st.booleans(), st.uuids())
def test_the_snapshot_reads_the_table_as_a_scan_returns_it(sandbox, items, patched_moto, run):
    # Given items of every kind of value (binary ones included) in the leads table
    client = boto3.client("dynamodb", region_name="us-east-1")
    table = runtime.settings().table_name
    for n, attributes in enumerate(items):
        key = {"pk": {"S": f"TEST#{run}-{n}"}, "sk": {"S": "T"}}
        client.put_item(
            TableName=table, Item={**key, **{f"x{k}": v for k, v in attributes.items()}}
        )
    if patched_moto:
        assert moto_patches.apply()
    try:
        # When the snapshot reads the table, Then it has what a whole-table Scan returns
        assert read_back(lambda: snapshot.table_items(sandbox)) == read_back(sandbox.items)
    finally:
        moto_patches.restore()


def test_the_snapshot_scans_a_table_moto_does_not_hold_here(sandbox, monkeypatch):
    # Given moto elsewhere (or not the pinned one): the direct read has nothing to offer
    monkeypatch.setattr(moto_patches, "items_as_sent", lambda *args: None)
    post(sandbox, "webinar", "a@corp.example", "msg_1")
    # Then the snapshot's items come from a Scan, as before
    assert snapshot.table_items(sandbox) == sandbox.items() != []


def test_the_snapshot_reads_moto_s_table_without_a_scan(sandbox, monkeypatch):
    post(sandbox, "webinar", "a@corp.example", "msg_1")
    scanned = sandbox.items()
    monkeypatch.setattr(sandbox, "items", lambda: pytest.fail("scanned the whole table"))
    assert snapshot.table_items(sandbox) == scanned
