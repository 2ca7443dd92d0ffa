"""Setting up the recovery plan, and the commands that run it: what the athlete sees and what
is stored.

The offer comes after an eased cramp; accepting asks a check-in time (a tap, or typed) and a
time zone (a tap, a typed name, or a shared location); the plan is then active with its next
check-in stored as a UTC instant. /today, /progress, /settings, /pause, /resume and /stopplan
run it.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PIL import Image
from telegram.request import RequestData

from bot.devtools.local_api import LocalBotAPI, LocalUser
from bot.scheduler import tick
from conversations.emergency import numbers_text
from conversations.texts import common
from conversations.texts import country as country_texts
from conversations.texts import language as language_texts
from conversations.texts import plan as texts
from conversations.texts import red_flags as flag_texts
from conversations.texts import sos as sos_texts
from rules.emergency_numbers import MAIN_NUMBERS
from rules.red_flags import RedFlag
from rules.timezones import COMMON_ZONES
from storage import episodes, plans
from tests.conftest import Bot, FakeClock
from tests.plan_helpers import (
    ASK_PAIN,
    BERLIN,
    NEW_YORK,
    TIME_LABELS,
    answer_checkin,
    bot_texts,
    checkin_prompts,
    db_of,
    deliver_next_checkin,
    ease_a_cramp,
    last_text,
    local,
    new_messages,
    newest_with,
    plan_count,
    plan_of,
    plan_rows,
    start_plan,
    tick_at,
)

ZONE_LABELS = [label for label, _ in COMMON_ZONES]
# The clock starts on Saturday 20 March 2027, 17:00 UTC (18:00 in Berlin, 13:00 in New York).
NEXT_BERLIN_0800 = datetime(2027, 3, 21, 7, 0, tzinfo=UTC)  # CET, UTC+1
NEXT_NEW_YORK_0800 = datetime(2027, 3, 21, 12, 0, tzinfo=UTC)  # EDT, UTC-4


async def screen_a_swollen_calf(user: LocalUser) -> None:
    """A cramp whose screen finds one calf swollen, warm or red (on the second screen)."""
    await user.send("/cramp")
    await user.press(sos_texts.MORE_SIGNS)
    await user.press(flag_texts.BUTTON_LABELS[RedFlag.ONE_SIDED_SWELLING])


async def accept_offer(user: LocalUser) -> None:
    await ease_a_cramp(user)
    await user.press(texts.OFFER_BUTTON)


async def assert_press_changes_nothing(bot: Bot, user: LocalUser, data: str) -> None:
    """The press is answered as expired; no message is sent and no plan row changes."""
    rows = await plan_rows(bot, user)
    sent = len(bot.api.bot_messages(user.chat_id))

    query_id = await user.press_data(data)

    assert bot.api.answered_queries[query_id] == common.BUTTON_EXPIRED
    assert len(bot.api.bot_messages(user.chat_id)) == sent
    assert await plan_rows(bot, user) == rows


def reply_keyboard(bot: Bot, user: LocalUser) -> Any:
    keyboard = bot.api.reply_keyboards.get(user.chat_id)
    return None if keyboard is None else keyboard["keyboard"]


# --- The offer -------------------------------------------------------------------------------


async def test_the_plan_offer_comes_last_after_the_questions_so_it_stays_the_newest(
    bot: Bot,
) -> None:
    user = bot.user()

    await ease_a_cramp(user)  # the circumstance questions are skipped

    offer = bot.api.last_bot_message(user.chat_id)
    assert offer.text.endswith(texts.OFFER)
    assert offer.button_labels == ["📅 Start my recovery plan", "💡 Why it happened"]
    assert await plan_count(bot, user) == 0  # nothing until the athlete accepts


async def test_plan_offers_the_plan_again_while_the_cramp_is_recent(
    bot: Bot, clock: FakeClock
) -> None:
    user = bot.user()
    await user.send("/cramp")
    await user.press(sos_texts.NO_FLAG_CALF)
    await user.press(sos_texts.EASED)
    await user.press(sos_texts.NONE_OF_THESE)
    await user.send("/cancel")  # the questions left, and the offer with them

    await user.send("/plan")
    again = bot.api.last_bot_message(user.chat_id)
    assert (again.text, again.button_labels) == (texts.OFFER, ["📅 Start my recovery plan"])
    await user.send("Start my recovery plan")  # the label typed works the same way
    assert bot.api.last_bot_message(user.chat_id).button_labels == again.button_labels

    await user.press("📅 Start my recovery plan")
    assert await plan_count(bot, user) == 1
    await user.send("/plan")
    assert last_text(bot.api, user.chat_id) == texts.ALREADY_HAVE_PLAN


async def test_plan_without_a_recent_eased_cramp_says_when_it_comes(
    bot: Bot, clock: FakeClock
) -> None:
    user = bot.user()
    await user.send("/plan")
    assert last_text(bot.api, user.chat_id) == texts.NO_PLAN
    await ease_a_cramp(user)
    clock.advance(days=15)
    await user.send("/plan")
    assert last_text(bot.api, user.chat_id) == texts.NO_PLAN


async def test_a_red_flag_ends_without_a_plan_offer(bot: Bot) -> None:
    user = bot.user()

    await screen_a_swollen_calf(user)

    assert "needs a doctor today" in last_text(bot.api, user.chat_id)
    assert texts.OFFER not in bot_texts(bot.api, user.chat_id)
    assert await plan_count(bot, user) == 0


async def test_a_night_cramp_ends_without_a_plan_offer(bot: Bot) -> None:
    user = bot.user()
    await user.send("/cramp")
    await user.press(sos_texts.NO_FLAG_OTHER)

    await user.press(sos_texts.AT_REST_LABEL)

    assert "different kind from exercise cramps" in last_text(bot.api, user.chat_id)
    assert texts.OFFER not in bot_texts(bot.api, user.chat_id)
    assert await plan_count(bot, user) == 0


async def test_accepting_the_offer_asks_for_a_check_in_time_with_time_buttons(bot: Bot) -> None:
    user = bot.user()

    await accept_offer(user)

    question = bot.api.last_bot_message(user.chat_id)
    assert "When should I check in each day?" in question.text
    assert question.button_labels == TIME_LABELS
    plan = await plan_of(bot, user)
    assert (plan.status, plan.editing, plan.checkin_time, plan.zone) == (
        "setup",
        "time",
        None,
        None,
    )
    assert plan.next_checkin_at is None


async def test_pressing_the_offer_twice_makes_one_plan_and_its_time_buttons_work(
    bot: Bot,
) -> None:
    user = bot.user()
    await accept_offer(user)
    await user.press("08:00")  # now at the zone question

    await user.press(texts.OFFER_BUTTON)  # the offer again, half-way through

    question = bot.api.last_bot_message(user.chat_id)
    assert "When should I check in each day?" in question.text
    await user.press("07:00")  # the buttons just shown are live
    await user.press("Berlin / Paris")
    plan = await plan_of(bot, user)
    assert (plan.status, plan.checkin_time) == ("active", "07:00")
    assert await plan_count(bot, user) == 1

    await user.press(texts.OFFER_BUTTON)  # and once more, with the plan running

    assert last_text(bot.api, user.chat_id) == texts.ALREADY_HAVE_PLAN
    assert await plan_count(bot, user) == 1


async def test_the_offer_from_an_earlier_cramp_is_expired(bot: Bot, clock: FakeClock) -> None:
    user = bot.user()
    await ease_a_cramp(user)
    old_offer = newest_with(bot.api, user.chat_id, texts.OFFER)
    clock.advance(hours=3)
    await ease_a_cramp(user)  # a second cramp, with its own offer

    query_id = await user.press_data(old_offer.inline_buttons[0]["callback_data"], old_offer)

    assert bot.api.answered_queries[query_id] == common.BUTTON_EXPIRED
    assert await plan_count(bot, user) == 0
    await user.press(texts.OFFER_BUTTON)  # the newest offer works
    [first, second] = await episodes.episodes_of(db_of(bot), user.user_id)
    assert (await plan_of(bot, user)).cramp_at == second.started_at != first.started_at


async def test_a_forged_offer_for_a_red_flag_episode_is_expired(bot: Bot) -> None:
    user = bot.user()
    await screen_a_swollen_calf(user)
    [episode] = await episodes.episodes_of(db_of(bot), user.user_id)

    await assert_press_changes_nothing(bot, user, f"plan:{episode.id}:offer:start")
    assert await plan_count(bot, user) == 0


# --- The check-in time -----------------------------------------------------------------------


async def test_a_time_button_asks_for_the_zone_with_location_and_zone_buttons(bot: Bot) -> None:
    user = bot.user()
    await accept_offer(user)

    await user.press("08:00")

    ask_zone, pick = bot.api.bot_messages(user.chat_id)[-2:]
    assert "And your time zone?" in ask_zone.text
    assert reply_keyboard(bot, user) == [
        [{"text": "📍 Share location once", "request_location": True}],
        [{"text": "🆘 Cramp"}],
    ]
    assert pick.button_labels == ZONE_LABELS
    assert "Berlin / Paris" in ZONE_LABELS and "New York" in ZONE_LABELS
    plan = await plan_of(bot, user)
    assert (plan.checkin_time, plan.editing, plan.status) == ("08:00", "zone", "setup")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("7:30", "07:30"), ("6 pm", "18:00"), ("20.15", "20:15"), ("7am", "07:00")],
)
async def test_a_typed_time_is_understood(bot: Bot, typed: str, stored: str) -> None:
    user = bot.user()
    await accept_offer(user)

    await user.send(typed)

    assert "And your time zone?" in bot.api.bot_messages(user.chat_id)[-2].text
    assert bot.api.last_bot_message(user.chat_id).button_labels == ZONE_LABELS
    assert (await plan_of(bot, user)).checkin_time == stored


@pytest.mark.parametrize("typed", ["25:99", "tomorrow", "8:60", "13pm"])
async def test_an_unreadable_time_gets_a_kind_reply_and_the_time_buttons_again(
    bot: Bot, typed: str
) -> None:
    user = bot.user()
    await accept_offer(user)
    rows = await plan_rows(bot, user)

    await user.send(typed)

    reply = bot.api.last_bot_message(user.chat_id)
    assert reply.text.startswith(texts.TIME_INVALID)
    assert "When should I check in each day?" in reply.text
    assert reply.button_labels == TIME_LABELS
    assert await plan_rows(bot, user) == rows
    await user.press("09:00")  # and the buttons work
    assert (await plan_of(bot, user)).checkin_time == "09:00"


async def test_a_sticker_or_a_location_at_the_time_question_gets_the_time_buttons_again(
    bot: Bot,
) -> None:
    user = bot.user()
    await accept_offer(user)
    rows = await plan_rows(bot, user)

    await user.send_sticker()
    after_sticker = bot.api.last_bot_message(user.chat_id)
    await user.send_location(52.52, 13.405)
    after_location = bot.api.last_bot_message(user.chat_id)

    assert after_sticker.text.startswith(texts.ANSWER_WITH_BUTTONS)
    # The location is the athlete's (zone and country kept, said), not the plan's time.
    assert after_location.text.startswith(
        country_texts.LOCATION_SAVED.format(zone="Europe/Berlin", number="112")
    )
    for reply in (after_sticker, after_location):
        assert reply.text.endswith(texts.ASK_TIME)
        assert reply.button_labels == TIME_LABELS
    assert await plan_rows(bot, user) == rows


# --- The time zone ---------------------------------------------------------------------------


async def test_a_zone_button_starts_the_plan_with_the_next_local_0800_in_utc(
    bot: Bot, clock: FakeClock
) -> None:
    user = bot.user()
    await accept_offer(user)
    await user.press("08:00")

    await user.press("Berlin / Paris")

    started = last_text(bot.api, user.chat_id)
    assert "Your recovery plan is on." in started
    assert "every day at <b>08:00</b> (Europe/Berlin)" in started
    assert "Next check-in: <b>Sun 21 Mar, 08:00</b>" in started
    assert "<b>Day 0: Rest and ice</b>" in started  # today's plan comes with it
    assert reply_keyboard(bot, user) == [[{"text": "🆘 Cramp"}]]
    plan = await plan_of(bot, user)
    [episode] = await episodes.episodes_of(db_of(bot), user.user_id)
    assert (plan.status, plan.editing, plan.zone) == ("active", None, "Europe/Berlin")
    assert plan.next_checkin_at == NEXT_BERLIN_0800 == local(2027, 3, 21, 8, 0, BERLIN)
    assert (plan.cramp_at, plan.episode_id, plan.stage) == (episode.started_at, episode.id, 0)
    assert plan.cramp_at == clock.now


async def test_the_new_york_button_schedules_0800_new_york_time(bot: Bot) -> None:
    user = bot.user()

    await start_plan(user, "08:00", "New York")

    plan = await plan_of(bot, user)
    assert plan.zone == "America/New_York"
    assert plan.next_checkin_at == NEXT_NEW_YORK_0800 == local(2027, 3, 21, 8, 0, NEW_YORK)


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("europe/berlin", "Europe/Berlin"),
        ("America/New_York", "America/New_York"),
        ("Tokyo", "Asia/Tokyo"),
        ("paris", "Europe/Berlin"),
    ],
)
async def test_a_typed_zone_name_is_understood(bot: Bot, typed: str, zone: str) -> None:
    user = bot.user()
    await accept_offer(user)
    await user.press("08:00")

    await user.send(typed)

    assert f"({zone})" in last_text(bot.api, user.chat_id)
    plan = await plan_of(bot, user)
    assert (plan.status, plan.zone) == ("active", zone)


@pytest.mark.parametrize(
    ("latitude", "longitude", "zone", "next_at"),
    [
        (52.52, 13.405, "Europe/Berlin", NEXT_BERLIN_0800),
        (40.7128, -74.0060, "America/New_York", NEXT_NEW_YORK_0800),
    ],
    ids=["berlin", "new-york"],
)
async def test_a_shared_location_sets_the_zone(
    bot: Bot, latitude: float, longitude: float, zone: str, next_at: datetime
) -> None:
    user = bot.user()
    await accept_offer(user)
    await user.press("08:00")

    await user.send_location(latitude, longitude)

    assert "Your recovery plan is on." in last_text(bot.api, user.chat_id)
    plan = await plan_of(bot, user)
    assert (plan.status, plan.zone, plan.next_checkin_at) == ("active", zone, next_at)
    # The location itself is not stored anywhere in the plan.
    assert str(latitude) not in repr(await plan_rows(bot, user))


@pytest.mark.parametrize("typed", ["Atlantis", "../etc/passwd", "Europe/Narnia", "08:00"])
async def test_an_unknown_zone_gets_a_reply_and_the_zone_buttons_again(
    bot: Bot, typed: str
) -> None:
    user = bot.user()
    await accept_offer(user)
    await user.press("08:00")
    rows = await plan_rows(bot, user)

    await user.send(typed)

    reply = bot.api.last_bot_message(user.chat_id)
    assert reply.text.startswith(texts.ZONE_INVALID)
    assert reply.button_labels == ZONE_LABELS
    assert await plan_rows(bot, user) == rows
    await user.press("London")
    assert (await plan_of(bot, user)).zone == "Europe/London"


async def test_a_sticker_at_the_zone_question_gets_the_zone_buttons_again(bot: Bot) -> None:
    user = bot.user()
    await accept_offer(user)
    await user.press("08:00")
    rows = await plan_rows(bot, user)

    await user.send_sticker()

    reply = bot.api.last_bot_message(user.chat_id)
    assert reply.text.startswith(texts.ANSWER_WITH_BUTTONS)
    assert reply.button_labels == ZONE_LABELS
    assert await plan_rows(bot, user) == rows


# --- Stale and forged buttons ----------------------------------------------------------------


async def test_set_up_buttons_pressed_after_the_plan_started_are_expired(bot: Bot) -> None:
    user = bot.user()
    await start_plan(user)
    plan = await plan_of(bot, user)
    time_question = newest_with(bot.api, user.chat_id, "When should I check in each day?")
    zone_buttons = newest_with(bot.api, user.chat_id, "👇")

    for message, label in ((time_question, "06:00"), (zone_buttons, "Tokyo")):
        data = next(b["callback_data"] for b in message.inline_buttons if b["text"] == label)
        await assert_press_changes_nothing(bot, user, data)
    assert (await plan_of(bot, user)) == plan


@pytest.mark.parametrize(
    "data",
    [
        "plan:999:time:0800",  # no such plan
        "plan:1:zone:0",  # a zone for a plan that is choosing its time
        "plan:1:time:0815",  # a time we never offered
        "plan:1:zone:99",  # a zone index out of range
        "plan:999:offer:start",  # no such episode
        "plan:x:time:0800",
        "nonsense",
    ],
)
async def test_forged_plan_buttons_are_expired_and_change_nothing(bot: Bot, data: str) -> None:
    user = bot.user()
    await accept_offer(user)  # plan 1, at the time question

    await assert_press_changes_nothing(bot, user, data)


async def test_another_users_plan_buttons_are_expired(bot: Bot) -> None:
    owner, intruder = bot.user(1001), bot.user(2002)
    await accept_offer(owner)
    plan = await plan_of(bot, owner)
    await intruder.send("/start")

    for data in (f"plan:{plan.id}:time:0800", f"plan:{plan.episode_id}:offer:start"):
        query_id = await intruder.press_data(data)
        assert bot.api.answered_queries[query_id] == common.BUTTON_EXPIRED
    assert (await plan_of(bot, owner)) == plan
    assert await plan_count(bot, intruder) == 0


# --- /today ----------------------------------------------------------------------------------


async def test_today_without_a_plan_says_so(bot: Bot) -> None:
    user = bot.user()

    await user.send("/today")

    assert last_text(bot.api, user.chat_id) == texts.NO_PLAN


async def test_today_during_set_up_asks_to_finish_it_with_the_current_buttons(bot: Bot) -> None:
    user = bot.user()
    await accept_offer(user)
    await user.press("08:00")

    await user.send("/today")

    reply = bot.api.last_bot_message(user.chat_id)
    assert reply.text.startswith(texts.SETUP_UNFINISHED)
    assert reply.button_labels == ZONE_LABELS


async def test_today_shows_the_days_plan_and_the_next_check_in(bot: Bot, clock: FakeClock) -> None:
    user = bot.user()
    await start_plan(user)

    await user.send("/today")
    day0 = last_text(bot.api, user.chat_id)
    clock.advance(days=4)  # Wednesday 24 March, 18:00 in Berlin: day 4
    await user.send("/today")
    day4 = last_text(bot.api, user.chat_id)

    assert day0.startswith("<b>Day 0: Rest and ice</b>")
    assert "No massage or foam rolling yet" in day0
    assert "Next check-in: <b>Sun 21 Mar, 08:00</b>." in day0
    # The stage stays where the check-ins left it (none answered): rest, but massage is allowed.
    assert day4.startswith("<b>Day 4: Rest and ice</b>")
    assert "Massage or gentle foam rolling is fine now" in day4
    assert "Today's exercise step" not in day4


# --- /progress -------------------------------------------------------------------------------


class RecordingAPI(LocalBotAPI):
    """The local Bot API, keeping the files uploaded with each call."""

    def __init__(self) -> None:
        super().__init__()
        self.uploads: list[tuple[str, dict[str, Any]]] = []

    async def do_request(  # type: ignore[override]
        self, url: str, method: str, request_data: RequestData | None = None, **kw: Any
    ) -> tuple[int, bytes]:
        if request_data is not None and request_data.multipart_data:
            self.uploads.append((url.rsplit("/", 1)[-1], dict(request_data.multipart_data)))
        return await super().do_request(url, method, request_data, **kw)


async def test_progress_before_any_answer_says_when_the_first_check_in_comes(bot: Bot) -> None:
    user = bot.user()
    await start_plan(user)

    await user.send("/progress")

    reply = last_text(bot.api, user.chat_id)
    assert reply.startswith("<b>Your recovery so far</b> (day 0, stage: Rest and ice)")
    assert "No check-ins yet: the first one comes at Sun 21 Mar, 08:00." in reply
    assert bot.api.calls_of("sendPhoto") == []


async def test_progress_lists_pain_and_stage_by_day_and_sends_a_png_chart(
    start_bot: Any, clock: FakeClock
) -> None:
    api = RecordingAPI()
    bot: Bot = await start_bot(api=api)
    user = bot.user()
    await start_plan(user)  # Saturday evening: day 0
    await deliver_next_checkin(bot, clock, user)
    await answer_checkin(user, 3)  # Sunday, day 1: hold (massage waits for 24 h, it's 14 h)
    await deliver_next_checkin(bot, clock, user)
    await answer_checkin(user, 2)  # Monday, day 2, 38 h: on to massage

    await user.send("/progress")

    text, photo = bot.api.bot_messages(user.chat_id)[-2:]
    assert text.text == (
        "<b>Your recovery so far</b> (day 2, stage: Ice and gentle massage)\n"
        "Day 1: pain 3, Rest and ice\n"
        "Day 2: pain 2, Ice and gentle massage"
    )
    assert photo.photo and photo.text == texts.PROGRESS_CAPTION
    [call] = bot.api.calls_of("sendPhoto")
    assert int(call.params["chat_id"]) == user.chat_id
    [(method, files)] = api.uploads
    [(filename, content, _mimetype)] = files.values()
    assert (method, filename) == ("sendPhoto", "progress.png")
    assert content[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(io.BytesIO(content)) as image:
        image.verify()
        assert image.format == "PNG"
        assert image.size[0] > 100 and image.size[1] > 100


# --- /settings -------------------------------------------------------------------------------


async def test_settings_shows_time_zone_and_emergency_number_with_change_buttons(
    bot: Bot,
) -> None:
    user = bot.user()
    await start_plan(user)

    await user.send("/settings")

    reply = bot.api.last_bot_message(user.chat_id)
    assert "Time: <b>08:00</b>" in reply.text and "Time zone: <b>Europe/Berlin</b>" in reply.text
    assert "Emergency number: <b>112</b>" in reply.text  # Germany's, from the plan's zone
    assert reply.button_labels == [
        "🕗 Check-in time",
        "🌍 Time zone",
        "🚑 Emergency number",
        "🌐 Language",
    ]
    # The number's and the language's buttons have a row each, under the time and zone.
    assert reply.reply_markup is not None
    assert [len(row) for row in reply.reply_markup["inline_keyboard"]] == [2, 1, 1]


async def test_settings_change_of_time_reschedules_the_next_check_in(bot: Bot) -> None:
    user = bot.user()
    await start_plan(user)

    await user.send("/settings")
    await user.press("🕗 Check-in time")
    assert bot.api.last_bot_message(user.chat_id).button_labels == TIME_LABELS
    await user.press("07:00")

    assert last_text(bot.api, user.chat_id) == (
        "Saved: check-ins at <b>07:00</b> (Europe/Berlin). Next one: <b>Sun 21 Mar, 07:00</b>."
    )
    plan = await plan_of(bot, user)
    assert (plan.checkin_time, plan.editing, plan.status) == ("07:00", None, "active")
    assert plan.next_checkin_at == local(2027, 3, 21, 7, 0, BERLIN)


async def test_settings_change_of_time_can_be_typed(bot: Bot) -> None:
    user = bot.user()
    await start_plan(user)
    await user.send("/settings")
    await user.press("🕗 Check-in time")

    await user.send("9:15 pm")

    plan = await plan_of(bot, user)
    assert plan.checkin_time == "21:15"
    assert plan.next_checkin_at == local(2027, 3, 20, 21, 15, BERLIN)  # still today


async def test_settings_change_of_zone_reschedules_the_next_check_in(bot: Bot) -> None:
    user = bot.user()
    await start_plan(user)

    await user.send("/settings")
    await user.press("🌍 Time zone")
    # The zone picked at set-up comes first, as the athlete's own.
    own = texts.OWN_ZONE.format(zone="Europe/Berlin")
    assert bot.api.last_bot_message(user.chat_id).button_labels == [own, *ZONE_LABELS]
    await user.press("New York")

    assert "Saved: check-ins at <b>08:00</b> (America/New_York)." in last_text(
        bot.api, user.chat_id
    )
    plan = await plan_of(bot, user)
    assert (plan.zone, plan.next_checkin_at) == ("America/New_York", NEXT_NEW_YORK_0800)


async def test_settings_change_of_zone_by_location(bot: Bot) -> None:
    user = bot.user()
    await start_plan(user, zone_label="New York")
    await user.send("/settings")
    await user.press("🌍 Time zone")

    await user.send_location(52.52, 13.405)

    plan = await plan_of(bot, user)
    assert (plan.zone, plan.next_checkin_at) == ("Europe/Berlin", NEXT_BERLIN_0800)


async def test_a_later_time_chosen_after_todays_check_in_starts_tomorrow(
    bot: Bot, clock: FakeClock
) -> None:
    user = bot.user()
    await start_plan(user)
    await deliver_next_checkin(bot, clock, user)  # Sunday 21 March, 08:00 Berlin
    await answer_checkin(user, 2)
    clock.advance(hours=1)

    await user.send("/settings")
    await user.press("🕗 Check-in time")
    await user.press("20:00")

    # Today has had its check-in: the next one is tomorrow evening, and the reply says so.
    assert "Next one: <b>Mon 22 Mar, 20:00</b>." in last_text(bot.api, user.chat_id)
    plan = await plan_of(bot, user)
    assert plan.next_checkin_at == local(2027, 3, 22, 20, 0, BERLIN)
    assert (await tick_at(bot, clock, local(2027, 3, 21, 20, 0, BERLIN))).checkins_sent == 0
    assert (await tick_at(bot, clock, local(2027, 3, 22, 20, 0, BERLIN))).checkins_sent == 1


async def test_stale_settings_buttons_after_the_plan_ended_are_expired(bot: Bot) -> None:
    user = bot.user()
    await start_plan(user)
    await user.send("/settings")
    settings = bot.api.last_bot_message(user.chat_id)
    await user.send("/stopplan")
    await user.press(texts.STOP_YES)

    data = settings.inline_buttons[0]["callback_data"]
    await assert_press_changes_nothing(bot, user, data)


# --- /pause, /resume, /stopplan --------------------------------------------------------------


async def test_pause_stops_check_ins_and_resume_brings_them_back(
    bot: Bot, clock: FakeClock
) -> None:
    user = bot.user()
    await start_plan(user)

    await user.send("/pause")

    assert last_text(bot.api, user.chat_id) == texts.PAUSED
    plan = await plan_of(bot, user)
    assert (plan.status, plan.next_checkin_at) == ("paused", None)
    for day in range(21, 24):  # three mornings pass without a check-in
        report = await tick_at(bot, clock, local(2027, 3, day, 8, 0, BERLIN))
        assert report.checkins_sent == 0
    assert checkin_prompts(bot.api, user.chat_id) == []

    clock.advance(hours=2)  # Tuesday 23 March, 10:00 in Berlin
    await user.send("/resume")

    assert last_text(bot.api, user.chat_id) == (
        "▶️ Plan resumed. Next check-in: <b>Wed 24 Mar, 08:00</b>."
    )
    plan = await plan_of(bot, user)
    assert (plan.status, plan.next_checkin_at) == ("active", local(2027, 3, 24, 8, 0, BERLIN))
    await deliver_next_checkin(bot, clock, user)
    # Wednesday 24 March: the fourth day after Saturday's cramp.
    assert "<b>Day 4 check-in</b>" in last_text(bot.api, user.chat_id)


async def test_resume_on_a_running_plan_says_it_is_not_paused(bot: Bot) -> None:
    user = bot.user()
    await start_plan(user)

    await user.send("/resume")

    assert last_text(bot.api, user.chat_id) == (
        "Your plan isn't paused. Next check-in: <b>Sun 21 Mar, 08:00</b>."
    )


async def test_stopplan_asks_first_and_no_keeps_the_plan(bot: Bot) -> None:
    user = bot.user()
    await start_plan(user)
    plan = await plan_of(bot, user)

    await user.send("/stopplan")
    confirm = bot.api.last_bot_message(user.chat_id)
    await user.press(texts.STOP_NO)

    assert confirm.text == texts.CONFIRM_STOP
    assert confirm.button_labels == ["Yes, stop it", "No, keep going"]
    assert last_text(bot.api, user.chat_id) == texts.KEPT
    assert await plan_of(bot, user) == plan


async def test_stopplan_confirmed_ends_the_plan_and_its_check_ins(
    bot: Bot, clock: FakeClock
) -> None:
    user = bot.user()
    await start_plan(user)

    await user.send("/stopplan")
    await user.press(texts.STOP_YES)

    assert last_text(bot.api, user.chat_id) == texts.STOPPED
    plan = await plan_of(bot, user)
    assert (plan.status, plan.next_checkin_at) == ("ended", None)
    clock.advance(days=3)
    assert (await tick(bot.application)).checkins_sent == 0
    assert checkin_prompts(bot.api, user.chat_id) == []
    await user.send("/today")
    assert last_text(bot.api, user.chat_id) == texts.NO_PLAN
    # A second confirmation press changes nothing.
    before = len(bot.api.bot_messages(user.chat_id))
    await user.press(texts.STOP_YES)
    assert len(bot.api.bot_messages(user.chat_id)) == before


async def test_commands_without_a_plan_say_there_is_none(bot: Bot) -> None:
    user = bot.user()

    for command in ("/progress", "/pause", "/resume", "/stopplan"):
        before = len(bot.api.bot_messages(user.chat_id))
        await user.send(command)
        [reply] = new_messages(bot.api, user.chat_id, before)
        assert reply.text == texts.NO_PLAN, command
    # /settings still has the emergency number to show and change, and says the rest waits.
    before = len(bot.api.bot_messages(user.chat_id))
    await user.send("/settings")
    [reply] = new_messages(bot.api, user.chat_id, before)
    # The country unknown: no number is given as theirs; the main ones are listed.
    assert reply.text == (
        texts.SETTINGS_NO_PLAN.format(number=country_texts.NUMBER_NOT_SET)
        + "\n\n"
        + country_texts.NUMBERS_UNTIL_KNOWN.format(numbers=numbers_text(MAIN_NUMBERS))
    )
    assert reply.button_labels == [texts.CHANGE_NUMBER, language_texts.SETTINGS_BUTTON]
    assert ASK_PAIN not in "".join(bot_texts(bot.api, user.chat_id))


async def test_the_plan_started_message_reads_the_local_time_not_utc(bot: Bot) -> None:
    user = bot.user()

    await start_plan(user, "06:00", "Tokyo")

    plan = await plan_of(bot, user)
    # 06:00 in Tokyo on Sunday 21 March is 21:00 UTC on Saturday.
    assert plan.next_checkin_at == datetime(2027, 3, 20, 21, 0, tzinfo=UTC)
    assert (
        "Next check-in: <b>Sun 21 Mar, 06:00</b>"
        in newest_with(bot.api, user.chat_id, "Your recovery plan is on.").text
    )
    assert plan.next_checkin_at - plan.cramp_at == timedelta(hours=4)


async def test_cancel_during_set_up_drops_the_unfinished_plan(bot: Bot) -> None:
    user = bot.user()
    await ease_a_cramp(user)
    await user.press("📅 Start my recovery plan")

    await user.send("/cancel")

    assert "Okay, stopped" in bot.api.last_bot_message(user.chat_id).text
    assert await plans.live_plan_of(db_of(bot), user.user_id) is None
    await user.send("7:30")  # no longer read as a check-in time
    assert "I'm here for calf and leg cramps" in bot.api.last_bot_message(user.chat_id).text


async def test_cancel_during_a_settings_change_keeps_the_plan(bot: Bot) -> None:
    user = bot.user()
    await start_plan(user)
    await user.send("/settings")
    await user.press("🕗 Check-in time")

    await user.send("/cancel")

    plan = await plans.live_plan_of(db_of(bot), user.user_id)
    assert plan is not None and plan.status == "active" and plan.editing is None
    assert plan.checkin_time == "08:00"
