"""Keep the local stack as fast after 10,000 events as after 10. Local stack only, never deployed.

moto 5.2.5's `transact_write_items` deep-copies every table a transaction touches (stream
records included) so it can roll back; each webhook's 2-item transaction then costs time
proportional to the whole table. This version checks every condition first and writes only
when all pass, so a cancelled transaction has nothing to undo, and it keeps a copy of just the
touched items for the rare failure half-way through the writes. The local server serializes
moto requests, which makes check-then-write atomic, as DynamoDB's transactions are.

Stream records the poller has consumed are trimmed, and so are spent shard iterators (moto
keeps every one it ever handed out).

The patch is pinned to the moto release and the exact source it replaces: if either changes,
`apply()` refuses and tests/functional/test_moto_patches.py fails, so it is re-checked.
"""

from __future__ import annotations

import copy
import hashlib
import inspect
from typing import Any

import moto
from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import (
    ConditionalCheckFailed,
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends
from moto.dynamodbstreams.models import dynamodbstreams_backends

PINNED_MOTO = "5.2.5"
# sha256 of inspect.getsource(DynamoDBBackend.transact_write_items) in moto 5.2.5.
PINNED_SOURCE = "81db2cb7d94e39c90b3a2077e1f4bb41a449c558ef9b1b1e2910fdaa39978ad4"

_KEPT_ITERATORS = 64
_original = DynamoDBBackend.transact_write_items


def source_digest() -> str:
    return hashlib.sha256(inspect.getsource(_original).encode()).hexdigest()


def is_applicable() -> bool:
    return moto.__version__ == PINNED_MOTO and source_digest() == PINNED_SOURCE


def apply() -> bool:
    """Patch moto in this process (the local server's); False when moto is not the pinned one."""
    if not is_applicable():
        return False
    DynamoDBBackend.transact_write_items = _transact_write_items  # type: ignore[method-assign]
    return True


def restore() -> None:
    DynamoDBBackend.transact_write_items = _original  # type: ignore[method-assign]


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
            undo.append((table_name, key, copy.deepcopy(self.get_item(table_name, key))))
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
