"""Provider registry: a new provider is one module and one line here."""

from __future__ import annotations

from leadwire.errors import UnknownProvider
from leadwire.models import Channel
from leadwire.providers import (
    crisp,
    drift,
    html,
    hubspot,
    intercom,
    jotform,
    json,
    livechat,
    tally,
    tawkto,
    typeform,
    webflow,
)
from leadwire.providers.base import Parsed, Provider, WebhookRequest

PROVIDERS: dict[str, Provider] = {
    html.provider.slug: html.provider,
    json.provider.slug: json.provider,
    typeform.provider.slug: typeform.provider,
    webflow.provider.slug: webflow.provider,
    tally.provider.slug: tally.provider,
    hubspot.provider.slug: hubspot.provider,
    jotform.provider.slug: jotform.provider,
    intercom.provider.slug: intercom.provider,
    crisp.provider.slug: crisp.provider,
    tawkto.provider.slug: tawkto.provider,
    drift.provider.slug: drift.provider,
    livechat.provider.slug: livechat.provider,
}


def provider_for(slug: str, channel: Channel) -> Provider:
    found = PROVIDERS.get(slug)
    if found is None or channel not in found.channels:
        known = sorted(s for s, p in PROVIDERS.items() if channel in p.channels)
        shown = slug if slug.isprintable() and len(slug) <= 40 else "(this name)"
        raise UnknownProvider(
            f"no {channel.value} provider named {shown!r}; known: {', '.join(known)}"
        )
    return found


__all__ = ["PROVIDERS", "Parsed", "Provider", "WebhookRequest", "provider_for"]
