"""API Gateway (HTTP API, payload 2.0) in and out: raw request bytes, JSON answers and errors."""

from __future__ import annotations

import base64
import binascii
import json

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

from leadwire.app.intake import Receipt
from leadwire.domain.errors import LeadwireError, MalformedPayload
from leadwire.providers.request import WebhookRequest
from leadwire.shell.errors import error_body, http_error


def webhook_request(event: APIGatewayProxyEventV2) -> WebhookRequest:
    """The bytes the sender signed: API Gateway base64-encodes bodies it considers binary."""
    body = event.body or ""
    try:
        raw = base64.b64decode(body, validate=True) if event.is_base64_encoded else body.encode()
    except binascii.Error as e:
        raise MalformedPayload("the body is not valid base64") from e
    headers = {k.lower(): v for k, v in (event.headers or {}).items()}
    return WebhookRequest(
        headers=headers,
        body=raw,
        query=dict(event.query_string_parameters or {}),
        method=event.request_context.http.method,
        url=public_url(event, headers),
    )


def public_url(event: APIGatewayProxyEventV2, headers: dict[str, str]) -> str:
    """The URL as the sender called it (API Gateway passes the host and scheme it was given)."""
    scheme = headers.get("x-forwarded-proto", "https").split(",")[0].strip() or "https"
    host = headers.get("host") or event.request_context.domain_name
    query = f"?{event.raw_query_string}" if event.raw_query_string else ""
    return f"{scheme}://{host}{event.raw_path}{query}"


def json_request_body(event: APIGatewayProxyEventV2) -> object:
    """A JSON request body, or a 400 that says why it is not one."""
    raw = webhook_request(event).body
    try:
        return json.loads(raw.decode("utf-8")) if raw else None
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise MalformedPayload("the body is not valid JSON") from e


def receipt_response(receipt: Receipt) -> Response[str]:
    """202 with the event id (never the score); a browser form with a redirect gets a 303."""
    body = {"status": receipt.status, "eventId": receipt.event_id}
    if receipt.reason:
        body["reason"] = receipt.reason
    if receipt.redirect:
        return Response(
            status_code=303,
            content_type=content_types.APPLICATION_JSON,
            body=json.dumps(body),
            headers={"Location": receipt.redirect},
        )
    return json_response(202, body)


def error_response(error: LeadwireError) -> Response[str]:
    return json_response(http_error(error).status, error_body(error))


def json_response(status: int, body: object) -> Response[str]:
    return Response(
        status_code=status, content_type=content_types.APPLICATION_JSON, body=json.dumps(body)
    )
