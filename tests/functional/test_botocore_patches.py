"""The local stack's botocore patches: the same request bodies and the same parsed answers as
botocore's own, for less work, and a trip wire that fails when botocore changes under them."""

from __future__ import annotations

import json
from typing import Any

import botocore.session
from botocore.parsers import create_parser
from botocore.serialize import create_serializer
from botocore.validate import ParamValidator
from hypothesis import given, settings
from hypothesis import strategies as st

from leadwire_local import botocore_patches, pinned
from tests.functional.test_moto_patches import ATTRIBUTE_VALUES, as_wire

MODEL = botocore.session.get_session().get_service_model("dynamodb")
ITEMS = st.dictionaries(st.text(min_size=1, max_size=6), ATTRIBUTE_VALUES, max_size=6)
# What moto may send where an attribute value goes, beside the well-formed ones.
ODD_ANSWERS = st.one_of(
    st.none(),
    st.just({}),
    st.just({"S": "a", "N": "1"}),
    st.just({"S": None}),
    st.just({"B": "not base64!"}),
    st.just({"X": "1"}),
    st.just({"L": [None, {"S": "a"}]}),
    st.just({"SS": ["a", None]}),
)
WIRE_ITEMS = st.dictionaries(
    st.text(min_size=1, max_size=6), st.one_of(ATTRIBUTE_VALUES.map(as_wire), ODD_ANSWERS)
)


def test_the_patches_are_pinned_to_the_botocore_they_were_written_for():
    # If this fails, botocore changed: re-read the functions whose digest moved, re-check the
    # patches, then update PINNED_BOTOCORE / PINNED_SOURCES.
    changed = pinned.moved(botocore_patches.PINNED_SOURCES, botocore_patches.source_digests())
    assert botocore_patches.is_applicable(), changed


def both(compute: Any, *args: Any) -> tuple[Any, Any]:
    """What `compute(*args)` gives with botocore as it is, then patched."""

    def outcome() -> Any:
        try:
            return compute(*args)
        except Exception as e:  # botocore's own refusal: the patched path must refuse alike
            return type(e)

    unpatched = outcome()
    assert botocore_patches.apply()
    try:
        return unpatched, outcome()
    finally:
        botocore_patches.restore()


@settings(max_examples=200, deadline=None)
@given(ITEMS, ITEMS)
def test_dynamodb_request_bodies_are_the_bytes_botocore_writes(item, values):
    table = {"TableName": "t"}
    for operation, params in [
        ("PutItem", {**table, "Item": item, "ExpressionAttributeValues": values}),
        ("GetItem", {**table, "Key": item}),
        (
            "TransactWriteItems",
            {
                "TransactItems": [
                    {"Put": {**table, "Item": item, "ConditionExpression": "a = :v"}},
                    {"Update": {**table, "Key": values, "UpdateExpression": "SET a = :v"}},
                ]
            },
        ),
    ]:
        model = MODEL.operation_model(operation)
        serializer = create_serializer(MODEL.metadata["protocol"], include_validation=False)
        unpatched, patched = both(serializer.serialize_to_request, params, model)
        assert patched == unpatched


@settings(max_examples=200, deadline=None)
@given(WIRE_ITEMS, st.lists(WIRE_ITEMS, max_size=3))
def test_dynamodb_answers_are_parsed_as_botocore_parses_them(item, items):
    for operation, answer in [
        ("GetItem", {"Item": item}),
        ("Query", {"Items": items, "Count": len(items), "LastEvaluatedKey": item}),
        ("TransactWriteItems", {"ItemCollectionMetrics": {"t": [{"ItemCollectionKey": item}]}}),
    ]:
        shape = MODEL.operation_model(operation).output_shape
        response = {"body": json.dumps(answer).encode(), "headers": {}, "status_code": 200}
        parser = create_parser(MODEL.metadata["protocol"])
        unpatched, patched = both(parser.parse, response, shape)
        assert patched == unpatched


# What a caller may pass where an attribute value goes, well-formed or not.
ODD_PARAMS = st.one_of(
    st.none(),
    st.just({}),
    st.just({"S": 1}),
    st.just({"N": 1.5}),
    st.just({"BOOL": "yes"}),
    st.just({"SS": {"a", "b"}}),
    st.just({"SS": ("a", 2)}),
    st.just({"L": ({"S": "a"},)}),
    st.just({"B": 3}),
    st.just({"BS": [b"a", None]}),
    st.just({"M": {"k": {"X": "1"}}}),
    st.just({"M": {1: {"S": "a"}}}),
    st.just({"S": "a", "N": "1"}),
    st.just("S"),
)
PARAM_VALUES = st.recursive(
    st.one_of(ATTRIBUTE_VALUES, ODD_PARAMS),
    lambda inner: st.one_of(
        st.builds(lambda m: {"M": m}, st.dictionaries(st.text(max_size=3), inner, max_size=3)),
        st.builds(lambda items: {"L": items}, st.lists(inner, max_size=3)),
    ),
    max_leaves=8,
)
PARAM_ITEMS = st.dictionaries(st.text(min_size=1, max_size=6), PARAM_VALUES, max_size=5)


def report(params: Any, shape: Any) -> str:
    return ParamValidator().validate(params, shape).generate_report()


@settings(max_examples=300, deadline=None)
@given(PARAM_ITEMS, PARAM_VALUES)
def test_dynamodb_parameters_are_validated_as_botocore_validates_them(item, value):
    table = {"TableName": "t"}
    for operation, params in [
        ("PutItem", {**table, "Item": item}),
        ("GetItem", {**table, "Key": {"pk": value}}),
        ("TransactWriteItems", {"TransactItems": [{"Put": {**table, "Item": item}}]}),
        ("UpdateItem", {**table, "Key": {}, "ExpressionAttributeValues": {":v": value}}),
    ]:
        shape = MODEL.operation_model(operation).input_shape
        unpatched, patched = both(report, params, shape)
        assert patched == unpatched
