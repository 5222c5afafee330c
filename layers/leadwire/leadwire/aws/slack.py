"""Slack: an incoming webhook (https://api.slack.com/messaging/webhooks) takes the alert's
Block Kit message. The webhook URL is a secret (whoever has it can post to the channel): an
SSM SecureString `<prefix>slack_webhook` when deployed, `LEADWIRE_SECRET_SLACK_WEBHOOK`
locally, read through the signing-secrets adapter like every other secret.

Slack answers 200 `ok` when it took the message. 429 and 5xx (and a time-out, a refused
connection) may pass: retried through the outbox. Any other answer means the webhook is
wrong (404 no_service, 403 action_prohibited, 410 channel_is_archived, 400 invalid_payload):
retrying cannot help.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from typing import Any

from leadwire.aws.secrets import EnvSigningSecrets, SsmSigningSecrets
from leadwire.domain.errors import SecretsUnavailable, SlackUnavailable

SLACK_WEBHOOK_NAME = "slack_webhook"
TIMEOUT_SECONDS = 5  # inside the alert function's 30 s, after SNS's worst case (~22 s)
_log = logging.getLogger("leadwire")


class SlackWebhook:
    """SlackPoster over an incoming-webhook URL from the secrets store."""

    def __init__(
        self, secrets: EnvSigningSecrets | SsmSigningSecrets, timeout: float = TIMEOUT_SECONDS
    ) -> None:
        self._secrets = secrets
        self._timeout = timeout

    def _url(self) -> str | None:
        try:
            urls = self._secrets.for_provider(SLACK_WEBHOOK_NAME)
        except SecretsUnavailable as e:
            raise SlackUnavailable("the Slack webhook URL could not be read") from e
        return urls[0] if urls else None

    def configured(self) -> bool:
        return self._url() is not None

    def post(self, message: dict[str, Any]) -> None:
        url = self._url()
        if url is None:
            raise SlackUnavailable("no Slack webhook is configured", retryable=False)
        if not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise SlackUnavailable("the Slack webhook URL is not https", retryable=False)
        request = urllib.request.Request(
            url,
            data=json.dumps(message).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as answer:  # noqa: S310
                answer.read(1024)
        except urllib.error.HTTPError as e:
            retryable = e.code == 429 or e.code >= 500
            # Slack's body is a short code (no_service, invalid_payload); never the URL.
            said = e.read(200).decode("utf-8", "replace").strip()
            _log.warning("slack refused the alert", extra={"status": e.code, "slack": said})
            raise SlackUnavailable(f"Slack answered {e.code}", retryable=retryable) from e
        except (OSError, TimeoutError) as e:  # URLError included: unreachable, time-out
            raise SlackUnavailable(f"Slack could not be reached ({type(e).__name__})") from e
