"""The SOS flow's timers: the stretch countdown and the ten-minute check.

No handler sleeps: each is a job on python-telegram-bot's job queue.

* The countdown is a few edits of one message. Only a few, since every edit is an API call and
  Telegram allows about one message a second per chat. It is a convenience: if the bot restarts
  mid-count, the buttons on the message still work.
* The ten-minute check asks once more whether the cramp has eased (NHS, "Leg cramps": a cramp
  lasting more than about ten minutes needs medical advice). Jobs do not survive a restart, so
  :func:`rearm` schedules again the checks of episodes still in progress.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram import InlineKeyboardMarkup
from telegram.error import BadRequest
from telegram.ext import Application, ContextTypes, JobQueue

from conversations import jobs
from conversations.services import services, services_of
from conversations.sos.views import relief_buttons
from conversations.texts import sos as texts
from storage import episodes

_LOGGER = logging.getLogger(__name__)

_JOB_ID = "sos-countdown:{episode_id}:{n}"
# Each edit is a job with its own id (see conversations.jobs); cancelling looks up this many.
MAX_EDITS = 10
TEN_MINUTE_JOB = "sos-medical-check:{episode_id}"


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


def start_countdown(
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
    cancel_countdown(job_queue, episode_id)
    edits = min(edits, MAX_EDITS)
    step = hold / edits
    for n in range(1, edits + 1):
        left = hold - step * n
        tick = _Tick(chat_id, message_id, instructions, math.ceil(left.total_seconds()), buttons)
        job_id = _JOB_ID.format(episode_id=episode_id, n=n)
        jobs.run_once(job_queue, _edit, step * n, job_id=job_id, data=tick, chat_id=chat_id)


def cancel_countdown(job_queue: JobQueue[Any] | None, episode_id: int) -> None:
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
    done = tick.seconds_left <= 0
    try:
        # The last edit takes the buttons off: they move to the new prompt below.
        await context.bot.edit_message_text(
            text,
            chat_id=tick.chat_id,
            message_id=tick.message_id,
            reply_markup=None if done else tick.buttons,
        )
    except BadRequest as exc:
        # "Message is not modified" or a message the user deleted: nothing to do.
        _LOGGER.debug("Countdown edit skipped: %s", exc.message)
    if done:
        # An edit is silent, and a locked phone never shows it: the end of the hold is a new
        # message, so it notifies.
        await context.bot.send_message(tick.chat_id, texts.TIME_UP, reply_markup=tick.buttons)


# --- The ten-minute check --------------------------------------------------------------------


def schedule_medical_check(
    job_queue: JobQueue[Any] | None,
    episode_id: int,
    chat_id: int,
    delay: timedelta,
) -> None:
    """After about ten minutes, ask once more whether the cramp has eased."""
    if job_queue is None:
        return
    job_id = TEN_MINUTE_JOB.format(episode_id=episode_id)
    if jobs.is_scheduled(job_queue, job_id):
        return
    jobs.run_once(job_queue, _medical_check, delay, job_id=job_id, data=episode_id, chat_id=chat_id)


def cancel_medical_check(job_queue: JobQueue[Any] | None, episode_id: int) -> None:
    if job_queue is None:
        return
    jobs.cancel(job_queue, TEN_MINUTE_JOB.format(episode_id=episode_id))


def cancel_all(job_queue: JobQueue[Any] | None, episode_id: int) -> None:
    """The episode ended: neither the countdown nor the ten-minute check is wanted."""
    cancel_countdown(job_queue, episode_id)
    cancel_medical_check(job_queue, episode_id)


async def _medical_check(context: ContextTypes.DEFAULT_TYPE) -> None:
    job = context.job
    assert job is not None and isinstance(job.data, int) and job.chat_id is not None
    svc = services(context)
    episode = await episodes.get_episode(svc.db, job.data)
    # Only while the athlete is still in the relief steps of this episode.
    if episode is None or not episode.is_open or not episode.relief_tried:
        return
    buttons = relief_buttons(episode, step=episode.relief_tried[-1])
    await context.bot.send_message(job.chat_id, texts.STILL_CRAMPING_CHECK, reply_markup=buttons)


async def rearm(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """After a restart, schedule again the ten-minute checks of episodes still in progress."""
    svc = services_of(application.bot_data)
    since = svc.now() - svc.timings.abandoned_after
    for episode in await episodes.open_episodes_started_since(svc.db, since):
        if episode.relief_tried:
            due = episode.started_at + svc.timings.medical_help_after
            delay = max(due - svc.now(), timedelta(0))
            # Private chats: the chat id is the user id.
            schedule_medical_check(application.job_queue, episode.id, episode.user_id, delay)
