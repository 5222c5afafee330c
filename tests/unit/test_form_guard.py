"""The html form's defences on in-memory fakes: origins, honeypot, the signed form token and
the per-client rate limit. Each refusal leaves the lead store untouched."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

import pytest

from leadwire.app.form_guard import FormDefences, FormGuard, client_key
from leadwire.app.intake import Intake
from leadwire.aws.secrets import EnvSigningSecrets
from leadwire.domain.errors import (
    FormTokenExpired,
    FormTokenInvalid,
    FormTokenMissing,
    FormTokensUnavailable,
    FormTokenTooFresh,
    FormTokenUsed,
    HoneypotFilled,
    OriginNotAllowed,
    RateLimited,
)
from leadwire.domain.form_token import issue_token
from leadwire.domain.models import Channel, lead_id_for
from leadwire.providers import DEV_SECRETS, WebhookRequest
from leadwire.providers.html_form import DEV_TOKEN_KEY
from tests.fakes import InMemoryFormGuardStore, InMemoryLeadStore

SITE = "https://www.acme.example"
KEYS = {**DEV_SECRETS, "form_token": DEV_TOKEN_KEY}


class Clock:
    def __init__(self, now) -> None:
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def clock(now) -> Clock:
    return Clock(now)


def guarded(rules, clock, keys=KEYS, **defences) -> tuple[Intake, InMemoryLeadStore]:
    store = InMemoryLeadStore()
    guard = FormGuard(
        store=InMemoryFormGuardStore(),
        secrets=EnvSigningSecrets({}, dev_defaults=keys),
        defences=FormDefences(**defences),
    )
    intake = Intake(store=store, secrets=guard.secrets, rules=rules, clock=clock, guard=guard)
    return intake, store


def post(fields: dict[str, str], ip: str = "198.51.100.7", **headers: str) -> WebhookRequest:
    return WebhookRequest(
        headers={"content-type": "application/x-www-form-urlencoded", **headers},
        body=urlencode({"form": "newsletter", **fields}).encode(),
        source_ip=ip,
    )


def email(n: int = 0) -> dict[str, str]:
    return {"email": f"reader{n}@corp.example"}


# -- allowed origins ---------------------------------------------------------------------------


def test_a_post_from_another_origin_is_refused_and_writes_nothing(rules, clock):
    intake, store = guarded(rules, clock, origins=(SITE,))
    with pytest.raises(OriginNotAllowed):
        intake.receive(Channel.FORM, "html", post(email(), origin="https://evil.example"))
    assert store.leads == {} and store.entries == {}


def test_without_an_origin_header_the_referer_is_checked(rules, clock):
    intake, store = guarded(rules, clock, origins=(SITE,))
    with pytest.raises(OriginNotAllowed):
        intake.receive(Channel.FORM, "html", post(email(), referer="https://evil.example/form"))
    receipt = intake.receive(Channel.FORM, "html", post(email(), referer=f"{SITE}/demo?x=1"))
    assert receipt.status == "accepted" and set(store.leads) == {lead_id_for(email()["email"])}


def test_an_allowed_origin_passes_whatever_its_case_and_default_port(rules, clock):
    intake, _ = guarded(rules, clock, origins=(SITE,))
    receipt = intake.receive(
        Channel.FORM, "html", post(email(), origin="HTTPS://WWW.ACME.EXAMPLE:443")
    )
    assert receipt.status == "accepted"


@pytest.mark.parametrize(
    "origin",
    ["null", "https://www.acme.example.evil.example", "http://www.acme.example", SITE + ":8443"],
)
def test_look_alike_and_opaque_origins_are_refused(rules, clock, origin):
    intake, store = guarded(rules, clock, origins=(SITE,))
    with pytest.raises(OriginNotAllowed):
        intake.receive(Channel.FORM, "html", post(email(), origin=origin))
    assert store.leads == {}


def test_with_no_origins_configured_any_page_may_post(rules, clock):
    intake, _ = guarded(rules, clock)
    receipt = intake.receive(Channel.FORM, "html", post(email(), origin="https://other.example"))
    assert receipt.status == "accepted"


# -- honeypot ----------------------------------------------------------------------------------


def test_a_filled_honeypot_is_refused_and_writes_nothing(rules, clock):
    intake, store = guarded(rules, clock)
    with pytest.raises(HoneypotFilled):
        intake.receive(
            Channel.FORM, "html", post({**email(), "leadwire_website": "http://spam.example"})
        )
    assert store.leads == {} and store.entries == {}


def test_an_empty_honeypot_and_the_token_are_not_stored_as_attributes(rules, clock):
    intake, store = guarded(rules, clock)
    intake.receive(
        Channel.FORM, "html", post({**email(), "leadwire_website": "", "leadwire_token": "x"})
    )
    [entry] = store.entries.values()
    assert entry.event is not None
    assert not {"leadwire_website", "leadwire_token"} & set(entry.event.attributes)


# -- the signed form token -----------------------------------------------------------------------


def fetched_token(intake: Intake, clock: Clock, seconds_ago: float) -> str:
    assert intake.guard is not None
    return intake.guard.issue(clock.now - timedelta(seconds=seconds_ago)).token


def test_a_token_fetched_a_few_seconds_before_the_post_is_accepted_once(rules, clock):
    intake, store = guarded(rules, clock, token_required=True)
    token = fetched_token(intake, clock, 10)
    receipt = intake.receive(Channel.FORM, "html", post({**email(), "leadwire_token": token}))
    assert receipt.status == "accepted"
    # The same token on another submission is a replay
    with pytest.raises(FormTokenUsed):
        intake.receive(Channel.FORM, "html", post({**email(1), "leadwire_token": token}))
    assert set(store.leads) == {lead_id_for(email()["email"])}


def test_a_double_click_of_one_submission_is_a_duplicate_not_a_replay(rules, clock):
    intake, store = guarded(rules, clock, token_required=True)
    fields = {**email(), "leadwire_token": fetched_token(intake, clock, 10), "submission_id": "s1"}
    assert intake.receive(Channel.FORM, "html", post(fields)).status == "accepted"
    assert intake.receive(Channel.FORM, "html", post(fields)).status == "duplicate"
    assert len(store.entries) == 1


def test_a_missing_token_is_refused_when_required(rules, clock):
    intake, store = guarded(rules, clock, token_required=True)
    with pytest.raises(FormTokenMissing):
        intake.receive(Channel.FORM, "html", post(email()))
    assert store.leads == {}


def test_a_missing_token_is_fine_when_not_required(rules, clock):
    intake, _ = guarded(rules, clock)
    assert intake.receive(Channel.FORM, "html", post(email())).status == "accepted"


@pytest.mark.parametrize(
    "forge",
    [
        lambda good, clock: issue_token("another-key", clock.now - timedelta(seconds=10), "n" * 24),
        lambda good, clock: good.replace(good.split(".")[1], str(int(good.split(".")[1]) - 60)),
        lambda good, clock: good[:-1] + ("A" if good[-1] != "A" else "B"),
        lambda good, clock: "v1.0.x.y",
        lambda good, clock: "<script>",
    ],
    ids=["other-key", "issue-time-moved", "signature-altered", "wrong-shape", "markup"],
)
def test_a_forged_token_is_refused(rules, clock, forge):
    intake, store = guarded(rules, clock, token_required=True)
    token = forge(fetched_token(intake, clock, 10), clock)
    with pytest.raises(FormTokenInvalid):
        intake.receive(Channel.FORM, "html", post({**email(), "leadwire_token": token}))
    assert store.leads == {}


def test_a_token_posted_within_seconds_of_the_page_is_too_fresh(rules, clock):
    intake, store = guarded(rules, clock, token_required=True)
    token = fetched_token(intake, clock, 1)
    with pytest.raises(FormTokenTooFresh):
        intake.receive(Channel.FORM, "html", post({**email(), "leadwire_token": token}))
    assert store.leads == {}
    # Not spent: the person posts it again a moment later and it is accepted
    clock.now += timedelta(seconds=5)
    receipt = intake.receive(Channel.FORM, "html", post({**email(), "leadwire_token": token}))
    assert receipt.status == "accepted"


def test_a_token_older_than_two_hours_has_expired(rules, clock):
    intake, store = guarded(rules, clock, token_required=True)
    token = fetched_token(intake, clock, 2 * 3600 + 1)
    with pytest.raises(FormTokenExpired):
        intake.receive(Channel.FORM, "html", post({**email(), "leadwire_token": token}))
    assert store.leads == {}


def test_a_token_signed_with_the_previous_key_is_accepted_during_a_rotation(rules, clock):
    old = issue_token("previous-key", clock.now - timedelta(seconds=10), "n" * 24)
    intake, _ = guarded(
        rules, clock, keys={"form_token": "new-key,previous-key"}, token_required=True
    )
    receipt = intake.receive(Channel.FORM, "html", post({**email(), "leadwire_token": old}))
    assert receipt.status == "accepted"


def test_a_post_refused_for_its_content_does_not_spend_its_token(rules, clock):
    intake, _ = guarded(rules, clock, token_required=True)
    token = fetched_token(intake, clock, 10)
    with pytest.raises(Exception, match="email"):
        intake.receive(Channel.FORM, "html", post({"email": "", "leadwire_token": token}))
    receipt = intake.receive(Channel.FORM, "html", post({**email(), "leadwire_token": token}))
    assert receipt.status == "accepted"


def test_without_a_key_tokens_cannot_be_issued_or_required(rules, clock):
    intake, store = guarded(rules, clock, keys={}, token_required=True)
    assert intake.guard is not None
    with pytest.raises(FormTokensUnavailable):
        intake.guard.issue(clock.now)
    with pytest.raises(FormTokensUnavailable):
        intake.receive(Channel.FORM, "html", post({**email(), "leadwire_token": "v1.1.x.y"}))
    assert store.leads == {}


# -- per-client rate limit -------------------------------------------------------------------------


def test_the_61st_post_in_a_minute_from_one_client_is_429_while_another_client_is_fine(
    rules, clock
):
    intake, store = guarded(rules, clock)
    clock.now = clock.now.replace(second=15)
    for n in range(60):
        assert intake.receive(Channel.FORM, "html", post(email(n))).status == "accepted"
    with pytest.raises(RateLimited) as refused:
        intake.receive(Channel.FORM, "html", post(email(60)))
    assert refused.value.retry_after == 45  # until the minute's window ends
    assert lead_id_for(email(60)["email"]) not in store.leads and len(store.leads) == 60
    # Another client in the same minute is not limited
    other = intake.receive(Channel.FORM, "html", post(email(61), ip="203.0.113.9"))
    assert other.status == "accepted"
    # And the first client is welcome again in the next minute
    clock.now += timedelta(seconds=45)
    assert intake.receive(Channel.FORM, "html", post(email(62))).status == "accepted"


def test_the_limit_is_a_setting_and_zero_turns_it_off(rules, clock):
    intake, _ = guarded(rules, clock, posts_per_minute=0)
    for n in range(70):
        assert intake.receive(Channel.FORM, "html", post(email(n))).status == "accepted"


def test_signed_providers_are_not_subject_to_the_form_defences(rules, clock):
    from leadwire_local import senders

    intake, _ = guarded(rules, clock, posts_per_minute=1, origins=(SITE,), token_required=True)
    for n in range(3):
        headers, body = senders.json_webhook(
            senders.json_form("webinar", email(n)), timestamp=int(clock.now.timestamp())
        )
        request = WebhookRequest(headers={**headers, "origin": "https://evil.example"}, body=body)
        assert intake.receive(Channel.FORM, "json", request).status == "accepted"


def test_client_keys_hide_the_address_and_group_an_ipv6_network():
    key = client_key("198.51.100.7", "salt")
    assert "198.51.100.7" not in key and key != client_key("198.51.100.8", "salt")
    assert client_key("2001:db8:1:2::1", "salt") == client_key("2001:db8:1:2:ffff::9", "salt")
    assert client_key("2001:db8:1:2::1", "salt") != client_key("2001:db8:1:3::1", "salt")
