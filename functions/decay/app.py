"""Decay function (daily schedule): engagement fades; MQLs below the margin return to lead."""

from leadwire.shell.coldstart import loaded  # first: see its docstring

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from leadwire.app.decay import fade_mqls
from leadwire.shell import runtime
from leadwire.shell.log import get_logger

logger = get_logger()


@logger.inject_lambda_context(correlation_id_path=correlation_paths.EVENT_BRIDGE)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    result = fade_mqls(
        runtime.store(), runtime.rules(), runtime.now(), runtime.settings().write_attempts
    )
    logger.info("decay", **result)
    return result


loaded()  # freeze what loading allocated (in Lambda), before the first invocation
