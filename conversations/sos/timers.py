"""The SOS flow's timers: the stretch countdown and the ten-minute check, as rows.

No handler sleeps, and no timer lives only in memory: each is a row of ``storage.timers``
written in the step's unit of work, armed by the process after the commit and re-armed from
the rows at start-up (``bot.delivery.timers``). When one fires, :data:`TIMERS` says what to do,
in a unit of work of its own that also deletes the row.

* The countdown is a few edits of one message. Only a few, since every edit is an API call and
  Telegram allows about one message a second per chat. One row per episode: each edit sets
  the next, so a press that answers the step cancels one key. It edits the step's message by
  its outbox key: if that message's id never became known, the edit is skipped.
* The ten-minute check asks once more whether the cramp has eased (NHS, "Leg cramps": a cramp
  lasting more than about ten minutes needs medical advice). It is set with the episode's first
  message, so it fires whatever screen is open, the warning signs included.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta

from conversations.i18n.recipients import speaking_to
from conversations.replies import edit_text, send_to
from conversations.services import Services
from conversations.sos.states import STRETCH_STEP
from conversations.sos.views import eased_or_not_buttons, relief_buttons
from conversations.team.alerts import alert_coaches
from conversations.texts import sos as texts
from rules.coaching import Attention
from storage import episodes, timers, unit_of_work
from storage.outbox import Kind
from storage.timers import Timer

COUNTDOWN = "sos.countdown"
MEDICAL_CHECK = "sos.medical_check"
MAX_EDITS = 10  # edits a countdown at most: each is an API call


def countdown_key(episode_id: int) -> str:
    return f"sos-countdown:{episode_id}"


def medical_check_key(episode_id: int) -> str:
    return f"sos-medical-check:{episode_id}"


def render(instructions: str, left: timedelta) -> str:
    seconds = math.ceil(left.total_seconds())
    line = texts.COUNTDOWN.format(seconds=seconds) if seconds > 0 else texts.COUNTDOWN_DONE
    return f"{instructions}\n\n{line}"


# --- The countdown ---------------------------------------------------------------------------


async def start_countdown(
    svc: Services,
    *,
    chat_id: int,
    message: str,
    episode_id: int,
    instructions: str,
    hold: timedelta,
    edits: int,
) -> None:
    """Set ``edits`` edits of ``message`` (an outbox key) spread evenly over ``hold``; the last
    one says time's up. Replaces a countdown of this episode still running."""
    if edits < 1:
        return
    edits = min(edits, MAX_EDITS)
    data: dict[str, object] = {
        "episode": episode_id,
        "message": message,
        "instructions": instructions,
        "hold": hold.total_seconds(),
        "edits": edits,
        "n": 1,
    }
    await _set_tick(svc.now() + hold / edits, chat_id, data)


async def _set_tick(due: datetime, chat_id: int, data: dict[str, object]) -> None:
    episode_id = int(str(data["episode"]))
    timer = Timer(countdown_key(episode_id), COUNTDOWN, chat_id, chat_id, due, data)
    await unit_of_work.current().set_timer(timer)


async def cancel_countdown(episode_id: int) -> None:
    """Stop a countdown (the athlete answered before it ended)."""
    await unit_of_work.current().cancel_timers(countdown_key(episode_id))


async def _on_countdown(svc: Services, timer: Timer) -> None:
    data = timer.data
    episode = await episodes.get_episode(svc.db, int(str(data["episode"])))
    if episode is None or not episode.is_open:
        return
    hold = timedelta(seconds=float(str(data["hold"])))
    edits, n = int(str(data["edits"])), int(str(data["n"]))
    left = hold - hold / edits * n
    buttons = relief_buttons(episode, step=STRETCH_STEP)
    done = n >= edits
    if not done:
        await _set_tick(svc.now() + hold / edits, timer.chat_id, {**data, "n": n + 1})
    # The last edit takes the buttons off: they move to the new prompt below.
    text = render(str(data["instructions"]), left)
    await edit_text(
        timer.chat_id, str(data["message"]), text, None if done else buttons, kind=Kind.PROMPT
    )
    if done:
        # An edit is silent, and a locked phone never shows it: the end of the hold is a new
        # message, so it notifies.
        await send_to(timer.chat_id, texts.TIME_UP, buttons, kind=Kind.PROMPT)


# --- The ten-minute check --------------------------------------------------------------------


async def schedule_medical_check(
    svc: Services, episode_id: int, chat_id: int, due: datetime
) -> None:
    """At ``due`` (about ten minutes in), ask once more whether the cramp has eased; once."""
    key = medical_check_key(episode_id)
    if await timers.exists(svc.db, key):
        return
    timer = Timer(key, MEDICAL_CHECK, chat_id, chat_id, due, {"episode": episode_id})
    await unit_of_work.current().set_timer(timer)


async def cancel_medical_check(episode_id: int) -> None:
    await unit_of_work.current().cancel_timers(medical_check_key(episode_id))


async def cancel_all(episode_id: int) -> None:
    """The episode ended: neither the countdown nor the ten-minute check is wanted."""
    await unit_of_work.current().cancel_timers(
        countdown_key(episode_id), medical_check_key(episode_id)
    )


async def _on_medical_check(svc: Services, timer: Timer) -> None:
    episode = await episodes.get_episode(svc.db, int(str(timer.data["episode"])))
    # Only while this episode is still open, on whichever screen.
    if episode is None or not episode.is_open:
        return
    if episode.relief_tried:
        buttons = relief_buttons(episode, step=episode.relief_tried[-1])
    else:
        buttons = eased_or_not_buttons(episode.id)
    await send_to(timer.chat_id, texts.STILL_CRAMPING_CHECK, buttons, kind=Kind.PROMPT)
    if not episode.helper:
        # Ten minutes of cramp is news for the coaches even if no screen was answered.
        await alert_coaches(svc, episode.user_id, Attention.NEW_EPISODE, f"episode:{episode.id}")


TimerAction = Callable[[Services, Timer], Awaitable[None]]


def _in_their_language(action: TimerAction) -> TimerAction:
    """The timer's messages in the language of the person whose chat it is."""

    async def run(svc: Services, timer: Timer) -> None:
        async with speaking_to(svc.db, timer.user_id or timer.chat_id):
            await action(svc, timer)

    return run


# What each kind of timer does when it fires (run in a unit of work of its own).
TIMERS: Mapping[str, TimerAction] = {
    COUNTDOWN: _in_their_language(_on_countdown),
    MEDICAL_CHECK: _in_their_language(_on_medical_check),
}
