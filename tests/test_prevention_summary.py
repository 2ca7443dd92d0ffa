"""The prevention programme's fortnightly summary picture beside the /progress chart: a
follower's /progress gets two pictures, a non-follower one; once the plan is over, a follower
gets the summary alone. Its fortnight counts sessions done, cramps and hot days (heat warnings
and cramps whose pattern answer said hot)."""

from __future__ import annotations

import io
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from PIL import Image

from conversations.prevention import summary
from conversations.services import services_of
from conversations.texts import plan as plan_texts
from conversations.texts import programme_chart as texts
from rules.programme_chart import Row
from storage import episodes, heat, plans, prevention
from tests.conftest import Bot, FakeClock
from tests.plan_helpers import answer_checkin, db_of, deliver_next_checkin, last_text, start_plan
from tests.prevention_helpers import USER, make_programme


def photos(bot: Bot) -> list[str]:
    """The file names of the pictures sent to the athlete."""
    return [
        call.files["photo"][0]
        for call in bot.api.calls_of("sendPhoto")
        if str(call.params.get("chat_id")) == str(USER)
    ]


async def test_a_non_follower_gets_one_picture_a_follower_two(bot: Bot, clock: FakeClock) -> None:
    user = bot.user(USER)
    await start_plan(user)
    await deliver_next_checkin(bot, clock, user)
    await answer_checkin(user, 3)
    await user.send("/progress")
    assert photos(bot) == ["progress.png"]

    await make_programme(db_of(bot), clock.now)
    await prevention.pause(db_of(bot), USER, clock.now)  # the new cramp paused it: a follower
    await user.send("/progress")
    assert photos(bot) == ["progress.png", "progress.png", "programme.png"]
    call = bot.api.calls_of("sendPhoto")[-1]
    assert call.params.get("caption") == texts.CAPTION
    image = Image.open(io.BytesIO(call.files["photo"][1]))
    assert image.size == (summary.WIDTH, summary.HEIGHT)

    # A stopped programme is no longer followed.
    await prevention.stop(db_of(bot), USER, clock.now)
    await user.send("/progress")
    assert photos(bot)[3:] == ["progress.png"]


async def test_after_the_plan_a_follower_gets_the_summary_alone(bot: Bot, clock: FakeClock) -> None:
    user = bot.user(USER)
    await make_programme(db_of(bot), clock.now, done=(date(2027, 3, 15),))
    await user.send("/progress")
    assert photos(bot) == ["programme.png"]
    # Someone with neither a plan nor a programme is told there is no plan.
    other = bot.user(USER + 1)
    await other.send("/progress")
    assert last_text(bot.api, USER + 1) == plan_texts.NO_PLAN


async def test_the_fortnight_counts_sessions_cramps_and_hot_days(
    bot: Bot, clock: FakeClock
) -> None:
    db = db_of(bot)
    # Sessions done on 15 March (and on 1 March, outside the fortnight).
    await make_programme(db, clock.now, done=(date(2027, 3, 1), date(2027, 3, 15)))
    cramp = await episodes.start_episode(db, USER, clock.now - timedelta(days=4))  # 16 March
    await episodes.set_circumstance(db, cramp, "hot_conditions", True)
    await episodes.start_episode(db, USER, clock.now - timedelta(days=20))  # long before
    await heat.record_warning(db, USER, date(2027, 3, 17), 95.0, clock.now)
    await heat.record_warning(db, USER, date(2027, 3, 18), 95.0, clock.now)
    svc = services_of(bot.application.bot_data)
    layout = await summary.fortnight(svc, USER, ZoneInfo("Europe/Berlin"))
    assert (layout.first_day, layout.last_day) == (date(2027, 3, 7), date(2027, 3, 20))
    # The cramp on 16 March was on a hot day, as were the two days with a heat warning.
    assert layout.totals == {Row.SESSIONS: 1, Row.CRAMPS: 1, Row.HOT: 3}
    assert await plans.live_plan_of(db, USER) is None
