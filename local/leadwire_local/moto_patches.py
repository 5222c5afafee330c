"""Keep the local stack as fast after 10,000 events as after 10, and a webhook cheap. Local
stack only, never deployed.

moto 5.2.5's `transact_write_items` deep-copies every table a transaction touches (stream
records included) so it can roll back; each webhook's 2-item transaction then costs time
proportional to the whole table. This version checks every condition first and writes only
when all pass, so a cancelled transaction has nothing to undo, and it keeps a copy of just the
touched items for the rare failure half-way through the writes. The local server serializes
moto requests, which makes check-then-write atomic, as DynamoDB's transactions are.

Two more cost a webhook more than all of its own code, and are replaced by the same result
computed directly: an item's size limit, which moto re-adds over the whole item for every
attribute it sets (quadratic in the attributes; a lead has ~50), and the JSON response
serializer, which walks botocore's shape model through a chain of alias lookups for every
DynamoDB attribute value (a GetItem of a lead spent longer there than in the rest of moto).
The request parser's walk over the same model (every attribute of the written items) is
replaced the same way.

Stream records the poller has consumed are trimmed, and so are spent shard iterators (moto
keeps every one it ever handed out).

Smaller per-call costs go the same way: the request an in-process DynamoDB call hands moto is
written out instead of built by werkzeug's test environ builder (`in_process_request`), a
condition expression is tokenized once per expression, a request id is drawn in one call; and
the snapshot reads the table's items from moto directly (`items_as_sent`) instead of a Scan.

Each patch is pinned to the moto release and the exact source it replaces: if either changes,
`apply()` refuses and tests/functional/test_moto_patches.py fails, so it is re-checked.
"""

from __future__ import annotations

import base64
import copy
import functools
import inspect
import io
import string
import sys
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import moto
import moto.core.responses
from moto.core.parse import BaseJSONParser, JSONParser, RequestParser
from moto.core.request import PRESERVED_HEADER_NAMES_ENVIRON_KEY, Request
from moto.core.serialize import BaseJSONSerializer, ResponseSerializer
from moto.dynamodb.comparisons import ConditionExpressionParser, get_filter_expression
from moto.dynamodb.exceptions import (
    ConditionalCheckFailed,
    ItemSizeTooLarge,
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
from moto.dynamodb.models.utilities import bytesize, dynamo_to_dict
from moto.dynamodbstreams.models import dynamodbstreams_backends
from moto.moto_api._internal import mock_random

from leadwire_local import pinned

PINNED_MOTO = "5.2.5"
_KEPT_ITERATORS = 64
ITEM_SIZE_LIMIT = 405000  # moto's (DynamoDB's 400 KB, as moto measured it)


# sha256 of inspect.getsource of each function a patch replaces (the replacements are in
# `_REPLACEMENTS`, at the end) or mirrors without replacing it, in PINNED_MOTO: a change to
# any of them must be re-read.
PINNED_SOURCES = {
    "DynamoDBBackend.transact_write_items": (
        "81db2cb7d94e39c90b3a2077e1f4bb41a449c558ef9b1b1e2910fdaa39978ad4"
    ),
    "Item.__init__": "d9c12b62cb921831aab9b2eb22ac24fbd600689064a0219ae3ffbe057ae4be74",
    "LimitedSizeDict.__setitem__": (
        "d979580fdbe14f79f3216564e1385c4b3485db82bc88193326c467a037331e81"
    ),
    "BaseJSONSerializer._serialize_type_structure": (
        "36873909cd0aeb4defa91cc9912c6e90a62d7d92ced6150ac7de92fd10a81967"
    ),
    "BaseJSONSerializer._serialize_type_map": (
        "faa32d1fa9a8bfc9db0984b7973a5cc3297d35a2df33124748949b0908f6b6a9"
    ),
    "BaseJSONSerializer._serialize_type_list": (
        "f87b14fe9166e099846349860a5e3c9d9984939d82ed0f67de07ad12e790cd26"
    ),
    "BaseJSONSerializer._serialize_type_string": (
        "44954e02145012baee50de6592411c1376aad480ea3440a3b3ab6ce932bbf78d"
    ),
    "ResponseSerializer._serialize": (
        "4eccca5bf02593efd2e425f7e1659871406ee6734ec1084ccd452885b7e89052"
    ),
    "ResponseSerializer._serialize_type_structure": (
        "f9b47068f40ce489e55e7a0bf78accec38597d27168dc3d095ac2fc18312d4a8"
    ),
    "ResponseSerializer._serialize_structure_member": (
        "437fdce43aa5ac844fb5fe22865b90d228b875b6b1787dc6bfdccad91968b3c0"
    ),
    "ResponseSerializer._serialize_type_blob": (
        "acd7e746cf06090e20c6501be7d45563fdece62bc55ba2a12f840d2b3bc89ade"
    ),
    "ResponseSerializer._base64": (
        "5a3642d8c2a14b24a90a2719ba8cc148cff6400b69faea1943c32d782df5a2fb"
    ),
    "ResponseSerializer._default_serialize": (
        "25ce8ddbb1a991c029a745f87eeaa360b697b69ba7295fb74143859a5233afb7"
    ),
    "DynamoType.to_regular_json": (
        "a9fe48d6f3f9aa7e73b2822278a77f698944176a2de656f84af8963676e63f3e"
    ),
    "DynamoType.__deepcopy__": "9b2947b28c81579274ac9e385b8037e714fddeea13a57f9e0e79eb5da50e0796",
    "responses.method_names_from_class": (
        "9dbac89d082b655fee902c450e69de9dbadf9699ad06411298494984b55138c3"
    ),
    "BaseJSONParser._parse_structure": (
        "2de165721ba4b69e183647dca9c845d553a6f077c004007ad676cec8f2b581dd"
    ),
    "RequestParser._parse_map": "a9e8feb4d5519e24837f20fb213aab9716be576a5980ab2bfdf7becc2adab17b",
    "ConditionExpressionParser._lex_condition_expression": (
        "a815288359216b2e4dfec54d1a3d032d52d9faa3e7a17a6ff127841e457301fa"
    ),
    # Mirrored (not replaced): `_lex_condition_expression`'s cache relies on it reading
    # nothing but the expression.
    "ConditionExpressionParser._lex_one_node": (
        "58485dd15b2f6df58f0d3b939c22743b0eb39b98b5205a190696fa9f36024f4b"
    ),
    "responses.gen_amzn_requestid_long": (
        "e651941c2107cdc2b174be191284ea6604b1a738cd5e4ddbf7e6244060b8f01c"
    ),
    "MotoRandom.get_random_string": (
        "942eb93ebea1f80a04ff8fc3f87f2f6fc1b035fd2e4c9e2edfa27d3bdf8e4872"
    ),
    # Mirrored (not replaced) by `in_process_request`.
    "Request.from_primitives": ("4cfb35d5fb26843afc829586edd3210e0154c686d45c4b991c862710661c3eee"),
}
_OWNERS: dict[str, Any] = {
    **{
        c.__name__: c
        for c in (
            DynamoDBBackend,
            DynamoType,
            Item,
            LimitedSizeDict,
            BaseJSONSerializer,
            ResponseSerializer,
            BaseJSONParser,
            RequestParser,
            Request,
            ConditionExpressionParser,
            type(mock_random),
        )
    },
    "responses": moto.core.responses,  # the module: it calls the names it imported
}
# Each pinned function as moto defines it, kept to digest and to restore.
_ORIGINALS: dict[str, Any] = pinned.originals(_OWNERS, PINNED_SOURCES)


def source_digests() -> dict[str, str]:
    """What each pinned function's source hashes to in the installed moto."""
    return pinned.source_digests(_ORIGINALS)


def is_applicable() -> bool:
    return moto.__version__ == PINNED_MOTO and source_digests() == PINNED_SOURCES


@functools.cache
def _pinned() -> bool:
    return is_applicable()


def apply() -> bool:
    """Patch moto in this process (the local server's); False when it is not the pinned one."""
    if not is_applicable():
        return False
    pinned.swap(_OWNERS, _REPLACEMENTS)
    return True


def restore() -> None:
    pinned.swap(_OWNERS, {name: _ORIGINALS[name] for name in _REPLACEMENTS})


def _transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    planned: list[tuple[str, dict[str, Any], str, dict[str, Any]]] = []
    targets: set[tuple[str, str]] = set()
    errors: list[tuple[str | None, str | None, dict[str, Any] | None]] = []
    for entry in transact_items:
        if len(entry) > 1:
            raise TransactWriteSingleOpException
        op_type, op = next(iter(entry.items()))
        if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
            raise ValueError("Unsupported transaction operation")
        table_name = op["TableName"]
        if op_type == "Put":
            table = self.get_table(table_name)
            key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
            if table.range_key_attr is not None:
                key[table.range_key_attr] = op["Item"][table.range_key_attr]
        else:
            key = op["Key"]
        target = (str(table_name), str(dict(sorted(key.items()))))
        if target in targets:
            raise MultipleTransactionsException()
        targets.add(target)
        current = self.get_item(table_name, key)
        condition = op.get("ConditionExpression")
        failed: dict[str, Any] | None = None
        if condition is not None:
            check = get_filter_expression(
                condition, op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
            )
            if not check.expr(current):
                wanted = op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD"
                old = current.to_json()["Attributes"] if wanted and current else None
                failed = {"message": ConditionalCheckFailed().message, "item": old}
        if failed is not None:
            errors.append(("ConditionalCheckFailed", failed["message"], failed["item"]))
        else:
            errors.append((None, None, None))
        planned.append((op_type, op, table_name, key))
    if any(code is not None for code, _, _ in errors):
        raise TransactionCanceledException(errors)

    undo: list[tuple[str, dict[str, Any], Any]] = []
    try:
        for op_type, op, table_name, key in planned:
            # A Put or Delete replaces the stored item and leaves the old one as it was: only
            # an Update changes it in place, so only its undo needs a copy.
            previous = self.get_item(table_name, key)
            undo.append(
                (table_name, key, copy.deepcopy(previous) if op_type == "Update" else previous)
            )
            names, values = op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
            if op_type == "Put":
                self.put_item(table_name, op["Item"])
            elif op_type == "Delete":
                self.delete_item(table_name, key)
            elif op_type == "Update":
                self.update_item(
                    table_name,
                    key,
                    update_expression=op["UpdateExpression"],
                    expression_attribute_names=names,
                    expression_attribute_values=values,
                )
    except Exception:
        for table_name, key, previous in reversed(undo):
            table = self.get_table(table_name)
            if previous is None:
                self.delete_item(table_name, key)
            else:
                table.put_item(previous.to_json()["Attributes"])
        raise


def _item_init(
    self: Item, hash_key: DynamoType, range_key: DynamoType | None, attrs: dict[str, Any]
) -> None:
    """moto's, with the size limit summed once: `LimitedSizeDict.__setitem__` re-adds the
    whole item's size for every attribute. The sizes are never negative, so the total passes
    exactly when every step of moto's running check would have."""
    self.hash_key = hash_key
    self.range_key = range_key
    self.attrs = LimitedSizeDict()
    size = 0
    for key, value in attrs.items():
        typed = DynamoType(value)
        size += bytesize(key) + typed.size()
        if size > ITEM_SIZE_LIMIT:
            raise ItemSizeTooLarge
        dict.__setitem__(self.attrs, key, typed)


def _to_regular_json(self: DynamoType) -> dict[str, Any]:
    """moto's, without its copies of copies: moto deep-copies the value, then each nested
    value again as it recurses into it (quadratic in the nesting; a stream record calls it for
    every attribute of both images). The same fresh structure, each level built once."""
    value = self.value
    if isinstance(value, dict):
        value = {
            k: _to_regular_json(v) if isinstance(v, DynamoType) else copy.deepcopy(v)
            for k, v in value.items()
        }
    elif isinstance(value, list):
        value = [
            _to_regular_json(v) if isinstance(v, DynamoType) else copy.deepcopy(v) for v in value
        ]
    else:
        value = copy.deepcopy(value)
    if self.is_binary() and isinstance(value, str):
        value = base64.b64decode(value)
    return {self.type: value}


_METHOD_NAMES: dict[type, frozenset[str]] = {}


def _method_names_from_class(clazz: type) -> frozenset[str]:
    """moto's list of a response class's methods, read once per class instead of by
    `inspect.getmembers` on every request (the only use is `action in ...`)."""
    names = _METHOD_NAMES.get(clazz)
    if names is None:
        names = _METHOD_NAMES[clazz] = frozenset(
            name for name, _ in inspect.getmembers(clazz, predicate=inspect.isfunction)
        )
    return names


# -- DynamoDB's attribute values, serialized as moto's JSON serializer does, without the walk -

_ATTRIBUTE_VALUE_MEMBERS = ("S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL")


class _Unusual(Exception):
    """A value the direct serializer does not claim to handle: moto's own one does it."""


def _is_attribute_value(shape: Any) -> bool:
    return (
        getattr(shape, "name", None) == "AttributeValue"
        and getattr(shape, "type_name", None) == "structure"
        and tuple(shape.members) == _ATTRIBUTE_VALUE_MEMBERS
    )


def _blob(value: Any) -> str:
    if isinstance(value, str):
        value = value.encode("utf-8")
    if not isinstance(value, bytes):
        raise _Unusual
    return base64.b64encode(value).strip().decode("utf-8")


def _string(value: Any) -> Any:
    if type(value) is not str:
        raise _Unusual  # moto's stringifies others (enums, numbers): leave those to it
    return value


def _attribute_value(value: Any) -> dict[str, Any]:
    """One DynamoDB attribute value ({"S": ...}, {"M": {...}}, ...) as moto's JSON serializer
    writes it: strings as they are, blobs in base64, maps and lists member by member (a None
    in a map is left out, in a list kept), booleans as they are."""
    if type(value) is not dict or len(value) != 1:
        raise _Unusual
    ((kind, item),) = value.items()
    if item is None:
        return {}
    if kind in ("S", "N"):
        return {kind: _string(item)}
    if kind in ("NULL", "BOOL"):
        return {kind: item}
    if kind == "M":
        if type(item) is not dict:
            raise _Unusual
        return {kind: _attribute_map(item)}
    if kind == "L":
        if type(item) is not list:
            raise _Unusual
        return {kind: [None if v is None else _attribute_value(v) for v in item]}
    if kind in ("SS", "NS"):
        if type(item) is not list:
            raise _Unusual
        return {kind: [_string(v) for v in item]}
    if kind == "B":
        return {kind: _blob(item)}
    if kind == "BS":
        if type(item) is not list:
            raise _Unusual
        return {kind: [_blob(v) for v in item]}
    raise _Unusual


def _attribute_map(values: Any) -> dict[str, Any]:
    if type(values) is not dict or "" in values:
        raise _Unusual  # moto's writes an empty name's members into the map itself
    return {k: _attribute_value(v) for k, v in values.items() if v is not None}


_structure = _ORIGINALS["BaseJSONSerializer._serialize_type_structure"]
_map = _ORIGINALS["BaseJSONSerializer._serialize_type_map"]


def _serialize_type_structure(
    self: BaseJSONSerializer, serialized: Any, value: Any, shape: Any, key: str
) -> None:
    if key and _is_attribute_value(shape):
        try:
            serialized[self.get_serialized_name(shape, key)] = _attribute_value(value)
            return
        except _Unusual:
            pass
    _structure(self, serialized, value, shape, key)


def _serialize_type_map(
    self: BaseJSONSerializer, serialized: Any, value: Any, shape: Any, key: str
) -> None:
    """An item (a map of attribute values) in one go; any other map as moto does it."""
    if _is_attribute_value(shape.value):
        try:
            items = _attribute_map(value)
        except _Unusual:
            pass
        else:
            serialized[self.get_serialized_name(shape, key)] = items
            return
    _map(self, serialized, value, shape, key)


# -- DynamoDB's attribute values in a request, parsed as moto's JSON parser does, without the walk


def _parsed_attribute_value(parser: BaseJSONParser, value: Any) -> dict[str, Any]:
    """One attribute value of a request as moto's parser reads it: strings, numbers, booleans
    and null as they came, blobs base64-decoded, maps and lists member by member."""
    if type(value) is not dict or len(value) != 1:
        raise _Unusual  # moto's keeps only the known members, in the shape's order
    ((kind, item),) = value.items()
    if item is None:
        return {}
    if kind in ("S", "N", "NULL", "BOOL"):
        return {kind: item}
    if kind == "M":
        if type(item) is not dict:
            raise _Unusual
        return {kind: _parsed_attribute_map(parser, item)}
    if kind in ("L", "SS", "NS", "BS"):
        if type(item) is not list:
            raise _Unusual  # moto's iterates whatever it is (a string's characters)
        if kind == "L":
            return {kind: [_parsed_attribute_value_or_none(parser, v) for v in item]}
        if kind == "BS":
            return {kind: [parser._blob_parser(v) for v in item]}  # noqa: SLF001
        return {kind: list(item)}
    if kind == "B":
        return {kind: parser._blob_parser(item)}  # noqa: SLF001
    raise _Unusual  # not a member: moto's leaves it out


def _parsed_attribute_value_or_none(parser: BaseJSONParser, value: Any) -> Any:
    return None if value is None else _parsed_attribute_value(parser, value)


def _parsed_attribute_map(parser: BaseJSONParser, values: dict[str, Any]) -> dict[str, Any]:
    return {k: _parsed_attribute_value_or_none(parser, v) for k, v in values.items()}


_PARSE_FALLBACK = (_Unusual, ValueError, TypeError)  # moto's own path raises its own error
_parse_structure = _ORIGINALS["BaseJSONParser._parse_structure"]
_parse_map = _ORIGINALS["RequestParser._parse_map"]


def _parse_json_structure(self: BaseJSONParser, shape: Any, value: Any) -> Any:
    if value is not None and type(self) is JSONParser and _is_attribute_value(shape):
        try:
            return _parsed_attribute_value(self, value)
        except _PARSE_FALLBACK:
            pass
    return _parse_structure(self, shape, value)


def _parse_request_map(self: RequestParser, shape: Any, value: Any) -> Any:
    """An item (a map of attribute values) of a JSON request in one go; any other as moto."""
    if (
        type(self) is JSONParser  # DynamoDB's protocol; the REST one reads strings its own way
        and self.MAP_TYPE is dict
        and type(value) is dict
        and _is_attribute_value(shape.value)
        and getattr(shape.key, "type_name", None) == "string"
    ):
        try:
            return _parsed_attribute_map(self, value)
        except _PARSE_FALLBACK:
            pass
    return _parse_map(self, shape, value)


_REQUEST_ID_CHARACTERS = string.ascii_letters + string.digits


def _gen_amzn_requestid_long(headerdict: dict[str, Any] | None = None) -> str:
    """moto's 52-character request id (every answer has one), drawn in one call from moto's
    seedable random instead of 52 calls of `choice`."""
    request_id = "".join(mock_random.choices(_REQUEST_ID_CHARACTERS, k=52))
    if headerdict is not None and isinstance(headerdict, dict):
        headerdict.update({"x-amzn-requestid": request_id})
    return request_id


_lex = _ORIGINALS["ConditionExpressionParser._lex_condition_expression"]
_LEXED: dict[str, tuple[Any, ...]] = {}
_LEXED_KEPT = 256  # a handful of expressions are written over and over


def _lex_condition_expression(self: ConditionExpressionParser) -> deque[Any]:
    """moto's tokens of a condition expression (its text alone decides them: the names and
    values are looked up afterwards), tokenized once per expression instead of on every
    write; a transaction checks one per item. The tokens are immutable tuples."""
    expression = self.condition_expression
    if not isinstance(expression, str):
        return _lex(self)
    tokens = _LEXED.get(expression)
    if tokens is None:
        tokens = tuple(_lex(self))  # an invalid expression raises here, every time
        if len(_LEXED) >= _LEXED_KEPT:
            _LEXED.clear()
        _LEXED[expression] = tokens
    return deque(tokens)


# -- a botocore request in this process, as moto's Request ------------------------------------


def in_process_request(method: str, url: str, headers: Mapping[str, Any], body: bytes) -> Request:
    """What moto's `Request.from_primitives` builds for a request with a body and a plain URL,
    with the WSGI environ written out (werkzeug's test EnvironBuilder built it in ~20 steps:
    a third of a DynamoDB call's request handling) and the body already read, as moto reads it
    first (`setup_class`: the data, then an empty form for a JSON body). Anything else, and any
    moto other than the pinned one, is built by moto's own."""
    parts = urlsplit(url)
    names = [k.lower() for k in headers]
    if (
        not body
        or not _pinned()
        or parts.scheme not in ("http", "https")
        or parts.query
        or parts.fragment
        or not parts.netloc
        or not parts.path.startswith("/")
        or not parts.path.isascii()
        or "%" in parts.path
        or len(set(names)) != len(names)
        or "transfer-encoding" in names
        or "content-encoding" in names  # moto's setup may decompress the stream first
        or any(not isinstance(k, str) or "_" in k for k in headers)
    ):
        return Request.from_primitives(method, url, headers, body)
    path = parts.path
    host = parts.netloc
    server_name, _, port = host.partition(":")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "REQUEST_URI": path,
        "RAW_URI": path,
        "SERVER_NAME": server_name,
        "SERVER_PORT": port if port.isdigit() else ("443" if parts.scheme == "https" else "80"),
        "HTTP_HOST": host,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": parts.scheme,
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    texts = {
        name.upper().replace("-", "_"): value.decode("utf-8") if isinstance(value, bytes) else value
        for name, value in headers.items()
    }
    if "CONTENT_TYPE" in texts:
        environ["CONTENT_TYPE"] = texts["CONTENT_TYPE"]
    environ["CONTENT_LENGTH"] = str(len(body))
    for key, text in texts.items():
        if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            environ[f"HTTP_{key}"] = text
    environ[PRESERVED_HEADER_NAMES_ENVIRON_KEY] = {}  # only S3's x-amz-meta-* names are kept
    request = Request(environ)
    if not request.want_form_data_parsed:
        # As werkzeug leaves a request whose body was read as data: the stream consumed, no form.
        request._cached_data = body  # noqa: SLF001
        request.__dict__.update(
            stream=io.BytesIO(),
            form=request.parameter_storage_class(),
            files=request.parameter_storage_class(),
        )
    return request


def items_as_sent(table_name: str, region: str = "us-east-1") -> list[dict[str, Any]] | None:
    """Every item of a table of this process's moto, each as moto's answer to a Scan writes it
    (the pages of a whole-table Scan, joined: moto's key order), read from the table itself;
    None when the table is not here, moto is not the pinned one, or an item holds a value the
    direct serializer leaves to moto's. Call with MOTO_LOCK held."""
    if not _pinned():
        return None
    for account in list(dynamodb_backends):
        table = dynamodb_backends[account][region].tables.get(table_name)
        if table is not None:
            try:
                return [_attribute_map(dynamo_to_dict(item.attrs)) for item in table.all_items()]
            except _Unusual:
                return None
    return None


def trim_stream(table_name: str, consumed_through: int, region: str = "us-east-1") -> int:
    """Drop stream records up to and including `consumed_through`; return how many.

    Sequence numbers stay as they were: the shard's starting number moves with the trim.
    """
    removed = 0
    for account in list(dynamodb_backends):
        backend = dynamodb_backends[account][region]
        table = backend.tables.get(table_name)
        shard = getattr(table, "stream_shard", None)
        if shard is None:
            continue
        count = min(len(shard.items), max(0, consumed_through - shard.starting_sequence_number + 1))
        if count:
            del shard.items[:count]
            shard.starting_sequence_number += count
            removed += count
        # Every GetRecords hands out a new iterator and moto keeps them all: keep the newest.
        streams = dynamodbstreams_backends[account][region]
        recent = list(streams.shard_iterators.items())[-_KEPT_ITERATORS:]
        streams.shard_iterators = dict(recent)
    return removed


_REPLACEMENTS: dict[str, Callable[..., Any]] = {
    "DynamoDBBackend.transact_write_items": _transact_write_items,
    "Item.__init__": _item_init,
    "DynamoType.to_regular_json": _to_regular_json,
    "responses.method_names_from_class": _method_names_from_class,
    "responses.gen_amzn_requestid_long": _gen_amzn_requestid_long,
    "ConditionExpressionParser._lex_condition_expression": _lex_condition_expression,
    "BaseJSONSerializer._serialize_type_structure": _serialize_type_structure,
    "BaseJSONSerializer._serialize_type_map": _serialize_type_map,
    "BaseJSONParser._parse_structure": _parse_json_structure,
    "RequestParser._parse_map": _parse_request_map,
}
