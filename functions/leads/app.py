"""Leads API: read, list, sales feedback, erasure (IAM-authorized when deployed, for tools);
the sales board: its page at /board and the same reads and feedback under /board/api (Cognito
JWT-authorized when deployed, for browsers); and the lead page an alert's signed link opens
(`/l/{token}`: the token is the authorization)."""

from leadwire.shell.coldstart import loaded  # first: see its docstring

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from leadwire.app.erasure import erase_lead
from leadwire.domain.errors import LeadNotFound, LeadwireError, MalformedPayload
from leadwire.shell import runtime
from leadwire.shell.errors import http_error
from leadwire.shell.http import (
    error_response,
    form_request_body,
    is_link_preview,
    json_request_body,
    json_response,
)
from leadwire.shell.log import get_logger
from leadwire.shell.routes import Response, Routes

app = Routes()  # Powertools' resolver contract, without its import cost
logger = get_logger()
# The board's page and the lead page are imported by their routes: most cold starts are a tool
# reading the API, which never renders HTML (the two were ~6 ms of its CPU, python3.13).


@app.get("/board")
def board() -> Response:
    from leadwire.shell.board import board_login, board_page

    body, headers = board_page(board_login(runtime.settings()))
    return Response(200, headers["content-type"], body.decode(), headers)


@app.get("/leads/<lead_id>")
@app.get("/board/api/leads/<lead_id>")
def get_lead(lead_id: str) -> Response:
    return json_response(200, runtime.lead_queries().get(lead_id))


@app.get("/leads")
@app.get("/board/api/leads")
def list_leads() -> Response:
    query = app.current_event.get_query_string_value
    page = runtime.lead_queries().list(
        stage=query("stage"),
        email=query("email"),
        limit=query("limit"),
        cursor=query("cursor"),
        search=query("q"),
        owner=signed_in_rep() if query("owner") == "me" else query("owner"),
        sort=query("sort"),
    )
    return json_response(200, page)


def signed_in_rep() -> str:
    """`owner=me`: the rep the board's login token names (its custom:rep, else the user)."""
    claims = app.current_event.jwt_claims
    rep = claims.get("custom:rep") or claims.get("cognito:username")
    if not rep:
        raise MalformedPayload("owner=me needs the board's login; give the rep id instead")
    return str(rep)


@app.post("/leads/<lead_id>/disposition")
@app.post("/board/api/leads/<lead_id>/disposition")
def disposition(lead_id: str) -> Response:
    lead = runtime.dispositions().record(lead_id, json_request_body(app.current_event))
    logger.info("disposition", lead_id=lead_id, outcome=lead["disposition"]["outcome"])
    return json_response(200, lead)


@app.delete("/leads/<lead_id>")
def erase(lead_id: str) -> Response:
    result = erase_lead(runtime.store(), lead_id)
    logger.info("erased", lead_id=lead_id, items=result["items"])
    return json_response(200, result)


@app.get("/l/<token>")
def open_lead_page(token: str) -> Response:
    from leadwire.shell.lead_page import html_response, lead_page

    event = app.current_event
    seen = not is_link_preview(event.headers)  # an unfurl or a prefetch is not sales
    page = runtime.lead_pages().open(token, acknowledged=seen)
    logger.info("lead page", lead_id=page.lead.lead_id, acknowledged=seen)
    done = event.get_query_string_value("done")
    return html_response(200, lead_page(page, token, done, runtime.now()))


@app.post("/l/<token>/disposition")
def lead_page_disposition(token: str) -> Response:
    form = form_request_body(app.current_event)
    lead = runtime.lead_pages().dispose(token, form.get("outcome", ""), form.get("reason"))
    outcome = lead["disposition"]["outcome"]
    logger.info("disposition", lead_id=lead["leadId"], outcome=outcome, by="link")
    return Response(status_code=303, headers={"Location": f"/l/{token}?done={outcome}"})


@app.exception_handler(LeadwireError)
def refused(error: LeadwireError) -> Response:
    answer = http_error(error)
    logger.warning("leads api refused", code=answer.code, status=answer.status)
    if app.current_event.raw_path.startswith("/l/"):  # a person's browser: a page
        from leadwire.shell.lead_page import html_response, refusal_page

        return html_response(answer.status, refusal_page(answer.status, error.message))
    return error_response(error)


@app.not_found
def not_found(_: Exception) -> Response:
    return error_response(LeadNotFound("no such route or lead"))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)


loaded()  # freeze what loading allocated (in Lambda), before the first invocation
