"""The sales board through the template: its page at GET /board, its API under /board/api
behind the Cognito JWT authorizer (checked against moto's Cognito: a user pool and app client
made from what template.yaml declares, a real ID token, validated as API Gateway does), and
the leads API's board view (search, owner, priority order, paging)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from leadwire.domain.models import lead_id_for
from leadwire_local import senders
from leadwire_local.lambda_events import LambdaContext, http_event
from leadwire_local.template import Template
from tests.support import READY

BOARD_ROUTES = {
    "BoardListLeads": ("GET", "/board/api/leads"),
    "BoardGetLead": ("GET", "/board/api/leads/{leadId}"),
    "BoardDisposition": ("POST", "/board/api/leads/{leadId}/disposition"),
}
PASSWORD = "Correct-Horse-42"


def post(sandbox, form: str, fields: dict[str, str]) -> None:
    headers, body = senders.json_webhook(senders.json_form(form, fields))
    assert sandbox.request("POST", "/webhooks/forms/json", headers, body).status == 202


def leads_events(template: Template) -> dict[str, Any]:
    return template.function("LeadsFunction").events


# -- Cognito, from what the template declares --------------------------------------------------


class BoardLogin:
    """The template's user pool, app client and authorizer, made in moto."""

    def __init__(self, sandbox) -> None:
        template = sandbox.template
        resources = template.document["Resources"]
        stack = sandbox.stack
        pool = resources["BoardUserPool"]["Properties"]
        client = resources["BoardUserPoolClient"]["Properties"]
        self.idp = boto3.client("cognito-idp", region_name="us-east-1")
        wanted = {
            k: json.loads(json.dumps(stack.resolve(pool[k])))
            for k in (
                "Policies",
                "UsernameAttributes",
                "AutoVerifiedAttributes",
                "AdminCreateUserConfig",
                "Schema",
                "AccountRecoverySetting",
                "MfaConfiguration",
            )
        }
        self.pool_id = self.idp.create_user_pool(
            PoolName=stack.resolve(pool["UserPoolName"]), **wanted
        )["UserPool"]["Id"]
        stack.names["BoardUserPool"] = self.pool_id
        self.client_id = self.idp.create_user_pool_client(
            UserPoolId=self.pool_id,
            ClientName=client["ClientName"],
            GenerateSecret=client["GenerateSecret"],
            # The hosted UI's code flow is a browser's; here the admin password flow stands
            # in for it (the same ID token comes out).
            ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", *client["ExplicitAuthFlows"]],
            IdTokenValidity=client["IdTokenValidity"],
            TokenValidityUnits=dict(client["TokenValidityUnits"]),
            ReadAttributes=list(client["ReadAttributes"]),
        )["UserPoolClient"]["ClientId"]
        stack.names["BoardUserPoolClient"] = self.client_id
        authorizer = template.document["Resources"]["HttpApi"]["Properties"]["Auth"]
        config = authorizer["Authorizers"]["BoardLogin"]["JwtConfiguration"]
        self.issuer = stack.resolve(config["issuer"])
        self.audience = stack.resolve(config["audience"])

    def user(self, email: str, rep: str) -> str:
        """An ID token for a rep the admin created (as the README says to)."""
        self.idp.admin_create_user(
            UserPoolId=self.pool_id,
            Username=email,
            UserAttributes=[
                {"Name": "email", "Value": email},
                {"Name": "custom:rep", "Value": rep},
            ],
            MessageAction="SUPPRESS",
        )
        self.idp.admin_set_user_password(
            UserPoolId=self.pool_id, Username=email, Password=PASSWORD, Permanent=True
        )
        answer = self.idp.admin_initiate_auth(
            UserPoolId=self.pool_id,
            ClientId=self.client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
        )
        return str(answer["AuthenticationResult"]["IdToken"])

    def authorize(self, authorization: str | None, now: float | None = None) -> dict[str, Any]:
        """What the HTTP API's JWT authorizer does before the function runs: the token from
        the Authorization header (optionally after "Bearer "), its signature against the
        issuer's published keys, then issuer, audience and expiry. PermissionError = 401."""
        if not authorization:
            raise PermissionError("no token")
        token = authorization.removeprefix("Bearer ")
        keys = requests.get(f"{self.issuer}/.well-known/jwks.json", timeout=30).json()
        try:
            decoded = jwt.decode(token, KeySet.import_key_set(keys))
            jwt.JWTClaimsRegistry(
                now=int(now if now is not None else time.time()),
                leeway=0,
                iss={"essential": True, "value": self.issuer},
                aud={"essential": True, "values": self.audience},
                exp={"essential": True},
            ).validate(decoded.claims)
        except (JoseError, ValueError) as e:
            raise PermissionError(str(e)) from e
        return dict(decoded.claims)


def through_the_authorizer(
    sandbox, login: BoardLogin, method: str, path: str, route: str, token: str | None, **kw
) -> tuple[int, Any]:
    """A browser's request to a /board/api route: 401 unless the authorizer passes it, then
    the function with the token's claims in the request context, as API Gateway sends them."""
    try:
        claims = login.authorize(token and "Bearer " + token)
    except PermissionError:
        return 401, {"message": "Unauthorized"}
    path_only, _, query = path.partition("?")
    event = http_event(method, path_only, route_key=f"{method} {route}", query=query, **kw)
    event["requestContext"]["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
    result = sandbox.handler("LeadsFunction")(event, LambdaContext())
    return result["statusCode"], json.loads(result["body"])


@pytest.fixture
def login(sandbox) -> BoardLogin:
    return BoardLogin(sandbox)


def test_board_routes_need_the_login_and_the_tools_routes_keep_iam(sandbox):
    events = leads_events(sandbox.template)
    for name, (method, path) in BOARD_ROUTES.items():
        props = events[name]["Properties"]
        assert (props["Method"], props["Path"], props["Auth"]["Authorizer"]) == (
            method,
            path,
            "BoardLogin",
        )
    tools = [
        e["Properties"] for e in events.values() if e["Properties"]["Path"].startswith("/leads")
    ]
    assert tools and {p["Auth"]["Authorizer"] for p in tools} == {"AWS_IAM"}
    assert events["BoardPage"]["Properties"]["Auth"]["Authorizer"] == "NONE"


def test_a_signed_in_rep_reads_the_board_and_their_own_leads(sandbox, login):
    post(sandbox, "demo-request", READY)
    token = login.user("ana@seller.example", rep="rep_ana")
    claims = login.authorize("Bearer " + token)
    assert claims["custom:rep"] == "rep_ana" and claims["aud"] == login.client_id
    # The whole board
    status, page = through_the_authorizer(
        sandbox, login, "GET", "/board/api/leads?sort=priority", "/board/api/leads", token
    )
    assert status == 200 and [i["email"] for i in page["items"]] == [READY["email"]]
    # "My leads": owner=me is the rep the token names (no lead is routed to Ana yet)
    status, mine = through_the_authorizer(
        sandbox, login, "GET", "/board/api/leads?owner=me", "/board/api/leads", token
    )
    assert status == 200 and mine["items"] == [] and mine["total"] == 0
    # And a disposition from the board
    lead_id = lead_id_for(READY["email"])
    route = "/board/api/leads/{leadId}/disposition"
    status, lead = through_the_authorizer(
        sandbox,
        login,
        "POST",
        f"/board/api/leads/{lead_id}/disposition",
        route,
        token,
        path_parameters={"leadId": lead_id},
        headers={"content-type": "application/json"},
        body=b'{"outcome": "accepted"}',
    )
    assert status == 200 and lead["disposition"]["outcome"] == "accepted"


def test_missing_expired_forged_or_foreign_tokens_are_refused(sandbox, login):
    post(sandbox, "demo-request", READY)
    token = login.user("bo@seller.example", rep="rep_bo")
    route = "/board/api/leads"
    assert through_the_authorizer(sandbox, login, "GET", route, route, None)[0] == 401
    head, body, signature = token.split(".")
    forged = ".".join(
        [head, body, signature[:-4] + ("AAAA" if signature[-4:] != "AAAA" else "BBBB")]
    )
    assert through_the_authorizer(sandbox, login, "GET", route, route, forged)[0] == 401
    # Expired: the same token an hour and a bit later (the template's IdTokenValidity: 60 min)
    expires = login.authorize("Bearer " + token)["exp"]
    with pytest.raises(PermissionError):
        login.authorize("Bearer " + token, now=expires + 1)
    # Another app client of the same pool (another audience) is not the board
    other = login.idp.create_user_pool_client(
        UserPoolId=login.pool_id,
        ClientName="not-the-board",
        ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH"],
    )["UserPoolClient"]["ClientId"]
    answer = login.idp.admin_initiate_auth(
        UserPoolId=login.pool_id,
        ClientId=other,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "bo@seller.example", "PASSWORD": PASSWORD},
    )
    foreign = answer["AuthenticationResult"]["IdToken"]
    assert through_the_authorizer(sandbox, login, "GET", route, route, foreign)[0] == 401


def test_owner_me_without_the_login_is_a_clear_400(sandbox):
    response = sandbox.request("GET", "/board/api/leads?owner=me")
    assert response.status == 400
    assert "login" in response.json()["error"]["message"]


# -- the page ---------------------------------------------------------------------------------


def test_the_page_is_static_carries_no_secret_and_says_where_to_log_in(sandbox, monkeypatch):
    response = sandbox.request("GET", "/board")
    assert response.status == 200 and response.headers["content-type"].startswith("text/html")
    page = response.body.decode()
    assert '{"api": "/board/api", "login": null}' in page  # locally: no login
    assert "connect-src 'self';" in response.headers["content-security-policy"]
    # Deployed, the template hands the function the hosted UI and the app client's id
    monkeypatch.setenv(
        "BOARD_LOGIN_URL", "https://leadwire-board-1.auth.us-east-1.amazoncognito.com"
    )
    monkeypatch.setenv("BOARD_CLIENT_ID", "3q2example")
    from leadwire.shell import runtime

    runtime.reset()
    deployed = sandbox.request("GET", "/board")
    text = deployed.body.decode()
    assert '"clientId": "3q2example"' in text
    csp = deployed.headers["content-security-policy"]
    assert "connect-src 'self' https://leadwire-board-1.auth.us-east-1.amazoncognito.com;" in csp
    assert "secret" not in text.lower().replace("no secret", "")


# -- the board's view of the leads API ----------------------------------------------------------


def test_the_board_view_searches_sorts_and_pages_through_the_api(sandbox):
    for n in range(7):
        post(sandbox, "newsletter", {"email": f"reader{n}@corp.example", "first_name": f"R{n}"})
    post(sandbox, "demo-request", {**READY, "company": "BigCo"})
    # SQLs first, whatever entered its stage last
    first = sandbox.request("GET", "/leads?sort=priority&limit=3").json()
    assert first["items"][0]["stage"] == "sql" and first["total"] == 8
    seen, cursor = [], None
    while True:
        page = sandbox.request(
            "GET",
            "/board/api/leads?sort=priority&limit=3" + (f"&cursor={cursor}" if cursor else ""),
        ).json()
        seen += [i["email"] for i in page["items"]]
        cursor = page["next"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 8
    found = sandbox.request("GET", "/leads?q=bigco").json()
    assert [i["email"] for i in found["items"]] == [READY["email"]]
    refused = sandbox.request("GET", "/leads?sort=sideways")
    assert refused.status == 400 and refused.json()["error"]["code"] == "malformed_payload"


def test_the_my_leads_sample_is_what_the_authorizer_passes_the_function(sandbox):
    # events/leads-board-my-leads.json: GET /board/api/leads?owner=me with the claims API
    # Gateway puts in the request context once the JWT authorizer passed the token
    sample = Path(__file__).resolve().parents[2] / "events" / "leads-board-my-leads.json"
    event = json.loads(sample.read_text())
    claims = event["requestContext"]["authorizer"]["jwt"]["claims"]
    assert claims["custom:rep"] == "rep_ana" and claims["token_use"] == "id"
    result = sandbox.handler("LeadsFunction")(event, LambdaContext())
    assert result["statusCode"] == 200
    assert json.loads(result["body"]) == {"items": [], "next": None, "total": 0}
