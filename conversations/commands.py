"""The bot's commands: one list, used for Telegram's command menu and for input filters."""

from __future__ import annotations

import re

from telegram import Message
from telegram.ext import filters

from conversations.texts import common

COMMANDS: tuple[tuple[str, str], ...] = common.COMMAND_DESCRIPTIONS
# In groups the menu offers only the way to the private chat.
GROUP_COMMANDS: tuple[tuple[str, str], ...] = common.GROUP_COMMAND_DESCRIPTIONS


def is_known_command() -> filters.BaseFilter:
    """Messages that are one of our commands (``/cramp``, ``/cramp@OurBot now``...).

    ``/cramp@OtherBot`` is another bot's command, not ours: mid-flow it is bad input, nudged
    with the step's buttons (it used to slip past the flow to the idle reply).
    """
    return _OurCommand()


class _OurCommand(filters.MessageFilter):
    _PATTERN = re.compile(
        rf"^/({'|'.join(re.escape(name) for name, _ in COMMANDS)})(?:@(\w+))?(\s|$)"
    )

    def filter(self, message: Message) -> bool:
        match = self._PATTERN.match(message.text or "")
        if match is None:
            return False
        addressed = match.group(2)
        return addressed is None or addressed.lower() == (message.get_bot().username or "").lower()


SOS_BUTTON = filters.Text([common.SOS_BUTTON])

# Free text that mentions a cramp starts the SOS flow ("cramp", "cramping", "charley horse").
MENTIONS_CRAMP = filters.Regex(re.compile(r"\bcramp|charley\s*horse", re.IGNORECASE))
