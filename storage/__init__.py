"""SQLite storage: schema, migrations, queries, and each update's unit of work.

Nothing here knows about handlers or Telegram updates.
"""
