"""The recovery plan's Telegram side, one concern a module.

``views`` (its buttons and questions), ``setup`` (offer, time, zone), ``commands`` (/today,
/progress, /settings, /pause, /resume, /stopplan), ``checkin`` (the daily check-in),
``typed`` (typed answers outside the SOS flow) and ``chart`` (the /progress picture).
"""
