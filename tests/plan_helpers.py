"""Shared helpers for the recovery-plan tests: easing a cramp, setting up a plan, answering
check-ins, moving the clock and reading the chat and the database."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.devtools.local_api import ChatMessage, LocalBotAPI, LocalUser
from bot.scheduler import TickReport, tick
from conversations.services import services_of
from conversations.texts import plan as plan_texts
from conversations.texts import recovery as advice
from conversations.texts import sos as sos_texts
from storage import plans, users
from storage.plans import Checkin, Plan
from storage.store import Store
from tests.conftest import Bot, FakeClock

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")

PAIN_LABELS = [str(n) for n in range(11)]
CHECKIN_LABELS = [*PAIN_LABELS, plan_texts.SNOOZE_1H, plan_texts.SNOOZE_3H]
YESTERDAY_LABELS = ["Comfortable", "Uncomfortable", "Didn't do it"]
WARNING_LABELS = [
    plan_texts.NO_WARNING,
    plan_texts.CHEST_WARNING,
    plan_texts.URINE_WARNING,
    plan_texts.CLOT_WARNING,
    plan_texts.TEAR_WARNING,
]
TIME_LABELS = ["06:00", "07:00", "08:00", "09:00", "12:00", "18:00", "20:00", "21:00"]
# The pain question of a calf plan (the usual one), and the part every muscle's shares.
ASK_PAIN = "How much does the calf hurt"
PAIN_QUESTION = advice.ASK_PAIN.split("{muscle}", 1)[1]
ASK_YESTERDAY = "How did yesterday's step go?"
ASK_WARNING = "Any of these since yesterday?"

_YESTERDAY_LABEL = {
    "comfortable": "Comfortable",
    "uncomfortable": "Uncomfortable",
    "not_done": "Didn't do it",
}
# The answers to the warning question: none, chest pain or breathlessness, dark urine, a
# swollen, warm or red leg (or pain at rest getting worse), a pop or new bruising.
_WARNING_LABEL = {
    "no": plan_texts.NO_WARNING,
    "chest": plan_texts.CHEST_WARNING,
    "urine": plan_texts.URINE_WARNING,
    "clot": plan_texts.CLOT_WARNING,
    "tear": plan_texts.TEAR_WARNING,
}


# --- The user's side -------------------------------------------------------------------------


async def ease_a_cramp(user: LocalUser) -> None:
    """An exercise calf cramp that eases after the first stretch (one tap to it): the aftercare
    note and the plan offer come at once; the questions after it are skipped."""
    await user.send("/cramp")
    await user.press(sos_texts.NO_FLAG_CALF)
    await user.press(sos_texts.EASED)
    await user.press(sos_texts.NONE_OF_THESE)  # the warning signs not shown on the first screen
    await user.press(sos_texts.SKIP_ALL)


async def ease_a_cramp_in(user: LocalUser, muscle: str) -> None:
    """An exercise cramp in ``muscle`` ("hamstring", "quadriceps", ...), picked on the muscle
    question (two taps to relief), that eases; the questions after it are skipped."""
    await user.send("/cramp")
    await user.press(sos_texts.NO_FLAG_OTHER)
    await user.press(sos_texts.MUSCLE_LABELS[muscle])
    await user.press(sos_texts.EASED)
    await user.press(sos_texts.NONE_OF_THESE)  # the warning signs not shown on the first screen
    await user.press(sos_texts.SKIP_ALL)


async def ease_a_cramp_answering(
    user: LocalUser,
    *,
    activity: str = "running",
    time_into: str = "30-60",
    hot: bool = True,
    clothing: bool = False,
) -> None:
    """An exercise calf cramp that eases, with all four questions after it answered."""
    await user.send("/cramp")
    await user.press(sos_texts.NO_FLAG_CALF)
    await user.press(sos_texts.EASED)
    await user.press(sos_texts.NONE_OF_THESE)  # the warning signs not shown on the first screen
    await user.press(sos_texts.ACTIVITY_LABELS[activity])
    await user.press(sos_texts.TIME_INTO_LABELS[time_into])
    await user.press(sos_texts.YES if hot else sos_texts.NO)
    await user.press(sos_texts.YES if clothing else sos_texts.NO)


async def set_up_offered_plan(
    user: LocalUser, time_label: str = "08:00", zone_label: str = "Berlin / Paris"
) -> None:
    """Accept the newest plan offer and set the plan up with one tap each."""
    await user.press(plan_texts.OFFER_BUTTON)
    await user.press(time_label)
    await user.press(zone_label)


async def start_plan(
    user: LocalUser, time_label: str = "08:00", zone_label: str = "Berlin / Paris"
) -> None:
    """Ease a cramp, accept the offer and set the plan up with one tap each."""
    await ease_a_cramp(user)
    await set_up_offered_plan(user, time_label, zone_label)


async def answer_checkin(
    user: LocalUser, pain: int, yesterday: str = "comfortable", warning: str = "no"
) -> None:
    """Answer the newest check-in: pain, yesterday's step ("comfortable", "uncomfortable",
    "not_done"; not asked on the cramp's own day) and the warning signs ("no", "chest",
    "urine", "clot" or "tear")."""
    await user.press(str(pain))
    if ASK_YESTERDAY in user.api.last_bot_message(user.chat_id).text:
        await user.press(_YESTERDAY_LABEL[yesterday])
    await user.press(_WARNING_LABEL[warning])


# --- The chat --------------------------------------------------------------------------------


def bot_texts(api: LocalBotAPI, chat_id: int) -> list[str]:
    return [message.text for message in api.bot_messages(chat_id)]


def last_text(api: LocalBotAPI, chat_id: int) -> str:
    return api.last_bot_message(chat_id).text


def new_messages(api: LocalBotAPI, chat_id: int, before: int) -> list[ChatMessage]:
    """The bot's messages to ``chat_id`` after the first ``before`` of them."""
    return api.bot_messages(chat_id)[before:]


def checkin_prompts(api: LocalBotAPI, chat_id: int) -> list[ChatMessage]:
    """Every check-in question the bot sent (the first question, with pain buttons), whatever
    the plan's muscle."""
    return [m for m in api.bot_messages(chat_id) if PAIN_QUESTION in m.text]


def button_data(message: ChatMessage, label: str) -> str:
    for button in message.inline_buttons:
        if button["text"] == label:
            return str(button["callback_data"])
    raise LookupError(f"no button {label!r} in {message.text!r}")


def newest_with(api: LocalBotAPI, chat_id: int, text: str) -> ChatMessage:
    for message in reversed(api.bot_messages(chat_id)):
        if text in message.text:
            return message
    raise LookupError(f"no bot message containing {text!r} in chat {chat_id}")


def send_calls_to(api: LocalBotAPI, chat_id: int, method: str = "sendMessage") -> list[Any]:
    return [c for c in api.calls_of(method) if str(c.params.get("chat_id")) == str(chat_id)]


# --- The clock and the scheduler -------------------------------------------------------------


async def run_until(
    bot: Bot, clock: FakeClock, until: datetime, *, step_hours: float = 1.0
) -> list[TickReport]:
    """Tick every ``step_hours`` until ``until``; return the reports of the ticks."""
    reports: list[TickReport] = []
    while clock.now < until:
        clock.now = min(clock.now + timedelta(hours=step_hours), until)
        reports.append(await tick(bot.application))
    return reports


async def deliver_next_checkin(bot: Bot, clock: FakeClock, user: LocalUser) -> ChatMessage:
    """Move the clock to the user's next check-in, tick, and return the check-in sent."""
    plan = await plan_of(bot, user)
    assert plan.next_checkin_at is not None, "no check-in scheduled"
    report = await tick_at(bot, clock, plan.next_checkin_at)
    assert report.checkins_sent == 1, report
    message = bot.api.last_bot_message(user.chat_id)
    assert PAIN_QUESTION in message.text
    return message


async def tick_at(bot: Bot, clock: FakeClock, instant: datetime) -> TickReport:
    clock.now = instant
    return await tick(bot.application)


def local(year: int, month: int, day: int, hour: int, minute: int, zone: ZoneInfo) -> datetime:
    """A wall-clock time in ``zone`` as an aware UTC instant."""
    return datetime(year, month, day, hour, minute, tzinfo=zone).astimezone(UTC)


# --- The database ----------------------------------------------------------------------------


def db_of(bot: Bot) -> Store:
    return services_of(bot.application.bot_data).db


async def plan_of(bot: Bot, user: LocalUser) -> Plan:
    """The user's newest plan (live or ended)."""
    row = await db_of(bot).fetch_one(
        "SELECT id FROM plans WHERE user_id = ? ORDER BY id DESC LIMIT 1", (user.user_id,)
    )
    assert row is not None, f"no plan for user {user.user_id}"
    plan = await plans.get_plan(db_of(bot), int(row["id"]))
    assert plan is not None
    return plan


async def plan_count(bot: Bot, user: LocalUser) -> int:
    row = await db_of(bot).fetch_one(
        "SELECT COUNT(*) AS n FROM plans WHERE user_id = ?", (user.user_id,)
    )
    assert row is not None
    return int(row["n"])


async def checkins_of(bot: Bot, user: LocalUser) -> list[Checkin]:
    plan = await plan_of(bot, user)
    return await plans.checkins_of(db_of(bot), plan.id)


async def plan_rows(bot: Bot, user: LocalUser) -> list[dict[str, Any]]:
    """Every plan and check-in row of the user, to compare before and after."""
    rows = await db_of(bot).fetch_all(
        "SELECT * FROM plans WHERE user_id = ? ORDER BY id", (user.user_id,)
    )
    checkins = await db_of(bot).fetch_all(
        "SELECT c.* FROM checkins c JOIN plans p ON p.id = c.plan_id WHERE p.user_id = ? "
        "ORDER BY c.id",
        (user.user_id,),
    )
    return [dict(row) for row in [*rows, *checkins]]


async def blocked_at(bot: Bot, user: LocalUser) -> datetime | None:
    row = await db_of(bot).fetch_one(
        "SELECT blocked_at FROM users WHERE user_id = ?", (user.user_id,)
    )
    assert row is not None
    return None if row["blocked_at"] is None else datetime.fromisoformat(row["blocked_at"])


async def seed_active_plans(
    db: Store, user_ids: Iterable[int], *, now: datetime, due: datetime
) -> None:
    """Active plans (08:00, Europe/Berlin) straight into the database, all due at ``due``."""
    for user_id in user_ids:
        await users.ensure_user(db, user_id, now)
        plan = await plans.create_plan(
            db, user_id=user_id, chat_id=user_id, episode_id=None, cramp_at=now, now=now
        )
        await plans.set_checkin_time(db, plan.id, "08:00")
        await plans.set_zone(db, plan.id, "Europe/Berlin")
        await plans.schedule(db, plan.id, due)
