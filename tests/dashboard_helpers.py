"""Signing a Mini App's ``initData`` the way Telegram does, written from Telegram's own
description ("Validating data received via the Mini App"), not from the bot's validator."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode


def sign_init_data(
    token: str,
    user: dict[str, Any] | None,
    auth_date: datetime,
    *,
    user_json: str | None = None,
    extra: dict[str, str] | None = None,
    drop: tuple[str, ...] = (),
) -> str:
    """The raw query string Telegram hands a Mini App: the fields, then their hash.

    ``user_json`` gives the user field verbatim (as Telegram writes it, e.g. with ``\\/``);
    ``drop`` leaves fields out after signing them in (the hash no longer matches the rest).
    """
    fields: dict[str, str] = {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "auth_date": str(int(auth_date.timestamp())),
    }
    if user_json is not None:
        fields["user"] = user_json
    elif user is not None:
        fields["user"] = json.dumps(user, separators=(",", ":"))
    fields.update(extra or {})
    check_string = "\n".join(f"{key}={fields[key]}" for key in sorted(fields))
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(secret, check_string.encode(), hashlib.sha256).hexdigest()
    for key in drop:
        fields.pop(key, None)
    return urlencode(fields)


def coach_user(user_id: int, first_name: str = "Carla") -> dict[str, Any]:
    return {"id": user_id, "first_name": first_name, "language_code": "en"}


OTHER_TOKEN = "987654321:AAE2eAnotherTokenNotRealButShapedLike_y"
# Telegram writes the user's JSON with "\/" in URLs; the hash covers exactly that text.
ESCAPED_PHOTO_USER = (
    '{"id":501,"first_name":"Carla","username":"carla",'
    '"photo_url":"https:\\/\\/t.me\\/i\\/userpic\\/320\\/carla.svg"}'
)


def tamper(raw: str, key: str, value: str) -> str:
    """``raw`` with one field changed after signing."""
    fields = dict(parse_qsl(raw))
    fields[key] = value
    return urlencode(fields)


def validation_table(token: str, now: datetime) -> list[tuple[str, str, str | None]]:
    """(case, initData, why it is refused or None when valid), for user 501 of ``token``."""
    good = sign_init_data(token, coach_user(501), now)
    return [
        ("valid", good, None),
        ("an-hour-old", sign_init_data(token, coach_user(501), now - timedelta(hours=1)), None),
        ("photo-url-escaped", sign_init_data(token, None, now, user_json=ESCAPED_PHOTO_USER), None),
        (
            "photo-url-unescaped",
            tamper(
                sign_init_data(token, None, now, user_json=ESCAPED_PHOTO_USER),
                "user",
                ESCAPED_PHOTO_USER.replace("\\/", "/"),
            ),
            "bad signature",
        ),
        ("empty", "", "missing"),
        ("no-hash", sign_init_data(token, coach_user(501), now, drop=("hash",)), "no hash"),
        ("zero-hash", tamper(good, "hash", "0" * 64), "bad signature"),
        ("hash-not-hex", tamper(good, "hash", "not-hex"), "no hash"),
        ("user-swapped", tamper(good, "user", '{"id":601,"first_name":"X"}'), "bad signature"),
        ("other-token", sign_init_data(OTHER_TOKEN, coach_user(501), now), "bad signature"),
        (
            "expired",
            sign_init_data(token, coach_user(501), now - timedelta(hours=1, seconds=1)),
            "expired",
        ),
        (
            "dated-ahead",
            sign_init_data(token, coach_user(501), now + timedelta(hours=1)),
            "future",
        ),
        (
            "no-auth-date",
            sign_init_data(token, coach_user(501), now, drop=("auth_date",)),
            "bad signature",
        ),
        ("no-user", sign_init_data(token, None, now), "no user"),
        ("user-not-json", sign_init_data(token, None, now, user_json="not json"), "not JSON"),
        ("user-without-id", sign_init_data(token, {"first_name": "Carla"}, now), "no id"),
        ("user-id-bool", sign_init_data(token, {"id": True}, now), "no id"),
        ("field-twice", good + "&user=x", "twice"),
        ("too-long", "a" * 9000, "too long"),
        ("garbage", "%%%&&&=", "not a query string"),
    ]
