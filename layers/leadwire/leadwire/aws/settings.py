"""The function's configuration: environment variables declared in template.yaml, read once."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)

    table_name: str = Field("leadwire-leads", alias="TABLE_NAME")
    topic_arn: str | None = Field(None, alias="ALERTS_TOPIC_ARN")
    # `env`: LEADWIRE_SECRET_<PROVIDER> (local stack, tests); `ssm`: Parameter Store (deployed).
    secrets_source: Literal["env", "ssm"] = Field("env", alias="SECRETS_SOURCE")
    secrets_prefix: str = Field("/leadwire/secrets/", alias="SECRETS_PARAMETER_PREFIX")
    secrets_max_age: int = Field(300, alias="SECRETS_MAX_AGE_SECONDS")
    rules_file: str | None = Field(None, alias="RULES_FILE")
    mql_threshold: int | None = Field(None, alias="MQL_THRESHOLD")
    sql_threshold: int | None = Field(None, alias="SQL_THRESHOLD")
    max_body_bytes: int = Field(65_536, alias="MAX_BODY_BYTES")
    max_batch_body_bytes: int = Field(5_242_880, alias="MAX_BATCH_BODY_BYTES")
    redirect_origins: tuple[str, ...] = Field((), alias="REDIRECT_ORIGINS")
    write_attempts: int = Field(10, alias="WRITE_ATTEMPTS", ge=1)
    # The ByStage index's write shards per stage (template.yaml StageShards).
    stage_shards: int = Field(8, alias="STAGE_SHARDS", ge=1, le=64)
    # The SMS budget (the alert function and the sweeper): past either, alerts go e-mail only.
    sms_per_hour: int = Field(20, alias="SMS_PER_HOUR", ge=0)
    sms_per_day: int = Field(100, alias="SMS_PER_DAY", ge=0)
    # ISO 3166 region ("US") a phone number without +country code is read in; unset: dropped.
    phone_default_region: str | None = Field(
        None, alias="PHONE_DEFAULT_REGION", pattern="^[A-Z]{2}$"
    )
    # The html form's defences (README "Hardening"): empty origins = any origin may post.
    form_origins: tuple[str, ...] = Field((), alias="FORM_ORIGINS")
    form_token_required: bool = Field(False, alias="FORM_TOKEN_REQUIRED")
    form_token_min_age: int = Field(3, alias="FORM_TOKEN_MIN_AGE_SECONDS", ge=0)
    form_token_max_age: int = Field(7200, alias="FORM_TOKEN_MAX_AGE_SECONDS", ge=1)
    form_posts_per_minute: int = Field(60, alias="FORM_POSTS_PER_MINUTE", ge=0)
    # The first-party snippet (GET /t.js, POST /t): whether it tracks before the site says,
    # its beacons per client a minute, and a beacon's size.
    snippet_consent_default: Literal["denied", "granted"] = Field(
        "denied", alias="SNIPPET_CONSENT_DEFAULT"
    )
    beacons_per_minute: int = Field(120, alias="BEACONS_PER_MINUTE", ge=0)
    max_beacon_body_bytes: int = Field(8_192, alias="MAX_BEACON_BODY_BYTES", ge=1)
    # The alerts' signed lead links: the API's URL (deployed: the HTTP API's; locally the
    # stack's http://127.0.0.1:PORT) and how long a link works.
    lead_link_base_url: str = Field("", alias="LEAD_LINK_BASE_URL")
    lead_link_days: int = Field(7, alias="LEAD_LINK_DAYS", ge=1, le=90)
    # The sales board's Cognito login (hosted UI and app client); unset: no login (local).
    board_login_url: str | None = Field(None, alias="BOARD_LOGIN_URL")
    board_client_id: str | None = Field(None, alias="BOARD_CLIENT_ID")

    @field_validator("redirect_origins", "form_origins", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(o.strip().rstrip("/") for o in value.split(",") if o.strip())
        return value

    @field_validator(
        "mql_threshold",
        "sql_threshold",
        "topic_arn",
        "rules_file",
        "phone_default_region",
        "board_login_url",
        "board_client_id",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        return cls.model_validate({name: env[name] for name in _ALIASES if name in env})


_ALIASES = [f.alias for f in Settings.model_fields.values() if f.alias]
