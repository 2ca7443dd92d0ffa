"""Every word the bot sends, apart from the logic that decides when to send it.

Messages use Telegram's HTML parse mode. A physiotherapist reviewing the wording reads these
modules and nothing else.
"""
