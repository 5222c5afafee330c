"""Faults injected into the local stack, for tests that prove the stack survives them.

Local only: nothing here is deployed, and the code under test is not changed. A fault wraps
one method of a boto3 client that the functions already hold, so the real handler meets the
error exactly where AWS would raise it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from botocore.exceptions import EndpointConnectionError


class FailNext:
    """Make the next `count` calls of `client.<method>` raise `error()`; then call through."""

    def __init__(self, client: Any, method: str, error: Callable[[], Exception]) -> None:
        self.client = client
        self.method = method
        self.error = error
        self.left = 0
        self.raised = 0
        self._lock = threading.Lock()
        self._real = getattr(client, method)
        setattr(client, method, self._call)

    def arm(self, count: int) -> None:
        with self._lock:
            self.left = max(0, count)

    def _call(self, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            failing = self.left > 0
            if failing:
                self.left -= 1
                self.raised += 1
        if failing:
            raise self.error()
        return self._real(*args, **kwargs)


def sns_outage(client: Any) -> FailNext:
    """SNS unreachable, as botocore reports it once its own retries are spent."""
    return FailNext(
        client,
        "publish",
        lambda: EndpointConnectionError(endpoint_url="https://sns.us-east-1.amazonaws.com/"),
    )
