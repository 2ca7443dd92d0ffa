"""Checking the ``initData`` a Mini App receives from Telegram (Telegram's "Validating data
received via the Mini App").

The page hands the raw query string over unchanged. Its fields other than ``hash``, decoded,
sorted by key and joined as ``key=value`` lines, are the data-check string; ``hash`` must be
its HMAC-SHA256 under the key HMAC-SHA256(key="WebAppData", msg=bot token), compared in
constant time. ``auth_date`` must be no older than :data:`MAX_AGE`. Values are used exactly as
sent (a ``photo_url`` with ``\\/`` in the user's JSON stays so), never re-encoded.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qsl

MAX_AGE = timedelta(hours=1)
# A clock a little ahead of ours is tolerated; data dated further ahead is refused.
CLOCK_SKEW = timedelta(minutes=1)
MAX_LENGTH = 8192  # characters: Telegram's initData is well under 2 KiB
_HEX_HASH = re.compile(r"^[0-9a-f]{64}$")


class InvalidInitData(Exception):
    """Why the data was refused, in words safe to log (never the data itself)."""


@dataclass(frozen=True)
class WebAppUser:
    id: int
    first_name: str


def secret_key(bot_token: str) -> bytes:
    return hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()


def validate(init_data: str, bot_token: str, now: datetime) -> WebAppUser:
    """The user the data was signed for; :class:`InvalidInitData` when it is missing, malformed,
    signed with another token, tampered with or older than :data:`MAX_AGE`."""
    if not init_data:
        raise InvalidInitData("missing")
    if len(init_data) > MAX_LENGTH:
        raise InvalidInitData("too long")
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise InvalidInitData("not a query string") from None
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise InvalidInitData("a field given twice")
    received = fields.pop("hash", "")
    if not _HEX_HASH.match(received):
        raise InvalidInitData("no hash")
    check_string = "\n".join(f"{key}={fields[key]}" for key in sorted(fields))
    expected = hmac.new(secret_key(bot_token), check_string.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, received):
        raise InvalidInitData("bad signature")
    # Signed by Telegram from here on: what is malformed is a field missing, not forgery.
    try:
        signed_at = datetime.fromtimestamp(int(fields["auth_date"]), tz=now.tzinfo)
    except (KeyError, ValueError, OverflowError, OSError):
        raise InvalidInitData("no auth_date") from None
    if now - signed_at > MAX_AGE:
        raise InvalidInitData("expired")
    if signed_at - now > CLOCK_SKEW:
        raise InvalidInitData("dated in the future")
    return _user(fields.get("user"))


def _user(raw: str | None) -> WebAppUser:
    if not raw:
        raise InvalidInitData("no user")
    try:
        data = json.loads(raw)
    except ValueError:
        raise InvalidInitData("user is not JSON") from None
    user_id = data.get("id") if isinstance(data, dict) else None
    if not isinstance(user_id, int) or isinstance(user_id, bool) or user_id <= 0:
        raise InvalidInitData("user has no id")
    first_name = data.get("first_name")
    return WebAppUser(user_id, first_name if isinstance(first_name, str) else "")
