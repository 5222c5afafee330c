"""Named failures. They say what went wrong, not how to answer it: the shell's error table
(`leadwire.shell.errors`) gives each its HTTP status and code, in one place."""

from __future__ import annotations


class LeadwireError(Exception):
    """A failure the caller is told about (a 4xx, or a 5xx the sender retries)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class MalformedPayload(LeadwireError):
    pass


class MissingIdentity(LeadwireError):
    pass


class RedirectNotAllowed(LeadwireError):
    pass


class SignatureInvalid(LeadwireError):
    pass


class UnknownProvider(LeadwireError):
    pass


class LeadNotFound(LeadwireError):
    pass


class StaleTimestamp(LeadwireError):
    pass


class DispositionNotAllowed(LeadwireError):
    pass


class PayloadTooLarge(LeadwireError):
    pass


class UnsupportedContentType(LeadwireError):
    pass


class StorageUnavailable(LeadwireError):
    """The write did not happen; the sender must retry (it will, on a 5xx)."""


class SecretsUnavailable(LeadwireError):
    """The signing secrets could not be read (not: there are none); the sender must retry."""


class OriginNotAllowed(LeadwireError):
    """A browser form post from a page on an origin the deployment does not list."""


class HoneypotFilled(LeadwireError):
    """The hidden field a person never sees was filled: a bot filled every field."""


class FormTokenMissing(LeadwireError):
    pass


class FormTokenInvalid(LeadwireError):
    """Not a token we signed (forged, altered, or signed with a key no longer accepted)."""


class FormTokenExpired(LeadwireError):
    pass


class FormTokenTooFresh(LeadwireError):
    """Posted sooner after the page was rendered than a person fills a form."""


class FormTokenUsed(LeadwireError):
    """The token was already spent on another submission."""


class FormTokensUnavailable(LeadwireError):
    """Tokens are required but no signing key is configured (a deployment mistake)."""


class RateLimited(LeadwireError):
    """Too many posts from one client in the current window; `retry_after` in seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RulesError(LeadwireError):
    """The rules file is invalid; raised at load, never per request."""


class DuplicateEvent(Exception):
    """The event's ledger entry already exists: it was counted before."""


class VersionConflict(Exception):
    """Someone else updated the lead between our read and our write."""


class AlertInFlight(Exception):
    """Another sender holds this alert's claim: it sends it, or the sweeper does after the
    lease."""


class LeadLinkInvalid(LeadwireError):
    """Not a lead link we signed (forged, altered, cut short, or its key was retired)."""


class LeadLinkExpired(LeadwireError):
    """A lead link past its expiry: the alert is old, the board has the lead."""


class LeadErased(LeadwireError):
    """The link was genuine, but the lead it names has been erased."""


class SlackUnavailable(LeadwireError):
    """Slack did not take the message; `retryable` when a later try may succeed (5xx, 429,
    a time-out), not when the webhook itself is wrong (404 no_service, 403, 410)."""

    def __init__(self, message: str, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable
