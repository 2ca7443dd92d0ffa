"""Setting up a plan, and changing its time or zone later.

The offer after a cramp eases → a check-in time → a time zone (shared location, a pick, or
typed) → active, with the next check-in scheduled in the database. Whether the athlete is
choosing a time or a zone is the plan's ``editing`` column, so there is no conversation state
to lose.
"""

from __future__ import annotations

from datetime import datetime

from telegram import Update
from telegram.ext import ContextTypes, ExtBot

from conversations import keyboards
from conversations.buttons import Press, Refusal, pressed
from conversations.plan import views
from conversations.plan.checkin import current_question
from conversations.plan.views import editing
from conversations.replies import chat_id_of, send, user_id_of
from conversations.services import Services, services
from conversations.team.alerts import alert_coaches
from conversations.texts import plan as texts
from rules import plan_clock
from rules import recovery as rules
from rules.coaching import Attention
from rules.red_flags import RedFlag
from rules.timezones import COMMON_ZONES, is_valid_zone, zone_for_location, zone_from_text
from storage import episodes, plans, users
from storage.episodes import Episode
from storage.plans import Plan, PlanStatus, SettingField

# Why a plan starts on hold (plans.held_for): the SOS episode's ending said "see a doctor".
HOLD_SOS_CAUSE = "sos_cause"
HOLD_SOS_LONG = "sos_long"


async def on_offer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The aftercare button: create the plan and ask for the check-in time."""
    svc = services(context)

    async def check(episode: Episode, press: Press) -> Refusal | None:
        # An offer from an older cramp would date the plan from the wrong cramp; a cramp the
        # athlete helped someone else through is not theirs, and never has a plan.
        own = await episodes.latest_own_episode_of(svc.db, episode.user_id)
        latest = own is not None and own.id == episode.id
        return None if episode.outcome is episodes.Outcome.EASED and latest else Refusal.EXPIRED

    result = await pressed(
        update,
        load=lambda ref: episodes.get_episode(svc.db, ref),
        owner=lambda episode: episode.user_id,
        check=check,
    )
    if isinstance(result, Refusal):
        return
    episode = result.record
    existing = await plans.live_plan_of(svc.db, episode.user_id)
    if existing is not None and existing.status is not PlanStatus.SETUP:
        await send(update, texts.ALREADY_HAVE_PLAN)
        return
    plan = await plans.create_plan(
        svc.db,
        user_id=episode.user_id,
        chat_id=chat_id_of(update),
        episode_id=episode.id,
        cramp_at=episode.started_at,
        now=svc.now(),
        muscle=episode.muscle,
    )
    hold_for = sos_hold_reason(svc, episode)
    if hold_for is not None and await plans.hold_plan(svc.db, plan.id, hold_for, svc.now()):
        # The same event as the SOS flow's own alert for this episode: told once.
        bot = update.get_bot()
        assert isinstance(bot, ExtBot)
        key = f"{Attention.RED_FLAG.value}:episode:{episode.id}"
        await alert_coaches(svc, episode.user_id, Attention.RED_FLAG, key)
    if plan.editing is not SettingField.TIME:
        # The offer pressed again half-way through set-up: start over at the time question,
        # so the time buttons shown below work.
        await plans.set_editing(svc.db, plan.id, SettingField.TIME)
    await send(update, *views.time_view(plan.id))


def sos_hold_reason(svc: Services, episode: Episode) -> str | None:
    """Why a plan from this episode starts on hold, if its ending said "see a doctor".

    A sign of another cause (Merck Manual, "Muscle cramps": weakness, numbness, twitching, new
    medicines) or a cramp lasting ``medical_help_after`` or longer (NHS, "Leg cramps": not an
    ordinary exercise cramp): no exercise steps until a doctor has looked.
    """
    if episode.red_flag == RedFlag.OTHER_CAUSE.value:
        return HOLD_SOS_CAUSE
    ended = episode.ended_at
    if ended is not None and ended - episode.started_at >= svc.timings.medical_help_after:
        return HOLD_SOS_LONG
    return None


async def on_time_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    result = await views.pressed_plan(update, svc, accepts=editing(SettingField.TIME))
    if isinstance(result, Refusal):
        return
    hhmm = f"{result.choice[:2]}:{result.choice[2:]}"
    await _apply_time(update, svc, result.record, hhmm)


async def on_zone_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    result = await views.pressed_plan(update, svc, accepts=editing(SettingField.ZONE))
    if isinstance(result, Refusal):
        return
    plan = result.record
    if result.choice != views.MY_ZONE:
        await _apply_zone(update, svc, plan, COMMON_ZONES[int(result.choice)][1])
        return
    zone = await own_zone(svc, plan.user_id)
    if zone is None:  # forgotten since (/delete), or a forged press
        text, markup = views.zone_view(plan.id)
        await send(update, f"{texts.ZONE_INVALID}\n\n{text}", markup)
        return
    await _apply_zone(update, svc, plan, zone)


async def own_zone(svc: Services, user_id: int) -> str | None:
    """The athlete's zone, kept from a location shared earlier (or a past pick), if any."""
    user = await users.ensure_user(svc.db, user_id, svc.now())
    return user.zone if user.zone is not None and is_valid_zone(user.zone) else None


async def on_location(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A shared location sets the zone (looked up offline); the location itself is not kept."""
    svc = services(context)
    message = update.effective_message
    assert message is not None and message.location is not None
    plan = await plans.live_plan_of(svc.db, user_id_of(update))
    checkin = None if plan is None else await plans.open_checkin_of(svc.db, plan.id)
    if plan is not None and plan.editing is None and checkin is not None:
        # An open check-in: its question again, with its buttons (not "tap below" with none).
        text, markup = current_question(plan, checkin)
        await send(update, f"{texts.ANSWER_WITH_BUTTONS}\n\n{text}", markup=markup)
        return
    if plan is None or plan.editing is not SettingField.ZONE:
        if plan is not None and plan.editing is SettingField.TIME:
            text, markup = views.time_view(plan.id)
            await send(update, f"{texts.ANSWER_WITH_BUTTONS}\n\n{text}", markup=markup)
            return
        await send(update, texts.NO_PLAN if plan is None else texts.ANSWER_WITH_BUTTONS)
        return
    zone = zone_for_location(message.location.latitude, message.location.longitude)
    if zone is None:
        text, markup = views.zone_view(plan.id, await own_zone(svc, plan.user_id))
        await send(update, f"{texts.ZONE_INVALID}\n\n{text}", markup=markup)
        return
    await _apply_zone(update, svc, plan, zone)


async def typed_setting(update: Update, context: ContextTypes.DEFAULT_TYPE, plan: Plan) -> None:
    """Text typed (or anything else sent) while a time or zone is being chosen."""
    svc = services(context)
    message = update.effective_message
    assert message is not None
    if message.text is None:
        # A sticker, photo or voice note: ask the same question again, with its buttons.
        text, markup = views.setting_view(plan, await own_zone(svc, plan.user_id))
        await send(update, f"{texts.ANSWER_WITH_BUTTONS}\n\n{text}", markup=markup)
        return
    if plan.editing is SettingField.TIME:
        parsed = rules.parse_local_time(message.text)
        if parsed is None:
            text, markup = views.time_view(plan.id)
            await send(update, f"{texts.TIME_INVALID}\n\n{text}", markup=markup)
            return
        await _apply_time(update, svc, plan, parsed.strftime("%H:%M"))
        return
    zone = zone_from_text(message.text)
    if zone is None:
        text, markup = views.zone_view(plan.id, await own_zone(svc, plan.user_id))
        await send(update, f"{texts.ZONE_INVALID}\n\n{text}", markup=markup)
        return
    await _apply_zone(update, svc, plan, zone)


async def _apply_time(update: Update, svc: Services, plan: Plan, hhmm: str) -> None:
    await plans.set_checkin_time(svc.db, plan.id, hhmm)
    if plan.status is PlanStatus.SETUP:
        await views.ask_zone(update, plan.id, await own_zone(svc, plan.user_id))
        return
    await _saved(update, svc, plan.id)


async def _apply_zone(update: Update, svc: Services, plan: Plan, zone: str) -> None:
    await plans.set_zone(svc.db, plan.id, zone)
    await users.set_zone(svc.db, plan.user_id, zone)  # offered first at the next set-up
    if plan.status is PlanStatus.SETUP:
        updated = await plans.get_plan(svc.db, plan.id)
        assert updated is not None
        next_at = plan_clock.next_checkin(updated.checkin_time, updated.zone, svc.now())
        await plans.schedule(svc.db, plan.id, next_at)
        started = texts.PLAN_STARTED.format(
            time=updated.checkin_time, zone=zone, when=views.when(updated, next_at)
        )
        await send(
            update,
            f"{started}\n\n{views.today_text(updated, svc.now())}",
            keyboards.sos_reply_keyboard(),
        )
        return
    await _saved(update, svc, plan.id)


async def _saved(update: Update, svc: Services, plan_id: int) -> None:
    """A setting changed on a running plan: reschedule from the new time and zone."""
    plan = await plans.get_plan(svc.db, plan_id)
    assert plan is not None
    next_at = plan.next_checkin_at
    if plan.status is PlanStatus.ACTIVE:
        next_at = await next_open_checkin(svc, plan)
        await plans.schedule(svc.db, plan.id, next_at)
    text = texts.SETTINGS_SAVED.format(
        time=plan.checkin_time, zone=plan.zone, when=views.when(plan, next_at)
    )
    await send(update, text, keyboards.sos_reply_keyboard())


async def next_open_checkin(svc: Services, plan: Plan) -> datetime:
    """The next check-in instant on a local date that has had no check-in yet.

    A later check-in time chosen after today's check-in would otherwise be announced for
    today, and then skipped by the scheduler (one check-in per local date).
    """
    next_at = plan_clock.next_checkin(plan.checkin_time, plan.zone, svc.now())
    local_date = plan_clock.local_date(next_at, plan.zone)
    if await plans.has_checkin_on(svc.db, plan.id, local_date):
        next_at = plan_clock.next_checkin(plan.checkin_time, plan.zone, next_at)
    return next_at


async def leave_editing(svc: Services, user_id: int) -> bool:
    """/cancel while choosing a setting: a set-up is dropped, a settings change closed."""
    user = await users.ensure_user(svc.db, user_id, svc.now())
    if user.awaiting is not None:
        await users.set_awaiting(svc.db, user_id, None)
        return True
    plan = await plans.live_plan_of(svc.db, user_id)
    if plan is None or plan.editing is None:
        return False
    if plan.status is PlanStatus.SETUP:
        await plans.end_plan(svc.db, plan.id, svc.now())
    else:
        await plans.set_editing(svc.db, plan.id, None)
    return True
