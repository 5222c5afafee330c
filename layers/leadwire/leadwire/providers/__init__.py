"""Provider registry: a new provider is one module and one line here (and its events/ sample).

Each module holds everything about its provider: how it verifies and parses a delivery, how a
sender signs one (tests and the local tools), where a form name and fields go in its payload,
and its development secret.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping

from leadwire.domain.errors import UnknownProvider
from leadwire.domain.models import Channel
from leadwire.providers.request import Parsed, Provider, WebhookRequest

# slug -> the module that holds its `provider`: imported when a request names it, so a cold
# start loads the one provider it serves, not seventeen (and their parsers and crypto).
_MODULES = {
    "html": "html_form",
    "json": "json_webhook",
    "typeform": "typeform",
    "webflow": "webflow",
    "tally": "tally",
    "hubspot": "hubspot",
    "jotform": "jotform",
    "intercom": "intercom",
    "crisp": "crisp",
    "tawkto": "tawkto",
    "drift": "drift",
    "livechat": "livechat",
    "segment": "segment",
    "sendgrid": "sendgrid",
    "mailgun": "mailgun",
    "postmark": "postmark",
    "rudderstack": "rudderstack",
}


class _Registry(Mapping[str, Provider]):
    """The providers by slug, each module imported on first use."""

    def __getitem__(self, slug: str) -> Provider:
        module = _MODULES[slug]  # a KeyError for an unknown slug, as a dict's
        provider: Provider = importlib.import_module(f"{__name__}.{module}").provider
        return provider

    def __iter__(self) -> Iterator[str]:
        return iter(_MODULES)

    def __len__(self) -> int:
        return len(_MODULES)

    def __contains__(self, slug: object) -> bool:
        return slug in _MODULES


PROVIDERS: Mapping[str, Provider] = _Registry()


def __getattr__(name: str) -> dict[str, str]:
    """DEV_SECRETS: the local stack's and tests' default signing secrets (LEADWIRE_SECRET_<SLUG>
    overrides them); never used when secrets come from SSM. Built on first use: it reads every
    provider."""
    if name == "DEV_SECRETS":  # one dict, kept: who changes it changes it for everyone
        found = {slug: p.dev_secret for slug, p in PROVIDERS.items() if p.dev_secret is not None}
        return globals().setdefault(name, found)  # type: ignore[no-any-return]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def provider_for(slug: str, channel: Channel) -> Provider:
    found = PROVIDERS.get(slug)
    if found is None or channel not in found.channels:
        known = sorted(s for s, p in PROVIDERS.items() if channel in p.channels)
        shown = slug if slug.isprintable() and len(slug) <= 40 else "(this name)"
        raise UnknownProvider(
            f"no {channel.value} provider named {shown!r}; known: {', '.join(known)}"
        )
    return found


__all__ = ["DEV_SECRETS", "PROVIDERS", "Parsed", "Provider", "WebhookRequest", "provider_for"]
