"""The webhook's two DynamoDB calls (GetItem, TransactWriteItems) answered by moto's handler
methods from botocore's `before-call` hook, in this process. Local stack only, never deployed.

The usual in-process path builds an HTTP-shaped request, moto parses it back through the
service model, serializes its answer to JSON and botocore parses that again, with its retry
handler and events around it: about two fifths of a webhook's CPU. Here botocore still
validates and serializes the call (so a bad parameter fails as before, and the body journaled
is the same bytes), and moto's handler gets that body's JSON as its parameters.

Only a call that succeeds is answered here: anything else (a binary value, whose JSON moto
would decode; any error) returns None and botocore takes the usual path, so errors, their
codes, messages, CancellationReasons, Item and retries are exactly the usual ones. A call moto
refuses changes nothing (a transaction is checked before it applies and undone if applying
fails), so answering it again on the usual path is as if it were the only attempt. A write is
journaled under the same gate and lock as on the usual path (`SerialApp._serial`), before its
answer. `LEADWIRE_DIRECT_DYNAMODB=0` turns it off (to measure the two paths side by side).

Pinned like the other patches: to the botocore and moto releases and the source of what it
relies on or skips; `is_applicable()` is False if one moved (tests/functional/
test_direct_dynamodb.py trips) and the usual path is taken.
"""

from __future__ import annotations

import inspect
import json
import os
import uuid
from typing import Any
from urllib.parse import urlsplit

import botocore
import moto
from botocore.awsrequest import AWSResponse
from botocore.client import BaseClient
from botocore.compat import HTTPHeaders
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.core.responses import BaseResponse
from moto.dynamodb.responses import DynamoHandler, DynamoResult

from leadwire_local import pinned
from leadwire_local.journal import DYNAMODB_PREFIX

PINNED_BOTOCORE = "1.44.8"
PINNED_MOTO = "5.2.5"
PINNED_SOURCES = {
    # botocore answers with a `before-call` handler's (http, parsed) instead of sending.
    "BaseClient._make_api_call": (
        "75ba491f61ffbd4e04da4ef9c3c4e942b52183ea2896f7a6df447a940805d456"
    ),
    # What moto does around a handler method, and what it skips here.
    "BaseResponse.call_action": "26076963fd17fd1a40be642032b5a8d90f159c19d01b80a5f0b0c839770ee0d6",
    "DynamoHandler.call_action": (
        "ce5f57cf83cde3400fa73a201929d18af92aaba2bb301d4d74609a1467b8daaf"
    ),
    "DynamoHandler.dynamodb_backend": (
        "49c0711cc1fdff50d0a12ec5bf8a9e1a267b3ab2a32922fe477d7d1dc7e74e02"
    ),
    "DynamoHandler.get_item": "e84cc4b607a62aa358eff219939f1c120e0d0b86b0aff1e138427b0496083378",
    "DynamoHandler.transact_write_items": (
        "61c163fff213f33a39317a17fda194a9c1e800992421575d2080f4500bf45372"
    ),
    "DynamoResult.__init__": "e2394775cd5ef6ad00a9de7afdea2b54f753ea2dfcb11ecabe1acc80497cda35",
}
_OWNERS: dict[str, Any] = {
    c.__name__: c for c in (BaseClient, BaseResponse, DynamoHandler, DynamoResult)
}
# The operations answered here, and moto's handler method for each.
DIRECT = {"GetItem": "get_item", "TransactWriteItems": "transact_write_items"}
_REFUSED = object()


def _source_of(function: Any) -> Any:
    function = function.fget if isinstance(function, property) else function
    return inspect.unwrap(function)


def source_digests() -> dict[str, str]:
    """What each pinned function's source hashes to in the installed libraries."""
    return pinned.source_digests(pinned.originals(_OWNERS, PINNED_SOURCES), _source_of)


def is_applicable() -> bool:
    return (
        botocore.__version__ == PINNED_BOTOCORE
        and moto.__version__ == PINNED_MOTO
        and source_digests() == PINNED_SOURCES
    )


def wanted() -> bool:
    return os.environ.get("LEADWIRE_DIRECT_DYNAMODB", "1") != "0"


class _NoBody:
    """The raw body of an answer botocore never reads (it was parsed here)."""

    def read(self, *args: Any) -> bytes:
        return b""

    def stream(self, **kwargs: Any) -> Any:
        return iter(())


class DirectDynamoDB:
    """botocore's `before-call.dynamodb` hook for moto's serialized, journaled app (a
    `moto_server.SerialApp`) at `endpoint`; None sends the call the usual way."""

    def __init__(self, app: Any, endpoint: str) -> None:
        self.app = app
        self.netloc = urlsplit(endpoint).netloc
        self.answered = 0  # calls answered here (tests read it)

    def __call__(self, model: Any, params: dict[str, Any], context: Any, **kwargs: Any) -> Any:
        method = DIRECT.get(model.name)
        body = params.get("body")
        if (
            method is None
            or not isinstance(body, bytes)
            or b'"B' in body  # a binary value (or a string that reads like one): usual path
            or urlsplit(params.get("url", "")).netloc != self.netloc
        ):
            return None
        region = context.get("client_region") or "us-east-1"

        def call() -> tuple[int, Any]:
            handler = DynamoHandler()
            # What moto reads from the fake credentials (always `testing`) and the region.
            handler.current_account = DEFAULT_ACCOUNT_ID
            handler.region = region
            handler.body = json.loads(body)
            try:
                return 200, getattr(handler, method)().result
            except Exception:  # noqa: BLE001 - answered again, the usual way
                return 400, _REFUSED

        result = self.app._serial(DYNAMODB_PREFIX + model.name, body, call)  # noqa: SLF001
        if result is _REFUSED:
            return None
        self.answered += 1
        request_id = uuid.uuid4().hex
        headers = HTTPHeaders()
        headers["x-amzn-requestid"] = request_id
        headers["content-type"] = "application/x-amz-json-1.0"
        parsed = dict(result)
        parsed["ResponseMetadata"] = {
            "RequestId": request_id,
            "HTTPStatusCode": 200,
            "HTTPHeaders": dict(headers),
            "RetryAttempts": 0,
        }
        return AWSResponse(params["url"], 200, headers, _NoBody()), parsed
