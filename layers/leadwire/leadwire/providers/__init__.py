"""Provider registry: a new provider is one module and one line here (and its events/ sample).

Each module holds everything about its provider: how it verifies and parses a delivery, how a
sender signs one (tests and the local tools), where a form name and fields go in its payload,
and its development secret.
"""

from __future__ import annotations

from leadwire.domain.errors import UnknownProvider
from leadwire.domain.models import Channel
from leadwire.providers import (
    crisp,
    drift,
    html_form,
    hubspot,
    intercom,
    jotform,
    json_webhook,
    livechat,
    mailgun,
    postmark,
    rudderstack,
    segment,
    sendgrid,
    tally,
    tawkto,
    typeform,
    webflow,
)
from leadwire.providers.request import Parsed, Provider, WebhookRequest

PROVIDERS: dict[str, Provider] = {
    p.slug: p
    for p in (
        html_form.provider,
        json_webhook.provider,
        typeform.provider,
        webflow.provider,
        tally.provider,
        hubspot.provider,
        jotform.provider,
        intercom.provider,
        crisp.provider,
        tawkto.provider,
        drift.provider,
        livechat.provider,
        segment.provider,
        sendgrid.provider,
        mailgun.provider,
        postmark.provider,
        rudderstack.provider,
    )
}

# The local stack's and tests' default signing secrets (LEADWIRE_SECRET_<SLUG> overrides them);
# never used when secrets come from SSM.
DEV_SECRETS: dict[str, str] = {
    slug: p.dev_secret for slug, p in PROVIDERS.items() if p.dev_secret is not None
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


__all__ = ["DEV_SECRETS", "PROVIDERS", "Parsed", "Provider", "WebhookRequest", "provider_for"]
