"""The bot's own HTTP server: one module composes it (``app``) from the webhook's routes
(``webhook``) and ``/healthz`` and ``/metrics`` (``health``)."""
