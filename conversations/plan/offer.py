"""``/plan``: the recovery plan offered again, so it can never be lost up the chat.

The offer comes at the end of the questions after a cramp eased. If those were left unanswered,
or the offer scrolled away, ``/plan`` (or typing the offer's label) brings it back while the
latest cramp is recent enough for a plan dated from it.
"""

from __future__ import annotations

import re
from datetime import timedelta

from telegram import Update
from telegram.ext import ContextTypes, filters

from conversations import keyboards
from conversations.i18n.every_language import in_every_language
from conversations.plan.views import offer_button
from conversations.replies import send, sos_text, user_id_of
from conversations.services import services
from conversations.texts import plan as texts
from rules.recovery import PLAN_MIN_DAYS
from storage import episodes, plans
from storage.episodes import Outcome

# The offer's label, typed (with or without its emoji), in any of the bot's languages.
_OFFER_WORDS = "|".join(
    re.escape(label.removeprefix("📅").strip())
    for label in in_every_language(lambda: texts.OFFER_BUTTON)
)
OFFER_LABEL = filters.Regex(re.compile(rf"^\s*(?:📅\s*)?(?:{_OFFER_WORDS})\s*$", re.IGNORECASE))
# A plan counts its days from the cramp: one from an older cramp would have nothing left to do.
OFFER_WITHIN = timedelta(days=PLAN_MIN_DAYS)


async def offer_plan(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    user_id = user_id_of(update)
    if await plans.live_plan_of(svc.db, user_id) is not None:
        await send(update, texts.ALREADY_HAVE_PLAN)
        return
    latest = await episodes.latest_own_episode_of(svc.db, user_id)
    recent = latest is not None and svc.now() - latest.started_at <= OFFER_WITHIN
    if latest is None or not recent or latest.outcome is not Outcome.EASED:
        await send(update, sos_text(texts.NO_PLAN), keyboards.sos_reply_keyboard())
        return
    await send(update, texts.OFFER, offer_button(latest.id))
