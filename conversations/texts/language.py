"""Texts of choosing the language the bot speaks (/language, and its button in /settings)."""

from conversations.i18n.localized import localize

ASK = "<b>Which language shall I speak?</b> Right now it's {language}."
CHOSEN = "Done: from now on I'll write in {language}."
SETTINGS_BUTTON = "🌐 Language"
# A step in progress is shown again in the new language, after this line.
CONTINUE = "Here is where we were:"


_here = localize(__name__)
