"""A webhook's request and answer: what the provider sent, and `202` (or an html form's `303`)."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

from leadwire.app.intake import Receipt
from leadwire.providers.request import WebhookRequest
from leadwire.shell.http import json_response, public_url, raw_body


def webhook_request(event: APIGatewayProxyEventV2) -> WebhookRequest:
    """The request as the sender made it, the body as the bytes it signed."""
    headers = {k.lower(): v for k, v in (event.headers or {}).items()}
    return WebhookRequest(
        headers=headers,
        body=raw_body(event),
        query=dict(event.query_string_parameters or {}),
        method=event.request_context.http.method,
        url=public_url(event, headers),
    )


def receipt_response(receipt: Receipt) -> Response[str]:
    """202 with the event id (never the score); a browser form with a redirect gets a 303."""
    if receipt.batch is not None:
        counts = receipt.batch
        return json_response(
            202,
            {
                "status": receipt.status,
                "accepted": counts.accepted,
                "duplicates": counts.duplicates,
                "ignored": counts.ignored,
                "skipped": counts.skipped,
            },
        )
    body = {"status": receipt.status, "eventId": receipt.event_id}
    if receipt.reason:
        body["reason"] = receipt.reason
    if receipt.redirect:
        return json_response(303, body, headers={"Location": receipt.redirect})
    return json_response(202, body)
