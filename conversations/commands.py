"""The bot's commands: one list, used for Telegram's command menu and for input filters."""

from __future__ import annotations

import re

from telegram.ext import filters

from conversations.texts import common

COMMANDS: tuple[tuple[str, str], ...] = common.COMMAND_DESCRIPTIONS
# In groups the menu offers only the way to the private chat.
GROUP_COMMANDS: tuple[tuple[str, str], ...] = common.GROUP_COMMAND_DESCRIPTIONS


def is_known_command() -> filters.BaseFilter:
    """Messages that are one of our commands (``/cramp``, ``/cramp@OurBot now``...)."""
    names = "|".join(re.escape(name) for name, _ in COMMANDS)
    return filters.Regex(rf"^/({names})(@\w+)?(\s|$)")


SOS_BUTTON = filters.Text([common.SOS_BUTTON])

# Free text that mentions a cramp starts the SOS flow ("cramp", "cramping", "charley horse").
MENTIONS_CRAMP = filters.Regex(re.compile(r"\bcramp|charley\s*horse", re.IGNORECASE))
