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


class RulesError(LeadwireError):
    """The rules file is invalid; raised at load, never per request."""


class DuplicateEvent(Exception):
    """The event's ledger entry already exists: it was counted before."""


class VersionConflict(Exception):
    """Someone else updated the lead between our read and our write."""


class AlertInFlight(Exception):
    """Another sender holds this alert's claim: it sends it, or the sweeper does after the
    lease."""
