"""A plan on hold after a warning sign, and the one question that lifts the hold.

A warning sign at a check-in (or an SOS episode that ended with "see a doctor") holds the plan:
no massage, stretching or exercise step until a doctor has seen the athlete. /today, the
reminders and the next check-ins ask, one tap, whether a doctor has seen and cleared them. Only
"cleared" lifts the hold: the plan goes on at the stage it was on, and an open check-in goes on
with its usual questions. "Not yet" says the hold's advice again, with the emergency number,
and counts as the day's answer (a held plan is not "unanswered").
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from conversations import keyboards
from conversations.buttons import Refusal
from conversations.emergency import number_for
from conversations.plan import views
from conversations.plan.checkin import pain_question
from conversations.plan.views import CLEARED, doctor_buttons, muscle_of, on_hold
from conversations.replies import send
from conversations.services import services
from conversations.texts import recovery as advice
from storage import plans


async def on_doctor_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """ "A doctor has seen me and cleared me", or "Not yet", on a plan that is on hold."""
    svc = services(context)
    result = await views.pressed_plan(update, svc, accepts=on_hold)
    if isinstance(result, Refusal):
        return
    plan = result.record
    checkin = await plans.open_checkin_of(svc.db, plan.id)
    if result.choice == CLEARED:
        if not await plans.clear_hold(svc.db, plan.id):
            return  # pressed twice at once: the first press answered
        cleared = advice.CLEARED.format(stage=advice.stage_name(plan.stage))
        if checkin is not None and checkin.pain is None:
            # Today's check-in goes on with its usual questions.
            text, markup = pain_question(plan, checkin)
            await send(update, f"{cleared}\n\n{text}", markup)
            return
        lifted = await plans.get_plan(svc.db, plan.id)
        assert lifted is not None
        today = views.today_text(lifted, svc.now())
        await send(update, f"{cleared}\n\n{today}", keyboards.sos_reply_keyboard())
        return
    if checkin is not None and checkin.pain is None:
        # The day's answer: the stage stays as it was, and the plan is not "unanswered".
        await plans.complete_checkin(
            svc.db,
            checkin,
            warning_sign=False,
            decision="held",
            stage_before=plan.stage,
            stage_after=plan.stage,
            now=svc.now(),
        )
    number = await number_for(svc, plan.user_id)
    text = advice.for_muscle(advice.NOT_SEEN_YET.format(number=number), muscle_of(plan))
    await send(update, text, doctor_buttons(plan.id, not_yet=False))
