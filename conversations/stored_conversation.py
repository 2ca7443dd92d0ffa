"""A conversation whose step lives in the database, read afresh for every update.

python-telegram-bot's ``ConversationHandler`` keeps every conversation's state in a dict of its
own, loaded once at start-up: a second process would never see the first one's steps, and
ending a conversation from outside it (``/delete``) meant reaching into that dict. This handler
chooses among the same kinds of handlers in the same order (entry points while no step is
open; the step's handlers, then the fallbacks, while one is), but the step comes from the
update's unit of work (``storage.unit_of_work``), which read it from ``conversation_steps`` when
the update arrived and writes the new one in its commit.

Only what this bot uses is supported: one conversation per chat and user, blocking callbacks,
no timeout, no nesting.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from telegram import Update
from telegram.ext import ApplicationHandlerStop, BaseHandler, ContextTypes

from storage import unit_of_work

END = -1  # the callback's return value that ends the conversation (as ConversationHandler.END)

_Handler = BaseHandler[Update, Any, Any]
_Check = tuple[str | None, _Handler, object]


class StoredConversation(BaseHandler[Update, ContextTypes.DEFAULT_TYPE, object]):
    """A conversation named ``name``: entry points, steps and fallbacks, as in
    ``ConversationHandler``; a callback returns the next step, None to stay, END to leave."""

    __slots__ = ("entry_points", "fallbacks", "name", "steps")

    def __init__(
        self,
        name: str,
        *,
        entry_points: Sequence[_Handler],
        steps: Mapping[str, Sequence[_Handler]],
        fallbacks: Sequence[_Handler],
    ) -> None:
        super().__init__(self._never_called)
        self.name = name
        self.entry_points = tuple(entry_points)
        self.steps = {step: tuple(handlers) for step, handlers in steps.items()}
        self.fallbacks = tuple(fallbacks)

    @staticmethod
    async def _never_called(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        raise AssertionError("handle_update dispatches to the chosen handler")

    def check_update(self, update: object) -> _Check | None:
        if not isinstance(update, Update) or update.channel_post or update.edited_channel_post:
            return None
        if update.effective_chat is None or update.effective_user is None:
            return None
        if update.callback_query is not None and update.callback_query.message is None:
            return None  # a press on an inline-mode message: no chat to hold a step
        unit = unit_of_work.current_or_none()
        step = None if unit is None else unit.step(self.name)
        if step is None:
            found = _first_match(self.entry_points, update)
            return None if found is None else (None, *found)
        found = _first_match(self.steps.get(step, ()), update) or _first_match(
            self.fallbacks, update
        )
        return None if found is None else (step, *found)

    async def handle_update(  # type: ignore[override]
        self,
        update: Update,
        application: Any,
        check_result: _Check,
        context: ContextTypes.DEFAULT_TYPE,
    ) -> object:
        _, handler, handler_check = check_result
        stop = False
        try:
            new_step = await handler.handle_update(update, application, handler_check, context)
        except ApplicationHandlerStop as exc:
            new_step, stop = exc.state, True
        if new_step == END:
            unit_of_work.current().set_step(self.name, None)
        elif new_step is not None:
            unit_of_work.current().set_step(self.name, str(new_step))
        if stop:
            raise ApplicationHandlerStop
        return None


def _first_match(handlers: Sequence[_Handler], update: Update) -> tuple[_Handler, object] | None:
    for handler in handlers:
        check = handler.check_update(update)
        if check is not None and check is not False:
            return handler, check
    return None
