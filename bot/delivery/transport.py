"""The bot's HTTP transport, with server errors told apart from other failures.

python-telegram-bot turns an HTTP 5xx answer into a plain ``NetworkError`` carrying only the
answer's description ("Internal Server Error"), the same class as a connection dropped
mid-request. Whether a request may be sent again depends on that difference (see
:mod:`bot.delivery.transient_errors`), so this wrapper raises :class:`ServerError`, with the
status, for every 5xx answer and passes everything else through unchanged.
"""

from __future__ import annotations

import json
from typing import Any

from telegram.error import NetworkError
from telegram.request import BaseRequest, HTTPXRequest, RequestData

# python-telegram-bot's own default for the bot's (not getUpdates') connection pool.
CONNECTION_POOL_SIZE = 256


class ServerError(NetworkError):
    """The Bot API answered with an HTTP 5xx: the request was not carried out."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class WrappedRequest(BaseRequest):
    """A transport around another one: its life cycle and timeouts are the inner one's."""

    def __init__(self, inner: BaseRequest) -> None:
        self.inner = inner

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

    @property
    def read_timeout(self) -> float | None:
        return self.inner.read_timeout


class ServerErrorAwareRequest(WrappedRequest):
    """Wraps a transport (HTTPX in production, the local Bot API in tests)."""

    def __init__(self, inner: BaseRequest | None = None) -> None:
        super().__init__(inner or HTTPXRequest(connection_pool_size=CONNECTION_POOL_SIZE))

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        code, payload = await self.inner.do_request(
            url,
            method,
            request_data,
            read_timeout=read_timeout,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
        )
        if code >= 500:
            raise ServerError(f"{_description(payload)} ({code})", code)
        return code, payload


def _description(payload: bytes) -> str:
    try:
        body = json.loads(payload)
    except ValueError:
        return "Server error"
    description = body.get("description") if isinstance(body, dict) else None
    return str(description) if description else "Server error"
