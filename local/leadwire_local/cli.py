"""`leadwire`: the local development command set (never deployed)."""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from leadwire_local.template import TEMPLATE, Template

if TYPE_CHECKING:
    from leadwire.aws.dynamo import DynamoLeadStore
    from leadwire.domain.models import Lead, LedgerEntry

WHATIF_NAMED = 20  # leads named by `whatif` (and the review's what-if) unless --all
REVIEW_DAYS = 90  # the review's default period: the last quarter


def default_rules_file() -> Path:
    """The shipped rules (`leadwire.domain.rules.DEFAULT_RULES_FILE`), found without importing
    the rules module and pydantic with it: building the parser for `--help` stays light."""
    spec = importlib.util.find_spec("leadwire.domain")
    assert spec is not None and spec.origin is not None
    return Path(spec.origin).with_name("default_rules.yaml")


def _stack_url() -> str:
    """Where the running local stack answers: LEADWIRE_URL, else make run's PORT on loopback."""
    return os.environ.get("LEADWIRE_URL") or f"http://127.0.0.1:{os.environ.get('PORT') or 3000}"


URL_HELP = "the local stack (default: LEADWIRE_URL, else http://127.0.0.1:$PORT; now %(default)s)"


def _in_process_sandbox() -> AbstractContextManager[object]:
    """moto in this process, with fake credentials: nothing can reach a real account."""
    from moto import mock_aws

    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        os.environ.setdefault(name, value)
    os.environ.pop("AWS_ENDPOINT_URL", None)
    return mock_aws()


def demo(args: argparse.Namespace) -> int:
    """Bob and the qualification scenarios against a running `make run`, or in-process."""
    from leadwire_local.demo import run_demo
    from leadwire_local.sandbox import Sandbox
    from leadwire_local.scenarios import InProcessStack, RunningStack

    running = RunningStack(args.url, Path(args.data_dir))
    if not args.in_process and running.answers():
        print(f"leadwire demo: against the local stack at {args.url}\n")
        return 0 if run_demo(running) else 1
    with _in_process_sandbox():
        print(f"leadwire demo: no stack answers at {args.url}; on moto in-process\n")
        quiet = {"POWERTOOLS_LOG_LEVEL": "WARNING"}
        sandbox = Sandbox(Template(Path(args.template)), environment=quiet)
        return 0 if run_demo(InProcessStack(sandbox)) else 1


def invoke(args: argparse.Namespace) -> int:
    """A Docker-free `sam local invoke`: the function's real handler with an events/ file."""
    from leadwire_local.lambda_events import LambdaContext
    from leadwire_local.sandbox import Sandbox
    from leadwire_local.senders import refresh_signature

    event = json.loads(Path(args.event).read_text())
    if not args.keep_signature:
        event = refresh_signature(event)
    with _in_process_sandbox():
        sandbox = Sandbox(Template(Path(args.template)))
        functions = sandbox.template.resources("AWS::Serverless::Function")
        if args.function not in functions:
            print(
                f"unknown function {args.function!r}; one of: {', '.join(functions)}",
                file=sys.stderr,
            )
            return 2
        result = sandbox.handler(args.function)(event, LambdaContext())
    print(json.dumps(result, indent=2, default=str))
    status = result.get("statusCode", 200) if isinstance(result, dict) else 200
    return 1 if isinstance(status, int) and status >= 400 else 0


def event(args: argparse.Namespace) -> int:
    """A sample event, freshly signed, on stdout: for `sam local invoke -e -`."""
    from leadwire_local.senders import refresh_signature

    path = Path(args.sample)
    if not path.exists():
        events = TEMPLATE.parent / "events"
        path = events / (args.sample if args.sample.endswith(".json") else f"{args.sample}.json")
    try:
        sample = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        names = ", ".join(p.stem for p in sorted((TEMPLATE.parent / "events").glob("*.json")))
        print(f"leadwire event: {args.sample}: {e}; one of: {names}", file=sys.stderr)
        return 2
    print(json.dumps(refresh_signature(sample), indent=2))
    return 0


def serve(args: argparse.Namespace) -> int:
    """The local stack: moto, the real handlers over HTTP, the stream wired to alerts."""
    from leadwire_local.server import ServeOptions
    from leadwire_local.server import serve as run_stack
    from leadwire_local.snapshot import SnapshotUnreadable

    options = ServeOptions(
        host=args.host,
        port=args.port,
        data_dir=Path(args.data_dir),
        poll_interval=args.poll_interval,
        snapshot_every=args.snapshot_every,
        journal=not args.no_journal,
        container_host=args.container_host,
        log_level=args.log_level,
        template=Path(args.template),
    )
    try:
        return run_stack(options)
    except (OSError, SnapshotUnreadable) as e:  # typically the port is taken
        print(f"leadwire serve: {e}", file=sys.stderr)
        return 1


def send(args: argparse.Namespace) -> int:
    """Sign a provider's sample webhook (with your form and fields) and post it to the stack."""
    from leadwire_local.send import SendRefused, parse_fields
    from leadwire_local.send import send as post_sample

    try:
        fields = parse_fields(args.field)
        answer = post_sample(
            args.provider,
            args.url,
            form=args.form,
            fields=fields,
            event_file=Path(args.event) if args.event else None,
            from_sample=args.from_sample,
        )
    except SendRefused as e:
        print(f"leadwire send: {e}", file=sys.stderr)
        return 2
    except OSError as e:  # nothing listening, typically
        print(f"leadwire send: {args.url}: {e} (is `make run` running?)", file=sys.stderr)
        return 1
    print(answer.status)
    if answer.location:
        print(f"location: {answer.location}")
    if answer.body:
        print(answer.body)
    return 0 if answer.status < 400 else 1


def _running_stack(data_dir: Path) -> tuple[str, str] | None:
    """The moto endpoint and table of a `make run` on this data dir, if it is up."""
    from urllib.request import urlopen

    from leadwire_local.server import RUNNING_FILE

    try:
        running = json.loads((data_dir / RUNNING_FILE).read_text(encoding="utf-8"))
        with urlopen(running["endpoint"], timeout=2):
            pass
        return str(running["endpoint"]), str(running["table"])
    except (OSError, ValueError, KeyError):
        return None


def _ledger_entries(args: argparse.Namespace) -> Iterable[tuple[str, LedgerEntry]] | None:
    """Every recorded ledger entry, read-only: a deployed table (--table), the running local
    stack on --data-dir, or its snapshot when it is stopped. None (said why) when there is none."""
    from leadwire.aws.dynamo import ledger_entries_in
    from leadwire_local.progress import progress

    def from_items(items: list[dict[str, Any]]) -> Iterable[tuple[str, LedgerEntry]]:
        ledger = [i for i in items if i.get("entity", {}).get("S") == "ledger"]
        return progress(ledger_entries_in(ledger), "reading the snapshot", "event", len(ledger))

    return _recorded(
        args,
        lambda store: progress(store.all_ledger_entries(), "reading the table", "event"),
        from_items,
    )


def _leads(args: argparse.Namespace) -> Iterable[Lead] | None:
    """Every lead as stored (owner, response clock), read from where `_ledger_entries` reads."""
    from leadwire.aws.dynamo import leads_in

    return _recorded(args, lambda store: store.all_leads(), leads_in)


def _recorded(
    args: argparse.Namespace,
    from_table: Callable[[DynamoLeadStore], Iterable[Any]],
    from_items: Callable[[list[dict[str, Any]]], Iterable[Any]],
) -> Iterable[Any] | None:
    from leadwire.aws.dynamo import DynamoLeadStore

    if args.table:
        import boto3

        client = boto3.client("dynamodb", endpoint_url=args.endpoint)
        return from_table(DynamoLeadStore(args.table, client))
    if (running := _running_stack(Path(args.data_dir))) is not None:
        import boto3

        endpoint, table = running
        client = boto3.client(
            "dynamodb",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        return from_table(DynamoLeadStore(table, client))
    snapshot = Path(args.data_dir) / "snapshot.json"
    if not snapshot.exists():
        print(f"no {snapshot}: stop `make run` once to write it, or pass --table", file=sys.stderr)
        return None
    return from_items(json.loads(snapshot.read_text(encoding="utf-8"))["items"])


def whatif(args: argparse.Namespace) -> int:
    """Replay the recorded events under a candidate rules file; print what would change."""
    from datetime import UTC, datetime

    from leadwire.domain.errors import RulesError
    from leadwire.domain.replay import compare
    from leadwire.domain.rules import load_rules

    try:
        current, candidate = load_rules(args.current), load_rules(args.rules)
    except RulesError as e:
        print(e.message, file=sys.stderr)
        return 2
    entries = _ledger_entries(args)
    if entries is None:
        return 2
    result = compare(entries, current, candidate, datetime.now(UTC))
    print(result.report(limit=None if args.all else WHATIF_NAMED))
    return 0


def _moment(text: str, end_of_day: bool = False) -> datetime:
    """An ISO date or date-time (UTC unless it says otherwise); a bare date as `--until`
    means the end of that day."""
    from datetime import UTC, datetime, timedelta

    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO date: {text!r} (e.g. 2026-09-30)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if end_of_day and len(text) == 10:
        moment += timedelta(days=1)
    return moment


def review(args: argparse.Namespace) -> int:
    """The quarterly review of the recorded history under the rules file."""
    from datetime import UTC, datetime, timedelta

    from leadwire.domain.errors import RulesError
    from leadwire.domain.review import response_review
    from leadwire.domain.review import review as review_of
    from leadwire.domain.rules import load_rules

    try:
        rules = load_rules(args.rules)
    except RulesError as e:
        print(e.message, file=sys.stderr)
        return 2
    until = args.until or datetime.now(UTC)
    since = args.since or until - timedelta(days=REVIEW_DAYS)
    if since >= until:
        print(
            f"--since ({since:%Y-%m-%d}) must be before --until ({until:%Y-%m-%d})", file=sys.stderr
        )
        return 2
    entries = _ledger_entries(args)
    if entries is None:
        return 2
    entries = list(entries)
    if not entries:
        print("no recorded events: nothing to review", file=sys.stderr)
        return 1
    result = review_of(entries, rules, since, until)
    if result.leads == 0:
        print(
            f"no lead was active between {since:%Y-%m-%d %H:%M} and {until:%Y-%m-%d %H:%M} UTC "
            f"({len(entries)} recorded entries outside it): nothing to review",
            file=sys.stderr,
        )
        return 1
    print(result.report(limit=None if args.all else WHATIF_NAMED))
    print()
    print(response_review(_leads(args) or [], since, until).report())
    return 0


def subscriptions(args: argparse.Namespace) -> int:
    """Each rep's own SNS subscriptions (filtered on `owner`) from the rules' routing section."""
    from leadwire.domain.errors import RulesError
    from leadwire.domain.rules import load_rules
    from leadwire_local.subscriptions import rep_subscriptions, subscribe

    try:
        rules = load_rules(args.rules)
    except RulesError as e:
        print(e.message, file=sys.stderr)
        return 2
    if rules.routing is None:
        print(f"{args.rules}: no routing section, so no reps to subscribe", file=sys.stderr)
        return 2
    wanted = rep_subscriptions(rules.routing)
    if not args.apply:
        for sub in wanted:
            print(f"would subscribe  {sub.line()}")
        print("(dry run: add --apply, with --stack or --topic-arn, to create them)")
        return 0
    import boto3

    topic = args.topic_arn
    if args.stack:
        found = boto3.client("cloudformation").describe_stack_resource(
            StackName=args.stack, LogicalResourceId="AlertsTopic"
        )
        topic = found["StackResourceDetail"]["PhysicalResourceId"]
    if not topic:
        print("leadwire subscriptions: --apply needs --stack or --topic-arn", file=sys.stderr)
        return 2
    for line in subscribe(boto3.client("sns"), topic, wanted):
        print(line)
    return 0


def redrive(args: argparse.Namespace) -> int:
    """Replay the alert dead-letter queue: the local stack's, or a deployed stack's."""
    if not (args.stack or args.queue_url):
        return _redrive_local(args.url)
    import boto3

    from leadwire_local.redrive import (
        lambda_replay,
        stream_fetch,
        template_filters,
    )
    from leadwire_local.redrive import redrive as replay_queue

    queue_url, function = args.queue_url, args.function
    if args.stack:
        cloudformation = boto3.client("cloudformation")

        def physical(logical: str) -> str:
            found = cloudformation.describe_stack_resource(
                StackName=args.stack, LogicalResourceId=logical
            )
            return str(found["StackResourceDetail"]["PhysicalResourceId"])

        queue_url = queue_url or physical("AlertDeadLetterQueue")
        function = function or physical("SqlAlertFunction")
    if not function:
        print("leadwire redrive: --function is needed with --queue-url", file=sys.stderr)
        return 2
    template = Template(Path(args.template))
    report = replay_queue(
        boto3.client("sqs"),
        queue_url,
        replay=lambda_replay(boto3.client("lambda"), function),
        fetch=stream_fetch(boto3.client("dynamodbstreams")),
        filters=template_filters(template, "SqlAlertFunction", "LeadStream"),
        limit=args.limit,
    )
    print(report.summary())
    return 0 if report.failed == 0 else 1


def _redrive_local(url: str) -> int:
    """Ask the running local stack to replay its queue into its own alert function."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url.rstrip("/") + "/_local/redrive", data=b"", method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            report = json.loads(response.read())
    except (OSError, urllib.error.URLError) as e:
        print(f"leadwire redrive: {url}: {e} (is `make run` running?)", file=sys.stderr)
        return 1
    line = f"replayed {report['replayed']} message(s), {report['records']} record(s); "
    print(line + f"{report['failed']} kept")
    for error in report["errors"]:
        print(f"  kept: {error}")
    return 0 if report["failed"] == 0 else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="leadwire", description="leadwire's local stack and tools (no AWS account needed)."
    )
    parser.add_argument(
        "--template", default=str(TEMPLATE), help="SAM template (default: %(default)s)"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    # Where `whatif` and `review` read the recorded history from.
    history = argparse.ArgumentParser(add_help=False)
    history.add_argument(
        "--data-dir", default=".leadwire", help="local stack data dir (%(default)s)"
    )
    history.add_argument("--table", help="read this DynamoDB table instead (deployed: sam outputs)")
    history.add_argument("--endpoint", help="AWS endpoint URL for --table (default: boto3's)")

    p = commands.add_parser(
        "demo",
        help="play Bob's journey and the qualification scenarios (make demo)",
        description="Sends the scenarios' webhooks to a running local stack (make run) when "
        "one answers at --url, otherwise to one started in this process, and prints each "
        "lead's score, stage and the alerts sales receives. Exits 1 if a scenario does not "
        "end as the scoring rules say it should.",
    )
    p.add_argument("--url", default=_stack_url(), help=URL_HELP)
    p.add_argument("--data-dir", default=".leadwire", help="its data dir, for alerts.jsonl")
    p.add_argument("--in-process", action="store_true", help="never use a running stack")
    p.set_defaults(run=demo)

    p = commands.add_parser(
        "invoke",
        help="invoke a function's real handler with an event file (like sam local invoke)",
        description="Runs the function's real handler with the event on moto in this process "
        "and prints its response. Exit status 1 when the function answers 4xx/5xx.",
    )
    p.add_argument("function", help="logical id in template.yaml, e.g. WebhookFunction")
    p.add_argument("--event", "-e", required=True, help="event JSON file, e.g. events/...")
    p.add_argument(
        "--keep-signature",
        action="store_true",
        help="send a signed sample as is (by default it is re-signed with the current time, "
        "since signed timestamps expire after 300 s)",
    )
    p.set_defaults(run=invoke)

    p = commands.add_parser(
        "event",
        help="print a sample event, freshly signed, for sam local invoke -e -",
        description="Prints events/<sample>.json (or the file given) with its signature made "
        "again for now (signed samples expire after 5 minutes), e.g. "
        "`leadwire event webhook-json-form | sam local invoke WebhookFunction -e - ...`.",
    )
    p.add_argument("sample", help="a name in events/ (e.g. webhook-json-form) or a file")
    p.set_defaults(run=event)

    p = commands.add_parser(
        "serve", help="run the local stack: moto, the handlers over HTTP, alerts (make run)"
    )
    p.add_argument("--host", default="127.0.0.1", help="address to serve on (%(default)s)")
    p.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("PORT") or 3000),
        help="port to serve on (default: PORT, else 3000; now %(default)s)",
    )
    p.add_argument(
        "--data-dir",
        default=".leadwire",
        help="alerts.jsonl and the leads snapshot (%(default)s)",
    )
    p.add_argument(
        "--poll-interval",
        type=float,
        default=0.1,
        help="seconds between reads of the table's stream (%(default)s)",
    )
    p.add_argument(
        "--snapshot-every",
        type=float,
        default=30.0,
        help="seconds between snapshots while requests come in; 0 = only on a clean stop "
        "(%(default)s); each snapshot compacts the journal",
    )
    p.add_argument(
        "--no-journal",
        action="store_true",
        help="do not journal writes to <data-dir>/journal.jsonl (on disk before each answer, "
        "replayed on start); without it a kill -9 loses what the last snapshot lacks",
    )
    p.add_argument(
        "--container-host",
        default="host.docker.internal",
        help="this machine as a sam local invoke container reaches it, written into "
        "<data-dir>/env.json (%(default)s; 127.0.0.1 with sam's --docker-network host)",
    )
    p.add_argument(
        "--log-level",
        default="WARNING",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="the functions' Powertools log level (%(default)s; INFO logs every webhook)",
    )
    p.set_defaults(run=serve)

    from leadwire_local.send_minimum import MINIMUM

    p = commands.add_parser(
        "send",
        help="sign and post a provider's sample webhook to the running local stack",
        description="Takes the provider's sample from events/webhook-<provider>-*.json, puts "
        "--form and --field values where the provider's format carries them (json, html, "
        "typeform, webflow, tally, hubspot), signs it the provider's way with "
        "LEADWIRE_SECRET_<PROVIDER> or the development default, posts it, and prints the "
        "status and body. Exit status 1 on a 4xx/5xx answer. With --form/--field only your "
        "values are sent, plus what the format needs: "
        + "; ".join(f"{slug}: {kept}" for slug, kept in sorted(MINIMUM.items()))
        + ". Without --form/--field the sample is sent as it is.",
    )
    p.add_argument("provider", help="provider slug, e.g. json, typeform, hubspot, intercom")
    p.add_argument("--form", help="form name, e.g. demo-request, webinar, newsletter")
    p.add_argument(
        "--field",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a field (email, first_name, job_title, company_size, budget, timeline, ...); "
        "repeat for several",
    )
    p.add_argument("--event", help="another sample file to start from (default: the provider's)")
    p.add_argument(
        "--from-sample",
        action="store_true",
        help="keep the sample's own fields too (yours win), as send did before",
    )
    p.add_argument("--url", default=_stack_url(), help=URL_HELP)
    p.set_defaults(run=send)

    p = commands.add_parser(
        "whatif",
        parents=[history],
        help="replay recorded events under a changed rules file and show what would change",
        description="Replays every recorded event, in order, under the current and the "
        "candidate rules, and prints how many leads would change stage (and which way) and "
        f"names the first {WHATIF_NAMED} of them (--all: every one), the score distribution "
        "before and after, and the leads that would have alerted. Reads the "
        "running local stack (make run) or, when it is stopped, its snapshot; or a deployed "
        "table with --table (read-only Scan, your AWS credentials).",
    )
    p.add_argument("--rules", required=True, help="the candidate rules file (YAML)")
    p.add_argument(
        "--current",
        default=os.environ.get("RULES_FILE") or str(default_rules_file()),
        help="the rules in force (default: RULES_FILE or the shipped defaults)",
    )
    p.add_argument(
        "--all",
        action="store_true",
        help=f"name every lead that would change stage (default: the first {WHATIF_NAMED})",
    )
    p.set_defaults(run=whatif)

    p = commands.add_parser(
        "review",
        parents=[history],
        help="the quarterly review: stages, conversion, acceptance, rule lift, a threshold idea, "
        "response times per rep",
        description="Replays the recorded history under the rules and prints, for the period: "
        "leads per stage at its end; MQL -> SQL conversion; the median time from first touch "
        "to SQL; sales' acceptance rate (accepted / all dispositions); how often each scoring "
        "rule fired on accepted and on rejected/recycled SQLs, with its lift; and one "
        "suggested threshold change with its what-if (how many leads would change stage); "
        "and the response clock: SQLs acknowledged, the share within their SLA, escalations, "
        "and time to acknowledge (p50, p90) per rep. "
        "Reads the running local stack (make run) or, when it is stopped, its snapshot; or a "
        "deployed table with --table (read-only Scan, your AWS credentials). Exit status 1 "
        "when there is nothing to review, 2 on a bad rules file or source.",
    )
    p.add_argument(
        "--since",
        type=_moment,
        help=f"start of the period, ISO date (default: {REVIEW_DAYS} days before --until)",
    )
    p.add_argument(
        "--until",
        type=lambda text: _moment(text, end_of_day=True),
        help="end of the period, ISO date, that day included (default: now)",
    )
    p.add_argument(
        "--rules",
        default=os.environ.get("RULES_FILE") or str(default_rules_file()),
        help="the rules to judge (default: RULES_FILE or the shipped defaults)",
    )
    p.add_argument(
        "--all",
        action="store_true",
        help=f"name every lead the suggestion would move (default: the first {WHATIF_NAMED})",
    )
    p.set_defaults(run=review)

    p = commands.add_parser(
        "subscriptions",
        help="subscribe each rep (routing.reps) to their own alerts on the alerts topic",
        description="Reads the routing section of the rules file and, per rep, subscribes their "
        "e-mail (every alert whose `owner` is them) and their phone by SMS (only alerts marked "
        "`sms: yes`: urgent or escalations, within the SMS budget) to the alerts topic, each "
        "with a filter policy on the message attributes. Without --apply it only prints what "
        "it would do. Running it again updates the filter policies and adds no duplicates. "
        "The template's AlertEmail / AlertPhone subscriptions have no owner filter: they stay "
        "the team's channel and get every alert. Exit status 2 on a bad rules file or no "
        "routing section.",
    )
    p.add_argument(
        "--rules",
        default=os.environ.get("RULES_FILE") or str(default_rules_file()),
        help="the rules file with the reps (default: RULES_FILE or the shipped defaults)",
    )
    p.add_argument("--stack", help="a deployed stack's name: finds its AlertsTopic")
    p.add_argument("--topic-arn", help="the AlertsTopicArn output (instead of --stack)")
    p.add_argument("--apply", action="store_true", help="create them (your AWS credentials)")
    p.set_defaults(run=subscriptions)

    p = commands.add_parser(
        "redrive",
        help="replay the alert dead-letter queue into the alert function (after an outage)",
        description="Replays every batch the stream trigger parked in the alert dead-letter "
        "queue, and deletes a message only once its replay succeeded. Without --stack or "
        "--queue-url: the running local stack at --url. Deployed: the records are read back "
        "from the table's stream by the batch's sequence numbers (within the stream's 24 h "
        "retention), filtered as the trigger filters them, and the alert function is invoked "
        "with them (your AWS credentials). Sending twice is harmless: the outbox lets each SQL "
        "transition alert once, and an erased lead, or one no longer SQL, is not alerted. The "
        "sweeper sends pending alerts every minute anyway; a redrive only makes it sooner. "
        "Exit status 1 when a message had to be kept.",
    )
    p.add_argument("--url", default=_stack_url(), help=URL_HELP)
    p.add_argument("--stack", help="a deployed stack's name: finds its queue and function")
    p.add_argument("--queue-url", help="the AlertDeadLetterQueueUrl output (deployed)")
    p.add_argument("--function", help="the SqlAlertFunction's name (deployed)")
    p.add_argument("--limit", type=int, default=1000, help="at most this many messages")
    p.set_defaults(run=redrive)

    args = parser.parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
