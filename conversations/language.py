"""The language each person and group is spoken to in.

For every update, before any handler (``bot.application``): in a team's group, the team's
(its coach's at /team); elsewhere the person's: the one they chose with /language, or else
their Telegram app's (``language_code``, normalised: ``de-AT`` → German, an unknown or
malformed one → English). The app's is kept, so the messages the bot sends on its own
(check-ins, alerts, digests, sessions, heat warnings) are written in it too
(``conversations.i18n.recipients``). Only a language whose safety texts are complete is ever spoken
(``conversations.i18n.offered``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, CommandHandler, ContextTypes, filters

from conversations.buttons import ButtonFamily, Pressed, Refusal, pressed
from conversations.i18n.current import language, set_language
from conversations.i18n.offered import offered
from conversations.replies import InlineKeyboard, send, user_id_of
from conversations.services import Services, services
from conversations.sos import flow as sos_flow
from conversations.sos.states import FLOW as SOS_FLOW
from conversations.texts import language as texts
from rules.languages import ENGLISH, LANGUAGES, NATIVE_NAMES, normalise
from storage import teams, unit_of_work, users

PICK_BUTTONS = ButtonFamily.of("lang", "pick", LANGUAGES)
# /settings' "🌐 Language" button (ref: the user's id).
OPEN_BUTTONS = ButtonFamily.of("lang", "open", {"open"})


def settings_button(user_id: int) -> InlineKeyboard:
    return OPEN_BUTTONS.keyboard(user_id, [("open", texts.SETTINGS_BUTTON)])


@dataclass(frozen=True)
class UpdateLanguage:
    """The language of an update, and whether the person's kept one must follow their app."""

    spoken: str
    user_id: int | None = None  # set when their app's language is to be kept after the update

    async def keep(self, svc: Services) -> None:
        """After the handlers (the person's row may be new): the app's language kept."""
        if self.user_id is not None:
            await users.keep_app_language(svc.db, self.user_id, self.spoken)


async def language_for(svc: Services, update: Update) -> UpdateLanguage:
    """The language to answer this update in (see the module's docstring)."""
    chat, user = update.effective_chat, update.effective_user
    if chat is not None and chat.type != ChatType.PRIVATE:
        team = await teams.team_of_chat(svc.db, chat.id)
        if team is not None and team.status is teams.TeamStatus.ACTIVE:
            return UpdateLanguage(team.language if team.language in offered() else ENGLISH)
    if user is None or user.is_bot:
        return UpdateLanguage(ENGLISH)
    app = normalise(user.language_code, offered())
    unit = unit_of_work.current_or_none()
    if unit is not None and unit.conversation == (chat.id if chat else None, user.id):
        kept = unit.language_setting  # read with the conversation's steps, one statement
    else:
        kept = await users.language_setting(svc.db, user.id)
    if kept is not None and kept[1]:
        return UpdateLanguage(kept[0] if kept[0] in offered() else ENGLISH)
    # A new person's row (made by the handlers, if at all) starts in English.
    stored = ENGLISH if kept is None else kept[0]
    private = chat is not None and chat.type == ChatType.PRIVATE
    return UpdateLanguage(app, user.id if private and stored != app else None)


# --- /language -------------------------------------------------------------------------------


async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/language (or its button in /settings): the languages, each in its own name."""
    options = [(code, _label(code)) for code in offered()]
    markup = PICK_BUTTONS.keyboard(user_id_of(update), options, per_row=2)
    await send(update, texts.ASK.format(language=NATIVE_NAMES[language()]), markup)


async def _pressed_by_owner(update: Update) -> Pressed[int] | Refusal:
    """A press of one of these buttons by the person they were made for (ref: their id)."""

    async def load(user_id: int) -> int | None:
        return user_id

    return await pressed(update, load=load, owner=lambda user_id: user_id)


async def on_open(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/settings' language button: the same as /language."""
    result = await _pressed_by_owner(update)
    if not isinstance(result, Refusal):
        await ask(update, context)


def _label(code: str) -> str:
    return f"✓ {NATIVE_NAMES[code]}" if code == language() else NATIVE_NAMES[code]


async def on_pick(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A language chosen: kept, and spoken from this very reply on; a cramp being helped is
    shown again, in it."""
    svc = services(context)
    result = await _pressed_by_owner(update)
    if isinstance(result, Refusal) or result.choice not in offered():
        return
    await users.choose_language(svc.db, result.record, result.choice, svc.now())
    set_language(result.choice)
    await send(update, texts.CHOSEN.format(language=NATIVE_NAMES[result.choice]))
    step = unit_of_work.current().step(SOS_FLOW)  # read with the update's other steps
    if step is not None:
        await sos_flow.nudge(step, texts.CONTINUE)(update, context)


def handlers() -> list[BaseHandler[Update, Any, Any]]:
    return [
        CommandHandler("language", ask, filters=filters.ChatType.PRIVATE),
        PICK_BUTTONS.handler(on_pick),
        OPEN_BUTTONS.handler(on_open),
    ]
