"""Typed text (and anything else sent) outside the SOS flow: an emergency number or country
asked for in /settings, a setting being chosen, a pain score for an open check-in, or nothing
we are waiting for."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from conversations.general import idle_reply
from conversations.heat import flow as heat_flow
from conversations.plan.checkin import current_question, record_pain
from conversations.plan.settings import typed_emergency_number
from conversations.plan.setup import typed_setting
from conversations.prevention import flow as prevention_flow
from conversations.prevention import weekly as prevention_weekly
from conversations.replies import send, user_id_of
from conversations.services import Services, services
from conversations.team.coach import typed_team_name
from conversations.texts import plan as texts
from rules import recovery as rules
from storage import plans, users


async def waiting_for_input(svc: Services, user_id: int) -> bool:
    """Whether the bot is waiting for something typed: a setting or a check-in answer."""
    user = await users.ensure_user(svc.db, user_id, svc.now())
    if user.awaiting is not None:
        return True
    plan = await plans.live_plan_of(svc.db, user_id)
    if plan is None:
        return False
    return plan.editing is not None or await plans.open_checkin_of(svc.db, plan.id) is not None


async def on_private_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    message = update.effective_message
    assert message is not None
    user_id = user_id_of(update)
    user = await users.ensure_user(svc.db, user_id, svc.now())
    if user.awaiting is users.Awaiting.EMERGENCY_NUMBER:
        await typed_emergency_number(update, svc)
        return
    if user.awaiting is users.Awaiting.TEAM_NAME:
        await typed_team_name(update, context)
        return
    plan = await plans.live_plan_of(svc.db, user_id)
    if plan is not None and plan.editing is not None:
        await typed_setting(update, context, plan)
        return
    checkin = None if plan is None else await plans.open_checkin_of(svc.db, plan.id)
    if plan is not None and checkin is not None:
        # A plan on hold takes no pain score: its question is the doctor's (with its buttons).
        if checkin.pain is None and message.text is not None and not plan.held:
            pain = rules.parse_pain(message.text)
            if pain is not None:
                await record_pain(update, svc, checkin, pain)
                return
        text, markup = current_question(plan, checkin)
        await send(update, f"{texts.ANSWER_WITH_BUTTONS}\n\n{text}", markup=markup)
        return
    step = await heat_flow.waiting_step(svc, user_id)
    if step is not None:
        await heat_flow.typed_text(update, context, step)
        return
    if await prevention_flow.waiting_step(svc, user_id) is not None:
        await prevention_flow.typed_text(update, context)
        return
    if await prevention_weekly.typed_text(update, context):
        return
    await idle_reply(update, context)
