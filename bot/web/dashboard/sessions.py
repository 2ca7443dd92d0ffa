"""The dashboard's short-lived sessions: a signed token the page holds in memory and sends as
``Authorization: Bearer <token>``, exchanged once for valid ``initData``.

A token says only who it was issued to and until when; whether that user may see a team is
asked of the database at every call. The signing key is derived from the bot token (every
worker derives the same one, so any worker takes any worker's token) under a label of its own,
so it is not the key Telegram signs ``initData`` with, and the bot token never reaches the page.
A bearer token rather than a cookie: Telegram Web shows a Mini App in a cross-site frame, where
browsers withhold SameSite cookies.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from datetime import datetime, timedelta

LIFETIME = timedelta(minutes=30)
_LABEL = b"CrampCoach dashboard session"


class Sessions:
    def __init__(self, bot_token: str, lifetime: timedelta = LIFETIME) -> None:
        self._key = hmac.new(_LABEL, bot_token.encode(), hashlib.sha256).digest()
        self.lifetime = lifetime

    def issue(self, user_id: int, now: datetime) -> str:
        expires = int((now + self.lifetime).timestamp())
        body = _encode(json.dumps({"u": user_id, "e": expires}, separators=(",", ":")).encode())
        return f"{body}.{self._sign(body)}"

    def user_of(self, token: str, now: datetime) -> int | None:
        """The user a valid, unexpired token was issued to; None for anything else."""
        body, _, signature = token.partition(".")
        if not body or not hmac.compare_digest(self._sign(body), signature):
            return None
        try:
            claims = json.loads(_decode(body))
            user_id, expires = int(claims["u"]), int(claims["e"])
        except (ValueError, KeyError, TypeError, binascii.Error):
            return None
        return user_id if now.timestamp() < expires else None

    def _sign(self, body: str) -> str:
        return _encode(hmac.new(self._key, body.encode(), hashlib.sha256).digest())


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
