"""The HTTP API's few routes (API Gateway HTTP API, payload 2.0) as a small route table.

Powertools' `APIGatewayHttpResolver` is the model, and its contract is kept: `<name>` path
segments (the same characters), static routes tried before dynamic ones, a miss answered by the
`not_found` handler, exceptions by the `exception_handler` for their class, `compress` (gzip
when the caller accepts it) and `cache_control` (its value on a 200, `no-cache` otherwise), the
same response dict. Importing its package loads every resolver it has (AppSync, Bedrock, VPC
Lattice, OpenAPI, asyncio) and every event data class: at each cold start, ~50 ms of CPU for
two functions with a handful of routes.
"""

from __future__ import annotations

import base64
import re
import zlib
from collections.abc import Callable, Mapping
from functools import cached_property
from typing import Any

Handler = Callable[..., "Response"]
ErrorHandler = Callable[[Any], "Response"]

# Powertools' characters for a path parameter (RFC 3986's safe ones, and those API Gateway
# decodes), so the same paths match.
_PARAMETER = r"(?P<\1>[-._~()'!*:@,;=+&$%<> \[\]{}|^\w]+)"
_NAMED = re.compile(r"<(\w+)>")


class Response:
    """A route's answer: status, body (bytes are sent base64-encoded) and headers."""

    def __init__(
        self,
        status_code: int,
        content_type: str | None = None,
        body: str | bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.status_code = status_code
        self.body = body
        self.headers: dict[str, str] = dict(headers) if headers else {}
        if content_type:
            self.headers.setdefault("Content-Type", content_type)


class NotFound(Exception):
    """No route has the request's method and path (what the `not_found` handler receives)."""


class HttpEvent:
    """The request as the HTTP API delivers it (payload 2.0); header names in lower case."""

    def __init__(self, event: Mapping[str, Any]) -> None:
        self.raw = event
        self._context: Mapping[str, Any] = event.get("requestContext") or {}
        self._http: Mapping[str, Any] = self._context.get("http") or {}

    @property
    def body(self) -> str | None:
        return self.raw.get("body")

    @property
    def is_base64_encoded(self) -> bool:
        return bool(self.raw.get("isBase64Encoded"))

    @cached_property
    def headers(self) -> dict[str, str]:
        return {k.lower(): v for k, v in (self.raw.get("headers") or {}).items()}

    @property
    def raw_path(self) -> str:
        return str(self.raw.get("rawPath") or "/")

    @property
    def raw_query_string(self) -> str:
        return str(self.raw.get("rawQueryString") or "")

    @property
    def path(self) -> str:
        """The path without a named stage (the `$default` stage has none)."""
        stage = self._context.get("stage") or "$default"
        path = self.raw_path
        return path[len("/" + stage) :] if stage != "$default" else path

    @property
    def method(self) -> str:
        return str(self._http.get("method") or "").upper()

    @property
    def source_ip(self) -> str:
        return str(self._http.get("sourceIp") or "")

    @property
    def domain_name(self) -> str:
        return str(self._context.get("domainName") or "")

    @property
    def query_string_parameters(self) -> dict[str, str]:
        return dict(self.raw.get("queryStringParameters") or {})

    @property
    def path_parameters(self) -> dict[str, str]:
        return dict(self.raw.get("pathParameters") or {})

    def get_query_string_value(self, name: str, default: str | None = None) -> str | None:
        return self.query_string_parameters.get(name, default)

    @property
    def jwt_claims(self) -> dict[str, Any]:
        """The claims of a JWT authorizer's token ({} without one)."""
        authorizer = self._context.get("authorizer") or {}
        return dict((authorizer.get("jwt") or {}).get("claims") or {})


class _Route:
    __slots__ = ("method", "pattern", "handler", "compress", "cache_control")

    def __init__(
        self,
        method: str,
        pattern: re.Pattern[str],
        handler: Handler,
        compress: bool,
        cache_control: str | None,
    ) -> None:
        self.method, self.pattern, self.handler = method, pattern, handler
        self.compress, self.cache_control = compress, cache_control


class Routes:
    """A route table: decorate functions with `get`, `post`, `delete`; `resolve` answers an
    event. `current_event` is the request being answered."""

    def __init__(self) -> None:
        self._static: list[_Route] = []
        self._dynamic: list[_Route] = []
        self._errors: dict[type[BaseException], ErrorHandler] = {}
        self.current_event = HttpEvent({})

    def get(
        self, rule: str, compress: bool = False, cache_control: str | None = None
    ) -> Callable[[Handler], Handler]:
        return self.route(rule, "GET", compress, cache_control)

    def post(self, rule: str) -> Callable[[Handler], Handler]:
        return self.route(rule, "POST")

    def delete(self, rule: str) -> Callable[[Handler], Handler]:
        return self.route(rule, "DELETE")

    def route(
        self, rule: str, method: str, compress: bool = False, cache_control: str | None = None
    ) -> Callable[[Handler], Handler]:
        parts = _NAMED.split(rule)  # literal text, then parameter names, alternately
        regex = "".join(
            re.escape(part) if n % 2 == 0 else _PARAMETER.replace(r"\1", part)
            for n, part in enumerate(parts)
        )
        table = self._dynamic if len(parts) > 1 else self._static

        def register(handler: Handler) -> Handler:
            pattern = re.compile(f"^{regex}$")
            table.append(_Route(method, pattern, handler, compress, cache_control))
            return handler

        return register

    def exception_handler(
        self, error: type[BaseException]
    ) -> Callable[[ErrorHandler], ErrorHandler]:
        def register(handler: ErrorHandler) -> ErrorHandler:
            self._errors[error] = handler
            return handler

        return register

    def not_found(self, handler: ErrorHandler) -> ErrorHandler:
        return self.exception_handler(NotFound)(handler)

    def resolve(self, event: Mapping[str, Any], context: object = None) -> dict[str, Any]:
        """The response dict for the HTTP API; an exception without a handler propagates."""
        request = self.current_event = HttpEvent(event)
        method, path = request.method, request.path
        route, arguments = None, {}
        for candidate in (*self._static, *self._dynamic):
            if candidate.method == method and (found := candidate.pattern.match(path)):
                route, arguments = candidate, found.groupdict()
                break
        try:
            if route is None:
                raise NotFound(f"{method} {path}")
            answer = route.handler(**arguments)
        except Exception as error:
            handler = self._handler_for(type(error))
            if handler is None:
                raise
            answer = handler(error)
        return _built(answer, route, request)

    def _handler_for(self, kind: type[BaseException]) -> ErrorHandler | None:
        for klass in kind.__mro__:
            if klass in self._errors:
                return self._errors[klass]
        return None


def _built(answer: Response, route: _Route | None, request: HttpEvent) -> dict[str, Any]:
    body = answer.body
    if route is not None and route.cache_control:
        ok = answer.status_code == 200
        answer.headers["Cache-Control"] = route.cache_control if ok else "no-cache"
    gzip_accepted = "gzip" in request.headers.get("accept-encoding", "")
    if route is not None and route.compress and gzip_accepted and body is not None:
        answer.headers["Content-Encoding"] = "gzip"
        raw = body.encode() if isinstance(body, str) else body
        packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
        body = packer.compress(raw) + packer.flush()
    encoded = isinstance(body, bytes)
    return {
        "statusCode": answer.status_code,
        "body": base64.b64encode(body).decode() if isinstance(body, bytes) else body,
        "isBase64Encoded": encoded,
        "headers": dict(answer.headers),
        "cookies": [],
    }
