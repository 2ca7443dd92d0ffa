"""Keep the name coaches see in step with the one the athlete shows on Telegram.

Names are stored only for team members. The moments an athlete's news reaches a coach (a new
cramp, a check-in's answer, /teams) compare the name on the update with the last one seen for
that user (kept in memory for team members, so most of their calls cost no query) and write a
change to every roster.
"""

from __future__ import annotations

from collections import OrderedDict

from telegram import Update

from conversations.services import Services
from conversations.team.groups import display_name
from storage import teams

# Names remembered, least recently seen dropped first: the team members active lately (one who
# has not been seen among the last thousand costs one read). Not every user ever seen: 10,000
# kept 0.8 MiB for good (the memory benchmark). Nor anyone on no roster (most people): their
# names, kept while a thousand others came and went, were strewn among the short-lived objects
# of every update, so the allocator could not give back memory it had freed around them (the
# memory benchmark); one on no roster costs one indexed read per call instead.
_SEEN_MAX = 1_000
_seen: OrderedDict[int, str] = OrderedDict()


async def keep_name_current(update: Update, svc: Services) -> None:
    user = update.effective_user
    if user is None:
        return
    name = display_name(user)
    if _seen.get(user.id) == name:
        _seen.move_to_end(user.id)
        return
    if not await teams.rename_member(svc.db, user.id, name):
        _seen.pop(user.id, None)  # left every team since
        return
    _seen[user.id] = name
    if len(_seen) > _SEEN_MAX:
        _seen.popitem(last=False)


def forget(user_id: int) -> None:
    """The person's data was deleted: their name is not kept here either."""
    _seen.pop(user_id, None)
