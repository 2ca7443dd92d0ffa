"""The bot's commands: one registry, for Telegram's command menus and for input filters."""

from __future__ import annotations

import re

from telegram import BotCommand, Message
from telegram.ext import filters

from conversations.i18n.every_language import in_every_language
from conversations.texts import common
from rules.typed_words import mentions_cramp

Command = tuple[str, str]  # (name, description)

# Telegram's menus by scope (set at start-up, see bot.application.register_commands; a coach's
# own menu by conversations.team.menu). Telegram shows the narrowest scope that has a menu.
# Each is a function: its descriptions are read in the current language.


def private_menu() -> tuple[Command, ...]:
    """Every athlete's private chat (BotCommandScopeAllPrivateChats)."""
    return common.ATHLETE_COMMAND_DESCRIPTIONS + common.GENERAL_COMMAND_DESCRIPTIONS


def coach_menu() -> tuple[Command, ...]:
    """A coach's private chat (BotCommandScopeChat with their user id), while they coach."""
    return (
        common.ATHLETE_COMMAND_DESCRIPTIONS
        + common.COACH_COMMAND_DESCRIPTIONS
        + common.GENERAL_COMMAND_DESCRIPTIONS
    )


def group_menu() -> tuple[Command, ...]:
    """Every group (BotCommandScopeAllGroupChats): the way to the private chat."""
    return common.GROUP_COMMAND_DESCRIPTIONS


def group_admin_menu() -> tuple[Command, ...]:
    """Groups' admins (BotCommandScopeAllChatAdministrators): that, and running a team."""
    return group_menu() + common.GROUP_ADMIN_COMMAND_DESCRIPTIONS


# The same in English, read once.
PRIVATE_MENU: tuple[Command, ...] = private_menu()
COACH_MENU: tuple[Command, ...] = coach_menu()
GROUP_MENU: tuple[Command, ...] = group_menu()
GROUP_ADMIN_MENU: tuple[Command, ...] = group_admin_menu()

# Every command the private chat answers (the input filter below; /help lists them all).
COMMANDS: tuple[Command, ...] = COACH_MENU


def bot_commands(menu: tuple[Command, ...]) -> list[BotCommand]:
    return [BotCommand(name, description) for name, description in menu]


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


# The 🆘 key of the reply keyboard, in whichever language it was last drawn.
SOS_BUTTON = filters.Text(in_every_language(lambda: common.SOS_BUTTON))


class _MentionsCramp(filters.MessageFilter):
    def filter(self, message: Message) -> bool:
        return message.text is not None and mentions_cramp(message.text)


# Free text that mentions a cramp starts the SOS flow, in any of the bot's languages
# ("cramp", "charley horse", "Wadenkrampf", "calambre", "crampe": rules.typed_words).
MENTIONS_CRAMP = _MentionsCramp()
