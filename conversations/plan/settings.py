"""/settings: the check-in time and zone of a running plan, and the athlete's emergency number.

The number is the athlete's, not the plan's: it can be set without a plan, and it follows
their country (see ``conversations.emergency``) unless they typed a number of their own.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from conversations import keyboards, language
from conversations.buttons import ButtonFamily, Refusal
from conversations.emergency import (
    ask_for_country,
    number_for,
    numbers_for,
    numbers_text,
    pressed_by_user,
)
from conversations.plan import setup, views
from conversations.plan.views import running
from conversations.replies import InlineKeyboard, WireButton, send, user_id_of
from conversations.services import Services, services
from conversations.texts import country as country_texts
from conversations.texts import plan as texts
from rules import emergency_numbers
from storage import plans, users
from storage.plans import PlanStatus, SettingField

CHANGE = "change"
# The emergency-number button acts on the athlete (ref: their user id), plan or no plan.
NUMBER_BUTTONS = ButtonFamily.of("user", "number", {CHANGE})


def _number_button(user_id: int) -> InlineKeyboard:
    return NUMBER_BUTTONS.keyboard(user_id, [(CHANGE, texts.CHANGE_NUMBER)])


def _language_button(user_id: int) -> list[list[WireButton]]:
    return [list(row) for row in language.settings_button(user_id).inline_keyboard]


async def settings(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    user_id = user_id_of(update)
    numbers = await numbers_for(svc, user_id)
    # The country unknown: "not set yet", and the numbers a warning sign would show below.
    number = numbers[0] if len(numbers) == 1 else country_texts.NUMBER_NOT_SET
    until_known = (
        ""
        if len(numbers) == 1
        else "\n\n" + country_texts.NUMBERS_UNTIL_KNOWN.format(numbers=numbers_text(numbers))
    )
    plan = await plans.live_plan_of(svc.db, user_id)
    if plan is None or plan.status is PlanStatus.SETUP:
        text = texts.SETTINGS_NO_PLAN.format(number=number) + until_known
        rows = [*_number_button(user_id).inline_keyboard, *_language_button(user_id)]
        await send(update, text, InlineKeyboard(rows))
        return
    text, markup = views.settings_view(plan, number)
    rows = [
        *markup.inline_keyboard,
        *_number_button(user_id).inline_keyboard,
        *_language_button(user_id),
    ]
    await send(update, text + until_known, InlineKeyboard(rows))


async def on_setting_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The check-in time or the zone of a running plan."""
    svc = services(context)
    result = await views.pressed_plan(update, svc, accepts=running)
    if isinstance(result, Refusal):
        return
    field = SettingField(result.choice)
    await plans.set_editing(svc.db, result.record.id, field)
    if field is SettingField.TIME:
        await send(update, *views.time_view(result.record.id))
    else:
        own_zone = await setup.own_zone(svc, result.record.user_id)
        await views.ask_zone(update, result.record.id, own_zone)


async def on_number_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    result = await pressed_by_user(update, svc)
    if isinstance(result, Refusal):
        return
    await ask_for_country(update, svc, result.record.user_id)


async def typed_emergency_number(update: Update, svc: Services) -> None:
    """A country (name or code) or a number typed after "Emergency number" in /settings."""
    message = update.effective_message
    assert message is not None
    user_id = user_id_of(update)
    typed = (message.text or "").strip()
    country = emergency_numbers.country_from_text(typed) if typed else None
    if country is not None:
        await users.set_country(svc.db, user_id, country)
    elif emergency_numbers.is_dialable(typed):
        await users.set_emergency_number(svc.db, user_id, typed)
    else:
        await send(update, texts.EMERGENCY_NUMBER_INVALID)
        return
    number = await number_for(svc, user_id)
    text = texts.EMERGENCY_NUMBER_SAVED.format(number=number)
    await send(update, text, keyboards.sos_reply_keyboard())
