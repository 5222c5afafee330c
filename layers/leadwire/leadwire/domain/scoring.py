"""Lead scoring as a pure function: (lead, event, rules, now) -> lead, ledger entry, transitions.

No AWS, no clock, no I/O: everything it needs comes in as arguments, so it is tested
without moto and a what-if replay of history is just a loop over it.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import date, datetime, timedelta

from leadwire.domain import bant as bant_text
from leadwire.domain.accounts import account_of, email_kind
from leadwire.domain.errors import DispositionNotAllowed
from leadwire.domain.models import (
    MESSAGE_KEPT,
    AccountWindow,
    Bant,
    Channel,
    DayPoints,
    Disposition,
    DispositionOutcome,
    Lead,
    LeadEvent,
    LedgerEntry,
    Outcome,
    Profile,
    Stage,
    Transition,
    Trust,
    Urgency,
    lead_id_for,
)
from leadwire.domain.rules import ActionRule, FitRules, ProfileRead, ScoringRules, SeniorityRule

_NOTHING = ActionRule(points=0)  # an action the rules do not name (a replay under old rules)
_SIZE_NUMBER = re.compile(r"\d[\d,.]*\s*k?", re.IGNORECASE)
_SECONDS_PER_DAY = 86_400
_NO_TIME = timedelta(0)


def score(lead: Lead | None, event: LeadEvent, rules: ScoringRules, now: datetime) -> Outcome:
    """Score one event for a lead (None for a lead not seen before)."""
    current = lead or Lead.new(lead_id_for(event.email, event.visitor_id), now)
    profile, verified_fields = profile_after(current, event)

    seniority, fit_rules, fit_points, account = profile_read(profile, rules)

    action = action_of(event, rules)
    rule = rules.engagement.actions.get(action, _NOTHING)
    day = event.occurred_at.date()
    awarded = _capped(rule, current, action, day)
    action_points = _earned(current.action_points, action, awarded)
    day_points = _earned_on(current.day_points, rule, action, day, awarded)
    explained = {f"action.{action}": awarded}
    visit = _visit(current, event, rules) if event.channel is Channel.EVENT else {}
    if visit.get("returned") and rules.behaviour is not None:
        # A new day's visit after an earlier one: its own action, beside the event's.
        again = rules.behaviour.return_visit_action
        again_rule = rules.engagement.actions.get(again, _NOTHING)
        bonus = _capped(again_rule, current, again, day)
        explained[f"action.{again}"] = bonus
        action_points = _earned(action_points, again, bonus)
        day_points = _earned_on(day_points, again_rule, again, day, bonus)
        awarded += bonus
    visit.pop("returned", None)
    engagement = faded(current, now, rules) + awarded
    if rules.engagement.cap is not None:
        engagement = min(engagement, float(rules.engagement.cap))

    hand_raise_at = now if rule.hand_raise else current.last_hand_raise_at
    message = (event.message or "").lower()
    pattern = rules.urgency.phrase_pattern
    said = pattern.search(message) if pattern and message else None
    verified = event.trust is Trust.VERIFIED
    new_bant = bant_of(
        current.bant,
        event,
        profile,
        action,
        rules,
        now,
        seniority,
        keep=() if verified else verified_fields,
    )
    if verified:  # what it said of budget and timeline is now the verified answer
        answered = [k for k in _BANT_ANSWERS if bant_text.is_known(getattr(event, k))]
        verified_fields = sorted({*verified_fields, *answered})

    fit_changed = fit_rules != current.fit_rules  # the usual event changes no fit
    if fit_changed:
        for name in fit_rules.keys() | current.fit_rules.keys():
            delta = fit_rules.get(name, 0) - current.fit_rules.get(name, 0)
            if delta:
                explained[name] = delta
    entry = LedgerEntry(
        event_id=event.event_id,
        provider=event.provider,
        action=action,
        form=event.form,
        points=sum(explained.values()),
        rules=explained,
        rules_version=rules.version,
        at=event.occurred_at,
        event=event,
        normalized=event.normalized,
        trust=event.trust,
    )

    # The account hears of the person at most once a day (its window counts days).
    today = now.date()
    engaged_for = account if awarded > 0 and current.account_noted_on != today else None
    candidate = current.model_copy(
        update={
            "profile": profile,
            "verified_fields": verified_fields,
            "visitor_ids": _with(current.visitor_ids, event.visitor_id),
            "fit": fit_points,
            # The lead's own copy: the memo's dict is never shared with a lead.
            "fit_rules": dict(fit_rules) if fit_changed else current.fit_rules,
            "engagement": round(engagement, 2),
            "engaged_at": now,
            "action_points": action_points,
            "day_points": day_points,
            **visit,
            "bant": new_bant,
            "last_action": action,
            "last_hand_raise_at": hand_raise_at,
            "urgent_said_at": now if said else current.urgent_said_at,
            "urgent_words": said.group(0) if said else current.urgent_words,
            "last_chat_at": now if event.channel is Channel.CHAT else current.last_chat_at,
            **(_message(current, event) if event.message else {}),
            "account_noted_on": today if engaged_for else current.account_noted_on,
            "account_window": _account_window(current, account, rules),
            "events": current.events + 1,
            "updated_at": now,
        }
    )
    transitions = _stage_change(
        candidate, rules, now, event.event_id, cause=action, hand_raise=rule.hand_raise
    )
    return Outcome(
        lead=_settled(candidate, transitions, rules, now),
        entry=entry,
        transitions=transitions,
        engaged_account=engaged_for,
    )


# Profiles kept per rules: about a warm container's leads, so the memo stays small.
_PROFILES_KEPT = 4096


def profile_read(profile: Profile, rules: ScoringRules) -> ProfileRead:
    """The profile's seniority, fit and account under `rules`, read once per distinct profile
    and kept with the rules (a lead's events mostly repeat its profile: the title patterns,
    size bands and domain lists are not read again for each)."""
    kept = rules.profile_reads
    key = Profile._values(profile)  # every field, compared as one tuple
    read = kept.get(key)
    if read is None:
        if len(kept) >= _PROFILES_KEPT:
            kept.clear()
        seniority = seniority_of(profile.job_title, rules.fit)  # fit and authority share it
        fit_rules = fit_of(profile, rules.fit, seniority)
        account = account_of(profile, rules)
        read = kept[key] = ProfileRead(seniority, fit_rules, sum(fit_rules.values()), account)
    return read


def _message(lead: Lead, event: LeadEvent) -> dict[str, object]:
    """The prospect's own words, kept for sales: the latest a form, a chat or an e-mail reply
    carried, capped."""
    text = (event.message or "").strip()
    if not text:
        return {}
    if lead.message_at is not None and event.occurred_at < lead.message_at:
        return {}  # a late delivery of an older message
    return {"message": text[:MESSAGE_KEPT], "message_at": event.occurred_at}


def _capped(rule: ActionRule, lead: Lead, action: str, day: date) -> int:
    """The action's points within its caps: over the lead's life (for a negative action, how
    far down it can go) and within the day. Each counts what the action already earned."""
    size = abs(rule.points)
    if rule.cap is not None:
        size = min(size, max(0, rule.cap - lead.action_points.get(action, 0)))
    if rule.cap_per_day is not None:
        today = lead.day_points.get(action)
        earned = today.points if today is not None and today.day == day else 0
        size = min(size, max(0, rule.cap_per_day - earned))
    return size if rule.points >= 0 else -size


def _earned(points: dict[str, int], action: str, awarded: int) -> dict[str, int]:
    """What the action has earned over the life, by size (what its life cap counts)."""
    return {**points, action: points.get(action, 0) + abs(awarded)}


def _earned_on(
    days: dict[str, DayPoints], rule: ActionRule, action: str, day: date, awarded: int
) -> dict[str, DayPoints]:
    if rule.cap_per_day is None:
        return days
    today = days.get(action)
    before = today.points if today is not None and today.day == day else 0
    if today is not None and today.day > day:
        return days  # an older event arriving late does not reopen a day already past
    return {**days, action: DayPoints(day=day, points=before + abs(awarded))}


def _visit(lead: Lead, event: LeadEvent, rules: ScoringRules) -> dict[str, object]:
    """The visit an event of site activity belongs to: a new one after the rules' inactivity
    (`returned` when it starts on a later day than the lead's latest visit); {} when the event
    is not site activity."""
    if not _on_site(event) or rules.behaviour is None:
        return {}
    at, seen = event.occurred_at, lead.last_seen_at
    session = timedelta(minutes=rules.behaviour.session_minutes)
    if seen is not None and at <= seen + session:
        return {"last_seen_at": max(seen, at)}  # the same visit (or a late, older event)
    started = lead.visit_started_at
    return {
        "visits": lead.visits + 1,
        "visit_started_at": at,
        "last_seen_at": at,
        "returned": started is not None and at.date() > started.date(),
    }


def _on_site(event: LeadEvent) -> bool:
    """A page view or an event tracked on the site (not an e-mail activity, nor an identify
    or group call: those say who, not what they did)."""
    activity = event.activity or ""
    return (
        event.channel is Channel.EVENT
        and bool(activity)
        and activity not in ("identify", "group")
        and not activity.startswith("email_")
    )


# The BANT answers a delivery states itself (authority and need are read from it), which a
# verified source's answer protects like a profile field.
_BANT_ANSWERS = ("budget", "timeline")


def profile_after(lead: Lead, event: LeadEvent) -> tuple[Profile, list[str]]:
    """The profile after an event, and which of its fields a verified source set.

    A verified event's values win; an unverified one fills empty fields and may change what
    only unverified sources said, never a field a verified source set."""
    if event.trust is Trust.VERIFIED:
        said = event.profile.said()
        return lead.profile.updated_with(event.profile), sorted({*lead.verified_fields, *said})
    return lead.profile.updated_with(event.profile, keep=lead.verified_fields), lead.verified_fields


def merged_profile(lead: Lead, visitor: Lead) -> tuple[Profile, list[str]]:
    """An identified lead's profile with an absorbed visitor's: the identified lead's values
    win, except where only the visitor's came from a verified source."""
    known, theirs = lead.profile.said(), visitor.profile.said()
    chosen = {**theirs, **known}
    for name, value in theirs.items():
        if name in visitor.verified_fields and name not in lead.verified_fields:
            chosen[name] = value
    verified = {*lead.verified_fields, *visitor.verified_fields} & {*chosen, *_BANT_ANSWERS}
    return Profile(**chosen), sorted(verified)


def absorb(
    lead: Lead | None, visitor: Lead, lead_id: str, rules: ScoringRules, now: datetime
) -> Lead:
    """An anonymous visitor's lead folded into the identified one (None: not seen before).

    Engagement adds up (both faded to now, then capped), per-action points add up within
    each action's cap, what the identified lead knows wins over what the visitor said (but
    never an unverified value over a verified one), and
    the stage is the further of the two until the next event re-reads it.
    """
    base = lead or Lead.new(lead_id, now)
    points: dict[str, int] = {}
    for action in base.action_points.keys() | visitor.action_points.keys():
        total = base.action_points.get(action, 0) + visitor.action_points.get(action, 0)
        cap = rules.action(action).cap if action in rules.engagement.actions else None
        points[action] = total if cap is None else min(total, cap)
    engagement = faded(base, now, rules) + faded(visitor, now, rules)
    if rules.engagement.cap is not None:
        engagement = min(engagement, float(rules.engagement.cap))
    bant = visitor.bant.model_copy(
        update={k: v for k, v in base.bant.model_dump().items() if v is not None and k != "known"}
    )
    stage = max(base.stage, visitor.stage, key=lambda s: s.rank)
    profile, verified_fields = merged_profile(base, visitor)
    return base.model_copy(
        update={
            "profile": profile,
            "verified_fields": verified_fields,
            "visitor_ids": sorted({*base.visitor_ids, *visitor.visitor_ids}),
            "engagement": round(engagement, 2),
            "engaged_at": now,
            "action_points": points,
            "bant": bant,
            "stage": stage,
            "stage_at": base.stage_at if stage is base.stage else visitor.stage_at,
            "last_hand_raise_at": _latest(base.last_hand_raise_at, visitor.last_hand_raise_at),
            "urgent_said_at": _latest(base.urgent_said_at, visitor.urgent_said_at),
            "transitions": sorted([*base.transitions, *visitor.transitions], key=lambda t: t.at),
            "events": base.events + visitor.events,
            "created_at": min(base.created_at, visitor.created_at),
            "day_points": _later_days(base.day_points, visitor.day_points),
            "visits": base.visits + visitor.visits,
            "visit_started_at": _latest(base.visit_started_at, visitor.visit_started_at),
            "last_seen_at": _latest(base.last_seen_at, visitor.last_seen_at),
        }
    )


def _later_days(ours: dict[str, DayPoints], theirs: dict[str, DayPoints]) -> dict[str, DayPoints]:
    """Per action, the later day's points (both when it is the same day)."""
    merged = dict(ours)
    for action, other in theirs.items():
        mine = merged.get(action)
        if mine is None or other.day > mine.day:
            merged[action] = other
        elif other.day == mine.day:
            merged[action] = DayPoints(day=mine.day, points=mine.points + other.points)
    return merged


def _latest(*moments: datetime | None) -> datetime | None:
    known = [m for m in moments if m is not None]
    return max(known) if known else None


def as_of(lead: Lead, rules: ScoringRules, now: datetime) -> Lead:
    """The lead as it stands at `now`: engagement faded, urgency re-read. Nothing is stored."""
    return lead.model_copy(
        update={"engagement": round(faded(lead, now, rules), 2), "engaged_at": now}
    ).model_copy(update=_urgency_update(lead, rules, now))


def decay(lead: Lead, rules: ScoringRules, now: datetime) -> Outcome | None:
    """Let engagement fade; an Outcome only when that changes the stage (an MQL demoted)."""
    candidate = as_of(lead, rules, now).model_copy(update={"updated_at": now})
    transitions = _stage_change(candidate, rules, now, None, cause="engagement faded")
    if not transitions:
        return None
    delta = candidate.score - lead.score
    entry = LedgerEntry(
        event_id=f"decay:{lead.version}",
        provider="leadwire",
        action="decay",
        points=delta,
        rules={"engagement.half_life": delta},
        rules_version=rules.version,
        at=now,
    )
    return Outcome(
        lead=_settled(candidate, transitions, rules, now), entry=entry, transitions=transitions
    )


def dispose(
    lead: Lead,
    outcome: DispositionOutcome,
    reason: str | None,
    rules: ScoringRules,
    now: datetime,
    event_id: str,
) -> Outcome:
    """Sales' feedback. Accepted keeps an SQL; rejected and recycled send the lead back to
    nurture with its engagement reset (its history stays in the ledger); a rejected lead
    cannot requalify before the cooldown."""
    if outcome is DispositionOutcome.ACCEPTED and lead.stage is not Stage.SQL:
        raise DispositionNotAllowed(f"only an SQL can be accepted; this lead is {lead.stage}")
    if outcome is not DispositionOutcome.ACCEPTED and lead.stage is Stage.LEAD:
        raise DispositionNotAllowed(f"a lead in stage {lead.stage} is already in nurture")
    disposition = Disposition(outcome=outcome, reason=reason, at=now)
    update: dict[str, object] = {"disposition": disposition, "updated_at": now}
    if lead.sla is not None and lead.sla.acknowledged_at is None:  # a verdict stops the clock
        update["sla"] = lead.sla.model_copy(update={"acknowledged_at": now})
    transitions: list[Transition] = []
    points = 0
    if outcome is not DispositionOutcome.ACCEPTED:
        points = -round(faded(lead, now, rules))
        cause = f"sales {outcome.value}" + (f": {reason}" if reason else "")
        transitions = [
            Transition(
                from_stage=lead.stage, to_stage=Stage.LEAD, cause=cause, event_id=event_id, at=now
            )
        ]
        update |= {
            "engagement": 0.0,
            "engaged_at": now,
            "action_points": {},
            "last_hand_raise_at": None,
            "urgent_said_at": None,
            "urgent_words": None,
        }
        if outcome is DispositionOutcome.REJECTED:
            cooldown = timedelta(days=rules.stages.rejected_cooldown_days)
            update["requalify_after"] = now + cooldown
    entry = LedgerEntry(
        event_id=event_id,
        provider="sales",
        action=f"disposition.{outcome.value}",
        points=points,
        rules={f"disposition.{outcome.value}": points},
        rules_version=rules.version,
        at=now,
    )
    candidate = lead.model_copy(update=update)
    return Outcome(
        lead=_settled(candidate, transitions, rules, now), entry=entry, transitions=transitions
    )


def _settled(lead: Lead, transitions: list[Transition], rules: ScoringRules, now: datetime) -> Lead:
    """Apply the stage transitions and re-read urgency: the last step of every change."""
    level, reasons = urgency_of(lead, rules, now)
    if not transitions and level is lead.urgency and reasons == lead.urgency_reasons:
        return lead  # the usual event: nothing to settle, no copy
    update: dict[str, object] = {"urgency": level, "urgency_reasons": reasons}
    if transitions:
        update |= {
            "stage": transitions[-1].to_stage,
            "stage_at": now,
            "transitions": [*lead.transitions, *transitions],
        }
    return lead.model_copy(update=update)


def faded(lead: Lead, now: datetime, rules: ScoringRules) -> float:
    """Engagement as of `now`: it halves every `half_life_days` since it was last earned."""
    if lead.engaged_at is None or lead.engagement == 0:
        return lead.engagement
    days = max(0.0, (now - lead.engaged_at).total_seconds() / _SECONDS_PER_DAY)
    return float(lead.engagement * 0.5 ** (days / rules.engagement.half_life_days))


def action_of(event: LeadEvent, rules: ScoringRules) -> str:
    """Which engagement action an event is: per form name, what a chat message asks, or for
    behaviour the page's pattern or the activity's name."""
    if event.channel is Channel.EVENT:
        behaviour = rules.behaviour
        if behaviour is None:
            return "behaviour"  # not named by these rules: no points
        if event.activity == "page":
            return rules.page_action(event.page) or behaviour.page_action
        activity = (event.activity or "").strip().lower()
        return behaviour.activity_actions.get(activity, behaviour.other_activity_action)
    if event.channel is Channel.CHAT:
        pattern = rules.chat.pricing_pattern
        if pattern and pattern.search((event.message or "").lower()):
            return rules.chat.pricing_action
        return rules.chat.message_action
    form = (event.form or "").strip().lower()
    return rules.forms.get(form, rules.default_form_action)


def fit_of(profile: Profile, rules: FitRules, seniority: SeniorityRule | None) -> dict[str, int]:
    """Fit points by rule, from who the lead is (`seniority`: its title's rule, read once per
    event); only rules that gave points appear."""
    points: dict[str, int] = {}
    if seniority is not None and seniority.points:
        points[f"fit.seniority.{seniority.level}"] = seniority.points
    employees = employee_count(profile.company_size)
    if employees is not None:
        for up_to, name, value in rules.size_bands:
            if up_to is None or employees <= up_to:
                if value:
                    points[name] = value
                break
    if domain := profile.email_domain:
        kind = email_kind(domain, rules)
        if value := getattr(rules.email, kind):
            points[f"fit.email.{kind}"] = value
    if profile.industry and (
        industry := rules.industry_points.get(profile.industry.strip().lower())
    ):
        points[industry[0]] = industry[1]
    if profile.country and (country := rules.country_points.get(profile.country.strip().lower())):
        points[country[0]] = country[1]
    return points


def seniority_of(title: str | None, rules: FitRules) -> SeniorityRule | None:
    """The first seniority rule whose titles the job title names (the catch-all rule without
    titles when none does); None without a title."""
    if not title or not title.strip():
        return None
    lowered = title.lower()
    fallback = None
    for rule, pattern in rules.title_patterns:
        if pattern is None:
            fallback = fallback or rule
        elif pattern.search(lowered):
            return rule
    return fallback


def employee_count(size: str | None) -> int | None:
    """Employees from "120", "51-200" (upper end), "1,000+" or "5k"."""
    if not size:
        return None
    if size.isascii() and size.isdigit():  # the usual form value: a plain number
        return int(size)
    numbers = []
    for raw in _SIZE_NUMBER.findall(size):
        text = raw.strip().lower().replace(",", "")
        multiplier = 1000 if text.endswith("k") else 1
        try:
            numbers.append(int(float(text.rstrip("k").strip()) * multiplier))
        except ValueError:
            continue
    return max(numbers) if numbers else None


def bant_of(
    known: Bant,
    event: LeadEvent,
    profile: Profile,
    action: str,
    rules: ScoringRules,
    now: datetime,
    seniority: SeniorityRule | None,
    keep: Collection[str] = (),
) -> Bant:
    """BANT as far as the lead's events have told us; a later answer replaces an earlier one,
    except a budget or timeline in `keep` (a verified source's answer, kept from an unverified
    event: an anonymous post saying "today" must not make a lead urgent)."""
    update: dict[str, object] = {}
    if bant_text.is_known(event.budget) and not ("budget" in keep and known.budget):
        update |= {"budget": event.budget, "budget_amount": bant_text.budget_amount(event.budget)}
    if bant_text.is_known(event.timeline) and not ("timeline" in keep and known.timeline):
        update |= {
            "timeline": event.timeline,
            "timeline_days": bant_text.timeline_days(event.timeline, now),
        }
    authority = seniority.level if seniority is not None and seniority.authority else None
    if authority != known.authority:
        update["authority"] = authority
    if not known.need:
        rule = rules.engagement.actions.get(action, _NOTHING)
        if rule.hand_raise or rule.shows_need or action == rules.chat.pricing_action:
            update["need"] = action
        elif event.channel is Channel.FORM and bant_text.is_known(event.message):
            update["need"] = "message"
    return known.model_copy(update=update) if update else known


def urgency_of(lead: Lead, rules: ScoringRules, now: datetime) -> tuple[Urgency, list[str]]:
    """The urgency of the prospect's decision, with its reasons: an explicit short timeline
    (not a past date), urgent words in their own message, or a hand-raise made during an
    active conversation. The age of a hand-raise alone is not urgency."""
    urgency = rules.urgency
    reasons: list[str] = []
    days = lead.bant.timeline_days
    if days is not None and 0 <= days <= urgency.timeline_days:
        reasons.append(f"timeline {days} days" if days != 1 else "timeline 1 day")
    said = lead.urgent_said_at
    words, hand_raise, conversation = urgency.windows
    if said is not None and _NO_TIME <= now - said <= words:
        reasons.append(f'said "{lead.urgent_words}"' if lead.urgent_words else "said it is urgent")
    raised, chatted = lead.last_hand_raise_at, lead.last_chat_at
    if (
        raised is not None
        and chatted is not None
        and _NO_TIME <= now - raised <= hand_raise
        and abs(raised - chatted) <= conversation
    ):
        action = (lead.last_action or "hand-raise").replace("_", " ")
        reasons.append(f"{action} during a chat conversation")
    return (Urgency.HIGH if reasons else Urgency.NORMAL), reasons


def _urgency_update(lead: Lead, rules: ScoringRules, now: datetime) -> dict[str, object]:
    level, reasons = urgency_of(lead, rules, now)
    return {"urgency": level, "urgency_reasons": reasons}


def _stage_change(
    lead: Lead,
    rules: ScoringRules,
    now: datetime,
    event_id: str | None,
    cause: str,
    hand_raise: bool = False,
) -> list[Transition]:
    stages, total = rules.stages, lead.score
    if lead.stage is Stage.SQL:
        return []  # only sales takes a lead out of SQL (disposition)
    target: Stage = lead.stage
    why = _sql_reason(lead, rules, now, hand_raise)
    if why:
        target = Stage.SQL
    elif total >= stages.mql and lead.stage is Stage.LEAD:
        target, why = Stage.MQL, f"score {total} >= MQL threshold {stages.mql}"
    elif lead.stage is Stage.MQL and total < stages.mql - stages.demotion_margin:
        floor = stages.mql - stages.demotion_margin
        target, why = Stage.LEAD, f"score {total} < {floor} (MQL threshold - margin)"
    if target is lead.stage:
        return []
    return [
        Transition(
            from_stage=lead.stage,
            to_stage=target,
            cause=f"{why} after {cause}",
            event_id=event_id,
            at=now,
        )
    ]


def _sql_reason(lead: Lead, rules: ScoringRules, now: datetime, hand_raise: bool) -> str | None:
    """Why the lead is sales-qualified now, or None: a hand-raise on this event from a good
    fit, or a score over the threshold with BANT known (or an earlier good-fit hand-raise).
    Never for a barred fit (a student, a competitor), nor during a rejection's cooldown."""
    stages, total = rules.stages, lead.score
    if not lead.fit_rules.keys().isdisjoint(stages.never_sql):
        return None
    if lead.requalify_after is not None and now < lead.requalify_after:
        return None
    good_fit = lead.fit >= stages.hand_raise_min_fit
    if hand_raise and good_fit and stages.hand_raise_makes_sql:
        return f"hand-raise from fit {lead.fit} >= {stages.hand_raise_min_fit}; score {total}"
    if total < stages.sql:
        return None
    if lead.bant.known >= stages.bant_min_known:
        return f"score {total} >= SQL threshold {stages.sql}; BANT {lead.bant.known}/4"
    if lead.last_hand_raise_at is not None and good_fit:
        return f"score {total} >= SQL threshold {stages.sql}; hand-raise from fit {lead.fit}"
    return None


def _with(items: list[str], item: str | None) -> list[str]:
    return items if item is None or item in items else [*items, item]


def _account_window(current: Lead, domain: str | None, rules: ScoringRules) -> AccountWindow | None:
    """The person's account (`domain`) with the rules' window (the lead's own object when
    unchanged)."""
    if domain is None or rules.accounts is None:
        return None
    days, people = rules.accounts.window_days, rules.accounts.surge_people
    kept = current.account_window
    if kept and (kept.domain, kept.window_days, kept.surge_people) == (domain, days, people):
        return kept  # the usual case: nothing to build (scoring is on the hot path)
    return AccountWindow(domain=domain, window_days=days, surge_people=people)
