"""Per-provider signing secrets: environment locally, SSM Parameter Store when deployed.

A value may hold two secrets, `current,previous`, so a rotation drops no webhook. Deployed
values are cached in memory by Powertools `parameters` (a fetch per request would cost more
than the rest of the pipeline).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Protocol

from leadwire.settings import Settings

# Development defaults for the local stack and tests only; never used with SECRETS_SOURCE=ssm.
# Standard Webhooks format: whsec_ + base64("leadwire-dev-signing-key-json-01").
DEV_SECRETS: dict[str, str] = {
    "json": "whsec_bGVhZHdpcmUtZGV2LXNpZ25pbmcta2V5LWpzb24tMDE=",
    # The other providers' secrets are plain text, as their dashboards show them.
    "typeform": "leadwire-dev-typeform-secret",
    "webflow": "leadwire-dev-webflow-secret",
    "tally": "leadwire-dev-tally-secret",
    "hubspot": "leadwire-dev-hubspot-client-secret",
    "jotform": "leadwire-dev-jotform-url-key",
    "intercom": "leadwire-dev-intercom-client-secret",
    "crisp": "leadwire-dev-crisp-secret",
    "tawkto": "leadwire-dev-tawkto-secret",
    "drift": "leadwire-dev-drift-verification-token",
    "livechat": "leadwire-dev-livechat-secret-key",
}


class SigningSecrets(Protocol):
    def for_provider(self, slug: str) -> list[str]: ...


def split_secrets(value: str | None) -> list[str]:
    return [s.strip() for s in (value or "").split(",") if s.strip()]


class EnvSigningSecrets:
    """`LEADWIRE_SECRET_<SLUG>` (e.g. LEADWIRE_SECRET_JSON), else the documented dev default."""

    def __init__(self, environ: Mapping[str, str] | None = None, dev_defaults: bool = True):
        self._environ = os.environ if environ is None else environ
        self._dev_defaults = dev_defaults

    def for_provider(self, slug: str) -> list[str]:
        value = self._environ.get(f"LEADWIRE_SECRET_{slug.upper()}")
        if value is None and self._dev_defaults:
            value = DEV_SECRETS.get(slug)
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


def signing_secrets(settings: Settings) -> SigningSecrets:
    if settings.secrets_source == "ssm":
        return SsmSigningSecrets(settings.secrets_prefix, settings.secrets_max_age)
    return EnvSigningSecrets()
