"""The athlete's data rights, in the private chat: /mydata (what is kept, why, and who sees
it), /export (a copy of all of it, as a JSON file) and /delete (erase all of it, after one
confirmation).

The confirmation's buttons carry the moment it was asked (milliseconds since 1970) as their
``ref``. A press erases only if that question is recent, nothing was added since it was asked
(else it is asked again) and there is still something to erase (else the press says it is
already done): a second press, an old question after new data and a forged press erase
nothing. The SQL lives in ``storage.account``.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import escape
from typing import Any

from telegram import CallbackQuery, Update
from telegram.ext import (
    BaseHandler,
    CommandHandler,
    ContextTypes,
    filters,
)

from conversations import keyboards
from conversations.buttons import ButtonFamily, Refusal, pressed
from conversations.i18n.recipients import speaking_to
from conversations.replies import (
    InlineKeyboard,
    answer,
    chat_id_of,
    remove_buttons,
    send,
    send_document,
    user_id_of,
)
from conversations.services import Services, services
from conversations.team import names
from conversations.team.groups import notify
from conversations.team.menu import update_coach_menu
from conversations.texts import account as texts
from conversations.texts import common
from conversations.texts import team as team_texts
from storage import account, teams, unit_of_work
from storage.account import Erasure

_LOGGER = logging.getLogger(__name__)

PRIVATE = filters.ChatType.PRIVATE

DELETE, KEEP = "delete", "keep"
DELETE_BUTTONS = ButtonFamily.of("account", "erase", {DELETE, KEEP})

# Teams listed by /mydata (a message is at most 4,096 characters); /teams shows them all.
TEAMS_LISTED = 20

# A confirmation is good for a day: an older one is asked again.
CONFIRMATION_VALID = timedelta(days=1)
CLOCK_SLACK = timedelta(minutes=1)  # a question "asked" later than now is forged
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024  # Telegram's limit for a bot's document


# --- /mydata ---------------------------------------------------------------------------------


async def my_data(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """What is kept, why, and who sees it: the teams joined and the level chosen for each."""
    svc = services(context)
    user_id = user_id_of(update)
    await send(update, texts.MY_DATA.format(coaches=await _who_sees(svc, user_id)))


async def _who_sees(svc: Services, user_id: int) -> str:
    memberships = await teams.memberships_of(svc.db, user_id)
    lines = [texts.COACHES_HEADER] if memberships else [texts.NO_COACHES]
    for team, member in memberships[:TEAMS_LISTED]:
        coach_names = [coach.name for coach in await teams.coaches_of(svc.db, team.id)]
        lines.append(
            texts.COACH_LINE.format(
                team=escape(team.name),
                coaches=escape(", ".join(coach_names)) or texts.NO_COACH_NAMES,
                level=team_texts.LEVEL_NAMES[member.consent.value],
            )
        )
    if len(memberships) > TEAMS_LISTED:
        lines.append(texts.MORE_TEAMS.format(count=len(memberships) - TEAMS_LISTED))
    coached = await teams.teams_coached_by(svc.db, user_id)
    if coached:
        shown = [f"<b>{escape(team.name)}</b>" for team in coached[:TEAMS_LISTED]]
        if len(coached) > TEAMS_LISTED:
            shown.append(texts.MORE_COACHED.format(count=len(coached) - TEAMS_LISTED))
        lines.append(texts.YOU_COACH.format(teams=", ".join(shown)))
    return "".join(lines)


# --- /export ---------------------------------------------------------------------------------


async def export(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Everything kept about the user, as one JSON document (the README's "Your data")."""
    svc = services(context)
    user_id = user_id_of(update)
    if not await account.has_data(svc.db, user_id):
        await send(update, texts.NOTHING_STORED)
        return
    now = svc.now()
    data = await account.export_data(svc.db, user_id, now, current_update=update.update_id)
    body = json.dumps(data, ensure_ascii=False, indent=2).encode()
    if len(body) > MAX_DOCUMENT_BYTES:
        _LOGGER.warning("An export of %d bytes is over Telegram's document limit", len(body))
        await send(update, texts.EXPORT_TOO_BIG)
        return
    day = now.astimezone(UTC).date().isoformat()
    await send_document(
        chat_id_of(update),
        body,
        f"crampcoach-export-{day}.json",
        caption=texts.EXPORT_CAPTION.format(date=day),
    )


# --- /delete ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Question:
    """The confirmation a press answers: whose (always the presser's own) and when asked."""

    user_id: int
    asked_at: datetime


def _ref(asked_at: datetime) -> int:
    return int(asked_at.timestamp() * 1000)


def _confirmation(svc: Services, coaches: bool, lead: str = "") -> tuple[str, InlineKeyboard]:
    text = texts.CONFIRM_DELETE.format(coached=texts.CONFIRM_COACHED if coaches else "")
    options = [(DELETE, texts.DELETE_BUTTON), (KEEP, texts.KEEP_BUTTON)]
    return (f"{lead}\n\n{text}" if lead else text), DELETE_BUTTONS.keyboard(
        _ref(svc.now()), options
    )


async def ask_delete(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/delete: one confirmation, with what happens to the teams they coach."""
    svc = services(context)
    user_id = user_id_of(update)
    if not await account.has_data(svc.db, user_id):
        await send(update, texts.NOTHING_STORED)
        return
    coaches = bool(await teams.teams_coached_by(svc.db, user_id))
    await send(update, *_confirmation(svc, coaches))


async def on_delete_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    presser = user_id_of(update)

    async def load(ref: int) -> _Question | None:
        try:
            return _Question(presser, datetime.fromtimestamp(ref / 1000, UTC))
        except (ValueError, OverflowError, OSError):
            return None  # no instant at all: forged

    result = await pressed(update, load=load, owner=lambda q: q.user_id, answer=False)
    if isinstance(result, Refusal):
        return
    query = update.callback_query
    assert query is not None
    if result.choice == KEEP:
        await answer(query)
        await _drop_buttons(query)
        await send(update, texts.KEPT, keyboards.sos_reply_keyboard())
        return
    now, asked = svc.now(), result.record.asked_at
    if asked > now + CLOCK_SLACK or now - asked > CONFIRMATION_VALID:
        await answer(query, texts.QUESTION_EXPIRED)
        return
    if not await account.has_data(svc.db, presser):
        unit_of_work.current().forget_messages_to(presser)  # nothing about them: keep it so
        await answer(query, texts.ALREADY_DELETED)
        await _drop_buttons(query)
        return
    newest = await account.newest_activity(svc.db, presser)
    if newest is not None and newest > asked:
        await answer(query)
        coaches = bool(await teams.teams_coached_by(svc.db, presser))
        await send(update, *_confirmation(svc, coaches, texts.CONFIRM_AGAIN))
        return
    await answer(query)
    await erase(update, context, presser)
    await _drop_buttons(query)


async def erase(update: Update, context: ContextTypes.DEFAULT_TYPE, user_id: int) -> Erasure:
    """Erase every row about the user (one transaction), then what this process holds in
    memory; tell them, and tell the coaches who now run a team they coached."""
    svc = services(context)
    erasure = await account.delete_everything_about(
        svc.db, user_id, svc.now(), keep_update=update.update_id
    )
    # The conversation's steps and the episodes' timers went with the rows; this unit of work
    # must not write the steps back, and the name cache forgets them too.
    unit_of_work.current().forget_steps()
    # This unit's messages to them (this answer) leave no row behind once sent.
    unit_of_work.current().forget_messages_to(user_id)
    names.forget(user_id)
    _LOGGER.info(
        "A person's data was deleted: %d rows; %d teams handed over, %d closed",
        erasure.total,
        sum(1 for team in erasure.teams if not team.closed),
        sum(1 for team in erasure.teams if team.closed),
    )
    lines = [
        (texts.TEAM_CLOSED if team.closed else texts.TEAM_HANDED_OVER).format(
            team=escape(team.name)
        )
        for team in erasure.teams
    ]
    await send(
        update,
        # One format: a team's name (a group title) may hold braces of its own.
        texts.DELETED.format(teams="".join(lines), sos=common.SOS_BUTTON),
        keyboards.sos_reply_keyboard(),
    )
    for team in erasure.teams:
        for coach_id in team.remaining_coaches:
            async with speaking_to(svc.db, coach_id):
                await notify(coach_id, texts.CO_COACH_LEFT.format(team=escape(team.name)))
    if erasure.teams:  # they coached: their chat's coach menu goes
        await update_coach_menu(svc, user_id)
    return erasure


async def _drop_buttons(query: CallbackQuery) -> None:
    """The question is settled: its buttons go (a later press would be answered anyway)."""
    if query.message is not None:
        await remove_buttons(query.message.chat.id, query.message.message_id)


def handlers() -> list[BaseHandler[Update, Any, Any]]:
    return [
        CommandHandler("mydata", my_data, filters=PRIVATE),
        CommandHandler("export", export, filters=PRIVATE),
        CommandHandler("delete", ask_delete, filters=PRIVATE),
        DELETE_BUTTONS.handler(on_delete_pressed),
    ]
