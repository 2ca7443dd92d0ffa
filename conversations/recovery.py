"""The recovery plan: offering it, setting it up, and the commands that run it.

The plan lives in the ``plans`` table; whether the athlete is choosing a time or a zone is the
plan's ``editing`` column, so there is no conversation state to lose. Setting up: the offer
after a cramp eases → a check-in time → a time zone (shared location, a pick, or typed) →
active, with the next check-in scheduled in the database.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime

from telegram import (
    InlineKeyboardMarkup,
    InputFile,
    KeyboardButton,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    filters,
)

from conversations import callbacks, keyboards, plan_clock
from conversations import recovery_rules as rules
from conversations.progress_chart import ChartPoint, render_progress_png
from conversations.replies import (
    answer_quietly,
    chat_id_of,
    from_private_chat,
    send,
    user_id_of,
)
from conversations.services import Services, services
from conversations.texts import common
from conversations.texts import plan as texts
from conversations.texts import recovery as advice
from conversations.timezones import COMMON_ZONES, zone_for_location, zone_from_text
from storage import episodes, plans, users
from storage.plans import Plan

FLOW = "plan"
PRIVATE = filters.ChatType.PRIVATE

TIME_CHOICES = ("06:00", "07:00", "08:00", "09:00", "12:00", "18:00", "20:00", "21:00")


# --- Views -----------------------------------------------------------------------------------


def offer_button(episode_id: int) -> InlineKeyboardMarkup:
    return keyboards.choices(FLOW, episode_id, "offer", [("start", texts.OFFER_BUTTON)])


def _time_view(plan_id: int) -> tuple[str, InlineKeyboardMarkup]:
    options = [(t.replace(":", ""), t) for t in TIME_CHOICES]
    return texts.ASK_TIME, keyboards.choices(FLOW, plan_id, "time", options, per_row=4)


def _zone_view(plan_id: int) -> tuple[str, InlineKeyboardMarkup]:
    options = [(str(i), label) for i, (label, _) in enumerate(COMMON_ZONES)]
    return texts.ASK_ZONE, keyboards.choices(FLOW, plan_id, "zone", options, per_row=3)


async def _ask_zone(update: Update, plan_id: int) -> None:
    """The zone question: the share-location button lives in the reply keyboard, so the
    zones to pick from follow in a second message with inline buttons."""
    text, markup = _zone_view(plan_id)
    await send(update, text, _location_keyboard())
    await send(update, texts.PICK_ZONE, markup)


def _location_keyboard() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[KeyboardButton(texts.SHARE_LOCATION, request_location=True)], [common.SOS_BUTTON]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def today_text(plan: Plan, now: datetime) -> str:
    day = plan_clock.plan_day(plan, now)
    hours = plan_clock.hours_since_cramp(plan, now)
    day_plan = rules.plan_for_day(day, hours, rules.Stage(plan.stage))
    return advice.day_plan_text(day_plan)


def _when(plan: Plan, instant: datetime | None) -> str:
    if instant is None:
        return "not scheduled"
    return plan_clock.format_when(instant, plan_clock.zone_of(plan))


# --- Setting up ------------------------------------------------------------------------------


async def on_offer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The aftercare button: create the plan and ask for the check-in time."""
    query = update.callback_query
    assert query is not None
    press = callbacks.parse(query.data)
    svc = services(context)
    user_id = user_id_of(update)
    episode = None if press is None else await episodes.get_episode(svc.db, press.ref)
    history = [] if episode is None else await episodes.episodes_of(svc.db, user_id)
    if (
        episode is None
        or episode.user_id != user_id
        or not from_private_chat(update, user_id)  # a plan lives in the private chat
        or episode.outcome is not episodes.Outcome.EASED
        # An offer from an older cramp would date the plan from the wrong cramp.
        or history[-1].id != episode.id
    ):
        await answer_quietly(query, common.BUTTON_EXPIRED)
        return
    await answer_quietly(query)
    existing = await plans.live_plan_of(svc.db, user_id)
    if existing is not None and existing.status != "setup":
        await send(update, texts.ALREADY_HAVE_PLAN)
        return
    plan = await plans.create_plan(
        svc.db,
        user_id=user_id,
        chat_id=chat_id_of(update),
        episode_id=episode.id,
        cramp_at=episode.started_at,
        now=svc.now(),
    )
    if plan.editing != "time":
        # The offer pressed again half-way through set-up: start over at the time question,
        # so the time buttons shown below work.
        await plans.set_editing(svc.db, plan.id, "time")
    text, markup = _time_view(plan.id)
    await send(update, text, markup)


async def on_time_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    pressed = await _pressed_plan(update, context, accepts=_editing("time"))
    if pressed is None:
        return
    plan, press = pressed
    await _apply_time(update, context, plan, f"{press.choice[:2]}:{press.choice[2:]}")


async def on_zone_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    pressed = await _pressed_plan(update, context, accepts=_editing("zone"))
    if pressed is None:
        return
    plan, press = pressed
    index = int(press.choice) if press.choice.isdigit() else -1
    if not 0 <= index < len(COMMON_ZONES):
        return
    await _apply_zone(update, context, plan, COMMON_ZONES[index][1])


async def on_location(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A shared location sets the zone (looked up offline); the location itself is not kept."""
    svc = services(context)
    message = update.effective_message
    assert message is not None and message.location is not None
    plan = await plans.live_plan_of(svc.db, user_id_of(update))
    if plan is None or plan.editing != "zone":
        if plan is not None and plan.editing == "time":
            text, markup = _time_view(plan.id)
            await message.reply_text(f"{texts.ANSWER_WITH_BUTTONS}\n\n{text}", reply_markup=markup)
            return
        await message.reply_text(texts.NO_PLAN if plan is None else texts.ANSWER_WITH_BUTTONS)
        return
    zone = zone_for_location(message.location.latitude, message.location.longitude)
    if zone is None:
        text, markup = _zone_view(plan.id)
        await message.reply_text(f"{texts.ZONE_INVALID}\n\n{text}", reply_markup=markup)
        return
    await _apply_zone(update, context, plan, zone)


async def typed_setting(update: Update, context: ContextTypes.DEFAULT_TYPE, plan: Plan) -> None:
    """Text typed (or anything else sent) while a time or zone is being chosen."""
    message = update.effective_message
    assert message is not None
    if message.text is None:
        # A sticker, photo or voice note: ask the same question again, with its buttons.
        text, markup = _time_view(plan.id) if plan.editing == "time" else _zone_view(plan.id)
        await message.reply_text(f"{texts.ANSWER_WITH_BUTTONS}\n\n{text}", reply_markup=markup)
        return
    if plan.editing == "time":
        parsed = rules.parse_local_time(message.text)
        if parsed is None:
            text, markup = _time_view(plan.id)
            await message.reply_text(f"{texts.TIME_INVALID}\n\n{text}", reply_markup=markup)
            return
        await _apply_time(update, context, plan, parsed.strftime("%H:%M"))
        return
    zone = zone_from_text(message.text)
    if zone is None:
        text, markup = _zone_view(plan.id)
        await message.reply_text(f"{texts.ZONE_INVALID}\n\n{text}", reply_markup=markup)
        return
    await _apply_zone(update, context, plan, zone)


async def _apply_time(
    update: Update, context: ContextTypes.DEFAULT_TYPE, plan: Plan, hhmm: str
) -> None:
    svc = services(context)
    await plans.set_checkin_time(svc.db, plan.id, hhmm)
    if plan.status == "setup":
        await _ask_zone(update, plan.id)
        return
    await _saved(update, svc, plan.id)


async def _apply_zone(
    update: Update, context: ContextTypes.DEFAULT_TYPE, plan: Plan, zone: str
) -> None:
    svc = services(context)
    await plans.set_zone(svc.db, plan.id, zone)
    if plan.status == "setup":
        updated = await plans.get_plan(svc.db, plan.id)
        assert updated is not None
        next_at = plan_clock.next_checkin(updated, svc.now())
        await plans.schedule(svc.db, plan.id, next_at)
        started = texts.PLAN_STARTED.format(
            time=updated.checkin_time, zone=zone, when=_when(updated, next_at)
        )
        await send(
            update,
            f"{started}\n\n{today_text(updated, svc.now())}",
            keyboards.sos_reply_keyboard(),
        )
        return
    await _saved(update, svc, plan.id)


async def _saved(update: Update, svc: Services, plan_id: int) -> None:
    """A setting changed on a running plan: reschedule from the new time and zone."""
    plan = await plans.get_plan(svc.db, plan_id)
    assert plan is not None
    next_at = plan.next_checkin_at
    if plan.status == "active":
        next_at = await _next_open_checkin(svc, plan)
        await plans.schedule(svc.db, plan.id, next_at)
    text = texts.SETTINGS_SAVED.format(
        time=plan.checkin_time, zone=plan.zone, when=_when(plan, next_at)
    )
    await send(update, text, keyboards.sos_reply_keyboard())


async def _pressed_plan(
    update: Update, context: ContextTypes.DEFAULT_TYPE, *, accepts: Callable[[Plan], bool]
) -> tuple[Plan, callbacks.Press] | None:
    """The user's plan a button belongs to, if ``accepts`` says the plan can take the press.

    Anything else (another user's plan, an ended one, a question no longer asked, forged
    data) is answered as expired and changes nothing.
    """
    query = update.callback_query
    assert query is not None
    press = callbacks.parse(query.data)
    svc = services(context)
    plan = None if press is None else await plans.get_plan(svc.db, press.ref)
    if (
        press is None
        or plan is None
        or plan.user_id != user_id_of(update)
        or not from_private_chat(update, plan.chat_id)
        or plan.status == "ended"
        or not accepts(plan)
    ):
        await answer_quietly(query, common.BUTTON_EXPIRED)
        return None
    await answer_quietly(query)
    return plan, press


def _editing(setting: str) -> Callable[[Plan], bool]:
    return lambda plan: plan.editing == setting


def _running(plan: Plan) -> bool:
    return plan.status != "setup"


def _any_live(plan: Plan) -> bool:
    return True


# --- Commands --------------------------------------------------------------------------------


async def today(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    plan = await _running_plan(update, svc)
    if plan is None:
        return
    text = today_text(plan, svc.now())
    if plan.next_checkin_at is not None:
        text += "\n\n" + texts.NEXT_CHECKIN.format(when=_when(plan, plan.next_checkin_at))
    await send(update, text)


async def progress(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Days, stages and pain by day, as text and as a chart."""
    svc = services(context)
    plan = await _running_plan(update, svc)
    if plan is None:
        return
    history = await plans.checkins_of(svc.db, plan.id)
    now = svc.now()
    header = texts.PROGRESS_HEADER.format(
        day=plan_clock.plan_day(plan, now), stage=advice.stage_name(rules.Stage(plan.stage))
    )
    answered = [c for c in history if c.answered_at is not None]
    if not answered:
        when = _when(plan, plan.next_checkin_at)
        await send(update, f"{header}\n\n{texts.PROGRESS_EMPTY.format(when=when)}")
        return
    lines = [
        texts.PROGRESS_LINE.format(
            day=c.day,
            pain=c.pain,
            stage=advice.stage_name(rules.Stage(c.stage_after or 0)),
            note=" ⚠️" if c.warning_sign else "",
        )
        for c in answered
    ]
    await send(update, "\n".join([header, *lines]))
    points = [ChartPoint(c.day, c.pain, c.stage_after or 0) for c in answered]
    png = render_progress_png(points)
    await context.bot.send_photo(
        chat_id_of(update),
        InputFile(io.BytesIO(png), filename="progress.png"),
        caption=texts.PROGRESS_CAPTION,
    )


async def settings(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    plan = await _running_plan(update, svc)
    if plan is None:
        return
    markup = keyboards.choices(
        FLOW,
        plan.id,
        "settings",
        [("time", texts.CHANGE_TIME), ("zone", texts.CHANGE_ZONE)],
        per_row=2,
    )
    await send(update, texts.SETTINGS.format(time=plan.checkin_time, zone=plan.zone), markup)


async def on_settings_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    pressed = await _pressed_plan(update, context, accepts=_running)
    if pressed is None:
        return
    plan, press = pressed
    svc = services(context)
    await plans.set_editing(svc.db, plan.id, press.choice)
    if press.choice == "time":
        text, markup = _time_view(plan.id)
        await send(update, text, markup)
    else:
        await _ask_zone(update, plan.id)


async def pause(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    plan = await _running_plan(update, svc)
    if plan is None:
        return
    await plans.schedule(svc.db, plan.id, None, status="paused")
    await send(update, texts.PAUSED)


async def resume(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    plan = await _running_plan(update, svc)
    if plan is None:
        return
    if plan.status == "active":
        await send(update, texts.NOT_PAUSED.format(when=_when(plan, plan.next_checkin_at)))
        return
    await _resume(update, svc, plan)


async def _next_open_checkin(svc: Services, plan: Plan) -> datetime:
    """The next check-in instant on a local date that has had no check-in yet.

    A later check-in time chosen after today's check-in would otherwise be announced for
    today, and then skipped by the scheduler (one check-in per local date).
    """
    next_at = plan_clock.next_checkin(plan, svc.now())
    local_date = rules.local_date_of(next_at, plan_clock.zone_of(plan))
    if await plans.has_checkin_on(svc.db, plan.id, local_date):
        next_at = plan_clock.next_checkin(plan, next_at)
    return next_at


async def _resume(update: Update, svc: Services, plan: Plan) -> None:
    next_at = await _next_open_checkin(svc, plan)
    await plans.schedule(svc.db, plan.id, next_at)
    await send(update, texts.RESUMED.format(when=_when(plan, next_at)))


async def stop_plan(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    plan = await plans.live_plan_of(svc.db, user_id_of(update))
    if plan is None:
        await send(update, texts.NO_PLAN)
        return
    markup = keyboards.choices(
        FLOW, plan.id, "stop", [("yes", texts.STOP_YES), ("no", texts.STOP_NO)], per_row=2
    )
    await send(update, texts.CONFIRM_STOP, markup)


async def on_stop_or_resume_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers to "stop the plan?" and to "carry on?" after three unanswered days."""
    pressed = await _pressed_plan(update, context, accepts=_any_live)
    if pressed is None:
        return
    plan, press = pressed
    svc = services(context)
    # "yes" means "stop it" to /stopplan's question but "carry on" to the paused plan's.
    stop = press.choice == "stop" if press.step == "carry" else press.choice == "yes"
    if stop:
        await plans.end_plan(svc.db, plan.id, svc.now())
        await send(update, texts.STOPPED, keyboards.sos_reply_keyboard())
    elif press.step == "carry":
        await _resume(update, svc, plan)
    else:
        await send(update, texts.KEPT)


def carry_on_buttons(plan_id: int) -> InlineKeyboardMarkup:
    options = [("yes", texts.CARRY_ON), ("stop", texts.STOP_PLAN)]
    return keyboards.choices(FLOW, plan_id, "carry", options, per_row=2)


async def _running_plan(update: Update, svc: Services) -> Plan | None:
    plan = await plans.live_plan_of(svc.db, user_id_of(update))
    if plan is None:
        await send(update, texts.NO_PLAN, keyboards.sos_reply_keyboard())
        return None
    if plan.status == "setup":
        text, markup = _time_view(plan.id) if plan.editing == "time" else _zone_view(plan.id)
        await send(update, f"{texts.SETUP_UNFINISHED}\n\n{text}", markup)
        return None
    return plan


async def leave_editing(svc: Services, user_id: int) -> bool:
    """/cancel while choosing a time or zone: a set-up is dropped, a settings change closed."""
    plan = await plans.live_plan_of(svc.db, user_id)
    if plan is None or plan.editing is None:
        return False
    if plan.status == "setup":
        await plans.end_plan(svc.db, plan.id, svc.now())
    else:
        await plans.set_editing(svc.db, plan.id, None)
    return True


# --- Blocking and coming back ----------------------------------------------------------------


async def on_my_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A private chat's member update tells us the user blocked (kicked) or unblocked us."""
    change = update.my_chat_member
    if change is None or change.chat.type != "private":
        return
    svc = services(context)
    user_id = change.from_user.id
    if change.new_chat_member.status == "kicked":
        await users.set_blocked(svc.db, user_id, svc.now())
        await plans.mark_unreachable(svc.db, user_id)
    elif change.new_chat_member.status == "member":
        await welcome_back(svc, user_id)


async def welcome_back(svc: Services, user_id: int) -> None:
    """The user is reachable again (a /start, or unblocking): resume scheduled check-ins."""
    await users.set_blocked(svc.db, user_id, None)
    plan = await plans.live_plan_of(svc.db, user_id)
    if plan is not None and plan.status == "unreachable":
        await plans.schedule(svc.db, plan.id, plan_clock.next_checkin(plan, svc.now()))


# --- Helpers and wiring ----------------------------------------------------------------------


def handlers() -> list[BaseHandler[Update, ContextTypes.DEFAULT_TYPE, None]]:
    return [
        CommandHandler("today", today, filters=PRIVATE),
        CommandHandler("progress", progress, filters=PRIVATE),
        CommandHandler("settings", settings, filters=PRIVATE),
        CommandHandler("pause", pause, filters=PRIVATE),
        CommandHandler("resume", resume, filters=PRIVATE),
        CommandHandler("stopplan", stop_plan, filters=PRIVATE),
        CallbackQueryHandler(on_offer, pattern=callbacks.matcher(FLOW, "offer", {"start"})),
        CallbackQueryHandler(
            on_time_pressed,
            pattern=callbacks.matcher(FLOW, "time", {t.replace(":", "") for t in TIME_CHOICES}),
        ),
        CallbackQueryHandler(
            on_zone_pressed,
            pattern=callbacks.matcher(FLOW, "zone", {str(i) for i in range(len(COMMON_ZONES))}),
        ),
        CallbackQueryHandler(
            on_settings_pressed, pattern=callbacks.matcher(FLOW, "settings", {"time", "zone"})
        ),
        CallbackQueryHandler(
            on_stop_or_resume_pressed, pattern=callbacks.matcher(FLOW, "stop", {"yes", "no"})
        ),
        CallbackQueryHandler(
            on_stop_or_resume_pressed, pattern=callbacks.matcher(FLOW, "carry", {"yes", "stop"})
        ),
        ChatMemberHandler(on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER),
    ]
