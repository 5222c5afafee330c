"""Imported first by every function: in Lambda the collector waits while the function loads,
and what loaded is then frozen out of every later collection.

All a cold start allocates lives as long as the execution environment: collecting during the
imports, and walking all of it again in the first invocation's full collections, was 10-25 %
of a cold start's CPU (bench/cold.py, side by side). Only in Lambda's runtime
(`AWS_EXECUTION_ENV`): a process that loads the functions again and again (the tests, the
local stack) keeps collecting what it drops, since a frozen object is never collected.
"""

from __future__ import annotations

import gc
import os

IN_LAMBDA = os.environ.get("AWS_EXECUTION_ENV", "").startswith("AWS_Lambda_")

if IN_LAMBDA:
    gc.disable()


def loaded() -> None:
    """The function's module has loaded: freeze what it allocated, collect from here on."""
    if IN_LAMBDA:
        gc.freeze()
        gc.enable()
