"""Keep the name coaches see in step with the one the athlete shows on Telegram.

Names are stored only for team members. The moments an athlete's news reaches a coach (a new
cramp, a check-in's answer, /teams) compare the name on the update with the last one seen for
that user (kept in memory, so most calls cost no query) and write a change to every roster.
"""

from __future__ import annotations

from collections import OrderedDict

from telegram import Update

from conversations.services import Services
from conversations.team.groups import display_name
from storage import teams

_SEEN_MAX = 10_000  # names remembered, least recently seen dropped first
_seen: OrderedDict[int, str] = OrderedDict()


async def keep_name_current(update: Update, svc: Services) -> None:
    user = update.effective_user
    if user is None:
        return
    name = display_name(user)
    if _seen.get(user.id) == name:
        _seen.move_to_end(user.id)
        return
    await teams.rename_member(svc.db, user.id, name)
    _seen[user.id] = name
    if len(_seen) > _SEEN_MAX:
        _seen.popitem(last=False)


def forget(user_id: int) -> None:
    """The person's data was deleted: their name is not kept here either."""
    _seen.pop(user_id, None)
