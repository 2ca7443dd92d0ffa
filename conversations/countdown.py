"""The stretch countdown: a few edits of one message, run by the job queue.

No handler sleeps: each edit is a job. Only a few edits are made, since every edit is an API
call and Telegram allows about one message a second per chat. The countdown is a convenience:
if the bot restarts mid-count, the buttons on the message still work.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram import InlineKeyboardMarkup
from telegram.error import BadRequest
from telegram.ext import ContextTypes, JobQueue

from conversations.texts import sos as texts

_LOGGER = logging.getLogger(__name__)

_JOB_NAME = "sos-countdown:{episode_id}"


@dataclass(frozen=True)
class _Tick:
    chat_id: int
    message_id: int
    instructions: str
    seconds_left: int
    buttons: InlineKeyboardMarkup


def render(instructions: str, left: timedelta) -> str:
    seconds = math.ceil(left.total_seconds())
    line = texts.COUNTDOWN.format(seconds=seconds) if seconds > 0 else texts.COUNTDOWN_DONE
    return f"{instructions}\n\n{line}"


def start(
    job_queue: JobQueue[Any] | None,
    *,
    chat_id: int,
    message_id: int,
    episode_id: int,
    instructions: str,
    hold: timedelta,
    edits: int,
    buttons: InlineKeyboardMarkup,
) -> None:
    """Schedule ``edits`` edits spread evenly over ``hold``; the last one says time's up."""
    if job_queue is None or edits < 1:
        return
    cancel(job_queue, episode_id)
    step = hold / edits
    for n in range(1, edits + 1):
        left = hold - step * n
        tick = _Tick(chat_id, message_id, instructions, math.ceil(left.total_seconds()), buttons)
        job_queue.run_once(
            _edit,
            step * n,
            data=tick,
            chat_id=chat_id,
            name=_JOB_NAME.format(episode_id=episode_id),
        )


def cancel(job_queue: JobQueue[Any] | None, episode_id: int) -> None:
    """Stop a countdown (the athlete answered before it ended)."""
    if job_queue is None:
        return
    for job in job_queue.get_jobs_by_name(_JOB_NAME.format(episode_id=episode_id)):
        job.schedule_removal()


async def _edit(context: ContextTypes.DEFAULT_TYPE) -> None:
    assert context.job is not None
    tick = context.job.data
    assert isinstance(tick, _Tick)
    text = render(tick.instructions, timedelta(seconds=tick.seconds_left))
    try:
        await context.bot.edit_message_text(
            text, chat_id=tick.chat_id, message_id=tick.message_id, reply_markup=tick.buttons
        )
    except BadRequest as exc:
        # "Message is not modified" or a message the user deleted: nothing to do.
        _LOGGER.debug("Countdown edit skipped: %s", exc.message)
