"""SQLite storage: schema, migrations, queries and python-telegram-bot persistence.

Nothing here knows about handlers or Telegram updates.
"""
