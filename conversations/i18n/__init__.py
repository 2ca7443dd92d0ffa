"""The bot's languages: message catalogs (gettext ``.po`` files read with Babel), the language
of the update or message being written (:mod:`conversations.i18n.current`), and the texts
modules that answer in it (:mod:`conversations.i18n.localized`).

The texts in ``conversations/texts/`` stay the English source, as Python constants. Each texts
module ends with ``localize(__name__)``: reading one of its constants (``texts.STOP_REASON``)
then gives the translation into the current language, looked up by its key (``sos.STOP_REASON``,
the message context) and its English text (the message id): a translation written for an older
English text is not used. ``python -m conversations.i18n.extract`` writes the template and
updates the catalogs from the code.
"""
