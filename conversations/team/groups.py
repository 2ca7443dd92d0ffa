"""A team's life in its group: the greeting, /team, /coach and /tip, an upgrade to a
supergroup, and the bot's removal. Quiet otherwise: nothing here names an athlete."""

from __future__ import annotations

from html import escape
from typing import Any

from telegram import Update, User
from telegram.ext import (
    BaseHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from conversations import keyboards
from conversations.group_quiet import may_answer
from conversations.i18n.current import language as current_language
from conversations.i18n.recipients import speaking_to
from conversations.membership import GROUP_EVENTS, GroupEvent
from conversations.replies import send, send_to
from conversations.services import services
from conversations.team import access
from conversations.team.menu import update_coach_menu
from conversations.texts import team as texts
from storage import teams
from storage.outbox import Kind
from storage.teams import ChatKind

GROUPS = filters.ChatType.GROUPS


def display_name(user: User) -> str:
    """The name the athlete (or coach) shows on Telegram."""
    return user.full_name[:64] or str(user.id)


async def on_group_event(
    update: Update, context: ContextTypes.DEFAULT_TYPE, event: GroupEvent
) -> None:
    """The bot added: greet once. The bot removed: close the team and tell its coaches."""
    chat = update.effective_chat
    assert chat is not None
    svc = services(context)
    if event is GroupEvent.ADDED and chat.type != "channel":
        if await teams.mark_greeted(svc.db, chat.id, svc.now()):
            await send_to(chat.id, texts.GROUP_GREETING, kind=Kind.NOTICE)
    elif event is GroupEvent.REMOVED:
        team = await teams.team_of_chat(svc.db, chat.id)
        if team is None or team.status is not teams.TeamStatus.ACTIVE:
            return
        await teams.archive_team(svc.db, team.id)
        for coach in await teams.coaches_of(svc.db, team.id):
            async with speaking_to(svc.db, coach.user_id):
                text = texts.TEAM_ARCHIVED.format(team=escape(team.name))
                await notify(coach.user_id, text)
                await update_coach_menu(svc, coach.user_id)


GROUP_EVENTS.append(on_group_event)


async def _admin_sender(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    """The sender's user id if Telegram says they are an admin of this chat now."""
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    assert message is not None and chat is not None
    if user is None or user.id == access.ANONYMOUS_ADMIN_ID or message.sender_chat is not None:
        await send(update, texts.ANONYMOUS_ADMIN)
        return None
    if not await access.is_chat_admin(context.bot, chat.id, user.id):
        return -1
    return user.id


async def refuse(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    """A refusal anyone in the group can call up: once per group and refusal every half
    minute (conversations.group_quiet); the first stays in the chat and answers the rest."""
    message = update.effective_message
    assert message is not None
    if may_answer(context, f"refusal:{text}"):
        await send(update, text)


async def create_team(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/team in a group, by an admin: the group becomes a team, the admin its coach."""
    message, chat = update.effective_message, update.effective_chat
    assert message is not None and chat is not None
    admin = await _admin_sender(update, context)
    if admin is None:
        return
    if admin < 0:
        await refuse(update, context, texts.ONLY_ADMINS_CREATE)
        return
    svc = services(context)
    existing = await teams.team_of_chat(svc.db, chat.id)
    if existing is not None and existing.status is teams.TeamStatus.ACTIVE:
        await send(update, texts.TEAM_EXISTS.format(team=escape(existing.name)))
        return
    team = await teams.create_team(
        svc.db,
        name=(chat.title or "Team")[:60],
        chat_id=chat.id,
        chat_kind=ChatKind.GROUP,
        token=access.new_invite_token(),
        coach_id=admin,
        coach_name=display_name(update.effective_user) if update.effective_user else "",
        now=svc.now(),
        language=current_language(),  # the coach's: the group hears the bot in it
    )
    await post_join_button(update, context, team)
    await update_coach_menu(svc, admin)


async def post_join_button(
    update: Update, context: ContextTypes.DEFAULT_TYPE, team: teams.Team
) -> None:
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    coaches = escape(display_name(user))
    link = access.join_link(context.bot.username, team.invite_token)
    text = texts.TEAM_CREATED.format(team=escape(team.name), coaches=coaches)
    await send(
        update,
        f"{text}\n\n{texts.COACH_PRIVATE_START}",
        markup=keyboards.link(texts.JOIN_BUTTON, link),
    )


async def add_coach(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/coach in a team's group, by another admin: a co-coach."""
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    assert message is not None and chat is not None
    svc = services(context)
    team = await teams.team_of_chat(svc.db, chat.id)
    if team is None or team.status is not teams.TeamStatus.ACTIVE:
        await refuse(update, context, texts.NO_TEAM_HERE)
        return
    admin = await _admin_sender(update, context)
    if admin is None:
        return
    if admin < 0 or user is None:
        await refuse(update, context, texts.ONLY_ADMINS_COACH)
        return
    if not await teams.add_coach(svc.db, team.id, admin, display_name(user), svc.now()):
        await send(update, texts.ALREADY_COACH.format(team=escape(team.name)))
        return
    await send(
        update,
        texts.COACH_ADDED.format(coach=escape(display_name(user)), team=escape(team.name))
        + f"\n\n{texts.COACH_PRIVATE_START}",
    )
    await update_coach_menu(svc, admin)


async def post_tip(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/tip in the group, by a coach: a team-level message that names nobody."""
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    assert message is not None and chat is not None
    svc = services(context)
    team = await teams.team_of_chat(svc.db, chat.id)
    if (
        team is None
        or user is None
        or not await access.has_coach_rights(svc, context.bot, team, user.id)
    ):
        await refuse(update, context, texts.ONLY_COACHES_TIP)
        return
    tip = " ".join(context.args or []).strip()
    if not tip:
        await send(update, texts.TIP_USAGE)
        return
    # The coach's words, shown as plain text: escaped so they can't break the HTML.
    await send_to(chat.id, texts.TIP_POST.format(tip=escape(tip[:1000])), kind=Kind.NOTICE)


async def on_migration(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A group became a supergroup: the team follows the new chat id."""
    message = update.effective_message
    assert message is not None
    if message.migrate_to_chat_id is not None:
        await teams.move_chat(services(context).db, message.chat_id, message.migrate_to_chat_id)


async def on_member_change(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A coach who is no longer an admin of the team's group stops being its coach."""
    change = update.chat_member
    if change is None:
        return
    svc = services(context)
    team = await teams.team_of_chat(svc.db, change.chat.id)
    user_id = change.new_chat_member.user.id
    demoted = team is not None and change.new_chat_member.status not in access.ADMIN_STATUSES
    if demoted and team is not None and await teams.remove_coach(svc.db, team.id, user_id):
        await update_coach_menu(svc, user_id)


def handlers() -> list[BaseHandler[Update, Any, Any]]:
    return [
        ChatMemberHandler(on_member_change, ChatMemberHandler.CHAT_MEMBER),
        CommandHandler("team", create_team, filters=GROUPS),
        CommandHandler("coach", add_coach, filters=GROUPS),
        CommandHandler("tip", post_tip, filters=GROUPS),
        MessageHandler(filters.StatusUpdate.MIGRATE, on_migration),
    ]


async def notify(user_id: int, text: str, *, guard: str | None = None) -> None:
    """A private note to a coach, sent after the unit of work (never twice: see
    ``storage.outbox``); ``guard`` is checked just before it goes (``access.coach_guard``)."""
    await send_to(user_id, text, kind=Kind.NOTICE, background=True, guard=guard)
