"""The HTTP functions' route table and the alert function's stream loop keep the Powertools
contracts they replace: how a request is routed and answered, how a stream batch fails."""

from __future__ import annotations

import base64
import gzip

import pytest

from leadwire.shell.routes import Response, Routes
from leadwire.shell.stream import StreamBatchFailed, process_stream_batch


def request(method: str, path: str, headers: dict[str, str] | None = None) -> dict:
    return {
        "rawPath": path,
        "headers": headers or {},
        "requestContext": {"http": {"method": method}, "stage": "$default"},
    }


def table() -> Routes:
    routes = Routes()

    @routes.get("/leads")
    def listed() -> Response:
        return Response(200, "application/json", '{"list": true}')

    @routes.get("/leads/<lead_id>")
    def one(lead_id: str) -> Response:
        if lead_id == "gone":
            raise KeyError(lead_id)
        return Response(200, "application/json", f'{{"id": "{lead_id}"}}')

    @routes.get("/t.js", compress=True, cache_control="public, max-age=3600")
    def script() -> Response:
        if routes.current_event.get_query_string_value("fail"):
            raise KeyError("fail")
        return Response(200, "text/javascript", "x" * 500)

    @routes.exception_handler(LookupError)
    def refused(error: Exception) -> Response:
        return Response(404, "application/json", '{"error": "missing"}')

    @routes.not_found
    def nowhere(_: Exception) -> Response:
        return Response(404, "application/json", '{"error": "no route"}')

    return routes


def test_a_static_route_wins_over_a_parameter_and_a_parameter_is_passed_by_name():
    routes = table()
    assert routes.resolve(request("GET", "/leads"))["body"] == '{"list": true}'
    assert routes.resolve(request("GET", "/leads/ld_1"))["body"] == '{"id": "ld_1"}'


def test_an_unknown_path_or_method_is_the_not_found_answer():
    routes = table()
    for method, path in (("GET", "/nope"), ("POST", "/leads"), ("GET", "/leads/a/b")):
        answer = routes.resolve(request(method, path))
        assert (answer["statusCode"], answer["body"]) == (404, '{"error": "no route"}')


def test_an_exception_is_answered_by_the_handler_of_its_nearest_class():
    answer = table().resolve(request("GET", "/leads/gone"))
    assert answer["statusCode"] == 404
    assert answer["headers"]["Content-Type"] == "application/json"


def test_a_compressed_route_gzips_for_a_caller_that_accepts_it_and_caches_only_a_200():
    routes = table()
    plain = routes.resolve(request("GET", "/t.js"))
    assert plain["body"] == "x" * 500 and not plain["isBase64Encoded"]
    assert plain["headers"]["Cache-Control"] == "public, max-age=3600"
    packed = routes.resolve(request("GET", "/t.js", {"Accept-Encoding": "gzip, br"}))
    assert packed["isBase64Encoded"] and packed["headers"]["Content-Encoding"] == "gzip"
    assert gzip.decompress(base64.b64decode(packed["body"])) == b"x" * 500
    failed = {**request("GET", "/t.js"), "queryStringParameters": {"fail": "1"}}
    assert routes.resolve(failed)["headers"]["Cache-Control"] == "no-cache"


def test_an_exception_without_a_handler_propagates():
    routes = Routes()

    @routes.get("/boom")
    def boom() -> Response:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        routes.resolve(request("GET", "/boom"))


def stream(*versions: int) -> dict:
    return {
        "Records": [
            {
                "eventID": f"e{n}",
                "dynamodb": {
                    "SequenceNumber": str(n),
                    "NewImage": {"leadId": {"S": "ld_1"}, "version": {"N": str(v)}},
                },
            }
            for n, v in enumerate(versions)
        ]
    }


def test_a_stream_batch_names_only_its_failed_records_and_reads_their_images():
    seen = []

    def handle(record):
        seen.append((record.new_image["leadId"], int(record.new_image["version"])))
        if record.new_image["version"] == 2:
            raise RuntimeError("SNS down")

    assert process_stream_batch(stream(1, 2, 3), handle) == {
        "batchItemFailures": [{"itemIdentifier": "1"}]
    }
    assert seen == [("ld_1", 1), ("ld_1", 2), ("ld_1", 3)]


def test_a_stream_batch_whose_every_record_failed_is_raised_for_lambda_to_retry():
    def handle(record):
        raise RuntimeError("table down")

    with pytest.raises(StreamBatchFailed):
        process_stream_batch(stream(1, 2), handle)
    assert process_stream_batch({"Records": []}, handle) == {"batchItemFailures": []}


def test_a_failed_stream_record_is_logged_in_one_line_without_a_traceback(caplog):
    def handle(record):
        if record.new_image["version"] == 1:
            raise ConnectionError("SNS down")

    with caplog.at_level("WARNING", logger="leadwire"):
        process_stream_batch(stream(1, 2), handle)
    [logged] = [r for r in caplog.records if r.getMessage() == "stream record failed"]
    assert logged.levelname == "WARNING" and logged.exc_info is None
    assert logged.error == "ConnectionError: SNS down" and logged.sequence == "0"
