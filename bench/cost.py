"""What leadwire costs on AWS: public prices x what one webhook really uses (figure 8).

Inputs measured in the same run: the webhook handler's own time (its p50 less the raw
DynamoDB calls' p50: what moto spends emulating DynamoDB is not Lambda time), the webhook's
cold start, the items of its transaction (sizes computed as DynamoDB does), and the bytes it
logs. Read from the template: MemorySize, the API access log format, the stream filter (only
SQL transitions invoke the alert function), the index. Everything else is an assumption,
named below; init is billed since 1 August 2025. SMS is priced separately: it costs ~100x the
rest of the pipeline per message.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bench.figures import Figure, figure
from leadwire_local.template import Template

# us-east-1 list prices, recorded from each service's public pricing page (the URLs below) as
# published in 2025 (DynamoDB on-demand after its 1 Nov 2024 price cut); not re-read by the
# benchmark, which stays offline. Free tiers are ignored. Recheck them before a decision.
PRICES_AS_OF = "2025 (AWS public pricing pages, us-east-1, free tiers ignored)"
PRICES: dict[str, tuple[float, str]] = {
    # name: (USD, source)
    "lambda_arm_gb_second": (0.0000133334, "https://aws.amazon.com/lambda/pricing/"),
    "lambda_request": (0.20 / 1e6, "https://aws.amazon.com/lambda/pricing/"),
    "http_api_request": (1.00 / 1e6, "https://aws.amazon.com/api-gateway/pricing/"),
    "dynamodb_write_unit": (0.625 / 1e6, "https://aws.amazon.com/dynamodb/pricing/on-demand/"),
    "dynamodb_read_unit": (0.125 / 1e6, "https://aws.amazon.com/dynamodb/pricing/on-demand/"),
    "dynamodb_storage_gb_month": (0.25, "https://aws.amazon.com/dynamodb/pricing/on-demand/"),
    "dynamodb_pitr_gb_month": (0.20, "https://aws.amazon.com/dynamodb/pricing/on-demand/"),
    "sns_publish": (0.50 / 1e6, "https://aws.amazon.com/sns/pricing/"),
    "sns_email": (2.00 / 1e5, "https://aws.amazon.com/sns/pricing/"),
    "sns_sms_us": (0.00581, "https://aws.amazon.com/sns/sms-pricing/ (US, before carrier fees)"),
    "logs_ingestion_gb": (0.50, "https://aws.amazon.com/cloudwatch/pricing/"),
    "xray_trace_recorded": (5.00 / 1e6, "https://aws.amazon.com/xray/pricing/"),
    # Standard parameters at standard throughput: no charge (higher throughput: $0.05 per
    # 10,000 API interactions, which the template does not turn on).
    "ssm_get_parameter": (0.0, "https://aws.amazon.com/systems-manager/pricing/"),
}

COST_GOAL = 4.50  # USD per 1 M webhooks, SMS separate

# Lambda gives a function CPU in proportion to its memory: one full vCPU at 1,769 MB.
FULL_VCPU_MB = 1769


@dataclass(frozen=True)
class Assumptions:
    webhooks_per_lead: float = 4.0  # form fills and chat messages over a lead's life
    # Webhooks that are a business address's first points-earning event of its day: each
    # writes the person's account item (small, transactional: 2 write units).
    account_write_share: float = 0.5
    mql_share: float = 0.30  # leads that become MQLs
    sql_share: float = 0.05  # leads that become SQLs (each: one alert)
    high_urgency_share: float = 0.5  # SQL alerts that also go out as SMS
    month_seconds: float = 30 * 86_400  # the volume priced arrives evenly over a month
    platform_log_bytes: int = 330  # Lambda's START / END / REPORT lines per invocation
    alert_invocation_ms: float = 100.0  # claim, re-read the lead, publish, mark sent
    # The webhook's two DynamoDB round trips in-region (consistent GetItem, 2-item
    # TransactWriteItems), client work included: wall time, not scaled by the CPU share.
    dynamodb_calls_ms: float = 12.0
    # Invocations that start a new execution environment (its init is billed): 1 in 100 for a
    # site whose traffic comes in bursts with quiet minutes between them.
    cold_start_share: float = 0.01
    # CloudWatch Logs counts 26 bytes of metadata with each event.
    log_event_overhead_bytes: int = 26


def tracing_active(template: Template) -> bool:
    """Whether the template, deployed with its defaults, traces the functions (Tracing: Active)."""
    tracing = template.document.get("Globals", {}).get("Function", {}).get("Tracing", "")
    if isinstance(tracing, dict) and "Ref" in tracing:
        tracing = template.parameters.get(str(tracing["Ref"]), {}).get("Default", "")
    return str(tracing) == "Active"


def xray_sampled(webhooks_per_month: float, month_seconds: float = 30 * 86_400) -> float:
    """Share of requests X-Ray records under its default rule (Tracing: Active): the first
    request each second, then 5%. Below 1 request/s that is nearly every request."""
    rate = webhooks_per_month / month_seconds
    return min(1.0, (min(rate, 1.0) + 0.05 * max(0.0, rate - 1.0)) / rate) if rate else 0.0


def platform_lines_logged(template: Template, function: str) -> bool:
    """Whether Lambda writes START / END / REPORT for the function, deployed with the defaults
    (they are INFO-level system logs: a SystemLogLevel of WARN drops them)."""
    config = template.document["Resources"][function]["Properties"].get("LoggingConfig", {})
    level = config.get("SystemLogLevel", "INFO")
    if isinstance(level, dict) and "Ref" in level:
        level = template.parameters.get(str(level["Ref"]), {}).get("Default", "INFO")
    return str(level) in ("DEBUG", "INFO")


def price(name: str) -> float:
    return PRICES[name][0]


def memory_mb(template: Template, function: str) -> int:
    resource = template.document["Resources"][function]["Properties"]
    globals_ = template.document.get("Globals", {}).get("Function", {})
    return int(resource.get("MemorySize", globals_.get("MemorySize", 128)))


def item_size(item: dict[str, Any]) -> int:
    """An item's size as DynamoDB bills it: attribute names plus values (typed JSON)."""
    return sum(len(name.encode()) + _value_size(value) for name, value in item.items())


def _value_size(value: dict[str, Any]) -> int:
    ((kind, inner),) = value.items()
    if kind == "S":
        return len(inner.encode())
    if kind == "N":
        digits = Decimal(inner).normalize().as_tuple().digits
        return (len(digits) + 1) // 2 + 1
    if kind == "B":
        return len(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "M":
        return 3 + sum(len(k.encode()) + _value_size(v) for k, v in inner.items())
    if kind == "L":
        return 3 + sum(1 + _value_size(v) for v in inner)
    if kind in ("SS", "NS", "BS"):
        return sum(len(str(v).encode()) for v in inner)
    raise ValueError(f"unknown DynamoDB type {kind}")


@dataclass(frozen=True)
class Usage:
    """What one webhook uses, measured."""

    own_ms: float  # the handler's own time (p50 less the raw calls), this machine, one core
    cold_start_ms: float  # a cold start's CPU (import + first invocation), one core
    ledger_bytes: int
    lead_bytes: int
    log_bytes: float  # what the handler itself logs per invocation


def usage(
    own_ms: float, cold_start_ms: float, transaction: dict[str, Any], log_bytes: float
) -> Usage:
    ledger, lead = (write["Put"]["Item"] for write in transaction["TransactItems"][:2])
    return Usage(own_ms, cold_start_ms, item_size(ledger), item_size(lead), log_bytes)


# What an access log line's fields typically hold, to size the template's format.
TYPICAL_ACCESS_LOG_VALUES = {
    "$context.requestId": "IaGh3jbQoAMEbUQ=",
    "$context.identity.sourceIp": "203.0.113.70",
    "$context.requestTime": "02/Dec/2026:13:15:42 +0000",
    "$context.httpMethod": "POST",
    "$context.path": "/webhooks/forms/hubspot",
    "$context.status": "202",
    "$context.responseLength": "62",
    "$context.integrationLatency": "31",
    "$context.integrationErrorMessage": "-",
}


def access_log_bytes(template: Template) -> int:
    """One HTTP API access log line, sized from the template's format with typical values."""
    api = next(iter(template.resources("AWS::Serverless::HttpApi").values()), None)
    settings = (api or {}).get("Properties", {}).get("AccessLogSettings")
    if not settings:
        return 0
    line = str(settings["Format"])
    for variable in sorted(TYPICAL_ACCESS_LOG_VALUES, key=len, reverse=True):
        line = line.replace(variable, TYPICAL_ACCESS_LOG_VALUES[variable])
    return len(line.encode())


@dataclass(frozen=True)
class Costs:
    per_million_webhooks: float
    request_floor_per_million: float  # HTTP API + Lambda request charges alone
    per_million_leads: float
    sms_per_million_leads: float
    lines: dict[str, float]  # per 1 M webhooks, by item
    billed_ms: int
    write_units: int


def costs(measured: Usage, assume: Assumptions | None = None) -> Costs:
    a = assume or Assumptions()
    per_webhooks, lines, billed_ms, write_units = _per_million(measured, a, 1e6)
    per_leads_webhooks, _, _, _ = _per_million(measured, a, a.webhooks_per_lead * 1e6)
    stored_gb = (measured.lead_bytes + a.webhooks_per_lead * measured.ledger_bytes) * 1e6 / 1e9
    per_leads = per_leads_webhooks * a.webhooks_per_lead + stored_gb * (
        price("dynamodb_storage_gb_month") + price("dynamodb_pitr_gb_month")
    )
    floor = price("http_api_request") * 1e6 + price("lambda_request") * 1e6
    sms = a.sql_share * a.high_urgency_share * 1e6 * price("sns_sms_us")
    return Costs(per_webhooks, floor, per_leads, sms, lines, billed_ms, write_units)


def _per_million(
    measured: Usage, a: Assumptions, monthly: float
) -> tuple[float, dict[str, float], int, int]:
    """Cost of 1 M webhooks when `monthly` of them arrive in a month (X-Ray samples by rate)."""
    template = Template()
    memory = memory_mb(template, "WebhookFunction")
    # This machine gave the handler a whole core; at `memory` Lambda gives a share of one.
    share = max(1.0, FULL_VCPU_MB / memory)
    billed_ms = math.ceil(measured.own_ms * share + a.dynamodb_calls_ms)
    gb_seconds = memory / 1024 * billed_ms / 1000
    init_gb_seconds = memory / 1024 * measured.cold_start_ms * share / 1000 * a.cold_start_share
    # Transactional writes: 2 write units per KB of each item; a strongly consistent read:
    # 1 read unit per 4 KB.
    write_units = 2 * math.ceil(measured.ledger_bytes / 1024) + 2 * math.ceil(
        measured.lead_bytes / 1024
    )
    read_units = math.ceil(measured.lead_bytes / 4096)
    # ByStage (KEYS_ONLY) is written when a lead appears or changes stage (key change: 2).
    index_writes_per_lead = 1 + 2 * (a.mql_share + a.sql_share)
    platform = platform_lines_logged(template, "WebhookFunction")
    events = 1 + 3 * platform  # the handler's line; START, END, REPORT
    logged = measured.log_bytes + a.platform_log_bytes * platform
    log_gb = (logged + events * a.log_event_overhead_bytes) / 1e9
    access_gb = (access_log_bytes(template) + a.log_event_overhead_bytes) / 1e9
    million = 1e6
    lines = {
        "HTTP API requests": price("http_api_request") * million,
        "Lambda requests": price("lambda_request") * million,
        "Lambda GB-s": price("lambda_arm_gb_second") * gb_seconds * million,
        "Lambda init (cold starts)": price("lambda_arm_gb_second") * init_gb_seconds * million,
        "DynamoDB transaction writes": price("dynamodb_write_unit") * write_units * million,
        "DynamoDB consistent read": price("dynamodb_read_unit") * read_units * million,
        "DynamoDB account writes": price("dynamodb_write_unit")
        * 2
        * a.account_write_share
        * million,
        "DynamoDB index writes": price("dynamodb_write_unit")
        * index_writes_per_lead
        / a.webhooks_per_lead
        * million,
        "CloudWatch Logs ingestion": price("logs_ingestion_gb") * log_gb * million,
        "API access logs": price("logs_ingestion_gb") * access_gb * million,
        "X-Ray traces": price("xray_trace_recorded")
        * xray_sampled(monthly, a.month_seconds)
        * million
        * tracing_active(template),
    }
    alerts_per_webhook = a.sql_share / a.webhooks_per_lead
    alert_memory = memory_mb(template, "SqlAlertFunction")
    alert_gb_s = alert_memory / 1024 * a.alert_invocation_ms / 1000
    per_alert = (
        price("lambda_request")
        + price("lambda_arm_gb_second") * alert_gb_s
        # The outbox item in the SQL transition's transaction (2 units: under 1 KB,
        # transactional), its claim and its mark-sent (1 each), the PendingAlerts index entry
        # written and removed (1 each), the SMS budget's hour and day counters (urgent only).
        + price("dynamodb_write_unit") * (2 + 1 + 1 + 2 + 2 * a.high_urgency_share)
        + price("dynamodb_read_unit")  # the lead re-read before sending (consistent)
        + price("sns_publish")
        + price("sns_email")
        + price("logs_ingestion_gb")
        * (600 + a.platform_log_bytes * platform_lines_logged(template, "SqlAlertFunction"))
        / 1e9
    )
    lines["SQL alerts (outbox, Lambda, SNS, email)"] = per_alert * alerts_per_webhook * million
    # SSM reads, cached per environment (SECRETS_MAX_AGE_SECONDS): the provider's secret at
    # each webhook cold start, the signed lead link's key (`<prefix>lead_link`) at each alert
    # environment's first alert (the leads function reads it too, for sales' clicks).
    lines["SSM GetParameter (secrets, lead link key)"] = (
        price("ssm_get_parameter")
        * (a.cold_start_share + alerts_per_webhook * a.cold_start_share)
        * million
    )
    # The sharded ByStage index is read by sales' list pages (one Query per shard) and the
    # daily decay run, never per webhook: nothing per 1 M webhooks.
    lines["ByStage shard-merge reads"] = 0.0
    return sum(lines.values()), lines, billed_ms, write_units


@dataclass(frozen=True)
class MemoryChoice:
    memory_mb: int
    cold_start_s: float  # init + first invocation, at this memory's CPU share
    warm_billed_ms: int
    lambda_per_million: float  # invocations + init share, USD


def power_tuning(
    measured: Usage,
    assume: Assumptions | None = None,
    sizes: tuple[int, ...] = (128, 256, 512, 1024, 1769),
) -> list[MemoryChoice]:
    """The webhook at each memory size, from the CPU it was measured to use: CPU-bound time
    shrinks with the share of a vCPU, waiting on DynamoDB does not."""
    a = assume or Assumptions()
    choices = []
    for memory in sizes:
        share = max(1.0, FULL_VCPU_MB / memory)
        warm_ms = math.ceil(measured.own_ms * share + a.dynamodb_calls_ms)
        cold_s = measured.cold_start_ms * share / 1000
        gb = memory / 1024
        per_invocation = gb * warm_ms / 1000 + gb * cold_s * a.cold_start_share
        dollars = (price("lambda_arm_gb_second") * per_invocation + price("lambda_request")) * 1e6
        choices.append(MemoryChoice(memory, cold_s, warm_ms, dollars))
    return choices


def cost_figures(result: Costs, assume: Assumptions | None = None) -> list[Figure]:
    a = assume or Assumptions()
    floor_leads = result.request_floor_per_million * a.webhooks_per_lead
    return [
        figure(
            "cost per 1 M webhooks (SMS separate)",
            result.per_million_webhooks,
            "USD",
            result.request_floor_per_million,
            goal=f"<= ${COST_GOAL:.2f}",
            met=result.per_million_webhooks <= COST_GOAL,
            missed_by=max(0.0, result.per_million_webhooks / COST_GOAL - 1),
            note=f"floor: HTTP API + Lambda request charges; prices {PRICES_AS_OF}",
        ),
        figure(
            "cost per 1 M leads/month (SMS separate)",
            result.per_million_leads,
            "USD",
            floor_leads,
            note=f"{a.webhooks_per_lead:g} webhooks per lead, {a.sql_share:.0%} SQL; "
            "storage + PITR for one month of items",
        ),
        figure(
            "SMS per 1 M leads/month",
            result.sms_per_million_leads,
            "USD",
            result.per_million_leads,
            note="floor: the rest of the pipeline for the same leads",
        ),
    ]
