"""The function's configuration: environment variables declared in template.yaml, read once."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import field
from typing import Any, Literal, get_args

from leadwire.domain.records import Record


class SettingsError(ValueError):
    """An environment variable the template declares holds a value the function cannot use."""


class Settings(Record):
    """Each field's metadata names its variable and its bounds; read by `from_env`. A frozen
    record, not pydantic (its import) nor a dataclass (compiling its methods for 30-odd fields
    was ~2 ms of every cold start)."""

    table_name: str = field(default="leadwire-leads", metadata={"env": "TABLE_NAME"})
    topic_arn: str | None = field(default=None, metadata={"env": "ALERTS_TOPIC_ARN"})
    # `env`: LEADWIRE_SECRET_<PROVIDER> (local stack, tests); `ssm`: Parameter Store (deployed).
    secrets_source: Literal["env", "ssm"] = field(default="env", metadata={"env": "SECRETS_SOURCE"})
    secrets_prefix: str = field(
        default="/leadwire/secrets/", metadata={"env": "SECRETS_PARAMETER_PREFIX"}
    )
    secrets_max_age: int = field(default=300, metadata={"env": "SECRETS_MAX_AGE_SECONDS"})
    rules_file: str | None = field(default=None, metadata={"env": "RULES_FILE"})
    mql_threshold: int | None = field(default=None, metadata={"env": "MQL_THRESHOLD"})
    sql_threshold: int | None = field(default=None, metadata={"env": "SQL_THRESHOLD"})
    max_body_bytes: int = field(default=65_536, metadata={"env": "MAX_BODY_BYTES"})
    max_batch_body_bytes: int = field(default=5_242_880, metadata={"env": "MAX_BATCH_BODY_BYTES"})
    redirect_origins: tuple[str, ...] = field(default=(), metadata={"env": "REDIRECT_ORIGINS"})
    write_attempts: int = field(default=10, metadata={"env": "WRITE_ATTEMPTS", "ge": 1})
    # The ByStage index's write shards per stage (template.yaml StageShards).
    stage_shards: int = field(default=8, metadata={"env": "STAGE_SHARDS", "ge": 1, "le": 64})
    # The SMS budget (the alert function and the sweeper): past either, alerts go e-mail only.
    sms_per_hour: int = field(default=20, metadata={"env": "SMS_PER_HOUR", "ge": 0})
    sms_per_day: int = field(default=100, metadata={"env": "SMS_PER_DAY", "ge": 0})
    # ISO 3166 region ("US") a phone number without +country code is read in; unset: dropped.
    phone_default_region: str | None = field(
        default=None, metadata={"env": "PHONE_DEFAULT_REGION", "pattern": "^[A-Z]{2}$"}
    )
    # The html form's defences (README "Hardening"): empty origins = any origin may post.
    form_origins: tuple[str, ...] = field(default=(), metadata={"env": "FORM_ORIGINS"})
    form_token_required: bool = field(default=False, metadata={"env": "FORM_TOKEN_REQUIRED"})
    form_token_min_age: int = field(
        default=3, metadata={"env": "FORM_TOKEN_MIN_AGE_SECONDS", "ge": 0}
    )
    form_token_max_age: int = field(
        default=7200, metadata={"env": "FORM_TOKEN_MAX_AGE_SECONDS", "ge": 1}
    )
    form_posts_per_minute: int = field(
        default=60, metadata={"env": "FORM_POSTS_PER_MINUTE", "ge": 0}
    )
    # The first-party snippet (GET /t.js, POST /t): whether it tracks before the site says,
    # its beacons per client a minute, and a beacon's size.
    snippet_consent_default: Literal["denied", "granted"] = field(
        default="denied", metadata={"env": "SNIPPET_CONSENT_DEFAULT"}
    )
    beacons_per_minute: int = field(default=120, metadata={"env": "BEACONS_PER_MINUTE", "ge": 0})
    max_beacon_body_bytes: int = field(
        default=8_192, metadata={"env": "MAX_BEACON_BODY_BYTES", "ge": 1}
    )
    # The alerts' signed lead links: the API's URL (deployed: the HTTP API's; locally the
    # stack's http://127.0.0.1:PORT) and how long a link works.
    lead_link_base_url: str = field(default="", metadata={"env": "LEAD_LINK_BASE_URL"})
    lead_link_days: int = field(default=7, metadata={"env": "LEAD_LINK_DAYS", "ge": 1, "le": 90})
    # The sales board's Cognito login (hosted UI and app client); unset: no login (local).
    board_login_url: str | None = field(default=None, metadata={"env": "BOARD_LOGIN_URL"})
    board_client_id: str | None = field(default=None, metadata={"env": "BOARD_CLIENT_ID"})

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {
            f.name: _read(f.name, str(f.type), env[f.metadata["env"]], f.metadata)
            for f in cls.model_fields.values()
            if f.metadata["env"] in env
        }
        return cls(**values)


_TRUE = {"1", "true", "yes", "on", "t", "y"}
_FALSE = {"0", "false", "no", "off", "f", "n"}
_CHOICES = {
    "Literal['env', 'ssm']": get_args(Literal["env", "ssm"]),
    "Literal['denied', 'granted']": get_args(Literal["denied", "granted"]),
}


def _read(name: str, kind: str, text: str, rules: Mapping[str, Any]) -> object:
    """One variable's value as its field's type (`kind` as written in the class)."""
    variable = rules["env"]
    kind = kind.replace('"', "'")
    if kind.endswith(" | None") and text == "":
        return None
    kind = kind.removesuffix(" | None")
    value: object
    if kind == "tuple[str, ...]":
        return tuple(o.strip().rstrip("/") for o in text.split(",") if o.strip())
    if kind == "bool":
        if text.strip().lower() not in _TRUE | _FALSE:
            raise SettingsError(f"{variable}: {text!r} is not true or false")
        return text.strip().lower() in _TRUE
    if kind == "int":
        try:
            value = int(text)
        except ValueError:
            raise SettingsError(f"{variable}: {text!r} is not a whole number") from None
        if "ge" in rules and value < rules["ge"]:
            raise SettingsError(f"{variable}: must be at least {rules['ge']}, not {value}")
        if "le" in rules and value > rules["le"]:
            raise SettingsError(f"{variable}: must be at most {rules['le']}, not {value}")
        return value
    if kind in _CHOICES:
        if text not in _CHOICES[kind]:
            raise SettingsError(f"{variable}: {text!r} is not one of {', '.join(_CHOICES[kind])}")
        return text
    if kind != "str":
        raise TypeError(f"Settings.{name}: no reader for {kind}")
    if "pattern" in rules and not re.match(rules["pattern"], text):
        raise SettingsError(f"{variable}: {text!r} does not match {rules['pattern']}")
    return text
