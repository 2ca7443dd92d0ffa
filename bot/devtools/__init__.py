"""Development tools, never used by the running bot: an in-memory Bot API (``local_api``) and
the terminal chat on top of it (``python -m bot chat``)."""
