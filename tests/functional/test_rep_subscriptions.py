"""`leadwire subscriptions` on moto's SNS: each rep's e-mail and phone subscribed to the alerts
topic with a filter on `owner`, and a second run adds nothing."""

from __future__ import annotations

import json

import boto3

from leadwire_local.cli import main


def filters_by_endpoint(topic_arn: str) -> dict[tuple[str, str], dict]:
    sns = boto3.client("sns")
    found = {}
    for sub in sns.list_subscriptions_by_topic(TopicArn=topic_arn)["Subscriptions"]:
        attributes = sns.get_subscription_attributes(SubscriptionArn=sub["SubscriptionArn"])
        policy = attributes["Attributes"].get("FilterPolicy")
        found[(sub["Protocol"], sub["Endpoint"])] = json.loads(policy) if policy else {}
    return found


def test_each_rep_is_subscribed_to_their_own_alerts_once(sandbox, capsys):
    topic = sandbox.stack.ref("AlertsTopic")
    before = filters_by_endpoint(topic)
    # When the command runs twice against the stack's topic
    assert main(["subscriptions", "--topic-arn", topic, "--apply"]) == 0
    assert main(["subscriptions", "--topic-arn", topic, "--apply"]) == 0
    subscribed = {k: v for k, v in filters_by_endpoint(topic).items() if k not in before}
    # Then each rep's e-mail takes what is addressed to them, their phone only SMS-worthy ones
    assert subscribed == {
        ("email", "ana@example.com"): {"owner": ["ana"]},
        ("sms", "+4915112345678"): {"owner": ["ana"], "sms": ["yes"]},
        ("email", "ben@example.com"): {"owner": ["ben"]},
        ("sms", "+14155550123"): {"owner": ["ben"], "sms": ["yes"]},
        ("email", "carla@example.com"): {"owner": ["carla"]},
    }
    out = capsys.readouterr().out
    assert "ana@example.com" not in out and "a***@example.com" in out  # never a whole address


def test_a_dry_run_subscribes_nobody(sandbox, capsys):
    topic = sandbox.stack.ref("AlertsTopic")
    before = filters_by_endpoint(topic)
    assert main(["subscriptions"]) == 0
    assert filters_by_endpoint(topic) == before
    assert "would subscribe" in capsys.readouterr().out
