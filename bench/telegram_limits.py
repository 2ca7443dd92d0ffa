"""A local Bot API that enforces Telegram's limits the way Telegram does: with a 429.

At most 30 messages in any second in all, one a second per chat, 20 a minute per group;
a message over a limit is refused with HTTP 429 and ``retry_after``, and counted. Only
methods that put or change a message in a chat count (the same rule as the bot's limiter,
:func:`bot.delivery.rate_limiter.spends_budget`; Telegram documents its limits in messages).
"""

from __future__ import annotations

import json
import math
import time
from collections import Counter
from typing import Any

from telegram.request import RequestData

from bot.delivery.rate_limiter import is_group, spends_budget
from bot.delivery.send_window import SendWindow
from bot.devtools.local_api import LocalBotAPI


class LimitedBotAPI(LocalBotAPI):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.overall = SendWindow(30, 1.0)
        self.per_chat: dict[object, SendWindow] = {}
        self.refused: Counter[str] = Counter()  # 429s by which limit was crossed
        self.delivered: Counter[int] = Counter()  # messages per chat

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        if spends_budget(api_method):
            refusal = self._over_a_limit(params.get("chat_id"))
            if refusal is not None:
                return refusal
        code, payload = await super().do_request(url, method, request_data)
        if code == 200 and api_method.startswith("send"):
            self.delivered[int(str(params["chat_id"]))] += 1
        return code, payload

    def _over_a_limit(self, chat_id: object) -> tuple[int, bytes] | None:
        now = time.monotonic()
        chat = self.per_chat.get(chat_id)
        if chat is None:
            group = is_group(chat_id)
            chat = self.per_chat[chat_id] = SendWindow(20 if group else 1, 60.0 if group else 1.0)
        for name, window in (("overall", self.overall), ("chat", chat)):
            wait = window.wait(now)
            if wait > 0:
                self.refused[name] += 1
                body = {
                    "ok": False,
                    "error_code": 429,
                    "description": f"Too Many Requests: retry after {math.ceil(wait)}",
                    "parameters": {"retry_after": math.ceil(wait)},
                }
                return 429, json.dumps(body).encode()
        self.overall.record(now)
        chat.record(now)
        return None
