"""`leadwire subscriptions`: each rep's own SNS subscriptions on the alerts topic, made from the
rules file's routing section, each with a filter policy on the `owner` attribute the publisher
sets, so a rep gets their own SQLs and escalations only.

A rep's e-mail takes every alert addressed to them; their phone only those the publisher marked
`sms: yes` (urgent or an escalation, within the SMS budget). A subscription without an owner
filter (the template's AlertEmail / AlertPhone) stays the team's channel and takes every alert.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from leadwire.domain.rules import RoutingRules


@dataclass(frozen=True)
class RepSubscription:
    rep: str
    protocol: str  # "email" or "sms"
    endpoint: str
    filter_policy: dict[str, list[str]]

    def line(self) -> str:
        """One line for the terminal; the address shown only in part (never a whole one)."""
        policy = json.dumps(self.filter_policy)
        return f"{self.rep:<12} {self.protocol:<5} {masked(self.endpoint):<24} {policy}"


def masked(endpoint: str) -> str:
    """Enough of an address to recognise it: `a***@example.com`, `+4915***78`."""
    if "@" in endpoint:
        local, domain = endpoint.split("@", 1)
        return f"{local[:1]}***@{domain}"
    return f"{endpoint[:5]}***{endpoint[-2:]}"


def rep_subscriptions(routing: RoutingRules) -> list[RepSubscription]:
    """The subscriptions the routing section's reps need (Slack goes through the outbox)."""
    wanted = []
    for rep, who in routing.reps.items():
        if who.email:
            wanted.append(RepSubscription(rep, "email", who.email, {"owner": [rep]}))
        if who.phone:
            policy = {"owner": [rep], "sms": ["yes"]}
            wanted.append(RepSubscription(rep, "sms", who.phone, policy))
    return wanted


def subscribe(sns: Any, topic_arn: str, wanted: list[RepSubscription]) -> list[str]:
    """Create the missing subscriptions and set each one's filter policy; what was done, a line
    each. Running it again changes nothing new (an endpoint already subscribed is updated)."""
    existing: dict[tuple[str, str], str] = {}
    for page in sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=topic_arn):
        for found in page["Subscriptions"]:
            existing[(found["Protocol"], found["Endpoint"])] = found["SubscriptionArn"]
    done = []
    for sub in wanted:
        policy = json.dumps(sub.filter_policy)
        arn = existing.get((sub.protocol, sub.endpoint))
        if arn and arn.startswith("arn:"):
            sns.set_subscription_attributes(
                SubscriptionArn=arn,
                AttributeName="FilterPolicyScope",
                AttributeValue="MessageAttributes",
            )
            sns.set_subscription_attributes(
                SubscriptionArn=arn, AttributeName="FilterPolicy", AttributeValue=policy
            )
            done.append(f"updated  {sub.line()}")
            continue
        if arn:  # "PendingConfirmation": the e-mail's link is not clicked yet
            done.append(f"pending  {sub.line()} (confirm the e-mail SNS sent)")
            continue
        sns.subscribe(
            TopicArn=topic_arn,
            Protocol=sub.protocol,
            Endpoint=sub.endpoint,
            Attributes={"FilterPolicyScope": "MessageAttributes", "FilterPolicy": policy},
        )
        done.append(f"created  {sub.line()}")
    return done
