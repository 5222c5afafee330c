"""The local stack's shortcuts keep what they replace: boto3 in the server process reaches
moto's app without a socket, and the journal's group commit answers no write before its line
is on disk."""

from __future__ import annotations

import json
import os
import re
import socket
import threading

import boto3
import pytest
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from moto.moto_server.werkzeug_app import create_backend_app

from leadwire_local import moto_server
from leadwire_local.journal import Journal

WRITERS = 8
WAIT = 120.0  # seconds: a bound for a stuck thread, not a speed goal


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_boto3_reaches_moto_in_process_without_a_socket(restored_environ, tmp_path):
    # Given moto's journaled app behind an endpoint where nothing listens
    journal = Journal(tmp_path / "journal.jsonl")
    journal.start(0)
    endpoint = f"http://127.0.0.1:{closed_port()}"
    app = moto_server._serialized(moto_server._Dispatcher(create_backend_app), journal)
    session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    session.events.register_first("before-send", moto_server.InProcessTransport(app, endpoint))
    client = session.client("dynamodb", endpoint_url=endpoint)
    # When a table is created and written through it
    table = "transport-test"
    client.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    client.put_item(TableName=table, Item={"pk": {"S": "a"}, "n": {"N": "1"}})
    # Then moto answered (no connection error), errors come back as boto3's own exceptions,
    # and the write is in the journal, on disk, before the call returned
    assert client.get_item(TableName=table, Key={"pk": {"S": "a"}})["Item"]["n"] == {"N": "1"}
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_item(TableName="no-such-table", Key={"pk": {"S": "a"}})
    lines = [json.loads(line) for line in journal.path.read_text().splitlines()]
    assert [line["dynamodb"] for line in lines] == ["PutItem"]
    assert journal.synced == journal.seq == 1
    journal.close()
    client.delete_table(TableName=table)


def test_dynamodb_calls_take_moto_s_handler_directly_with_the_same_answers(
    restored_environ, tmp_path
):
    # Given the in-process transport, and a count of what still goes through moto's WSGI app
    journal = Journal(tmp_path / "journal.jsonl")
    journal.start(0)
    endpoint = f"http://127.0.0.1:{closed_port()}"
    app = moto_server._serialized(moto_server._Dispatcher(create_backend_app), journal)
    through_wsgi: list[str] = []
    wsgi = app.app

    def counting(environ, start_response):
        through_wsgi.append(str(environ.get("HTTP_X_AMZ_TARGET", "")))
        return wsgi(environ, start_response)

    app.app = counting
    session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    session.events.register_first("before-send", moto_server.InProcessTransport(app, endpoint))
    client = session.client("dynamodb", endpoint_url=endpoint)
    table = "direct-test"
    client.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    item = {"pk": {"S": "a"}, "b": {"B": b"\x00\xff"}, "m": {"M": {"l": {"L": [{"N": "1"}]}}}}
    new = {"ConditionExpression": "attribute_not_exists(pk)"}
    # When an item is written, read back, and written again against its condition
    client.put_item(TableName=table, Item=item, **new)
    read = client.get_item(TableName=table, Key={"pk": {"S": "a"}})["Item"]
    with pytest.raises(client.exceptions.ConditionalCheckFailedException):
        client.put_item(TableName=table, Item=item, **new)
    with pytest.raises(client.exceptions.TransactionCanceledException) as cancelled:
        client.transact_write_items(
            TransactItems=[{"Put": {"TableName": table, "Item": item, **new}}]
        )
    # Then the answers are DynamoDB's (binary round-trips, errors are boto3's own, with the
    # cancellation reasons), none of it went through the WSGI app, and only the accepted
    # write is journaled
    assert read == item
    reasons = cancelled.value.response["CancellationReasons"]
    assert [r["Code"] for r in reasons] == ["ConditionalCheckFailed"]
    assert through_wsgi == []
    lines = [json.loads(line) for line in journal.path.read_text().splitlines()]
    assert [line["dynamodb"] for line in lines] == ["PutItem"]
    journal.close()
    client.delete_table(TableName=table)


def test_a_written_line_is_not_synced_until_its_fsync(tmp_path):
    journal = Journal(tmp_path / "journal.jsonl")
    journal.start(0)
    with journal.gate:
        seq = journal.append({"dynamodb": "PutItem", "body": "{}"})
    assert journal.synced < seq  # written, not yet durable: its writer must not answer
    journal.sync(seq)
    assert journal.synced >= seq
    journal.close()


def test_concurrent_writers_share_fsyncs_and_each_returns_after_its_own(tmp_path, monkeypatch):
    # Given an fsync that waits until every writer has written its line (a slow disk, made
    # deterministic), and that records how far the file was when it ran
    journal = Journal(tmp_path / "journal.jsonl")
    journal.start(0)
    all_written = threading.Event()
    fsyncs: list[int] = []
    real_fsync = os.fsync

    def slow_fsync(fd: int) -> None:
        if fsyncs:  # the first one covers what is written by then; the next waits for all
            all_written.wait(WAIT)
        through = journal.written  # what this fsync covers: the lines written before it
        real_fsync(fd)
        fsyncs.append(through)

    monkeypatch.setattr(os, "fsync", slow_fsync)
    returned: dict[int, int] = {}

    def write(n: int) -> None:
        with journal.gate:
            seq = journal.append({"dynamodb": "PutItem", "body": json.dumps({"n": n})})
            if journal.written == WRITERS:
                all_written.set()
        journal.sync(seq)
        returned[seq] = max(fsyncs)  # how far the disk was when this writer was answered

    # When WRITERS write and sync at once
    threads = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    # Then every writer returned only once an fsync had covered its line, and they needed
    # fewer fsyncs than writes
    assert sorted(returned) == list(range(1, WRITERS + 1))
    assert all(through >= seq for seq, through in returned.items()), returned
    assert len(fsyncs) < WRITERS, fsyncs
    assert len(journal.path.read_text().splitlines()) == WRITERS
    journal.close()


def _in_process_client(journal: Journal) -> tuple[object, str]:
    endpoint = f"http://127.0.0.1:{closed_port()}"
    app = moto_server._serialized(moto_server._Dispatcher(create_backend_app), journal)
    session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="eu-west-1"
    )
    moto_server.take_the_in_process_path(session.events, app, endpoint)
    client = session.client("dynamodb", endpoint_url=endpoint)
    table = f"deferred-{closed_port()}"
    client.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return client, table


def test_a_function_s_writes_share_one_fsync_made_before_it_is_answered(
    restored_environ, tmp_path, monkeypatch
):
    # Given the in-process transport over a journal, and a count of fsyncs
    journal = Journal(tmp_path / "journal.jsonl")
    journal.start(0)
    client, table = _in_process_client(journal)
    fsyncs: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (fsyncs.append(journal.written), real_fsync(fd)))
    # When a function (as the HTTP server runs one) writes twice
    with journal.answered_after_sync():
        client.put_item(TableName=table, Item={"pk": {"S": "a"}})
        client.put_item(TableName=table, Item={"pk": {"S": "b"}})
        # Then neither write waited for the disk (the function's instance is not held by it)
        assert journal.written == 2 and journal.synced == 0 and fsyncs == []
    # ... and on its return both are on disk, with one fsync, before anything is answered
    assert journal.synced == 2 and fsyncs == [2]
    # ... while a write outside a function's run (another process's, over moto's port) is
    # still synced before moto answers it
    client.put_item(TableName=table, Item={"pk": {"S": "c"}})
    assert journal.synced == 3 and fsyncs == [2, 3]
    journal.close()


def test_a_function_that_read_an_unsynced_write_is_answered_after_it_is_on_disk(
    restored_environ, tmp_path
):
    # Given a function that has written but not returned (its line not yet synced)
    journal = Journal(tmp_path / "journal.jsonl")
    journal.start(0)
    client, table = _in_process_client(journal)
    written = threading.Event()
    release = threading.Event()

    def writer() -> None:
        with journal.answered_after_sync():
            client.put_item(TableName=table, Item={"pk": {"S": "a"}})
            written.set()
            release.wait(WAIT)

    thread = threading.Thread(target=writer)
    thread.start()
    assert written.wait(WAIT)
    # When another function reads that write (a retry finding its delivery already taken)
    with journal.answered_after_sync():
        assert "Item" in client.get_item(TableName=table, Key={"pk": {"S": "a"}})
        assert journal.synced == 0
    # Then the reader is answered only once what it read is on disk
    assert journal.synced == 1
    release.set()
    thread.join(WAIT)
    journal.close()


def test_in_process_calls_name_their_scope_unsigned_and_others_are_signed(
    restored_environ, tmp_path
):
    # Given the in-process path, and what moto is handed
    client, table = _in_process_client(Journal(tmp_path / "journal.jsonl"))
    handed: list[str] = []
    client.meta.events.register_first(
        "before-send", lambda request, **_: handed.append(request.headers["Authorization"].decode())
    )
    # When a table in another region is written and read
    client.put_item(TableName=table, Item={"pk": {"S": "a"}})
    assert client.scan(TableName=table)["Items"] == [{"pk": {"S": "a"}}]
    # Then moto was told the access key, region and service (what it reads), with no signature
    assert all(a.endswith("Signature=0") for a in handed) and len(handed) == 2
    assert "Credential=testing/" in handed[0] and "/eu-west-1/dynamodb/aws4_request" in handed[0]
    # ... while a request for any other address is signed with SigV4 as usual
    elsewhere = AWSRequest("POST", "https://dynamodb.eu-west-1.amazonaws.com/", data=b"{}")
    auth = moto_server.InProcessAuth(Credentials("testing", "testing"), "dynamodb", "eu-west-1")
    auth.add_auth(elsewhere)
    assert re.search(r"Signature=[0-9a-f]{64}$", elsewhere.headers["Authorization"])
