"""Alerts to coaches: one private message per athlete per event, within the athlete's consent.

Events (``rules.coaching.Attention``): a red flag in the SOS flow or at a check-in, a new cramp
episode, pain of 7 or more or rising two days running, two check-ins missed. Each event has a
key (``red_flag:episode:12``); a team records the key before its coaches are told, so the
same event never alerts twice, whatever retries or restarts happen.

Decided in the athlete's unit of work, sent after it: each alert is an outbox row with a guard
(``access.coach_guard``) that asks Telegram, just before sending, whether the coach is still an
admin of the team's group. So the athlete's next reply never waits for a coach's chat.
"""

from __future__ import annotations

import logging
from html import escape

from conversations.i18n.recipients import speaking_to
from conversations.services import Services
from conversations.team.access import coach_guard
from conversations.team.groups import notify
from conversations.texts import team as texts
from rules import coaching
from rules.coaching import Attention
from storage import teams
from storage.plans import Claimed

_LOGGER = logging.getLogger(__name__)


async def alert_coaches(svc: Services, user_id: int, reason: Attention, event_key: str) -> int:
    """Tell the coaches (with alerts on) of every team the athlete joined. Returns how many
    alerts were queued."""
    sent = 0
    for team, member in await teams.memberships_of(svc.db, user_id):
        claimed = await teams.record_alert(
            svc.db, team.id, user_id, event_key, svc.now(), reason=reason.value
        )
        if not claimed:
            continue
        shown = coaching.visible_reasons((reason,), member.consent is teams.Consent.DETAILS)
        for coach in await teams.coaches_of(svc.db, team.id):
            if not coach.alerts or coach.user_id == user_id:
                continue
            async with speaking_to(svc.db, coach.user_id):  # the coach's language
                why = ": " + texts.REASONS[shown[0].value] if shown else ""
                text = texts.ALERT.format(
                    name=escape(member.display_name), team=escape(team.name), why=why
                )
                # Still an admin of the team's group? Asked just before sending: a demoted
                # coach learns nothing more.
                await notify(coach.user_id, text, guard=coach_guard(team.id, coach.user_id))
            sent += 1
    return sent


async def alert_missed_checkins(svc: Services, claims: list[Claimed]) -> None:
    """After the scheduler sent a batch: athletes in a team who left two check-ins unanswered."""
    members = await teams.members_among(svc.db, [c.plan.user_id for c in claims if c.checkin])
    for claimed in claims:
        if claimed.checkin is None or claimed.plan.user_id not in members:
            continue
        before = claimed.checkin.local_date
        missed = await teams.missed_in_a_row(svc.db, claimed.plan.id, before)
        # Once, when the run of unanswered check-ins reaches two (not again each later day).
        if missed == coaching.MISSED_CHECKINS_ALERT:
            key = f"missed:{claimed.plan.id}:{before.isoformat()}"
            await alert_coaches(svc, claimed.plan.user_id, Attention.MISSED_CHECKINS, key)
