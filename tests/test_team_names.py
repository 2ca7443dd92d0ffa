"""A Telegram name kept current on every roster, and remembered only for team members."""

from __future__ import annotations

from datetime import UTC, datetime

from storage import teams, users
from storage.store import Store

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


async def _names_of(store: Store, user_id: int) -> list[str]:
    rows = await store.fetch_all(
        "SELECT display_name FROM team_members WHERE user_id = ? ORDER BY team_id", (user_id,)
    )
    return [row["display_name"] for row in rows]


async def test_rename_member_says_whether_the_athlete_is_on_a_roster(store: Store) -> None:
    for user_id in (1, 2, 3):
        await users.ensure_user(store, user_id, NOW)
    first = await teams.create_team(
        store,
        name="Harriers",
        chat_id=None,
        chat_kind=teams.ChatKind.CHANNEL,
        token="tok-a",
        coach_id=1,
        coach_name="Coach",
        now=NOW,
    )
    second = await teams.create_team(
        store,
        name="Rowers",
        chat_id=None,
        chat_kind=teams.ChatKind.CHANNEL,
        token="tok-b",
        coach_id=1,
        coach_name="Coach",
        now=NOW,
    )
    await teams.join(store, first.id, 2, "Ann", teams.Consent.STATUS, NOW)
    await teams.join(store, second.id, 2, "Ann", teams.Consent.DETAILS, NOW)

    assert await teams.rename_member(store, 3, "Bo") is False  # on no roster: nothing written
    assert await _names_of(store, 3) == []
    assert await teams.rename_member(store, 2, "Ann") is True  # unchanged
    assert await _names_of(store, 2) == ["Ann", "Ann"]
    assert await teams.rename_member(store, 2, "Ann B.") is True  # every roster shows it
    assert await _names_of(store, 2) == ["Ann B.", "Ann B."]
