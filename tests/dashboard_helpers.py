"""Signing a Mini App's ``initData`` the way Telegram does, written from Telegram's own
description ("Validating data received via the Mini App"), not from the bot's validator."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime
from typing import Any
from urllib.parse import urlencode


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
