"""The commands that run a plan: /today, /progress, /pause, /resume, /stopplan,
and the answers to "stop the plan?" and "carry on?"."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from conversations import keyboards
from conversations.buttons import Refusal
from conversations.history import personal_pattern
from conversations.plan import views
from conversations.plan.chart import render_progress_png
from conversations.plan.setup import next_open_checkin
from conversations.plan.views import CARRY_BUTTONS, STOP, YES, any_live
from conversations.prevention.summary import send_summary
from conversations.replies import chat_id_of, send, send_photo, user_id_of
from conversations.services import Services, services
from conversations.texts import plan as texts
from conversations.texts import recovery as advice
from rules import plan_clock
from rules.chart_layout import ChartPoint
from rules.recovery import Stage
from storage import plans, teams
from storage.plans import Plan, PlanStatus


async def today(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    plan = await _running_plan(update, svc)
    if plan is None:
        return
    text = views.today_text(plan, svc.now())
    if plan.next_checkin_at is not None:
        text += "\n\n" + texts.NEXT_CHECKIN.format(when=views.when(plan, plan.next_checkin_at))
    if plan.held:
        # On hold after a warning sign: the one question that can lift the hold.
        await send(update, f"{text}\n\n{texts.ASK_DOCTOR}", views.doctor_buttons(plan.id))
        return
    await send(update, text)


async def progress(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Days, stages and pain by day, as text and as a chart; for a prevention programme's
    follower, the fortnight's summary picture beside it (alone once the plan is over)."""
    svc = services(context)
    user_id = user_id_of(update)
    no_plan = await plans.live_plan_of(svc.db, user_id) is None
    if no_plan and await send_summary(svc, user_id, chat_id_of(update)):
        return
    plan = await _running_plan(update, svc)
    if plan is None:
        return
    history = await plans.checkins_of(svc.db, plan.id)
    now = svc.now()
    header = texts.PROGRESS_HEADER.format(
        day=plan_clock.plan_day(plan.cramp_at, plan.zone, now),
        stage=advice.stage_name(plan.stage),
    )
    answered = [c for c in history if c.answered_at is not None]
    if not answered:
        when = views.when(plan, plan.next_checkin_at)
        await send(update, f"{header}\n\n{texts.PROGRESS_EMPTY.format(when=when)}")
        await send_summary(svc, plan.user_id, chat_id_of(update))
        return
    lines = [
        texts.PROGRESS_HELD_LINE.format(day=c.day)
        if c.pain is None  # answered "not yet" to the doctor question of a plan on hold
        else texts.PROGRESS_LINE.format(
            day=c.day,
            pain=c.pain,
            stage=advice.stage_name(c.stage_after or Stage.REST),
            note=texts.PROGRESS_WARNING_MARK if c.warning_sign else "",
        )
        for c in answered
    ]
    pattern = await personal_pattern(svc, plan.user_id)
    await send(update, "\n".join([header, *lines, *([f"\n{pattern}"] if pattern else [])]))
    points = [ChartPoint(c.day, c.pain, c.stage_after or Stage.REST) for c in answered]
    await send_photo(
        chat_id_of(update),
        render_progress_png(points),
        texts.PROGRESS_CAPTION,
        filename="progress.png",
    )
    await send_summary(svc, plan.user_id, chat_id_of(update))


async def pause(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    plan = await _running_plan(update, svc)
    if plan is None:
        return
    await plans.schedule(svc.db, plan.id, None, status=PlanStatus.PAUSED)
    await send(update, texts.PAUSED)


async def resume(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    plan = await _running_plan(update, svc)
    if plan is None:
        return
    if plan.status is PlanStatus.ACTIVE:
        await send(update, texts.NOT_PAUSED.format(when=views.when(plan, plan.next_checkin_at)))
        return
    await _resume(update, svc, plan)


async def _resume(update: Update, svc: Services, plan: Plan) -> None:
    next_at = await next_open_checkin(svc, plan)
    await plans.schedule(svc.db, plan.id, next_at)
    await send(update, texts.RESUMED.format(when=views.when(plan, next_at)))


async def stop_plan(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    plan = await plans.live_plan_of(svc.db, user_id_of(update))
    if plan is None:
        await send(update, texts.NO_PLAN)
        return
    await send(update, *views.stop_view(plan.id))


async def on_stop_or_resume_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers to "stop the plan?" and to "carry on?" after three unanswered days."""
    svc = services(context)
    result = await views.pressed_plan(update, svc, accepts=any_live)
    if isinstance(result, Refusal):
        return
    plan, carry_question = result.record, result.step == CARRY_BUTTONS.step
    # "yes" means "stop it" to /stopplan's question but "carry on" to the paused plan's.
    stop = result.choice == STOP if carry_question else result.choice == YES
    if stop:
        await plans.end_plan(svc.db, plan.id, svc.now())
        await teams.leave_all(svc.db, plan.user_id)  # off every roster too
        await send(update, texts.STOPPED, keyboards.sos_reply_keyboard())
    elif carry_question:
        await _resume(update, svc, plan)
    else:
        await send(update, texts.KEPT)


async def _running_plan(update: Update, svc: Services) -> Plan | None:
    """The user's plan for a command, or None after saying why there is none to act on."""
    plan = await plans.live_plan_of(svc.db, user_id_of(update))
    if plan is None:
        await send(update, texts.NO_PLAN, keyboards.sos_reply_keyboard())
        return None
    if plan.status is PlanStatus.SETUP:
        text, markup = views.setting_view(plan)
        await send(update, f"{texts.SETUP_UNFINISHED}\n\n{text}", markup)
        return None
    return plan
