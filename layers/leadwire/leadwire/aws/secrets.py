"""Per-provider signing secrets: environment locally, SSM Parameter Store when deployed.

A value may hold two secrets, `current,previous`, so a rotation drops no webhook. Deployed
values are cached in memory by Powertools `parameters` (a fetch per request would cost more
than the rest of the pipeline).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from leadwire.aws.settings import Settings


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

        try:
            value = parameters.get_parameter(
                f"{self._prefix}{slug}", decrypt=True, max_age=self._max_age
            )
        except parameters.exceptions.GetParameterError:
            return []  # not configured: every signature for this provider is refused
        return split_secrets(value if isinstance(value, str) else None)


def signing_secrets(
    settings: Settings, dev_defaults: Mapping[str, str] | None = None
) -> EnvSigningSecrets | SsmSigningSecrets:
    if settings.secrets_source == "ssm":
        return SsmSigningSecrets(settings.secrets_prefix, settings.secrets_max_age)
    return EnvSigningSecrets(dev_defaults=dev_defaults)
