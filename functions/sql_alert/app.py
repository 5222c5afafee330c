"""SQL alert function: the leads stream, filtered to leads entering `sql`, one SNS alert each."""

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from leadwire.app.alerting import alert_on_sql
from leadwire.aws.dynamo import lead_from_item
from leadwire.shell import runtime
from leadwire.shell.log import get_logger

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)
logger = get_logger()


def record_handler(record: DynamoDBRecord) -> None:
    logger.set_correlation_id(record.event_id)  # one stream record: one trail in the logs
    lead = lead_from_item(record.dynamodb.new_image)
    message_id = alert_on_sql(lead, runtime.store(), runtime.publisher(), runtime.now())
    logger.info(
        "sql alert",
        lead_id=lead.lead_id,
        version=lead.version,
        urgency=lead.urgency,
        sent=message_id is not None,
    )


@logger.inject_lambda_context
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
