"""DynamoDB storage: the only module that knows key shapes and item layout.

One table, one partition per lead: `LEAD#<id>` holds the profile item (`PROFILE`), one ledger
item per scored event (`EVENT#<event id>`, which is also the permanent dedupe key) and the
alert outbox (`ALERT#<lead version>`: written pending with the SQL transition, marked sent or
skipped, then aged out by TTL). A lead and its whole history are one Query away. Pending
alerts also carry the keys of the sparse `PendingAlerts` index, which the sweeper reads.
The SMS budget's counters live in a partition of their own (`SMSBUDGET`).
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import DYNAMODB_CONTEXT, TypeDeserializer, TypeSerializer
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from leadwire.domain.errors import (
    AlertInFlight,
    DuplicateEvent,
    MalformedPayload,
    StorageUnavailable,
    VersionConflict,
)
from leadwire.domain.models import (
    Lead,
    LedgerEntry,
    Outcome,
    Stage,
    Turn,
    is_lead_id,
    lead_id_for,
)
from leadwire.domain.outbox import (
    LEASE_SECONDS,
    SENT_KEPT_DAYS,
    Addressee,
    OwedAlert,
    PendingAlert,
    addressee_for,
)
from leadwire.domain.records import camel

PROFILE = "PROFILE"
BY_STAGE = "ByStage"
STAGE_SORT = "stageSort"
STAGE_SHARD = "stageShard"  # the ByStage partition key: <stage>#<shard>
STAGE_SHARDS = 8  # template.yaml's StageShards default
MAX_PAGE = 100
_MOVED_IN_TRANSACTION = 45  # 2 writes each, within DynamoDB's 100 per transaction
EVENT_PREFIX = "EVENT#"
ALERT_PREFIX = "ALERT#"
ACCOUNT_PREFIX = "ACCOUNT#"
PERSON_PREFIX = "PERSON#"
ACCOUNT_KEPT_DAYS = 90  # longer than any account window the rules allow
ACCOUNT_READ = 100  # colleagues read for one lead's account (the count says "100+" beyond)
PENDING_ALERTS = "PendingAlerts"  # sparse index: only pending alerts carry its keys
OUTBOX = "outbox"  # the index's partition key, always "pending"
OUTBOX_SINCE = "outboxSince"  # its sort key: when the alert was written (epoch seconds)
SMS_BUDGET_PK = "SMSBUDGET"
DUE_CLOCKS = "DueClocks"  # sparse index: only an SQL whose clock can still escalate has its keys
CLOCK = "clock"  # the index's partition key, always "running"
CLOCK_DUE = "clockDue"  # its sort key: when the clock runs out (epoch seconds)
ROUTING_PREFIX = "ROUTING#"  # a queue's round-robin counter: ROUTING#<queue> / TURN

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def dynamodb_client() -> Any:
    """DynamoDB with bounded retries and timeouts: a webhook answers 503 in seconds rather
    than hold the sender (and the function) for botocore's defaults."""
    import boto3

    config = Config(
        retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=5
    )
    return boto3.client("dynamodb", config=config)


def lead_pk(lead_id: str) -> str:
    return f"LEAD#{lead_id}"


def stage_shard(stage: str, lead_id: str, shards: int) -> str:
    """The ByStage partition a lead is in: its stage and a shard fixed by its id, so every
    write of one lead lands in one shard and new leads spread over all of them."""
    return f"{stage}#{zlib.crc32(lead_id.encode()) % shards}"


def lead_item(lead: Lead, shards: int = STAGE_SHARDS) -> dict[str, Any]:
    stage_at = lead.stage_at or lead.created_at
    sla = lead.sla
    running = (
        sla is not None
        and lead.stage is Stage.SQL
        and sla.acknowledged_at is None
        and bool(sla.next)
    )
    return {
        "pk": lead_pk(lead.lead_id),
        "sk": PROFILE,
        "entity": "lead",
        **_plain(lead, _LEAD_DERIVED),
        # The ByStage index: partition `<stage>#<shard>` (write-sharded: ~1,000 writes/s per
        # partition), sorted by when the lead entered the stage (fixed-width timestamp, so the
        # string order is the time order).
        STAGE_SHARD: stage_shard(lead.stage.value, lead.lead_id, shards),
        STAGE_SORT: f"{stage_at.astimezone(UTC):%Y-%m-%dT%H:%M:%S.%fZ}#{lead.lead_id}",
        # The DueClocks index, only while the clock can still escalate: acknowledged, no longer
        # an SQL, or nobody left to tell, the lead drops out of it with its next write.
        **({CLOCK: "running", CLOCK_DUE: int(sla.due.timestamp())} if running and sla else {}),
    }


def ledger_item(lead_id: str, entry: LedgerEntry) -> dict[str, Any]:
    return {
        "pk": lead_pk(lead_id),
        "sk": EVENT_PREFIX + entry.event_id,
        "entity": "ledger",
        **_plain(entry),
    }


def ledger_entries_in(items: Iterable[dict[str, Any]]) -> Iterator[tuple[str, LedgerEntry]]:
    """(lead id, entry) for every ledger item among raw (DynamoDB JSON) items."""
    for raw in items:
        if raw.get("entity", {}).get("S") == "ledger":
            item = _untyped(raw)
            yield str(item["pk"]).removeprefix("LEAD#"), LedgerEntry.model_validate(item)


def leads_in(items: Iterable[dict[str, Any]]) -> Iterator[Lead]:
    """Every lead among raw (DynamoDB JSON) items."""
    for raw in items:
        if raw.get("entity", {}).get("S") == "lead":
            yield lead_from_item(_untyped(raw))


def outbox_item(
    lead: Lead, alert: OwedAlert, now: datetime, to: Addressee | None = None
) -> dict[str, Any]:
    return {
        "pk": lead_pk(lead.lead_id),
        "sk": alert_sk(lead.version),
        "entity": "alert",
        "status": "pending",
        "version": lead.version,
        "createdAt": now.astimezone(UTC).isoformat(),
        "alert": json.loads(alert.model_dump_json(by_alias=True)),
        "to": json.loads((to or Addressee()).model_dump_json(by_alias=True, exclude_none=True)),
        OUTBOX: "pending",
        OUTBOX_SINCE: int(now.timestamp()),
    }


def alert_sk(version: int) -> str:
    return f"{ALERT_PREFIX}{version:010d}"


def account_pk(domain: str) -> str:
    return f"{ACCOUNT_PREFIX}{domain}"


def colleague_item(domain: str, lead_id: str, engaged_at: datetime) -> dict[str, Any]:
    """That a person engaged for their account, and when last (kept ACCOUNT_KEPT_DAYS)."""
    return {
        "pk": account_pk(domain),
        "sk": PERSON_PREFIX + lead_id,
        "entity": "colleague",
        "leadId": lead_id,
        "engagedAt": engaged_at.astimezone(UTC).isoformat(),
        "expiresAt": int((engaged_at + timedelta(days=ACCOUNT_KEPT_DAYS)).timestamp()),
    }


def alias_item(visitor_lead_id: str, lead_id: str) -> dict[str, Any]:
    return {"pk": lead_pk(visitor_lead_id), "sk": PROFILE, "entity": "alias", "mergedInto": lead_id}


def _version_condition(expected_version: int) -> dict[str, Any]:
    if expected_version == 0:
        return {"ConditionExpression": "attribute_not_exists(pk)"}
    return {
        "ConditionExpression": "#version = :expected",
        "ExpressionAttributeNames": {"#version": "version"},
        "ExpressionAttributeValues": _typed({":expected": expected_version}),
    }


# Not stored on the lead's item: its key holds the id, its profile the e-mail.
_LEAD_DERIVED = frozenset({"lead_id", "email"})


def lead_from_item(item: dict[str, Any]) -> Lead:
    """A lead from a stored item (also a stream NewImage, already deserialized); items stored
    before the id was left out still carry it."""
    return Lead.model_validate({"leadId": lead_id_in(item), **item})


def lead_id_in(item: dict[str, Any]) -> str:
    """The lead id a lead's item (or stream image) is keyed by."""
    return str(item["pk"]).removeprefix("LEAD#")


class DynamoLeadStore:
    """LeadStore and AlertOutbox on one DynamoDB table."""

    def __init__(
        self, table_name: str, client: Any = None, stage_shards: int = STAGE_SHARDS
    ) -> None:
        self.table_name = table_name
        self._client = client if client is not None else dynamodb_client()
        self.stage_shards = max(1, stage_shards)

    def _shards(self, stage: str) -> list[str]:
        return [f"{stage}#{n}" for n in range(self.stage_shards)]

    # -- leads and ledger ------------------------------------------------------------------

    def load(self, lead_id: str) -> Lead | None:
        """The lead, following an anonymous visitor's alias to the lead it was merged into."""
        item = self._get(lead_id)
        if item is not None and item.get("entity") == "alias":
            item = self._get(str(item["mergedInto"]))
        return lead_from_item(item) if item is not None and item.get("entity") == "lead" else None

    def _get(self, lead_id: str) -> dict[str, Any] | None:
        with _storage_errors():
            response = self._client.get_item(
                TableName=self.table_name,
                Key=_typed({"pk": lead_pk(lead_id), "sk": PROFILE}),
                ConsistentRead=True,
            )
        item = response.get("Item")
        return _untyped(item) if item else None

    def record(
        self,
        outcome: Outcome,
        expected_version: int,
        absorbed: Lead | None = None,
        link: str | None = None,
        alert: OwedAlert | None = None,
        turn: Turn | None = None,
    ) -> Lead:
        lead = outcome.lead.model_copy(update={"version": expected_version + 1})
        repeats = outcome.entry.event.repeats_of if outcome.entry.event else []
        writes: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self.table_name,
                    "Item": _typed(ledger_item(lead.lead_id, outcome.entry)),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            # An event this one repeats, recorded already, makes it a duplicate too.
            *(
                {
                    "ConditionCheck": {
                        "TableName": self.table_name,
                        "Key": _typed({"pk": lead_pk(lead.lead_id), "sk": EVENT_PREFIX + other}),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
                for other in repeats
            ),
            {
                "Put": {
                    "TableName": self.table_name,
                    "Item": _typed(lead_item(lead, self.stage_shards)),
                    **_version_condition(expected_version),
                }
            },
        ]
        if alert is not None:
            # The outbox: the alert is owed exactly when the lead is written, never apart.
            writes.append(
                {
                    "Put": {
                        "TableName": self.table_name,
                        "Item": _typed(
                            outbox_item(lead, alert, outcome.entry.at, addressee_for(outcome))
                        ),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
            )
        if outcome.engaged_account is not None:
            # Its own item per person (no condition): colleagues never contend for one item.
            writes.append(
                {
                    "Put": {
                        "TableName": self.table_name,
                        "Item": _typed(
                            colleague_item(
                                outcome.engaged_account, lead.lead_id, outcome.lead.updated_at
                            )
                        ),
                    }
                }
            )
        if turn is not None:
            # The owner's turn, taken with the lead: only while the counter is as read, so a
            # concurrent SQL in the queue makes this a conflict, and the loop routes again.
            writes.append(self._take_turn(turn))
        moved: list[LedgerEntry] = []
        if link is not None:
            # In the same transaction: were the alias written after it, the visitor's first
            # anonymous message could land in between and stay a lead of its own.
            writes.append(
                {
                    "Put": {
                        "TableName": self.table_name,
                        "Item": _typed(alias_item(link, lead.lead_id)),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
            )
        if absorbed is not None:
            # The visitor's lead becomes an alias of this one, and its ledger moves here:
            # one transaction, so a concurrent event for the visitor either lands before
            # (and is moved) or finds the alias.
            writes.append(
                {
                    "Put": {
                        "TableName": self.table_name,
                        "Item": _typed(alias_item(absorbed.lead_id, lead.lead_id)),
                        **_version_condition(absorbed.version),
                    }
                }
            )
            moved = self.ledger(absorbed.lead_id)
            for entry in moved[:_MOVED_IN_TRANSACTION]:
                writes += self._move_entry(absorbed.lead_id, lead.lead_id, entry)
            # A very chatty visitor: what does not fit in the transaction is copied before it
            # (idempotent), so once the alias exists a redelivery of any of its events finds
            # its ledger entry here and is a duplicate; the old copies are removed after.
            for entry in moved[_MOVED_IN_TRANSACTION:]:
                with _storage_errors():
                    self._client.put_item(
                        TableName=self.table_name, Item=_typed(ledger_item(lead.lead_id, entry))
                    )
        self._transact(writes, outcome.entry.event_id, lead.lead_id, 1 + len(repeats))
        if absorbed is not None:
            self._delete_keys(
                [
                    {"pk": lead_pk(absorbed.lead_id), "sk": EVENT_PREFIX + entry.event_id}
                    for entry in moved[_MOVED_IN_TRANSACTION:]
                ]
            )
        return lead

    def turns(self, queue: str) -> int:
        """How many SQLs the queue has given out (its round-robin counter)."""
        with _storage_errors():
            item = self._client.get_item(
                TableName=self.table_name,
                Key=_typed({"pk": ROUTING_PREFIX + queue, "sk": "TURN"}),
                ConsistentRead=True,
            ).get("Item")
        return int(_untyped(item)["turns"]) if item else 0

    def _take_turn(self, turn: Turn) -> dict[str, Any]:
        condition = "attribute_not_exists(turns)" if turn.seen == 0 else "turns = :seen"
        values = {":next": turn.seen + 1, ":entity": "routing"}
        if turn.seen:
            values[":seen"] = turn.seen
        return {
            "Update": {
                "TableName": self.table_name,
                "Key": _typed({"pk": ROUTING_PREFIX + turn.queue, "sk": "TURN"}),
                "UpdateExpression": "SET turns = :next, entity = :entity",
                "ConditionExpression": condition,
                "ExpressionAttributeValues": _typed(values),
            }
        }

    def clocks_due(self, now: datetime, limit: int) -> list[str]:
        """Lead ids of SQLs whose response clock ran out unanswered, longest overdue first."""
        due = self._oldest(DUE_CLOCKS, CLOCK, "running", f"{CLOCK_DUE} <= :bound", now, limit)
        return [lead_id_in(item) for item in due]

    def _oldest(
        self, index: str, key: str, value: str, sort_condition: str, bound: datetime, limit: int
    ) -> list[dict[str, Any]]:
        """The first `limit` items of a sparse index's one partition up to `bound` (its sort
        key is a unix time), oldest first: the sweeper's reads."""
        with _storage_errors():
            page = self._client.query(
                TableName=self.table_name,
                IndexName=index,
                KeyConditionExpression=f"{key} = :value AND {sort_condition}",
                ExpressionAttributeValues=_typed(
                    {":value": value, ":bound": int(bound.timestamp())}
                ),
                ScanIndexForward=True,
                Limit=max(1, limit),
            )
        return [_untyped(raw) for raw in page.get("Items", [])]

    def _move_entry(self, source: str, target: str, entry: LedgerEntry) -> list[dict[str, Any]]:
        return [
            {"Put": {"TableName": self.table_name, "Item": _typed(ledger_item(target, entry))}},
            {
                "Delete": {
                    "TableName": self.table_name,
                    "Key": _typed({"pk": lead_pk(source), "sk": EVENT_PREFIX + entry.event_id}),
                }
            },
        ]

    def _transact(
        self, writes: list[dict[str, Any]], event_id: str | None, lead_id: str, dedupe: int = 1
    ) -> None:
        """Run the transaction; its first `dedupe` items say whether the event was recorded."""
        try:
            self._client.transact_write_items(TransactItems=writes)
        except ClientError as e:
            if e.response["Error"]["Code"] != "TransactionCanceledException":
                raise StorageUnavailable(f"the lead could not be stored: {_code(e)}") from e
            reasons = [r.get("Code") for r in e.response.get("CancellationReasons", [])]
            if not reasons:  # some emulators only put the reasons in the message
                reasons = _reasons_from_message(e.response["Error"].get("Message", ""))
            if event_id and "ConditionalCheckFailed" in reasons[:dedupe]:
                raise DuplicateEvent(event_id) from e
            if "ConditionalCheckFailed" in reasons or "TransactionConflict" in reasons:
                raise VersionConflict(lead_id) from e
            raise StorageUnavailable(f"the lead could not be stored: {reasons}") from e
        except BotoCoreError as e:
            raise StorageUnavailable(f"the lead could not be stored: {type(e).__name__}") from e

    def list_leads(
        self, stage: Stage | None = None, limit: int = 25, cursor: str | None = None
    ) -> tuple[list[Lead], str | None]:
        """Leads newest first (by when they entered their stage), from the ByStage index.

        Every shard of the stage (of all three stages without one) is queried for a page and
        the pages merged; the opaque cursor holds where each shard stands (a shard missing
        from it is exhausted). One page: one Query per shard + one BatchGetItem.
        """
        limit = max(1, min(limit, MAX_PAGE))
        every = [shard for s in Stage for shard in self._shards(s.value)]
        positions = _decode_cursor(cursor, set(every)) if cursor else dict.fromkeys(every)
        wanted = self._shards(stage.value) if stage else every
        candidates: list[dict[str, Any]] = []
        more: dict[str, bool] = {}
        for name in wanted:
            if name not in positions:
                continue
            query: dict[str, Any] = {
                "TableName": self.table_name,
                "IndexName": BY_STAGE,
                "KeyConditionExpression": "#shard = :shard",
                "ExpressionAttributeNames": {"#shard": STAGE_SHARD},
                "ExpressionAttributeValues": _typed({":shard": name}),
                "ScanIndexForward": False,
                "Limit": limit,
            }
            start = positions[name]
            if start:
                query["ExclusiveStartKey"] = _typed(start)
            with _storage_errors():
                page = self._client.query(**query)
            candidates.extend(_untyped(item) for item in page.get("Items", []))
            more[name] = "LastEvaluatedKey" in page
        candidates.sort(key=lambda item: item[STAGE_SORT], reverse=True)
        taken = candidates[:limit]
        next_positions: dict[str, dict[str, Any] | None] = {}
        for name in more:
            mine = [i for i in taken if i[STAGE_SHARD] == name]
            left = [i for i in candidates[limit:] if i[STAGE_SHARD] == name]
            if mine and (left or more[name]):
                last = mine[-1]
                next_positions[name] = {k: last[k] for k in _INDEX_KEY}
            elif not mine and (left or more[name] or positions[name]):
                next_positions[name] = positions[name]
        leads = self._batch_load([i["pk"] for i in taken])
        return leads, _encode_cursor(next_positions) if next_positions else None

    def shard_stage_keys(self) -> int:
        """Give every lead stored before the index was sharded its `stageShard` (a Scan and
        one conditional update each, idempotent): until then it is missing from the lists."""
        done = 0
        paginator = self._client.get_paginator("scan")
        with _storage_errors():
            for page in paginator.paginate(
                TableName=self.table_name,
                FilterExpression="entity = :lead AND attribute_not_exists(#shard)",
                ExpressionAttributeNames={"#shard": STAGE_SHARD},
                ExpressionAttributeValues=_typed({":lead": "lead"}),
            ):
                for raw in page.get("Items", []):
                    item = _untyped(raw)
                    lead_id = str(item["pk"]).removeprefix("LEAD#")
                    try:
                        self._client.update_item(
                            TableName=self.table_name,
                            Key=_typed({"pk": item["pk"], "sk": PROFILE}),
                            UpdateExpression="SET #shard = :shard",
                            ConditionExpression="attribute_exists(pk) AND stage = :stage",
                            ExpressionAttributeNames={"#shard": STAGE_SHARD},
                            ExpressionAttributeValues=_typed(
                                {
                                    ":shard": stage_shard(
                                        str(item["stage"]), lead_id, self.stage_shards
                                    ),
                                    ":stage": item["stage"],
                                }
                            ),
                        )
                        done += 1
                    except ClientError as e:  # erased or re-written meanwhile: nothing to do
                        if _code(e) != "ConditionalCheckFailedException":
                            raise
        return done

    def engaged_for(
        self, domain: str, since: datetime, limit: int = ACCOUNT_READ
    ) -> list[tuple[Lead, datetime]]:
        """The people who engaged for the account since `since`, each with when last."""
        people = self.engaged_people(domain, since, limit)
        engaged = {lead_pk(lead_id): at for lead_id, at in people.items()}
        leads = self._batch_load(list(engaged)[:limit])
        return [(lead, engaged[lead_pk(lead.lead_id)]) for lead in leads]

    def engaged_people(
        self, domain: str, since: datetime, limit: int = ACCOUNT_READ
    ) -> dict[str, datetime]:
        """Who engaged for the account since `since` (lead id -> when), from its person items
        alone: what an alert's account line needs, without reading their leads."""
        engaged: dict[str, datetime] = {}
        paginator = self._client.get_paginator("query")
        with _storage_errors():
            pages = paginator.paginate(
                TableName=self.table_name,
                KeyConditionExpression="pk = :pk AND begins_with(sk, :person)",
                FilterExpression="engagedAt >= :since",
                ExpressionAttributeValues=_typed(
                    {
                        ":pk": account_pk(domain),
                        ":person": PERSON_PREFIX,
                        ":since": since.astimezone(UTC).isoformat(),
                    }
                ),
            )
            for page in pages:
                for item in page.get("Items", []):
                    plain = _untyped(item)
                    engaged[plain["leadId"]] = datetime.fromisoformat(plain["engagedAt"])
                if len(engaged) >= limit:
                    break
        return engaged

    def _batch_load(self, pks: list[str]) -> list[Lead]:
        found: dict[str, Lead] = {}
        keys = [_typed({"pk": pk, "sk": PROFILE}) for pk in pks]
        while keys:
            request = {self.table_name: {"Keys": keys[:100], "ConsistentRead": True}}
            keys = keys[100:]
            while request:
                with _storage_errors():
                    response = self._client.batch_get_item(RequestItems=request)
                for item in response["Responses"].get(self.table_name, []):
                    lead = lead_from_item(_untyped(item))
                    found[lead_pk(lead.lead_id)] = lead
                request = response.get("UnprocessedKeys") or {}
        return [found[pk] for pk in pks if pk in found]

    def erase(self, lead_id: str) -> int:
        """Delete everything stored about a lead: profile, ledger, alerts, and the partitions
        of the visitor ids it was known by (their aliases, anything left there).

        The profile and the lead's alerts go first, in one transaction: from then on no
        sender finds the lead or an alert to send (the rest follows in batches)."""
        lead = self.load(lead_id)
        items = list(self._query_partition(lead_id, ""))
        keys = [{"pk": item["pk"], "sk": item["sk"]} for item in items]
        first = [k for k in keys if k["sk"] == PROFILE or k["sk"].startswith(ALERT_PREFIX)]
        for start in range(0, len(first), 100):  # DynamoDB's limit per transaction
            deletes = [
                {"Delete": {"TableName": self.table_name, "Key": _typed(key)}}
                for key in first[start : start + 100]
            ]
            with _storage_errors():
                self._client.transact_write_items(TransactItems=deletes)
        for visitor in lead.visitor_ids if lead else []:
            visitor_lead = lead_id_for(None, visitor)
            alias = self._get(visitor_lead)
            if alias and alias.get("mergedInto") == lead_id:
                visited = list(self._query_partition(visitor_lead, ""))
                items += visited
                keys += [{"pk": item["pk"], "sk": item["sk"]} for item in visited]
        # Their trace on an account: the one they were scored for (a business e-mail's domain,
        # or a company's from a group call or a form), their e-mail's, and every company an
        # event of theirs named (they may have engaged for another one before).
        window = lead.account_window if lead else None
        domains = {lead.profile.email_domain if lead else None, window.domain if window else None}
        domains |= {_company_domain_in(item) for item in items}
        for domain in sorted({d.strip().lower() for d in domains if d}):
            colleague = {"pk": account_pk(domain), "sk": PERSON_PREFIX + lead_id}
            with _storage_errors():
                found = self._client.get_item(TableName=self.table_name, Key=_typed(colleague))
            if "Item" in found:
                keys.append(colleague)
        self._delete_keys([k for k in keys if k not in first])
        return len(keys)

    def _delete_keys(self, keys: list[dict[str, Any]]) -> None:
        for start in range(0, len(keys), 25):
            request = {
                self.table_name: [
                    {"DeleteRequest": {"Key": _typed(key)}} for key in keys[start : start + 25]
                ]
            }
            while request:
                with _storage_errors():
                    response = self._client.batch_write_item(RequestItems=request)
                request = response.get("UnprocessedItems") or {}

    def ledger(self, lead_id: str) -> list[LedgerEntry]:
        entries = [
            LedgerEntry.model_validate(item)
            for item in self._query_partition(lead_id, EVENT_PREFIX)
        ]
        return sorted(entries, key=lambda e: (e.at, e.event_id))

    def all_ledger_entries(self) -> Iterator[tuple[str, LedgerEntry]]:
        """Every ledger entry in the table with its lead id: a read-only Scan for replays."""
        paginator = self._client.get_paginator("scan")
        with _storage_errors():
            for page in paginator.paginate(
                TableName=self.table_name,
                FilterExpression="entity = :ledger",
                ExpressionAttributeValues=_typed({":ledger": "ledger"}),
            ):
                yield from ledger_entries_in(page.get("Items", []))

    def all_leads(self) -> Iterator[Lead]:
        """Every lead in the table: a read-only Scan for the review."""
        paginator = self._client.get_paginator("scan")
        with _storage_errors():
            for page in paginator.paginate(
                TableName=self.table_name,
                FilterExpression="entity = :lead",
                ExpressionAttributeValues=_typed({":lead": "lead"}),
            ):
                yield from leads_in(page.get("Items", []))

    def _query_partition(self, lead_id: str, prefix: str) -> Iterator[dict[str, Any]]:
        paginator = self._client.get_paginator("query")
        with _storage_errors():
            values = {":pk": lead_pk(lead_id)} | ({":prefix": prefix} if prefix else {})
            pages = paginator.paginate(
                TableName=self.table_name,
                KeyConditionExpression="pk = :pk"
                + (" AND begins_with(sk, :prefix)" if prefix else ""),
                ExpressionAttributeValues=_typed(values),
                ConsistentRead=True,
            )
            for page in pages:
                yield from (_untyped(item) for item in page.get("Items", []))

    # -- the alert outbox --------------------------------------------------------------------

    def claim(self, lead_id: str, version: int, now: datetime) -> PendingAlert | None:
        key = _typed({"pk": lead_pk(lead_id), "sk": alert_sk(version)})
        at = int(now.timestamp())
        try:
            with _storage_errors():
                item = self._client.update_item(
                    TableName=self.table_name,
                    Key=key,
                    UpdateExpression="SET claimedUntil = :until",
                    # Pending and not held: never claimed, released, or its holder's lease
                    # is over (a crashed sender).
                    ConditionExpression="#status = :pending AND "
                    "(attribute_not_exists(claimedUntil) OR claimedUntil < :now)",
                    ExpressionAttributeNames={"#status": "status"},
                    ExpressionAttributeValues=_typed(
                        {":pending": "pending", ":now": at, ":until": at + LEASE_SECONDS}
                    ),
                    ReturnValues="ALL_NEW",
                )["Attributes"]
        except StorageUnavailable as e:
            if not _condition_failed(e):
                raise
            with _storage_errors():
                found = self._client.get_item(
                    TableName=self.table_name, Key=key, ConsistentRead=True
                ).get("Item")
            if found and _untyped(found).get("status") == "pending":
                raise AlertInFlight(f"{lead_id}/{version}") from e
            return None  # sent, skipped, erased (or a marker from before the outbox)
        plain = _untyped(item)
        return PendingAlert(
            lead_id=lead_id,
            version=version,
            alert=OwedAlert.model_validate(plain["alert"]),
            created_at=datetime.fromisoformat(str(plain["createdAt"])),
            sms={"yes": True, "no": False}.get(str(plain.get("sms"))),
            to=Addressee.model_validate(plain.get("to") or {}),
            published=str(plain["messageId"]) if plain.get("messageId") else None,
            slack_tries=int(plain.get("slackTries", 0)),
        )

    def record_sms(self, lead_id: str, version: int, sms: bool) -> None:
        self._update_alert(lead_id, version, "SET sms = :sms", {":sms": "yes" if sms else "no"})

    def record_published(self, lead_id: str, version: int, message_id: str) -> None:
        self._update_alert(lead_id, version, "SET messageId = :id", {":id": message_id})

    def record_slack_failure(self, lead_id: str, version: int, tries: int) -> None:
        self._update_alert(
            lead_id, version, "SET slackTries = :tries REMOVE claimedUntil", {":tries": tries}
        )

    def mark_sent(
        self, lead_id: str, version: int, message_id: str, now: datetime, slack: str = "off"
    ) -> None:
        self._update_alert(
            lead_id,
            version,
            # Off the index, kept a while for the record (what was owed, not the text).
            f"SET #status = :sent, messageId = :id, sentAt = :at, expiresAt = :expires, "
            f"slack = :slack REMOVE {OUTBOX}, {OUTBOX_SINCE}, claimedUntil, alert",
            {
                ":sent": "sent",
                ":id": message_id,
                ":at": now.isoformat(),
                ":slack": slack,
                **_expiry(now),
            },
        )

    def mark_skipped(self, lead_id: str, version: int, reason: str, now: datetime) -> None:
        self._update_alert(
            lead_id,
            version,
            f"SET #status = :skipped, skippedWhy = :why, skippedAt = :at, expiresAt = :expires "
            f"REMOVE {OUTBOX}, {OUTBOX_SINCE}, claimedUntil, alert",
            {":skipped": "skipped", ":why": reason, ":at": now.isoformat(), **_expiry(now)},
        )

    def release(self, lead_id: str, version: int) -> None:
        self._update_alert(lead_id, version, "REMOVE claimedUntil", {})

    def _update_alert(
        self, lead_id: str, version: int, expression: str, values: dict[str, Any]
    ) -> None:
        """Update an alert that still exists (an erased one stays erased, never re-created)."""
        names = {"#status": "status"} if "#status" in expression else {}
        try:
            with _storage_errors():
                self._client.update_item(
                    TableName=self.table_name,
                    Key=_typed({"pk": lead_pk(lead_id), "sk": alert_sk(version)}),
                    UpdateExpression=expression,
                    ConditionExpression="attribute_exists(pk)",
                    **({"ExpressionAttributeNames": names} if names else {}),
                    **({"ExpressionAttributeValues": _typed(values)} if values else {}),
                )
        except StorageUnavailable as e:
            if not _condition_failed(e):
                raise

    def overdue(self, created_before: datetime, limit: int) -> list[tuple[str, int]]:
        """Pending alerts written before then, oldest first, from the sparse index."""
        pending = self._oldest(
            PENDING_ALERTS, OUTBOX, "pending", f"{OUTBOX_SINCE} < :bound", created_before, limit
        )
        return [
            (lead_id_in(item), int(str(item["sk"]).removeprefix(ALERT_PREFIX))) for item in pending
        ]


class DynamoSmsBudget:
    """At most `per_hour` and `per_day` SMS: two counters (one per hour, one per day, aged out
    by TTL) raised together in one transaction, each only while under its limit."""

    def __init__(self, table_name: str, per_hour: int, per_day: int, client: Any = None) -> None:
        self.table_name = table_name
        self.per_hour = per_hour
        self.per_day = per_day
        self._client = client if client is not None else dynamodb_client()

    def take(self, now: datetime) -> bool:
        now = now.astimezone(UTC)
        hour = now.replace(minute=0, second=0, microsecond=0)
        day = hour.replace(hour=0)
        counters = [
            (f"HOUR#{hour:%Y-%m-%dT%H}", self.per_hour, hour + timedelta(hours=1)),
            (f"DAY#{day:%Y-%m-%d}", self.per_day, day + timedelta(days=1)),
        ]
        writes = [
            {
                "Update": {
                    "TableName": self.table_name,
                    "Key": _typed({"pk": SMS_BUDGET_PK, "sk": sk}),
                    "UpdateExpression": "ADD sent :one SET entity = :entity, expiresAt = :expires",
                    "ConditionExpression": "attribute_not_exists(sent) OR sent < :limit",
                    "ExpressionAttributeValues": _typed(
                        {
                            ":one": 1,
                            ":limit": limit,
                            ":entity": "smsBudget",
                            ":expires": int((ends + timedelta(days=1)).timestamp()),
                        }
                    ),
                }
            }
            for sk, limit, ends in counters
        ]
        try:
            self._client.transact_write_items(TransactItems=writes)
        except ClientError as e:
            if e.response["Error"]["Code"] != "TransactionCanceledException":
                raise StorageUnavailable(f"sms budget: {_code(e)}") from e
            reasons = [r.get("Code") for r in e.response.get("CancellationReasons", [])]
            if not reasons:
                reasons = _reasons_from_message(e.response["Error"].get("Message", ""))
            if "ConditionalCheckFailed" in reasons:
                return False
            raise StorageUnavailable(f"sms budget: {reasons}") from e
        except BotoCoreError as e:
            raise StorageUnavailable(f"sms budget: {type(e).__name__}") from e
        return True


def _expiry(now: datetime) -> dict[str, int]:
    return {":expires": int((now + timedelta(days=SENT_KEPT_DAYS)).timestamp())}


def _company_domain_in(item: dict[str, Any]) -> str | None:
    """The company domain a ledger item's event gave its person, if any."""
    event = item.get("event")
    profile = event.get("profile") if isinstance(event, dict) else None
    domain = profile.get("companyDomain") if isinstance(profile, dict) else None
    return domain if isinstance(domain, str) else None


def _condition_failed(error: StorageUnavailable) -> bool:
    cause = error.__cause__
    return isinstance(cause, ClientError) and _code(cause) == "ConditionalCheckFailedException"


@contextmanager
def _storage_errors() -> Iterator[None]:
    """Any AWS failure while reading or writing is StorageUnavailable (a 503, retried)."""
    try:
        yield
    except ClientError as e:
        raise StorageUnavailable(f"storage failed: {_code(e)}") from e
    except BotoCoreError as e:
        raise StorageUnavailable(f"storage failed: {type(e).__name__}") from e


def _plain(model: Lead | LedgerEntry, derived: frozenset[str] = frozenset()) -> dict[str, Any]:
    """JSON-shaped attributes with numbers as Decimal, which DynamoDB requires, and only what
    reads back differently from its default: DynamoDB bills every attribute's name and value,
    and a transactional write costs 2 units per started KB (a new lead with its NULLs and empty
    lists was 1,145 B, 4 units; 900-odd without). Unset (None) fields are left out at any depth,
    empty lists and maps at the top, and `derived` (fields the key already holds)."""
    data = model.model_dump(mode="json", by_alias=True, exclude=derived, exclude_none=True)
    for alias in _empty_by_default(type(model)):
        if data.get(alias) in ([], {}):
            del data[alias]
    try:
        return {key: _decimals(value) for key, value in data.items()}
    except _NotJson:  # what the walk does not know: the JSON round trip it stands for
        plain: dict[str, Any] = json.loads(
            json.dumps(data, ensure_ascii=False), parse_float=Decimal
        )
        return plain


class _NotJson(Exception):
    """A value `_decimals` leaves to the JSON round trip."""


def _decimals(value: Any) -> Any:
    """`value` as a JSON round trip with Decimal floats gives it back, without the round trip
    (it was a quarter of the webhook handler's own time): finite floats become the Decimal of
    their JSON text, the rest of JSON's types stay as they are."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is dict:
        if not all(type(key) is str for key in value):
            raise _NotJson
        return {key: _decimals(item) for key, item in value.items()}
    if kind is list:
        return [_decimals(item) for item in value]
    if kind is float:
        return Decimal(repr(value)) if math.isfinite(value) else value
    raise _NotJson


_EMPTY_BY_DEFAULT: dict[type, tuple[str, ...]] = {}


def _empty_by_default(record: type[Lead | LedgerEntry]) -> tuple[str, ...]:
    """The attribute names of a record's fields that default to an empty list or map."""
    found = _EMPTY_BY_DEFAULT.get(record)
    if found is None:
        fields = record.model_fields.items()
        found = tuple(camel(n) for n, f in fields if f.default_factory in (list, dict))
        _EMPTY_BY_DEFAULT[record] = found
    return found


def _typed(item: dict[str, Any]) -> dict[str, Any]:
    return {key: _attribute(value) for key, value in item.items()}


def _attribute(value: Any) -> dict[str, Any]:
    """TypeSerializer's attribute value, the common types built directly (its checks run for
    each of a lead's ~60 values cost more than the rest of building the write); any other
    value, and a number it would have to round, goes to TypeSerializer itself."""
    kind = type(value)
    if kind is str:
        return {"S": value}
    if kind is dict:
        return {"M": {key: _attribute(item) for key, item in value.items()}}
    if kind is list:
        return {"L": [_attribute(item) for item in value]}
    if kind is int and -_EXACT_INT < value < _EXACT_INT:
        return {"N": str(value)}
    if kind is bool:
        return {"BOOL": value}
    if value is None:
        return {"NULL": True}
    return _serializer.serialize(value)  # type: ignore[no-any-return]


_EXACT_INT = 10**38  # DynamoDB's 38 digits: below it an int is its own decimal text


def _untyped(item: dict[str, Any]) -> dict[str, Any]:
    return {key: _value(attribute) for key, attribute in item.items()}


def _value(attribute: dict[str, Any]) -> Any:
    """TypeDeserializer's value, the common types read directly; the rest by it."""
    if len(attribute) == 1:
        if "S" in attribute:
            return attribute["S"]
        if "N" in attribute:
            return DYNAMODB_CONTEXT.create_decimal(attribute["N"])
        if "M" in attribute:
            return {key: _value(inner) for key, inner in attribute["M"].items()}
        if "L" in attribute:
            return [_value(inner) for inner in attribute["L"]]
        if "BOOL" in attribute:
            return attribute["BOOL"]
    return _deserializer.deserialize(attribute)


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", "unknown"))


def _encode_cursor(positions: dict[str, dict[str, Any] | None]) -> str:
    return base64.urlsafe_b64encode(json.dumps(positions).encode()).decode()


_INDEX_KEY = ("pk", "sk", STAGE_SHARD, STAGE_SORT)


def _decode_cursor(cursor: str, shards: set[str]) -> dict[str, dict[str, str] | None]:
    """The positions a cursor holds, each checked against the ByStage key shape before any
    query sees it: a forged key would otherwise be DynamoDB's ValidationException (a 503)."""
    try:
        positions = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if not isinstance(positions, dict) or not set(positions) <= shards:
            raise ValueError("not a cursor")
        for shard, key in positions.items():
            if key is not None and not _is_stage_key(shard, key):
                raise ValueError("not a cursor")
        return positions
    except (ValueError, UnicodeDecodeError, binascii.Error) as e:
        raise MalformedPayload("the cursor is not one this API gave out") from e


_STAGE_SORT_SHAPE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z#(?P<lead_id>.+)")


def _is_stage_key(shard: str, key: object) -> bool:
    """Whether `key` is a ByStage index key of a lead in `shard`, as `list_leads` writes one."""
    if not isinstance(key, dict) or set(key) != set(_INDEX_KEY):
        return False
    if not all(isinstance(v, str) for v in key.values()):
        return False
    sort = _STAGE_SORT_SHAPE.fullmatch(key[STAGE_SORT])
    lead_id = str(key["pk"]).removeprefix("LEAD#")
    return (
        key["sk"] == PROFILE
        and key[STAGE_SHARD] == shard
        and str(key["pk"]).startswith("LEAD#")
        and is_lead_id(lead_id)
        and sort is not None
        and sort["lead_id"] == lead_id
    )


def _reasons_from_message(message: str) -> list[str | None]:
    inside = message[message.rfind("[") + 1 : message.rfind("]")] if "[" in message else ""
    return [None if r.strip() == "None" else r.strip() for r in inside.split(",") if r.strip()]


FORM_CLIENT_PREFIX = "FORMCLIENT#"
FORM_TOKEN_PREFIX = "FORMTOKEN#"


class DynamoFormGuardStore:
    """FormGuardStore on the leads table: one counter item per client per minute window and
    one item per spent form token, each deleted by the table's TTL (`expiresAt`) after it
    stops mattering. Clients are keyed hashes; no address is stored."""

    def __init__(self, table_name: str, client: Any = None) -> None:
        self.table_name = table_name
        self._client = client if client is not None else dynamodb_client()

    def count_post(
        self, client: str, window_start: datetime, expires_at: datetime, limit: int
    ) -> bool:
        try:
            self._client.update_item(
                TableName=self.table_name,
                Key=_typed(
                    {"pk": FORM_CLIENT_PREFIX + client, "sk": f"WINDOW#{window_start:%Y%m%dT%H%M}"}
                ),
                UpdateExpression="ADD posts :one SET entity = :entity, expiresAt = :expires",
                # Over the limit, the post is not counted: a refusal writes nothing.
                ConditionExpression="attribute_not_exists(posts) OR posts < :limit",
                ExpressionAttributeValues=_typed(
                    {
                        ":one": 1,
                        ":limit": limit,
                        ":entity": "form_client",
                        ":expires": int(expires_at.timestamp()),
                    }
                ),
            )
            return True
        except ClientError as e:
            if e.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise StorageUnavailable(f"form post counter: {_code(e)}") from e
        except BotoCoreError as e:
            raise StorageUnavailable(f"form post counter: {type(e).__name__}") from e

    def token_spent_on(self, nonce: str) -> str | None:
        with _storage_errors():
            spent = self._client.get_item(
                TableName=self.table_name, Key=_typed(_token_key(nonce)), ConsistentRead=True
            ).get("Item")
        return str(_untyped(spent).get("eventId", "")) if spent else None

    def spend_token(self, nonce: str, event_id: str, expires_at: datetime) -> str | None:
        key = _token_key(nonce)
        item = {
            **key,
            "entity": "form_token",
            "eventId": event_id,
            "expiresAt": int(expires_at.timestamp()),
        }
        try:
            self._client.put_item(
                TableName=self.table_name,
                Item=_typed(item),
                ConditionExpression="attribute_not_exists(pk)",
            )
            return None
        except ClientError as e:
            if e.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise StorageUnavailable(f"form token: {_code(e)}") from e
        except BotoCoreError as e:
            raise StorageUnavailable(f"form token: {type(e).__name__}") from e
        return self.token_spent_on(nonce) or ""  # "" when it expired meanwhile: still spent


def _token_key(nonce: str) -> dict[str, str]:
    return {"pk": FORM_TOKEN_PREFIX + nonce, "sk": "SPENT"}
