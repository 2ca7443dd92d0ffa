"""The first /start asks which country the athlete is in, in one tap.

A red flag tells the person which number to call, and the right one depends on the country.
Asked once (``users.country_asked_at``), only while nothing tells us the country, and never on
the way into a cramp (``/start sos`` goes straight to the SOS flow). The countries offered are
guessed from the language of the athlete's app (``rules.country_guess``); "Another country"
leads to typing one (the /settings question), and a shared location answers it too
(``conversations.location``).
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from conversations import keyboards
from conversations.buttons import ButtonFamily, Refusal
from conversations.emergency import (
    ask_for_country,
    country_known,
    number_for,
    pressed_by_user,
)
from conversations.replies import InlineKeyboard, send
from conversations.services import Services, services
from conversations.texts import country as texts
from rules.country_guess import countries_for_language, flag
from rules.emergency_numbers import country_names
from storage import users

OTHER = "other"
# The country buttons act on the athlete (ref: their user id); a choice is an ISO code.
COUNTRY_BUTTONS = ButtonFamily.of(
    "user", "country", {code.lower() for code in country_names()} | {OTHER}
)


async def should_ask(svc: Services, user_id: int) -> bool:
    """Whether to ask now: the country unknown and never asked. Marks it asked if so."""
    if await country_known(svc, user_id):
        return False
    return await users.mark_country_asked(svc.db, user_id, svc.now())


def question(user_id: int, language_code: str | None) -> tuple[str, InlineKeyboard]:
    """The question, with the countries guessed from the app's language and "Another"."""
    options = [
        (
            code.lower(),
            texts.COUNTRY_BUTTON.format(flag=flag(code), name=texts.country_name(code)),
        )
        for code in countries_for_language(language_code)
    ]
    rows = [
        *COUNTRY_BUTTONS.rows(user_id, options, per_row=2),
        *COUNTRY_BUTTONS.rows(user_id, [(OTHER, texts.ANOTHER_COUNTRY)]),
    ]
    return texts.ASK_COUNTRY, InlineKeyboard(rows)


async def ask(update: Update, user_id: int) -> None:
    user = update.effective_user
    await send(update, *question(user_id, None if user is None else user.language_code))


async def on_country_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A country picked (its number confirmed), or "Another country" (type it)."""
    svc = services(context)
    result = await pressed_by_user(update, svc)
    if isinstance(result, Refusal):
        return
    user_id = result.record.user_id
    if result.choice == OTHER:
        await ask_for_country(update, svc, user_id)
        return
    country = result.choice.upper()
    await users.set_country(svc.db, user_id, country)
    text = texts.COUNTRY_SAVED.format(
        country=texts.country_name(country), number=await number_for(svc, user_id)
    )
    await send(update, text, keyboards.sos_reply_keyboard())
