"""The weather forecast for the heat warning: a client for Open-Meteo (``forecast``) and the
scheduler's part that sends the warnings (``warnings``)."""
