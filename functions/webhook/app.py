"""Webhook function: POST /webhooks/forms/{provider}, /webhooks/chat/{provider} and
/webhooks/events/{provider}, GET /forms/token (the html form's signed token), and the
first-party snippet: GET /t.js and its beacons, POST /t."""

from leadwire.shell.coldstart import loaded  # first: see its docstring

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from leadwire.app.intake import Receipt
from leadwire.domain.errors import LeadwireError, UnknownProvider
from leadwire.domain.models import Channel
from leadwire.shell import runtime
from leadwire.shell.errors import http_error
from leadwire.shell.http import error_response
from leadwire.shell.log import get_logger
from leadwire.shell.routes import Response, Routes
from leadwire.shell.webhooks import (
    BEACON_PATH,
    beacon_response,
    form_token_response,
    receipt_response,
    refusal_response,
    snippet_response,
    webhook_request,
)

app = Routes()  # Powertools' resolver contract, without its import cost
logger = get_logger()


@app.post("/webhooks/forms/<provider>")
def form_webhook(provider: str) -> Response:
    return _receive(Channel.FORM, provider)


@app.post("/webhooks/chat/<provider>")
def chat_webhook(provider: str) -> Response:
    return _receive(Channel.CHAT, provider)


@app.post("/webhooks/events/<provider>")
def events_webhook(provider: str) -> Response:
    return _receive(Channel.EVENT, provider)


@app.get("/forms/token")
def form_token() -> Response:
    issued = runtime.form_guard().issue(runtime.now())
    return form_token_response(issued, app.current_event, runtime.settings())


@app.get("/t.js", compress=True, cache_control="public, max-age=3600")
def snippet() -> Response:
    return snippet_response(runtime.settings())


@app.post(BEACON_PATH)
def beacon() -> Response:
    receipt = runtime.intake().receive_beacon(webhook_request(app.current_event))
    logger.info("beacon", status=receipt.status, event_id=receipt.event_id, lead_id=receipt.lead_id)
    return beacon_response(receipt_response(receipt), app.current_event, runtime.settings())


def _receive(channel: Channel, provider: str) -> Response:
    receipt = runtime.intake().receive(channel, provider, webhook_request(app.current_event))
    changes = [f"{t.from_stage}->{t.to_stage}" for t in receipt.transitions]
    extra = {"reason": receipt.reason, "transitions": changes}  # only when there are some:
    logger.info(  # every logged byte is paid for, once per webhook
        "webhook",
        status=receipt.status,
        event_id=receipt.event_id,
        lead_id=receipt.lead_id,
        provider=provider,
        **_batch_counts(receipt),
        **{k: v for k, v in extra.items() if v},
    )
    return receipt_response(receipt)


def _batch_counts(receipt: Receipt) -> dict[str, int]:
    counts = receipt.batch
    if counts is None:
        return {}
    return {
        "accepted": counts.accepted,
        "duplicates": counts.duplicates,
        "skipped": len(counts.skipped),
    }


@app.exception_handler(LeadwireError)
def refused(error: LeadwireError) -> Response:
    answer = http_error(error)
    logger.warning("webhook refused", code=answer.code, status=answer.status, detail=error.message)
    event, settings = app.current_event, runtime.settings()
    if event.raw_path == BEACON_PATH:
        return beacon_response(error_response(error), event, settings)
    return refusal_response(error, event, settings)


@app.not_found
def not_found(_: Exception) -> Response:
    return error_response(
        UnknownProvider("no such route; POST /webhooks/{forms|chat|events}/{provider}")
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)


loaded()  # freeze what loading allocated (in Lambda), before the first invocation
