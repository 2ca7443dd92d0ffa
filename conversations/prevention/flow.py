"""/prevent and the prevention programme: the advice fitted to the athlete's pattern, the
offer, the set-up (2 or 3 weekdays, then an hour), its state (resume, change days, stop), a
new cramp's pause, and the strength sessions the scheduler queues and their answers.

Where the set-up stands is ``programmes.editing`` (days, then time): typed text at a set-up
step goes to :func:`typed_text` (called by the private chat's catch-all) and gets a kind reply
with the step's buttons again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, ContextTypes, filters

from conversations import keyboards
from conversations.buttons import Press, Pressed, Refusal, pressed
from conversations.heat import flow as heat_flow
from conversations.prevention import views
from conversations.replies import InlineKeyboard, send, send_to, user_id_of
from conversations.services import Services, services
from conversations.texts import prevention as texts
from conversations.texts import sos as sos_texts
from conversations.texts.common import long_date
from rules import patterns
from rules import prevention as rules
from rules.plan_clock import zone_named
from rules.recovery import local_date_of, parse_local_time
from rules.strength import Answer, Move, next_level
from storage import episodes, heat, plans, prevention, users
from storage.episodes import Episode, Outcome
from storage.outbox import Kind
from storage.prevention import Editing, Programme, ProgrammeStatus, Session, Slot

PRIVATE = filters.ChatType.PRIVATE
SESSION_ORIGIN = "prevention-session:"  # the unit of work queueing a session (bot.scheduler)


# --- Where the athlete stands ----------------------------------------------------------------


async def _zone_of(svc: Services, user_id: int) -> str | None:
    plan = await plans.live_plan_of(svc.db, user_id)
    if plan is not None and plan.zone:
        return plan.zone
    user = await users.ensure_user(svc.db, user_id, svc.now())
    return user.zone


async def _newest_cramp_at(svc: Services, user_id: int) -> datetime | None:
    """The newest cramp of the athlete's own (or the live plan's cramp): the two weeks without
    strength work count from it."""
    instants = []
    plan = await plans.live_plan_of(svc.db, user_id)
    if plan is not None:
        instants.append(plan.cramp_at)
    episode = await episodes.latest_own_episode_of(svc.db, user_id)
    if episode is not None and episode.outcome is not Outcome.CANCELLED:
        instants.append(episode.started_at)
    return max(instants) if instants else None


async def _allowed(svc: Services, user_id: int) -> tuple[bool, str]:
    """Whether strength work may start now, and from which date (day 14) if not."""
    cramp_at = await _newest_cramp_at(svc, user_id)
    zone = zone_named(await _zone_of(svc, user_id))
    if cramp_at is None or rules.may_offer(cramp_at, svc.now(), zone):
        return True, ""
    day = local_date_of(cramp_at, zone) + timedelta(days=rules.OFFER_FROM_DAY)
    return False, long_date(day)


async def _history(svc: Services, user_id: int) -> list[patterns.Circumstances]:
    return [
        patterns.Circumstances(e.activity, e.time_into, e.hot_conditions, e.heavy_clothing)
        for e in await episodes.episodes_of(svc.db, user_id)
        if e.context == "exercise" and e.outcome is not Outcome.CANCELLED
    ]


async def advice_view(svc: Services, user_id: int) -> tuple[str, list[rules.Lead]]:
    """The article's advice, the athlete's own factor first; never electrolytes."""
    history = await _history(svc, user_id)
    order = list(rules.advice_order(history))
    lines = [texts.ADVICE_HEADER]
    if patterns.strongest_pattern(history) is not None:
        lines.append(texts.YOUR_PATTERN_FIRST)
    lines.extend(texts.ADVICE[lead.value] for lead in order)
    lines.append(texts.NOT_SALT)
    return "\n\n".join(lines), order


def state_view(programme: Programme) -> tuple[str, InlineKeyboard]:
    user_id = programme.user_id
    if programme.status is ProgrammeStatus.ACTIVE:
        text = texts.STATE_ACTIVE.format(
            level=programme.level,
            days=views.days_text(programme.weekdays),
            time=programme.session_time,
            when=views.when_text(programme.next_session_at, programme.zone),
        )
        return text, views.state_buttons(user_id, paused=False)
    if programme.status is ProgrammeStatus.PAUSED:
        return texts.STATE_PAUSED, views.state_buttons(user_id, paused=True)
    return texts.OFFER, views.offer_buttons(user_id)


async def prevent(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/prevent: before day 14, why not yet and the general facts; after it, the advice in the
    athlete's order with the programme's offer or its state."""
    svc = services(context)
    user_id = user_id_of(update)
    await users.ensure_user(svc.db, user_id, svc.now())
    allowed, strength_from = await _allowed(svc, user_id)
    if not allowed:
        text = f"{texts.NOT_YET.format(strength_from=strength_from)}\n\n{sos_texts.PREVENT}"
        await send(update, text, keyboards.sos_reply_keyboard())
        return
    advice, order = await advice_view(svc, user_id)
    programme = await prevention.programme_of(svc.db, user_id)
    if programme is not None and programme.editing is not None:
        await send(update, advice)
        await _ask_step(svc, update, programme)
        return
    if programme is None or programme.status is ProgrammeStatus.SETUP:
        text, markup = texts.OFFER, views.offer_buttons(user_id)
    else:
        text, markup = state_view(programme)
    if order[0] is rules.Lead.HEAT and not await _heat_on(svc, user_id):
        markup = InlineKeyboard(
            [*markup.inline_keyboard, *heat_flow.offer_buttons(user_id).inline_keyboard]
        )
    await send(update, f"{advice}\n\n{text}", markup)


async def _heat_on(svc: Services, user_id: int) -> bool:
    settings = await heat.settings_of(svc.db, user_id)
    return settings is not None and settings.enabled


# --- The set-up ------------------------------------------------------------------------------


async def _ask_step(svc: Services, update: Update, programme: Programme, lead: str = "") -> None:
    """The current set-up step's question and buttons (after ``lead``, if any)."""
    prefix = f"{lead}\n\n" if lead else ""
    if programme.editing is Editing.TIME:
        await send(update, prefix + texts.ASK_TIME, views.time_buttons(programme.user_id))
        return
    chosen = rules.parse_weekdays(programme.weekdays)
    await send(update, prefix + texts.ASK_DAYS, views.day_buttons(programme.user_id, chosen))


async def _start_setup(svc: Services, update: Update) -> None:
    user_id = user_id_of(update)
    allowed, strength_from = await _allowed(svc, user_id)
    if not allowed:
        await send(update, texts.NOT_YET.format(strength_from=strength_from))
        return
    programme = await prevention.start_setup(
        svc.db, user_id, user_id, await _zone_of(svc, user_id), svc.now()
    )
    await _ask_step(svc, update, programme)


async def _load(svc: Services, user_id: int) -> Programme | None:
    return await prevention.programme_of(svc.db, user_id)


async def _pressed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, editing: Editing | None
) -> Pressed[Programme] | Refusal:
    svc = services(context)

    async def load(user_id: int) -> Programme | None:
        return await _load(svc, user_id)

    async def check(programme: Programme, press: Press) -> Refusal | None:
        return None if programme.editing is editing else Refusal.EXPIRED

    return await pressed(update, load=load, owner=lambda p: p.user_id, check=check)


async def on_offer_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    await users.ensure_user(svc.db, user_id_of(update), svc.now())
    result = await pressed(update, load=_same_id, owner=lambda user_id: user_id)
    if not isinstance(result, Refusal):
        await _start_setup(svc, update)


async def _same_id(user_id: int) -> int:
    return user_id


async def on_day_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    result = await _pressed(update, context, Editing.DAYS)
    if isinstance(result, Refusal):
        return
    programme, user_id = result.record, user_id_of(update)
    chosen = set(rules.parse_weekdays(programme.weekdays))
    if result.choice == views.DONE:
        if len(chosen) < rules.MIN_SESSIONS_PER_WEEK:
            await _ask_step(svc, update, programme, texts.PICK_MORE_DAYS)
            return
        await prevention.set_editing(svc.db, user_id, Editing.TIME, svc.now())
        await send(update, texts.ASK_TIME, views.time_buttons(user_id))
        return
    day = int(result.choice)
    if day in chosen:
        chosen.discard(day)
    elif len(chosen) >= rules.MAX_SESSIONS_PER_WEEK:
        await _ask_step(svc, update, programme, texts.AT_MOST_THREE)
        return
    else:
        chosen.add(day)
    await prevention.set_weekdays(svc.db, user_id, rules.weekdays_text(chosen), svc.now())
    await send(update, texts.ASK_DAYS, views.day_buttons(user_id, frozenset(chosen)))


async def on_time_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    result = await _pressed(update, context, Editing.TIME)
    if not isinstance(result, Refusal):
        await _activate(services(context), update, result.record, f"{result.choice}:00")


async def _activate(
    svc: Services, update: Update, programme: Programme, session_time: str | None
) -> None:
    """Schedule the sessions (and the weekly check-in) and say so."""
    now = svc.now()
    hhmm = session_time or programme.session_time or "18:00"
    zone_name = programme.zone or await _zone_of(svc, programme.user_id) or "UTC"
    zone = zone_named(zone_name)
    at = datetime.strptime(hhmm, "%H:%M").time()
    weekdays = rules.parse_weekdays(programme.weekdays)
    first = rules.next_session(weekdays, at, zone, now)
    await prevention.activate(
        svc.db,
        programme.user_id,
        session_time=hhmm,
        zone=zone_name,
        next_session_at=first,
        next_week_at=rules.next_weekly_checkin(at, zone, now),
        now=now,
    )
    text = texts.STARTED.format(
        days=views.days_text(programme.weekdays),
        time=hhmm,
        when=views.when_text(first, zone_name),
        level=programme.level,
    )
    await send(update, text, keyboards.sos_reply_keyboard())


async def on_state_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    result = await _pressed(update, context, None)
    if isinstance(result, Refusal):
        return
    programme, user_id = result.record, user_id_of(update)
    if result.choice == views.STOP:
        await prevention.stop(svc.db, user_id, svc.now())
        await send(update, texts.STOPPED, keyboards.sos_reply_keyboard())
        return
    allowed, strength_from = await _allowed(svc, user_id)
    if not allowed:
        await send(update, texts.NOT_YET.format(strength_from=strength_from))
        return
    resumable = len(rules.parse_weekdays(programme.weekdays)) >= rules.MIN_SESSIONS_PER_WEEK
    if result.choice == views.RESUME and programme.status is ProgrammeStatus.PAUSED and resumable:
        await _activate(svc, update, programme, None)
        return
    if programme.status is ProgrammeStatus.STOPPED:
        await send(update, texts.STOPPED)
        return
    # The days it has stay ticked (and kept if /cancel leaves the change); no session is
    # claimed while they are being changed (storage.prevention's claim), Done reschedules.
    await prevention.set_editing(svc.db, user_id, Editing.DAYS, svc.now())
    fresh = await prevention.programme_of(svc.db, user_id)
    assert fresh is not None
    await _ask_step(svc, update, fresh)


async def waiting_step(svc: Services, user_id: int) -> Editing | None:
    programme = await prevention.programme_of(svc.db, user_id)
    return None if programme is None else programme.editing


async def typed_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Text at a set-up step: a time at the time step is taken; anything else gets a kind
    reply and the step's buttons again."""
    svc = services(context)
    message = update.effective_message
    assert message is not None
    programme = await prevention.programme_of(svc.db, user_id_of(update))
    assert programme is not None
    if programme.editing is Editing.TIME and message.text:
        when = parse_local_time(message.text.strip())
        if when is not None:
            await _activate(svc, update, programme, when.strftime("%H:%M"))
            return
    await _ask_step(svc, update, programme, texts.USE_THE_BUTTONS)


async def leave_setup(svc: Services, user_id: int) -> bool:
    """/cancel: the set-up's question is no longer asked. True if one was. A first set-up is
    dropped; a change of days on a running programme keeps the days ticked if there are
    enough of them (rescheduled from now), else the programme waits, paused, for new ones."""
    before = await prevention.programme_of(svc.db, user_id)
    if not await prevention.leave_setup(svc.db, user_id, svc.now()):
        return False
    assert before is not None
    if before.status is ProgrammeStatus.ACTIVE:
        weekdays = rules.parse_weekdays(before.weekdays)
        if len(weekdays) < rules.MIN_SESSIONS_PER_WEEK or before.session_time is None:
            await prevention.pause(svc.db, user_id, svc.now())
            return True
        zone_name = before.zone or "UTC"
        zone = zone_named(zone_name)
        at = datetime.strptime(before.session_time, "%H:%M").time()
        await prevention.activate(
            svc.db,
            user_id,
            session_time=before.session_time,
            zone=zone_name,
            next_session_at=rules.next_session(weekdays, at, zone, svc.now()),
            next_week_at=rules.next_weekly_checkin(at, zone, svc.now()),
            now=svc.now(),
        )
    return True


# --- A new cramp ------------------------------------------------------------------------------


async def pause_for_cramp(svc: Services, episode: Episode) -> bool:
    """A new cramp of the athlete's own pauses a running programme (strength work waits two
    weeks again). True if it was running."""
    if episode.helper:
        return False
    return await prevention.pause(svc.db, episode.user_id, svc.now())


# --- The sessions (queued by the scheduler, each in its own unit) --------------------------


def session_slot(programme: Programme, *, now: datetime) -> Slot:
    """The latest session due by ``now`` (one after downtime) and the next one after it."""
    zone = zone_named(programme.zone)
    weekdays = rules.parse_weekdays(programme.weekdays)
    at = datetime.strptime(programme.session_time or "18:00", "%H:%M").time()
    due = programme.next_session_at or now
    while True:
        following = rules.next_session(weekdays, at, zone, due)
        if following is None or following > now:
            break
        due = following
    # No days (never so outside a change of days, which is not claimed): a week on, not a crash.
    next_at = rules.next_session(weekdays, at, zone, now) or now + timedelta(days=7)
    return Slot(local_date_of(due, zone), next_at)


async def queue_session(svc: Services, programme: Programme, session: Session) -> None:
    """A claimed session's message, marked sent in the same unit of work."""
    await send_to(
        programme.chat_id,
        views.session_text(session.level),
        views.session_buttons(session.id),
        kind=Kind.PROMPT,
        background=True,
    )
    await prevention.mark_session_sent(svc.db, session.id, svc.now())


async def on_session_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Done, too hard, skip or it hurt: the progression rule and what changes."""
    svc = services(context)

    async def load(session_id: int) -> Session | None:
        return await prevention.get_session(svc.db, session_id)

    async def check(session: Session, press: Press) -> Refusal | None:
        if session.answer is not None:
            return Refusal.ALREADY_ANSWERED
        newest = await prevention.newest_session_of(svc.db, session.user_id)
        programme = await prevention.programme_of(svc.db, session.user_id)
        if newest is None or newest.id != session.id or programme is None:
            return Refusal.EXPIRED
        if programme.status is not ProgrammeStatus.ACTIVE:
            return Refusal.EXPIRED
        return None

    result = await pressed(update, load=load, owner=lambda s: s.user_id, check=check)
    if isinstance(result, Refusal):
        return
    session, answer = result.record, Answer(result.choice)
    if not await prevention.record_answer(svc.db, session.id, answer, svc.now()):
        return
    programme = await prevention.programme_of(svc.db, session.user_id)
    assert programme is not None
    progress = next_level(
        programme.level,
        await prevention.answers_at_level(svc.db, session.user_id, programme.level),
    )
    if progress.level != programme.level:
        await prevention.set_level(svc.db, session.user_id, progress.level, svc.now())
    await send(update, _answer_text(answer, progress.move, progress.level))


def _answer_text(answer: Answer, move: Move, level: int) -> str:
    if answer is Answer.SKIPPED:
        return texts.SKIPPED
    if move is Move.UP:
        return texts.MOVED_UP.format(level=level)
    if move is Move.BACK:
        template = texts.STEPPED_BACK_PAIN if answer is Answer.PAIN else texts.STEPPED_BACK_HARD
        return template.format(level=level)
    if answer is Answer.PAIN:
        return texts.PAIN_AT_FIRST_LEVEL
    if answer is Answer.TOO_HARD:
        return texts.HOLD_LEVEL
    return texts.TOP_LEVEL if move is Move.SAME and level >= 6 else texts.KEEP_GOING


def handlers() -> list[BaseHandler[Update, Any, Any]]:
    return [
        CommandHandler("prevent", prevent, filters=PRIVATE),
        views.OFFER_BUTTONS.handler(on_offer_pressed),
        views.DAY_BUTTONS.handler(on_day_pressed),
        views.TIME_BUTTONS.handler(on_time_pressed),
        views.STATE_BUTTONS.handler(on_state_pressed),
        views.SESSION_BUTTONS.handler(on_session_pressed),
    ]
