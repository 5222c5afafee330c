"""Per-provider signing secrets: environment locally, SSM Parameter Store when deployed.

A value may hold two secrets, `current,previous`, so a rotation drops no webhook. Deployed
values are cached in memory by Powertools `parameters` (a fetch per request would cost more
than the rest of the pipeline).

Only SSM's `ParameterNotFound` means "no secret" (every signature for that provider is then
refused, a 401). Any other failure of the store (throttling during a burst of cold starts, a
network error) is not the sender's fault: it is `SecretsUnavailable`, a 503 the sender
retries, counted by a metric and logged once per container.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from leadwire.aws.settings import Settings
from leadwire.domain.errors import SecretsUnavailable

METRICS_NAMESPACE = "leadwire"
OUTAGE_METRIC = "SecretsStoreUnavailable"
_log = logging.getLogger("leadwire")
_outage_logged = False


def split_secrets(value: str | None) -> list[str]:
    return [s.strip() for s in (value or "").split(",") if s.strip()]


class EnvSigningSecrets:
    """`LEADWIRE_SECRET_<SLUG>` (e.g. LEADWIRE_SECRET_JSON), else the provider's documented
    development default (`dev_defaults`, from the provider registry)."""

    def __init__(
        self,
        environ: Mapping[str, str] | None = None,
        dev_defaults: Mapping[str, str] | None = None,
    ) -> None:
        self._environ = os.environ if environ is None else environ
        self._dev_defaults = dev_defaults or {}

    def for_provider(self, slug: str) -> list[str]:
        value = self._environ.get(f"LEADWIRE_SECRET_{slug.upper()}")
        if value is None:
            value = self._dev_defaults.get(slug)
        return split_secrets(value)


class SsmSigningSecrets:
    """One SecureString parameter per provider: `<prefix><slug>`, e.g. /leadwire/secrets/json."""

    def __init__(self, prefix: str, max_age: int):
        self._prefix = prefix if prefix.endswith("/") else prefix + "/"
        self._max_age = max_age

    def for_provider(self, slug: str) -> list[str]:
        from aws_lambda_powertools.utilities import parameters
        from aws_lambda_powertools.utilities.parameters.constants import DEFAULT_PROVIDERS

        if "ssm" not in DEFAULT_PROVIDERS:
            # Powertools' own default opens a second boto3 session (its loaders read botocore's
            # data files again: ~20 ms of a cold start) with a 60 s read timeout.
            DEFAULT_PROVIDERS["ssm"] = parameters.SSMProvider(boto3_client=ssm_client())
        try:
            value = parameters.get_parameter(
                f"{self._prefix}{slug}", decrypt=True, max_age=self._max_age
            )
        except parameters.exceptions.GetParameterError as e:
            # Powertools wraps every failure; the SDK's own error is the one it was handling.
            if _code(e.__context__) == "ParameterNotFound":
                return []  # not configured: every signature for this provider is refused
            _report_outage(slug, e.__context__ or e)
            raise SecretsUnavailable("the signing secrets could not be read; retry shortly") from e
        return split_secrets(value if isinstance(value, str) else None)


def ssm_client() -> Any:
    """SSM on boto3's default session (shared with DynamoDB's client), with time-outs and
    retries that fit a webhook's 10 s."""
    import boto3
    from botocore.config import Config

    config = Config(
        retries={"mode": "standard", "max_attempts": 2}, connect_timeout=2, read_timeout=3
    )
    return boto3.client("ssm", config=config)


def _code(error: BaseException | None) -> str | None:
    return (
        str(error.response.get("Error", {}).get("Code")) if isinstance(error, ClientError) else None
    )


def _report_outage(slug: str, error: BaseException) -> None:
    """Count every failed read; log the first one a container sees (a burst would log
    thousands of the same line)."""
    from aws_lambda_powertools.metrics import MetricUnit, single_metric

    global _outage_logged
    with single_metric(
        name=OUTAGE_METRIC, unit=MetricUnit.Count, value=1, namespace=METRICS_NAMESPACE
    ) as metric:
        metric.add_dimension(name="provider", value=slug)
    if not _outage_logged:
        _outage_logged = True
        _log.error(
            "secrets store unavailable: webhooks answer 503 until it recovers",
            extra={"provider": slug, "error": _code(error) or type(error).__name__},
        )


def signing_secrets(
    settings: Settings, dev_defaults: Mapping[str, str] | None = None
) -> EnvSigningSecrets | SsmSigningSecrets:
    if settings.secrets_source == "ssm":
        return SsmSigningSecrets(settings.secrets_prefix, settings.secrets_max_age)
    return EnvSigningSecrets(dev_defaults=dev_defaults)
