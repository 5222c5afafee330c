"""botocore's side of a local DynamoDB call, cheaper. Local stack only, never deployed.

Every in-process call is validated and serialized to JSON by botocore and its answer parsed
back, each walking DynamoDB's shape model once per attribute value, through a method lookup
per node (a lead has ~50 attributes; a webhook writes it and its ledger entry and reads it
back). These patches check, write and read the attribute values directly, with exactly
botocore's result (a value with anything to report is left to botocore's validator, which
writes the report); anything else, and any value they do not recognise, goes the usual way.

Like `moto_patches`, each is pinned to the botocore release and the source it replaces:
`apply()` refuses if either changed, and tests/functional/test_botocore_patches.py fails.
"""

from __future__ import annotations

import base64
import functools
import inspect
from collections.abc import Callable
from typing import Any

import botocore
import botocore.validate
from botocore.parsers import BaseJSONParser, JSONParser
from botocore.serialize import JSONSerializer
from botocore.validate import ParamValidator

from leadwire_local import pinned

PINNED_BOTOCORE = "1.44.8"
PINNED_SOURCES = {
    "JSONSerializer._serialize_type_structure": (
        "f3a172f4cfb68b20d0a32cdff5a2653f37bf35f33615f2bf3c7cd68fa5525715"
    ),
    "JSONSerializer._serialize_type_map": (
        "1483b8c18581cbd6ee0b515a5e6064ca7b6f3e42b4b94411abf29e1a03dcc7ef"
    ),
    "BaseJSONParser._handle_structure": (
        "c0149450e9824bc3882cd71281af384cacf4e6e2909e9d2c72076fc42b413634"
    ),
    "BaseJSONParser._handle_map": (
        "2bbe776e7fdf4c4ab928c0786b149770fed475af2f912156cf5a391292cfbb97"
    ),
    # These two as written, inside the `type_check` guard they are wrapped in (pinned too).
    "ParamValidator._validate_structure": (
        "b9d310b92808a6d5c5fd5234b603dc2b5370cf0e344d38a41737b4d8ed77827e"
    ),
    "ParamValidator._validate_map": (
        "442f23cbb9d13da2ad61c6602e339c9d03f79016106bdd64587d1c4b90f63092"
    ),
    "validate.type_check": "a60bf093e3c3038f1ba05e90bb0e3dfedc3f9f8a01a6aa043faeaa5b9e228aab",
}
_OWNERS: dict[str, Any] = {
    **{c.__name__: c for c in (JSONSerializer, BaseJSONParser, ParamValidator)},
    "validate": botocore.validate,
}
_ORIGINALS: dict[str, Any] = pinned.originals(_OWNERS, PINNED_SOURCES)
_ATTRIBUTE_VALUE_MEMBERS = ("S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL")


def _as_written(function: Any) -> Any:
    """The function itself, out of the `type_check` guard around it if it has one."""
    if function.__name__ != "_on_passes_type_check":
        return function
    cells = [cell.cell_contents for cell in function.__closure__ or ()]
    return next(c for c in cells if inspect.isfunction(c) and c.__name__ != "_type_check")


def source_digests() -> dict[str, str]:
    """What each pinned function's source hashes to in the installed botocore."""
    return pinned.source_digests(_ORIGINALS, _as_written)


def is_applicable() -> bool:
    return botocore.__version__ == PINNED_BOTOCORE and source_digests() == PINNED_SOURCES


@functools.cache
def _pinned() -> bool:
    return is_applicable()


def apply() -> bool:
    """Patch botocore in this process (the local server's); False when it is not the pinned one."""
    if not is_applicable():
        return False
    pinned.swap(_OWNERS, _REPLACEMENTS)
    return True


def restore() -> None:
    pinned.swap(_OWNERS, {name: _ORIGINALS[name] for name in _REPLACEMENTS})


class _Unusual(Exception):
    """A value these do not claim to handle: botocore's own code does it."""


def _is_attribute_value(shape: Any) -> bool:
    return (
        getattr(shape, "name", None) == "AttributeValue"
        and getattr(shape, "type_name", None) == "structure"
        and not shape.is_document_type
        and not shape.is_tagged_union
        and tuple(shape.members) == _ATTRIBUTE_VALUE_MEMBERS
        and not any(m.serialization for m in shape.members.values())
    )


# -- requests: botocore's parameters (already validated) to the JSON body ----------------------


def _blob(value: Any) -> str:
    if isinstance(value, str):
        value = value.encode("utf-8")
    if not isinstance(value, bytes | bytearray):
        raise _Unusual  # a file-like object: botocore's reads it
    return base64.b64encode(value).strip().decode("utf-8")


def _written(value: Any) -> dict[str, Any]:
    """One attribute value as botocore's JSON serializer writes it: every member it was given,
    strings, numbers, booleans and null as they are, blobs in base64, maps and lists in turn."""
    if type(value) is not dict:
        raise _Unusual
    written: dict[str, Any] = {}
    for kind, item in value.items():
        if kind in ("S", "N", "NULL", "BOOL"):
            written[kind] = item
        elif kind in ("SS", "NS"):
            if type(item) is not list:
                raise _Unusual
            written[kind] = list(item)
        elif kind == "M":
            written[kind] = _written_map(item)
        elif kind == "L":
            if type(item) is not list:
                raise _Unusual
            written[kind] = [_written(v) for v in item]
        elif kind == "B":
            written[kind] = _blob(item)
        elif kind == "BS":
            if type(item) is not list:
                raise _Unusual
            written[kind] = [_blob(v) for v in item]
        else:
            raise _Unusual  # botocore's raises its own error for an unknown member
    return written


def _written_map(values: Any) -> dict[str, Any]:
    if type(values) is not dict:
        raise _Unusual
    return {k: _written(v) for k, v in values.items()}


_serialize_structure = _ORIGINALS["JSONSerializer._serialize_type_structure"]
_serialize_map = _ORIGINALS["JSONSerializer._serialize_type_map"]


def _serialize_type_structure(
    self: JSONSerializer, serialized: Any, value: Any, shape: Any, key: Any
) -> None:
    if key is not None and self.MAP_TYPE is dict and _is_attribute_value(shape):
        try:
            serialized[key] = _written(value)
            return
        except _Unusual:
            pass
    _serialize_structure(self, serialized, value, shape, key)


def _serialize_type_map(
    self: JSONSerializer, serialized: Any, value: Any, shape: Any, key: Any
) -> None:
    """An item (a map of attribute values) in one go; any other map as botocore does it."""
    if self.MAP_TYPE is dict and _is_attribute_value(shape.value):
        try:
            serialized[key] = _written_map(value)
            return
        except _Unusual:
            pass
    _serialize_map(self, serialized, value, shape, key)


# -- answers: the JSON body to what boto3 returns ----------------------------------------------


def _read(parser: BaseJSONParser, value: Any) -> dict[str, Any]:
    """One attribute value as botocore's JSON parser reads it: the known members that are not
    null, blobs decoded to bytes, lists keeping their nulls."""
    if type(value) is not dict or len(value) != 1:
        raise _Unusual  # botocore's keeps the known members, in the shape's order
    ((kind, item),) = value.items()
    if item is None:
        return {}
    if kind in ("S", "N", "NULL", "BOOL"):
        return {kind: item}
    if kind == "M":
        if type(item) is not dict:
            raise _Unusual
        return {kind: _read_map(parser, item)}
    if kind in ("L", "SS", "NS", "BS"):
        if type(item) is not list:
            raise _Unusual
        if kind == "L":
            return {kind: [None if v is None else _read(parser, v) for v in item]}
        if kind == "BS":
            blob = parser._blob_parser  # noqa: SLF001
            return {kind: [None if v is None else blob(v) for v in item]}
        return {kind: list(item)}
    if kind == "B":
        return {kind: parser._blob_parser(item)}  # noqa: SLF001
    raise _Unusual


def _read_map(parser: BaseJSONParser, values: dict[str, Any]) -> dict[str, Any]:
    return {k: None if v is None else _read(parser, v) for k, v in values.items()}


_PARSE_FALLBACK = (_Unusual, ValueError, TypeError)  # botocore's path raises its own error
_handle_structure = _ORIGINALS["BaseJSONParser._handle_structure"]
_handle_map = _ORIGINALS["BaseJSONParser._handle_map"]


def _handle_json_structure(self: BaseJSONParser, shape: Any, value: Any) -> Any:
    if value is not None and type(self) is JSONParser and _is_attribute_value(shape):
        try:
            return _read(self, value)
        except _PARSE_FALLBACK:
            pass
    return _handle_structure(self, shape, value)


def _handle_json_map(self: BaseJSONParser, shape: Any, value: Any) -> Any:
    """An item (a map of attribute values) of an answer in one go; any other as botocore."""
    if (
        type(self) is JSONParser
        and type(value) is dict
        and _is_attribute_value(shape.value)
        and getattr(shape.key, "type_name", None) == "string"
    ):
        try:
            return _read_map(self, value)
        except _PARSE_FALLBACK:
            pass
    return _handle_map(self, shape, value)


_READER = JSONParser()


def item_as_read(item: dict[str, Any]) -> dict[str, Any] | None:
    """An item of a DynamoDB JSON answer as botocore's parser reads it (blobs as bytes); None:
    one botocore's own parser would have to read (or botocore is not the pinned one)."""
    if not _pinned():
        return None
    try:
        return _read_map(_READER, item)
    except _PARSE_FALLBACK:
        return None


# -- validation: a well-formed attribute value has nothing to report ---------------------------


def _valid_blob(value: Any) -> bool:
    return isinstance(value, bytes | bytearray | str) or hasattr(value, "read")


def _valid(value: Any) -> bool:
    """Whether botocore's validator would report nothing for this attribute value (then it is
    skipped; any doubt and botocore's own validator runs, writing its own report)."""
    if not isinstance(value, dict):
        return False
    for kind, item in value.items():
        if kind in ("S", "N"):
            if not isinstance(item, str):
                return False
        elif kind in ("NULL", "BOOL"):
            if not isinstance(item, bool):
                return False
        elif kind == "M":
            if not _valid_map(item):
                return False
        elif kind == "L":
            if not isinstance(item, list | tuple) or not all(_valid(v) for v in item):
                return False
        elif kind in ("SS", "NS"):
            if not isinstance(item, list | tuple) or not all(isinstance(v, str) for v in item):
                return False
        elif kind == "B":
            if not _valid_blob(item):
                return False
        elif kind == "BS":
            if not isinstance(item, list | tuple) or not all(_valid_blob(v) for v in item):
                return False
        else:
            return False
    return True


def _valid_map(values: Any) -> bool:
    return isinstance(values, dict) and all(
        isinstance(k, str) and _valid(v) for k, v in values.items()
    )


_validate_structure = _ORIGINALS["ParamValidator._validate_structure"]
_validate_map = _ORIGINALS["ParamValidator._validate_map"]


def _validate_structure_fast(
    self: ParamValidator, params: Any, shape: Any, errors: Any, name: str
) -> None:
    if _is_attribute_value(shape) and _valid(params):
        return
    _validate_structure(self, params, shape, errors, name)


def _validate_map_fast(
    self: ParamValidator, params: Any, shape: Any, errors: Any, name: str
) -> None:
    """An item whose every attribute is well-formed has nothing to report; else botocore's."""
    if (
        _is_attribute_value(shape.value)
        and getattr(shape.key, "type_name", None) == "string"
        and not self._shape_has_constraints(shape.key)  # noqa: SLF001
        and _valid_map(params)
    ):
        return
    _validate_map(self, params, shape, errors, name)


_REPLACEMENTS: dict[str, Callable[..., Any]] = {
    "ParamValidator._validate_structure": _validate_structure_fast,
    "ParamValidator._validate_map": _validate_map_fast,
    "JSONSerializer._serialize_type_structure": _serialize_type_structure,
    "JSONSerializer._serialize_type_map": _serialize_type_map,
    "BaseJSONParser._handle_structure": _handle_json_structure,
    "BaseJSONParser._handle_map": _handle_json_map,
}
