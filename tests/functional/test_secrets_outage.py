"""A secrets-store outage is a 503 the sender retries, never a 401 it gives up on (issue #12).

The webhook reads its signing secrets from SSM as deployed (SECRETS_SOURCE=ssm, on moto);
the Powertools provider is given the client whose GetParameter is throttled.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from aws_lambda_powertools.utilities.parameters.constants import DEFAULT_PROVIDERS
from botocore.exceptions import ClientError
from moto import mock_aws

from leadwire.aws import secrets
from leadwire.domain.models import lead_id_for
from leadwire.shell import runtime
from leadwire_local import senders
from leadwire_local.faults import FailNext
from leadwire_local.sandbox import Sandbox

BURST = 20


def throttled() -> ClientError:
    error = {"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}
    return ClientError(error, "GetParameter")  # type: ignore[arg-type]


@pytest.fixture
def ssm(restored_environ: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple]:
    """A deployed-like stack: json's secret in Parameter Store, nothing for typeform."""
    with mock_aws():
        client = boto3.client("ssm", region_name="us-east-1")
        client.put_parameter(
            Name="/leadwire/secrets/json", Value=senders.DEV_SECRETS["json"], Type="SecureString"
        )
        sandbox = Sandbox(environment={"SECRETS_SOURCE": "ssm", "SECRETS_MAX_AGE_SECONDS": "0"})
        parameters.clear_caches()
        DEFAULT_PROVIDERS["ssm"] = parameters.SSMProvider(boto3_client=client)
        monkeypatch.setattr(secrets, "_outage_logged", False, raising=False)
        monkeypatch.setattr(secrets, "_log", logging.getLogger("tests.secrets"), raising=False)
        try:
            yield sandbox, FailNext(client, "get_parameter", throttled)
        finally:
            parameters.clear_caches()


def deliveries() -> list[tuple[dict[str, str], bytes]]:
    return [
        senders.json_webhook(
            senders.json_form("webinar", {"email": f"reg{i}@corp.example"}), delivery_id=f"w{i}"
        )
        for i in range(BURST)
    ]


def test_ssm_throttling_during_a_burst_is_a_503_then_accepted_on_retry(ssm, capsys, caplog):
    sandbox, throttle = ssm
    burst = deliveries()

    # Given SSM throttles every read, as during a burst of cold starts
    throttle.arm(BURST)

    # When a webinar import's deliveries arrive
    with caplog.at_level(logging.ERROR, logger="tests.secrets"):
        first = [sandbox.request("POST", "/webhooks/forms/json", h, b) for h, b in burst]

    # Then each is a retryable 503, never a 401, and nothing is written
    assert {r.status for r in first} == {503}
    assert {r.headers.get("retry-after") or r.headers.get("Retry-After") for r in first} == {"5"}
    assert {json.dumps(r.json(), sort_keys=True) for r in first} == {
        json.dumps(
            {
                "error": {
                    "code": "secrets_unavailable",
                    "message": "the signing secrets could not be read; retry shortly",
                    "retryable": True,
                }
            },
            sort_keys=True,
        )
    }
    assert sandbox.items() == [] and throttle.raised == BURST
    # And each failure is counted by a metric, and logged once for the container
    out = capsys.readouterr().out
    assert out.count('"SecretsStoreUnavailable"') >= BURST
    metrics = [json.loads(line) for line in out.splitlines() if "SecretsStoreUnavailable" in line]
    assert len(metrics) == BURST and all(m["provider"] == "json" for m in metrics)
    outage_lines = [r for r in caplog.records if "secrets store unavailable" in r.getMessage()]
    assert len(outage_lines) == 1

    # When the senders retry after SSM recovers
    again = [sandbox.request("POST", "/webhooks/forms/json", h, b) for h, b in burst]

    # Then every delivery is accepted and every lead stored, once
    assert [r.status for r in again] == [202] * BURST
    for i in range(BURST):
        lead = runtime.store().load(lead_id_for(f"reg{i}@corp.example"))
        assert lead is not None and lead.events == 1


def test_a_provider_without_a_parameter_is_still_refused_as_unsigned(ssm):
    sandbox, _ = ssm
    path, headers, body = senders.provider_webhook("typeform", {"event_type": "form_response"})
    response = sandbox.request("POST", path, headers, body)
    assert response.status == 401 and response.json()["error"]["code"] == "invalid_signature"
    assert sandbox.items() == []
