"""`jotform`: Jotform webhooks (multipart form posts); Jotform signs nothing, so the webhook
URL carries a secret: `.../webhooks/forms/jotform?key=<secret>`.

Follows https://www.jotform.com/help/245-how-to-setup-a-webhook-with-jotform/ and
https://api.jotform.com/docs/ (webhooks), as read through public integrations (n8n's
JotFormTrigger, Pipedream): a `multipart/form-data` post with `formID`, `submissionID`,
`formTitle` and `rawRequest`, a JSON string of the answers keyed `q<id>_<name>` (name answers
are `{"first", "last"}`, phone answers `{"full"}`). No signature, no timestamp and no documented
retries: the `key` in the URL is compared in constant time, and `submissionID` is the dedupe key.

The form is an answer named `form` (e.g. a hidden field) if present, else `formTitle`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from datetime import datetime

from leadwire.domain.errors import MalformedPayload
from leadwire.domain.models import Channel
from leadwire.providers.fields import event_id_for, form_submission, lead_fields
from leadwire.providers.html_form import form_fields
from leadwire.providers.request import Delivery, Parsed, ProviderBase, Signed, WebhookRequest
from leadwire.providers.signatures import verify_token

_QUESTION = re.compile(r"^q\d+_")


class JotformProvider(ProviderBase):
    slug = "jotform"
    channels = frozenset({Channel.FORM})
    signed = True
    dev_secret = "leadwire-dev-jotform-url-key"

    def sign(self, d: Delivery) -> Signed:
        return Signed({}, d.body, {"key": d.secret})

    def verify(self, request: WebhookRequest, secrets: Sequence[str], now: datetime) -> None:
        verify_token(request.query.get("key"), secrets, "key in the URL")

    def parse(
        self, request: WebhookRequest, channel: Channel, delivery_id: str | None, now: datetime
    ) -> Parsed:
        posted = form_fields(request)
        if "rawRequest" not in posted:
            return Parsed(None, ignored="jotform post without rawRequest is not a submission")
        try:
            answers = json.loads(posted["rawRequest"])
        except ValueError as e:
            raise MalformedPayload("rawRequest is not valid JSON") from e
        if not isinstance(answers, dict):
            raise MalformedPayload("rawRequest must be a JSON object")
        return form_submission(
            provider=self.slug,
            channel=channel,
            fields=lead_fields(_answer_pairs(answers)),
            form_name=posted.get("formTitle") or posted.get("formID"),
            event_id=event_id_for(self.slug, posted.get("submissionID"), posted),
            occurred_at=now,  # the post names no submission time
            received_at=now,
        )


def _answer_pairs(answers: dict[str, object]) -> Iterator[tuple[object, object]]:
    for key, value in answers.items():
        name = _QUESTION.sub("", key)
        if isinstance(value, dict):
            if "first" in value or "last" in value:
                yield "first_name", value.get("first")
                yield "last_name", value.get("last")
            elif "full" in value:
                yield name, value.get("full")
            continue
        yield name, value


provider = JotformProvider()
