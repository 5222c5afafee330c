"""SQL alert function: the leads stream, filtered to leads entering `sql`; sends the alert the
transition put in the outbox (once, and only if the lead is still there and still SQL)."""

from leadwire.shell.coldstart import loaded  # first: see its docstring

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from leadwire.app.alerting import send_pending
from leadwire.aws.dynamo import lead_id_in
from leadwire.shell import runtime
from leadwire.shell.log import get_logger
from leadwire.shell.stream import StreamRecord, process_stream_batch

logger = get_logger()
metrics = Metrics()


def record_handler(record: StreamRecord) -> None:
    logger.set_correlation_id(record.event_id)  # one stream record: one trail in the logs
    image = record.new_image
    lead_id, version = lead_id_in(image), int(image["version"])
    delivery = send_pending(runtime.alerting(), lead_id, version, runtime.now())
    metrics.add_metric(name="AlertsSent", unit=MetricUnit.Count, value=delivery.status == "sent")
    metrics.add_metric(
        name="AlertsSkipped", unit=MetricUnit.Count, value=delivery.status == "skipped"
    )
    metrics.add_metric(name="SmsOverBudget", unit=MetricUnit.Count, value=delivery.over_budget)
    logger.info(
        "sql alert",
        lead_id=lead_id,
        version=version,
        status=delivery.status,
        sms=delivery.sms,
        over_budget=delivery.over_budget,
        reason=delivery.reason,
    )


@metrics.log_metrics
@logger.inject_lambda_context
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    # Powertools' BatchProcessor contract, without its import cost (shell/stream.py).
    return process_stream_batch(event, record_handler)


loaded()  # freeze what loading allocated (in Lambda), before the first invocation
