"""What `leadwire send` keeps of a provider's sample besides your --form / --field values, in
its own light module: `leadwire --help` shows it without importing the providers."""

from __future__ import annotations

# What `send` keeps of a fillable provider's sample besides your --form / --field values: the
# envelope the format needs to be a delivery at all, never the sample's answers.
MINIMUM: dict[str, str] = {
    "html": "the sample's form and redirect fields",
    "hubspot": "the contact ids and the form submission (id, title, conversion-id, timestamp)",
    "json": "form and submitted_at (a form); conversation_id, visitor id, message id and time "
    "(a chat, whose text is empty unless you give message=)",
    "tally": "the event, response and form ids, form name, times, and the hidden form field",
    "typeform": "event_id, form id and title, token and submitted_at",
    "webflow": "the submission's id, form name and ids, site id and submittedAt",
}
