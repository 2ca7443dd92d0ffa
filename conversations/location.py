"""A location shared at any time: where the athlete is, for the emergency number.

The zone is looked up offline (``rules.timezones``) and the country from it
(``rules.emergency_numbers``); both are kept on the athlete, the location itself never is.
The reply names the zone and the number the bot will now give, then brings back whatever was
waiting: the plan's zone question takes the location as before, an open check-in asks its
question again, and mid-cramp (:func:`mid_flow`) the SOS step comes back with its buttons.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import ContextTypes

from conversations import keyboards
from conversations.emergency import number_for
from conversations.heat import flow as heat_flow
from conversations.plan import setup, typed, views
from conversations.plan.checkin import current_question
from conversations.replies import send, user_id_of
from conversations.services import Services, services
from conversations.sos.states import OPEN_EPISODE_STATES
from conversations.stored_conversation import END
from conversations.texts import country as texts
from rules.emergency_numbers import country_of_zone
from rules.timezones import zone_for_location
from storage import plans, users
from storage.plans import SettingField

# An SOS step's handler: the next state, or None to stay (as conversations.sos.steps has it).
Callback = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, str | int | None]]
# conversations.sos.flow.nudge: a step's message again with its buttons, after a lead of ours.
Nudge = Callable[[str, str], Callback]


async def record(svc: Services, user_id: int, update: Update) -> str | None:
    """Keep the zone and country of the shared location; the confirmation to send, or None if
    the place has no time zone we know."""
    message = update.effective_message
    assert message is not None and message.location is not None
    zone = zone_for_location(message.location.latitude, message.location.longitude)
    if zone is None:
        return None
    await users.ensure_user(svc.db, user_id, svc.now())  # a location can be the first contact
    await users.set_zone_and_country(svc.db, user_id, zone, country_of_zone(zone))
    return texts.LOCATION_SAVED.format(zone=zone, number=await number_for(svc, user_id))


async def on_location(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A location outside the SOS flow: idle, in /settings, in plan set-up, at a check-in."""
    svc = services(context)
    user_id = user_id_of(update)
    message = update.effective_message
    assert message is not None
    plan = await plans.live_plan_of(svc.db, user_id)
    if plan is not None and plan.editing is SettingField.ZONE:
        # The plan's zone question: answered as before, and the athlete's zone kept too.
        await record(svc, user_id, update)
        await setup.on_location(update, context)
        return
    if await heat_flow.on_location(update, context):
        return  # the heat warning's place question took it
    confirmation = await record(svc, user_id, update) or texts.LOCATION_UNKNOWN
    checkin = None if plan is None else await plans.open_checkin_of(svc.db, plan.id)
    if plan is not None and plan.editing is SettingField.TIME:
        text, markup = views.time_view(plan.id)
    elif plan is not None and checkin is not None:
        text, markup = current_question(plan, checkin)
    else:
        await send(update, confirmation, markup=keyboards.sos_reply_keyboard())
        return
    # A question is waiting: asked again below, with its buttons.
    await send(update, f"{confirmation}\n\n{text}", markup=markup)


def mid_flow(state: str, nudge: Nudge) -> Callback:
    """A location at an SOS step: kept and confirmed, then the step again with its buttons.

    After the cramp eased (the questions about it), the plan may be waiting for a zone or a
    check-in answer: that takes the location, as outside the flow.
    """

    async def handle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int | None:
        svc = services(context)
        user_id = user_id_of(update)
        if state not in OPEN_EPISODE_STATES and await typed.waiting_for_input(svc, user_id):
            await on_location(update, context)
            return None
        confirmation = await record(svc, user_id, update) or texts.LOCATION_UNKNOWN
        result = await nudge(state, confirmation)(update, context)
        if result == END:
            # The flow was stale and has just been closed: the confirmation still goes out.
            message = update.effective_message
            assert message is not None
            await send(update, confirmation, markup=keyboards.sos_reply_keyboard())
        return result

    return handle
