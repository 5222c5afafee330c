"""Named domain failures. Each carries its HTTP status and error code: the one place they map."""

from __future__ import annotations


class LeadwireError(Exception):
    status: int = 500
    code: str = "internal_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class MalformedPayload(LeadwireError):
    status, code = 400, "malformed_payload"


class MissingIdentity(LeadwireError):
    status, code = 400, "missing_identity"


class RedirectNotAllowed(LeadwireError):
    status, code = 400, "redirect_not_allowed"


class SignatureInvalid(LeadwireError):
    status, code = 401, "invalid_signature"


class UnknownProvider(LeadwireError):
    status, code = 404, "unknown_provider"


class LeadNotFound(LeadwireError):
    status, code = 404, "lead_not_found"


class StaleTimestamp(LeadwireError):
    status, code = 409, "stale_timestamp"


class DispositionNotAllowed(LeadwireError):
    status, code = 409, "disposition_not_allowed"


class PayloadTooLarge(LeadwireError):
    status, code = 413, "payload_too_large"


class UnsupportedContentType(LeadwireError):
    status, code = 415, "unsupported_media_type"


class StorageUnavailable(LeadwireError):
    """The write did not happen; the sender must retry (it will, on a 5xx)."""

    status, code = 503, "storage_unavailable"


class RulesError(LeadwireError):
    """The rules file is invalid; raised at load, never per request."""

    status, code = 500, "invalid_rules"


class DuplicateEvent(Exception):
    """The event's ledger entry already exists: it was counted before."""


class VersionConflict(Exception):
    """Someone else updated the lead between our read and our write."""


class AlertInFlight(Exception):
    """Another invocation holds this alert's marker; retry the record later."""
