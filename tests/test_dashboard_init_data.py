"""The dashboard's gate (issue 19): Telegram's initData checked as Telegram documents it, the
session token, and the per-user limit. Plain functions, no server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode

import pytest

from bot.web.dashboard.init_data import InvalidInitData, WebAppUser, validate
from bot.web.dashboard.limits import PerUserLimit
from bot.web.dashboard.sessions import Sessions
from tests.dashboard_helpers import coach_user, sign_init_data

TOKEN = "123456789:AAE2eTestTokenNotRealButShapedLikeOne_x"
OTHER_TOKEN = "987654321:AAE2eAnotherTokenNotRealButShapedLike_y"
NOW = datetime(2027, 3, 21, 9, 0, tzinfo=UTC)


def _tamper(raw: str, key: str, value: str) -> str:
    fields = dict(parse_qsl(raw))
    fields[key] = value
    return urlencode(fields)


def test_valid_data_names_the_user() -> None:
    raw = sign_init_data(TOKEN, coach_user(501), NOW - timedelta(minutes=5))
    assert validate(raw, TOKEN, NOW) == WebAppUser(501, "Carla")


def test_a_photo_url_with_escaped_slashes_is_checked_as_sent() -> None:
    # Telegram writes the user's JSON with "\/" in URLs; the hash covers exactly that text.
    user_json = (
        '{"id":501,"first_name":"Carla","username":"carla",'
        '"photo_url":"https:\\/\\/t.me\\/i\\/userpic\\/320\\/carla.svg"}'
    )
    raw = sign_init_data(TOKEN, None, NOW, user_json=user_json)
    assert validate(raw, TOKEN, NOW).id == 501
    # The same user written with plain slashes is not what was signed.
    fields = dict(parse_qsl(raw))
    fields["user"] = fields["user"].replace("\\/", "/")
    with pytest.raises(InvalidInitData, match="bad signature"):
        validate(urlencode(fields), TOKEN, NOW)


def test_unknown_fields_such_as_signature_are_part_of_the_check() -> None:
    raw = sign_init_data(
        TOKEN, coach_user(501), NOW, extra={"signature": "abc", "chat_type": "sender"}
    )
    assert validate(raw, TOKEN, NOW).id == 501
    with pytest.raises(InvalidInitData, match="bad signature"):
        validate(_tamper(raw, "chat_type", "private"), TOKEN, NOW)


@pytest.mark.parametrize(
    ("make", "why"),
    [
        (lambda: "", "missing"),
        (lambda: sign_init_data(TOKEN, coach_user(501), NOW, drop=("hash",)), "no hash"),
        (
            lambda: _tamper(sign_init_data(TOKEN, coach_user(501), NOW), "hash", "0" * 64),
            "bad signature",
        ),
        (
            lambda: _tamper(sign_init_data(TOKEN, coach_user(501), NOW), "hash", "not-hex"),
            "no hash",
        ),
        (
            lambda: _tamper(
                sign_init_data(TOKEN, coach_user(501), NOW), "user", '{"id":601,"first_name":"X"}'
            ),
            "bad signature",
        ),
        (lambda: sign_init_data(OTHER_TOKEN, coach_user(501), NOW), "bad signature"),
        (
            lambda: sign_init_data(TOKEN, coach_user(501), NOW - timedelta(hours=1, seconds=1)),
            "expired",
        ),
        (lambda: sign_init_data(TOKEN, coach_user(501), NOW + timedelta(hours=1)), "future"),
        (lambda: sign_init_data(TOKEN, None, NOW), "no user"),
        (lambda: sign_init_data(TOKEN, None, NOW, user_json="not json"), "not JSON"),
        (lambda: sign_init_data(TOKEN, {"first_name": "Carla"}, NOW), "no id"),
        (lambda: sign_init_data(TOKEN, {"id": True}, NOW), "no id"),
        (lambda: sign_init_data(TOKEN, coach_user(501), NOW) + "&user=x", "twice"),
        (lambda: "a" * 9000, "too long"),
        (lambda: "%%%&&&=", "not a query string"),
    ],
    ids=[
        "empty",
        "no-hash",
        "zero-hash",
        "hash-not-hex",
        "user-swapped",
        "other-token",
        "expired",
        "dated-ahead",
        "no-user",
        "user-not-json",
        "user-without-id",
        "user-id-bool",
        "field-twice",
        "too-long",
        "garbage",
    ],
)
def test_bad_data_is_refused_with_a_reason(make: object, why: str) -> None:
    assert callable(make)
    with pytest.raises(InvalidInitData, match=why):
        validate(make(), TOKEN, NOW)


def test_an_hour_old_is_the_last_accepted_moment() -> None:
    raw = sign_init_data(TOKEN, coach_user(501), NOW - timedelta(hours=1))
    assert validate(raw, TOKEN, NOW).id == 501


def test_a_signed_field_left_out_breaks_the_signature() -> None:
    raw = sign_init_data(TOKEN, coach_user(501), NOW, drop=("auth_date",))
    with pytest.raises(InvalidInitData, match="bad signature"):
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
