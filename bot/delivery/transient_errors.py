"""Which failed Bot API requests are safe to send again.

Retried (with bounded back-off, by the rate limiter):

- an HTTP 5xx answer from the Bot API (:class:`bot.delivery.transport.ServerError`);
- a connection that was never made (``httpx.ConnectError``, ``httpx.ConnectTimeout``) or a
  request that never left the connection pool (``httpx.PoolTimeout``): Telegram surely did not
  see the request.

Not retried: a read timeout, a dropped connection mid-request, or any other network error
after the request was written. Telegram may have delivered the message already, so sending
it again could show the athlete the same step twice. Those errors go to the caller (the flow's
error handling or the scheduler's lease) to decide with what it knows about the conversation.
"""

from __future__ import annotations

import httpx
from telegram.error import NetworkError

from bot.delivery.transport import ServerError

_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def is_transient(error: BaseException) -> bool:
    """Whether ``error`` means the request can be sent again without risking a duplicate."""
    if not isinstance(error, NetworkError):
        return False
    # A read or write timeout, or a connection dropped mid-request, is not retried: the message
    # may have been delivered.
    return isinstance(error, ServerError) or isinstance(error.__cause__, _NOT_SENT)
