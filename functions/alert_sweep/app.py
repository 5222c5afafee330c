"""Alert sweeper (every minute): escalates SQLs whose response clock ran out unanswered, and
sends what is still pending in the outbox a lease after it was written (SNS was down, the alert
function crashed after its claim, the stream record expired), from the table itself."""

from datetime import datetime

from leadwire.shell.coldstart import loaded  # first: see its docstring

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from leadwire.app.alerting import sweep_outbox
from leadwire.shell import runtime
from leadwire.shell.log import get_logger

logger = get_logger()
metrics = Metrics()


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.EVENT_BRIDGE)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    now = runtime.now()
    if fired := event.get("time"):  # the schedule's time, when later than the clock (the local
        now = max(now, datetime.fromisoformat(fired))  # stack sweeps "after the lease" so)
    run = sweep_outbox(runtime.alerting(), now, context.get_remaining_time_in_millis)
    metrics.add_metric(name="AlertsResent", unit=MetricUnit.Count, value=run.sent)
    metrics.add_metric(name="AlertsSkipped", unit=MetricUnit.Count, value=run.skipped)
    metrics.add_metric(name="SmsOverBudget", unit=MetricUnit.Count, value=run.over_budget)
    metrics.add_metric(name="SlaEscalations", unit=MetricUnit.Count, value=run.escalated)
    metrics.add_metric(name="AlertSweepFailed", unit=MetricUnit.Count, value=int(bool(run.failed)))
    logger.info("alert sweep", **run.counts())
    return run.counts()


loaded()  # freeze what loading allocated (in Lambda), before the first invocation
