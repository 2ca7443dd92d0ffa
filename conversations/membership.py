"""Chat-membership updates: the bot blocked or unblocked in a private chat; added to, removed
from or promoted in a group or channel.

One owner for every ``my_chat_member`` update, routed by chat type, so that coach teams plug
their group handling in here (see :data:`GROUP_EVENTS`) instead of racing another handler.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from enum import Enum

from telegram import ChatMemberUpdated, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.ext import BaseHandler, ChatMemberHandler, ContextTypes

from conversations.services import Services, services
from rules import plan_clock
from storage import plans, users
from storage.plans import PlanStatus

_LOGGER = logging.getLogger(__name__)


class GroupEvent(Enum):
    ADDED = "added"  # the bot became a member (or admin) of a group or channel
    REMOVED = "removed"  # the bot left, was kicked, or the group is gone
    PROMOTED = "promoted"  # the bot was made an admin
    DEMOTED = "demoted"  # the bot is no longer an admin, but still a member


GroupHandler = Callable[[Update, ContextTypes.DEFAULT_TYPE, GroupEvent], Awaitable[None]]

# What happens on each group event. Empty today: coach teams register theirs here.
GROUP_EVENTS: list[GroupHandler] = []

_IN = {ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER}
_ADMIN = {ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER}


def group_event(change: ChatMemberUpdated) -> GroupEvent | None:
    """What a membership change of the bot in a group or channel means, if anything."""
    old, new = change.old_chat_member.status, change.new_chat_member.status
    was_in, is_in = old in _IN, new in _IN
    if is_in and not was_in:
        return GroupEvent.ADDED
    if was_in and not is_in:
        return GroupEvent.REMOVED
    if new in _ADMIN and old not in _ADMIN:
        return GroupEvent.PROMOTED
    if old in _ADMIN and new not in _ADMIN:
        return GroupEvent.DEMOTED
    return None


async def on_my_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    change = update.my_chat_member
    if change is None:
        return
    if change.chat.type == ChatType.PRIVATE:
        await _private_change(services(context), change)
        return
    event = group_event(change)
    if event is None:
        return
    _LOGGER.info("Bot %s in a %s", event.value, change.chat.type)
    for handle in GROUP_EVENTS:
        await handle(update, context, event)


async def _private_change(svc: Services, change: ChatMemberUpdated) -> None:
    """A private chat's member update tells us the user blocked (kicked) or unblocked us."""
    user_id = change.from_user.id
    if change.new_chat_member.status == ChatMemberStatus.BANNED:
        await unreachable(svc, user_id)
    elif change.new_chat_member.status == ChatMemberStatus.MEMBER:
        await welcome_back(svc, user_id)


async def unreachable(svc: Services, user_id: int) -> None:
    """The user blocked the bot (or Telegram says their chat is gone): scheduled sends stop
    until they come back."""
    await users.set_blocked(svc.db, user_id, svc.now())
    await plans.mark_unreachable(svc.db, user_id)


async def welcome_back(svc: Services, user_id: int) -> None:
    """The user is reachable again (a /start, or unblocking): resume scheduled check-ins."""
    await users.set_blocked(svc.db, user_id, None)
    plan = await plans.live_plan_of(svc.db, user_id)
    if plan is not None and plan.status is PlanStatus.UNREACHABLE:
        next_at = plan_clock.next_checkin(plan.checkin_time, plan.zone, svc.now())
        await plans.schedule(svc.db, plan.id, next_at)


def handlers() -> list[BaseHandler[Update, ContextTypes.DEFAULT_TYPE, None]]:
    return [ChatMemberHandler(on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER)]
