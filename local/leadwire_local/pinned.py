"""What the moto and botocore patches share: the library functions they replace, pinned by a
digest of their source (a new release that changes one turns its patch off, and a test trips),
and swapping them in and out."""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Callable, Iterable
from typing import Any


def originals(owners: dict[str, Any], names: Iterable[str]) -> dict[str, Any]:
    """Each `Owner.attribute` as its owner defines it, kept to digest and to restore."""
    found = {}
    for name in names:
        owner, attribute = name.split(".")
        found[name] = owners[owner].__dict__[attribute]
    return found


def source_digests(
    functions: dict[str, Any], unwrap: Callable[[Any], Any] = lambda f: f
) -> dict[str, str]:
    """What each function's source hashes to in the installed library."""
    return {
        name: hashlib.sha256(inspect.getsource(unwrap(function)).encode()).hexdigest()
        for name, function in functions.items()
    }


def moved(pinned: dict[str, str], found: dict[str, str]) -> dict[str, str]:
    """The functions whose source no longer hashes to its pinned digest (what a pin test
    reports when a new release turns a patch off)."""
    return {name: digest for name, digest in found.items() if pinned.get(name) != digest}


def swap(owners: dict[str, Any], functions: dict[str, Any]) -> None:
    """Set each `Owner.attribute` to its function (a replacement, or the original back)."""
    for name, function in functions.items():
        owner, attribute = name.split(".")
        setattr(owners[owner], attribute, function)
