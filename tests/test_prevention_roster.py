"""The coach's roster shows who follows a prevention programme once their plan is over (status
only: its level, or paused), instead of "no plan running · no check-in yet"; at either consent
level, like the plan's phase, and nothing of the sessions' answers."""

from __future__ import annotations

from conversations.texts import team as texts
from storage import prevention
from tests.conftest import Bot, FakeClock
from tests.plan_helpers import db_of
from tests.prevention_helpers import make_programme_for
from tests.team_helpers import ATHLETE, COACH, SECOND_ATHLETE, join, make_team, private, texts_to

THIRD_ATHLETE = SECOND_ATHLETE + 17


def roster_lines(bot: Bot) -> list[str]:
    [roster] = [t for t in texts_to(bot.api, COACH) if "needing attention" in t.split("\n")[0]]
    return roster.split("\n")[1:]


async def test_the_roster_shows_the_programme_instead_of_no_checkin(
    bot: Bot, clock: FakeClock
) -> None:
    made = await make_team(bot)
    stan = private(bot, ATHLETE, "Stan")
    dana = private(bot, SECOND_ATHLETE, "Dana")
    ivo = private(bot, THIRD_ATHLETE, "Ivo")
    await join(bot, stan, made, "status")
    await join(bot, dana, made, "details")
    await join(bot, ivo, made, "status")
    db = db_of(bot)
    await make_programme_for(db, ATHLETE, clock.now)
    await prevention.set_level(db, ATHLETE, 3, clock.now)
    await make_programme_for(db, SECOND_ATHLETE, clock.now)
    await prevention.pause(db, SECOND_ATHLETE, clock.now)

    await private(bot, COACH).send("/roster")

    lines = roster_lines(bot)
    [stan_line] = [line for line in lines if "Stan" in line]
    [dana_line] = [line for line in lines if "Dana" in line]
    [ivo_line] = [line for line in lines if "Ivo" in line]
    assert stan_line.endswith(texts.ROSTER_PROGRAMME.format(level=3))
    assert dana_line.endswith(texts.ROSTER_PROGRAMME_PAUSED)
    for line in (stan_line, dana_line):
        assert texts.ROSTER_NEVER not in line and texts.ROSTER_NO_PLAN not in line
    # Without a programme, as before.
    assert ivo_line.endswith(texts.ROSTER_NO_PLAN + texts.ROSTER_NEVER)

    # A stopped programme is no longer shown.
    await prevention.stop(db, ATHLETE, clock.now)
    await private(bot, COACH).send("/roster")
    rosters = [t for t in texts_to(bot.api, COACH) if "needing attention" in t.split("\n")[0]]
    [stan_line] = [line for line in rosters[-1].split("\n") if "Stan" in line]
    assert stan_line.endswith(texts.ROSTER_NO_PLAN + texts.ROSTER_NEVER)
