"""The first /start asks which country the athlete is in, in one tap.

A red flag tells the person which number to call, and the right one depends on the country.
Asked once (``users.country_asked_at``), only while nothing tells us the country, and never on
the way into a cramp (``/start sos`` goes straight to the SOS flow). The countries offered are
guessed from the language of the athlete's app (``rules.country_guess``); "Another country"
leads to typing one (the /settings question), and a shared location answers it too
(``conversations.location``).
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from conversations import keyboards
from conversations.buttons import ButtonFamily, Refusal, pressed
from conversations.emergency import country_known, number_for
from conversations.replies import send
from conversations.services import Services, services
from conversations.texts import country as texts
from conversations.texts import plan as plan_texts
from rules.country_guess import countries_for_language, flag
from rules.emergency_numbers import country_names
from storage import users
from storage.users import Awaiting, User

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


def question(user_id: int, language_code: str | None) -> tuple[str, InlineKeyboardMarkup]:
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
    return texts.ASK_COUNTRY, InlineKeyboardMarkup(rows)


async def ask(update: Update, user_id: int) -> None:
    user = update.effective_user
    await send(update, *question(user_id, None if user is None else user.language_code))


async def on_country_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A country picked (its number confirmed), or "Another country" (type it)."""
    svc = services(context)

    async def load(user_id: int) -> User | None:
        return await users.ensure_user(svc.db, user_id, svc.now())

    result = await pressed(update, load=load, owner=lambda user: user.user_id)
    if isinstance(result, Refusal):
        return
    user_id = result.record.user_id
    if result.choice == OTHER:
        await users.set_awaiting(svc.db, user_id, Awaiting.EMERGENCY_NUMBER)
        await send(update, plan_texts.ASK_EMERGENCY_NUMBER)
        return
    country = result.choice.upper()
    await users.set_country(svc.db, user_id, country)
    text = texts.COUNTRY_SAVED.format(
        country=texts.country_name(country), number=await number_for(svc, user_id)
    )
    await send(update, text, keyboards.sos_reply_keyboard())
