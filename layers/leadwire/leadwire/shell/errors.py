"""The one place a failure becomes an HTTP answer: status and error code per error class."""

from __future__ import annotations

from dataclasses import dataclass

from leadwire.domain.errors import (
    DispositionNotAllowed,
    FormTokenExpired,
    FormTokenInvalid,
    FormTokenMissing,
    FormTokensUnavailable,
    FormTokenTooFresh,
    FormTokenUsed,
    HoneypotFilled,
    LeadErased,
    LeadLinkExpired,
    LeadLinkInvalid,
    LeadNotFound,
    LeadwireError,
    MalformedPayload,
    MissingIdentity,
    OriginNotAllowed,
    PayloadTooLarge,
    RateLimited,
    RedirectNotAllowed,
    RulesError,
    SecretsUnavailable,
    SignatureInvalid,
    SlackUnavailable,
    StaleTimestamp,
    StorageUnavailable,
    UnknownProvider,
    UnsupportedContentType,
)


@dataclass(frozen=True)
class HttpError:
    status: int
    code: str
    # The sender should send the same request again (a 503 that is nobody's fault).
    retryable: bool = False


HTTP_ERRORS: dict[type[LeadwireError], HttpError] = {
    MalformedPayload: HttpError(400, "malformed_payload"),
    MissingIdentity: HttpError(400, "missing_identity"),
    RedirectNotAllowed: HttpError(400, "redirect_not_allowed"),
    SignatureInvalid: HttpError(401, "invalid_signature"),
    UnknownProvider: HttpError(404, "unknown_provider"),
    LeadNotFound: HttpError(404, "lead_not_found"),
    StaleTimestamp: HttpError(409, "stale_timestamp"),
    DispositionNotAllowed: HttpError(409, "disposition_not_allowed"),
    PayloadTooLarge: HttpError(413, "payload_too_large"),
    UnsupportedContentType: HttpError(415, "unsupported_media_type"),
    HoneypotFilled: HttpError(400, "honeypot_filled"),
    FormTokenMissing: HttpError(400, "form_token_missing"),
    FormTokenTooFresh: HttpError(400, "form_token_too_fresh"),
    OriginNotAllowed: HttpError(403, "origin_not_allowed"),
    FormTokenInvalid: HttpError(403, "form_token_invalid"),
    FormTokenExpired: HttpError(403, "form_token_expired"),
    FormTokenUsed: HttpError(409, "form_token_used"),
    LeadLinkInvalid: HttpError(403, "lead_link_invalid"),
    LeadLinkExpired: HttpError(403, "lead_link_expired"),
    LeadErased: HttpError(410, "lead_erased"),
    RateLimited: HttpError(429, "rate_limited"),
    StorageUnavailable: HttpError(503, "storage_unavailable", retryable=True),
    SecretsUnavailable: HttpError(503, "secrets_unavailable", retryable=True),
    FormTokensUnavailable: HttpError(503, "form_tokens_unavailable"),
    SlackUnavailable: HttpError(503, "slack_unavailable", retryable=True),
    RulesError: HttpError(500, "invalid_rules"),
}
INTERNAL = HttpError(500, "internal_error")


def http_error(error: LeadwireError) -> HttpError:
    """The answer for an error: its own class's entry, else the nearest base class's."""
    for kind in type(error).__mro__:
        if kind in HTTP_ERRORS:
            return HTTP_ERRORS[kind]
    return INTERNAL


def error_body(error: LeadwireError) -> dict[str, dict[str, str | bool]]:
    answer = http_error(error)
    body: dict[str, str | bool] = {"code": answer.code, "message": error.message}
    if answer.retryable:
        body["retryable"] = True
    return {"error": body}
