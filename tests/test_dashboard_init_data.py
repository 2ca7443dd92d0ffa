"""The dashboard's gate (issue 19): Telegram's initData checked as Telegram documents it, the
session token, and the per-user limit. Plain functions, no server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.web.dashboard.init_data import InvalidInitData, WebAppUser, validate
from bot.web.dashboard.limits import PerUserLimit
from bot.web.dashboard.sessions import Sessions
from tests.dashboard_helpers import (
    OTHER_TOKEN,
    coach_user,
    sign_init_data,
    tamper,
    validation_table,
)

TOKEN = "123456789:AAE2eTestTokenNotRealButShapedLikeOne_x"
NOW = datetime(2027, 3, 21, 9, 0, tzinfo=UTC)


def test_valid_data_names_the_user() -> None:
    raw = sign_init_data(TOKEN, coach_user(501), NOW - timedelta(minutes=5))
    assert validate(raw, TOKEN, NOW) == WebAppUser(501, "Carla")


def test_unknown_fields_such_as_signature_are_part_of_the_check() -> None:
    raw = sign_init_data(
        TOKEN, coach_user(501), NOW, extra={"signature": "abc", "chat_type": "sender"}
    )
    assert validate(raw, TOKEN, NOW).id == 501
    with pytest.raises(InvalidInitData, match="bad signature"):
        validate(tamper(raw, "chat_type", "private"), TOKEN, NOW)


CASES = validation_table(TOKEN, NOW)


@pytest.mark.parametrize(("raw", "why"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_the_validation_table(raw: str, why: str | None) -> None:
    if why is None:
        assert validate(raw, TOKEN, NOW).id == 501
    else:
        with pytest.raises(InvalidInitData, match=why):
            validate(raw, TOKEN, NOW)


def test_a_session_names_its_user_until_it_expires() -> None:
    sessions = Sessions(TOKEN, lifetime=timedelta(minutes=30))
    token = sessions.issue(501, NOW)
    assert sessions.user_of(token, NOW + timedelta(minutes=29)) == 501
    assert sessions.user_of(token, NOW + timedelta(minutes=30)) is None


def test_a_session_from_another_bot_or_altered_is_nobody() -> None:
    token = Sessions(TOKEN).issue(501, NOW)
    assert Sessions(OTHER_TOKEN).user_of(token, NOW) is None
    body, _, signature = token.partition(".")
    forged = Sessions(TOKEN).issue(601, NOW).partition(".")[0]
    assert Sessions(TOKEN).user_of(f"{forged}.{signature}", NOW) is None
    for bad in ("", ".", "abc", f"{body}.", f"{body}.x", f"!!!.{signature}"):
        assert Sessions(TOKEN).user_of(bad, NOW) is None


def test_the_token_is_not_the_bot_token_nor_holds_it() -> None:
    token = Sessions(TOKEN).issue(501, NOW)
    assert TOKEN not in token and TOKEN.split(":")[1] not in token


def test_the_limit_lets_a_burst_through_then_asks_to_wait() -> None:
    limit = PerUserLimit(rate=1.0, burst=3)
    assert [limit.take(501, 0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limit.take(501, 0.0) == pytest.approx(1.0)
    assert limit.take(601, 0.0) == 0.0  # another user has a bucket of their own
    assert limit.take(501, 1.0) == 0.0  # a second later one more call
