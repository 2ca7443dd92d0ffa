"""The SOS flow's timers: the stretch countdown and the ten-minute check.

No handler sleeps: each is a job on python-telegram-bot's job queue.

* The countdown is a few edits of one message. Only a few, since every edit is an API call and
  Telegram allows about one message a second per chat. It is a convenience: if the bot restarts
  mid-count, the buttons on the message still work. One job at a time: each edit schedules the
  next, so an episode holds two jobs (not one per edit) and a stretch schedules two.
* The ten-minute check asks once more whether the cramp has eased (NHS, "Leg cramps": a cramp
  lasting more than about ten minutes needs medical advice). It is set with the episode's first
  message, so it fires whatever screen is open, the warning signs included. Jobs do not
  survive a restart, so :func:`rearm` schedules again the checks of episodes still in progress.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from telegram import InlineKeyboardMarkup
from telegram.error import BadRequest
from telegram.ext import Application, ContextTypes, JobQueue

from conversations import jobs
from conversations.services import services, services_of
from conversations.sos.views import eased_or_not_buttons, relief_buttons
from conversations.team.alerts import alert_coaches
from conversations.texts import sos as texts
from rules.coaching import Attention
from storage import episodes

_LOGGER = logging.getLogger(__name__)

_JOB_ID = "sos-countdown:{episode_id}"  # the countdown's next edit (see conversations.jobs)
MAX_EDITS = 10  # edits a countdown at most: each is an API call
TEN_MINUTE_JOB = "sos-medical-check:{episode_id}"


@dataclass(frozen=True)
class _Tick:
    """The countdown's next edit: the ``n``-th of ``edits`` spread evenly over ``hold``."""

    chat_id: int
    message_id: int
    episode_id: int
    instructions: str
    hold: timedelta
    edits: int
    n: int
    buttons: InlineKeyboardMarkup

    @property
    def step(self) -> timedelta:
        return self.hold / self.edits

    @property
    def seconds_left(self) -> int:
        return math.ceil((self.hold - self.step * self.n).total_seconds())


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
    edits = min(edits, MAX_EDITS)
    tick = _Tick(chat_id, message_id, episode_id, instructions, hold, edits, 1, buttons)
    _schedule(job_queue, tick)  # replaces a countdown of this episode still running


def _schedule(job_queue: JobQueue[Any], tick: _Tick) -> None:
    job_id = _JOB_ID.format(episode_id=tick.episode_id)
    jobs.run_once(job_queue, _edit, tick.step, job_id=job_id, data=tick, chat_id=tick.chat_id)


def cancel_countdown(job_queue: JobQueue[Any] | None, episode_id: int) -> None:
    """Stop a countdown (the athlete answered before it ended)."""
    if job_queue is None:
        return
    jobs.cancel(job_queue, _JOB_ID.format(episode_id=episode_id))


async def _edit(context: ContextTypes.DEFAULT_TYPE) -> None:
    assert context.job is not None
    tick = context.job.data
    assert isinstance(tick, _Tick)
    text = render(tick.instructions, timedelta(seconds=tick.seconds_left))
    done = tick.n >= tick.edits
    if not done and context.job_queue is not None:
        # The next edit is scheduled before this one goes out: an answer while it is on its
        # way cancels the rest.
        _schedule(context.job_queue, replace(tick, n=tick.n + 1))
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
    # Only while this episode is still open, on whichever screen.
    if episode is None or not episode.is_open:
        return
    if episode.relief_tried:
        buttons = relief_buttons(episode, step=episode.relief_tried[-1])
    else:
        buttons = eased_or_not_buttons(episode.id)
    await context.bot.send_message(job.chat_id, texts.STILL_CRAMPING_CHECK, reply_markup=buttons)
    if not episode.helper:
        # Ten minutes of cramp is news for the coaches even if no screen was answered.
        key = f"episode:{episode.id}"
        await alert_coaches(context.bot, svc, episode.user_id, Attention.NEW_EPISODE, key)


async def rearm(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """After a restart, schedule again the ten-minute checks of episodes still in progress."""
    svc = services_of(application.bot_data)
    since = svc.now() - svc.timings.abandoned_after
    for episode in await episodes.open_episodes_started_since(svc.db, since):
        due = episode.started_at + svc.timings.medical_help_after
        delay = max(due - svc.now(), timedelta(0))
        # Private chats: the chat id is the user id.
        schedule_medical_check(application.job_queue, episode.id, episode.user_id, delay)
