"""``/start`` and the payloads deep links carry (``t.me/<bot>?start=<payload>``).

One owner for every payload, routed here:

* none: the welcome (and, the first time, which country the athlete is in:
  ``conversations.country``);
* ``sos``: the SOS flow (its entry point takes it, see ``conversations.sos.flow``);
* ``help``: the help (the group pointer of /help: asking for help is not a cramp);
* ``join_<token>``: a team invitation: the consent screen (``conversations.team.join``);
* anything else: the welcome, with a word that the link was not recognised.

A deep link never cancels an open SOS flow: the flow registers :data:`OTHER_LINK` on every
step and brings the step back (the cramp first).
"""

from __future__ import annotations

from enum import Enum

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, ContextTypes, filters

from conversations import country, general, keyboards
from conversations.membership import welcome_back
from conversations.replies import send, sos_text, user_id_of
from conversations.services import services
from conversations.team import join
from conversations.team.menu import update_coach_menu
from conversations.texts import common
from conversations.texts import country as country_texts
from storage import teams, users

PRIVATE = filters.ChatType.PRIVATE


class Payload(Enum):
    NONE = "none"
    SOS = "sos"
    HELP = "help"
    JOIN = "join"
    UNKNOWN = "unknown"


def classify(args: list[str]) -> Payload:
    """Which kind of deep link ``/start`` carried (``context.args``)."""
    if not args:
        return Payload.NONE
    if len(args) == 1 and args[0] == "sos":
        return Payload.SOS
    if len(args) == 1 and args[0] == "help":
        return Payload.HELP
    if len(args) == 1 and args[0].startswith("join_"):
        return Payload.JOIN
    return Payload.UNKNOWN


def payload_of(context: ContextTypes.DEFAULT_TYPE) -> Payload:
    return classify(list(context.args or []))


# Filters for handlers that must tell the kinds apart before their callback runs.
SOS_LINK = filters.Regex(r"^/start(@\w+)?\s+sos\s*$")
OTHER_LINK = filters.Regex(r"^/start(@\w+)?\s+\S") & ~SOS_LINK


async def welcome(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """What the bot does and that it is not medical advice; then, once, the country question.

    Asking, the welcome brings a "share my location" button (with 🆘 Cramp) under the text
    field: a reply keyboard, as inline buttons cannot ask for a location.
    """
    svc = services(context)
    user_id = user_id_of(update)
    await users.ensure_user(svc.db, user_id, svc.now())
    await users.mark_disclaimer_seen(svc.db, user_id, svc.now())
    await welcome_back(svc, user_id)  # resumes check-ins after a block
    if await teams.teams_coached_by(svc.db, user_id):
        # Telegram refuses a menu for a chat it has not seen: a coach who made a team before
        # opening this chat gets theirs now.
        await update_coach_menu(svc, user_id)
    message = update.effective_message
    assert message is not None
    asking = await country.should_ask(svc, user_id)
    markup = (
        keyboards.location_keyboard(country_texts.SHARE_MY_LOCATION)
        if asking
        else keyboards.sos_reply_keyboard()
    )
    await send(update, sos_text(common.WELCOME), markup=markup)
    if asking:
        await country.ask(update, user_id)


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start outside any flow, routed by its payload."""
    kind = payload_of(context)
    token = join.token_of(list(context.args or []))
    if kind is Payload.JOIN and token is not None:
        await join.show_invitation(update, services(context), token)
        return
    if kind is Payload.HELP:
        await general.show_help(update, context)
        return
    if kind is Payload.UNKNOWN:
        message = update.effective_message
        assert message is not None
        await send(update, common.UNKNOWN_LINK)
    await welcome(update, context)


def handlers() -> list[BaseHandler[Update, ContextTypes.DEFAULT_TYPE, None]]:
    return [CommandHandler("start", on_start, filters=PRIVATE)]
