"""Structured JSON logs that never carry a raw email address or phone number.

Code logs lead ids, not addresses; this formatter is the safety net for everything else
(exception messages, third-party log lines): it masks whatever looks like one.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

if TYPE_CHECKING:  # as Powertools' formatter has it: the module costs a cold start ~0.5 ms
    from aws_lambda_powertools.logging.types import PowertoolsLogRecord

_EMAIL = re.compile(r"([A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]*@([A-Za-z0-9.\-]+\.[A-Za-z]{2,})")
# International numbers (+...) and North American ones (555 123 4567); not dates or times.
_PHONE = re.compile(r"\+\d[\d\s().\-]{6,}\d|(?<!\d)\(?\d{3}\)?[\s.\-]\d{3}[\s.\-]\d{4}(?!\d)")


# Keys whose values Powertools or this code produce (timestamps, ids, names of things):
# never an address. Scanning them for one cost more per line than scoring the event did.
_PRODUCED = frozenset(
    {
        "level",
        "location",
        "timestamp",
        "cold_start",
        "function_request_id",
        "correlation_id",
        "xray_trace_id",
        "sampling_rate",
        "lead_id",
        "event_id",
        "provider",
        "stage",
        "version",
        "urgency",
    }
)


# What the log group already says (one per function: its name, account, memory, service): on
# every line these are bytes paid for a million times over.
_IMPLIED = frozenset({"function_arn", "function_name", "function_memory_size", "service"})


def mask(text: str) -> str:
    if "@" in text:
        text = _EMAIL.sub(r"\1***@\2", text)
    return _PHONE.sub(lambda m: "***" + re.sub(r"\D", "", m.group())[-2:], text)


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {k: _masked(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_masked(v) for v in value]
    return value


class MaskingFormatter(LambdaPowertoolsFormatter):
    def serialize(self, log: dict[str, Any] | PowertoolsLogRecord) -> str:
        if not isinstance(log, dict):
            return mask(super().serialize(log))
        masked = {
            key: value
            if key in _PRODUCED and not isinstance(value, dict | list)
            else _masked(value)
            for key, value in log.items()
            if key not in _IMPLIED
        }
        return super().serialize(masked)


def get_logger(service: str = "leadwire") -> Logger:
    # No `location` (module:line) either: each line is named by its message.
    return Logger(service=service, logger_formatter=MaskingFormatter(location=None))
