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

from conversations import jobs
from conversations.texts import sos as texts

_LOGGER = logging.getLogger(__name__)

_JOB_ID = "sos-countdown:{episode_id}:{n}"
# Each edit is a job with its own id (see conversations.jobs); cancelling looks up this many.
MAX_EDITS = 10


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
    edits = min(edits, MAX_EDITS)
    step = hold / edits
    for n in range(1, edits + 1):
        left = hold - step * n
        tick = _Tick(chat_id, message_id, instructions, math.ceil(left.total_seconds()), buttons)
        job_id = _JOB_ID.format(episode_id=episode_id, n=n)
        jobs.run_once(job_queue, _edit, step * n, job_id=job_id, data=tick, chat_id=chat_id)


def cancel(job_queue: JobQueue[Any] | None, episode_id: int) -> None:
    """Stop a countdown (the athlete answered before it ended)."""
    if job_queue is None:
        return
    for n in range(1, MAX_EDITS + 1):
        jobs.cancel(job_queue, _JOB_ID.format(episode_id=episode_id, n=n))


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
