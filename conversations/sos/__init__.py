"""The cramp SOS conversation, in the order an athlete meets it.

1. First aid and the red-flag screen, at once.      (TRIAGE)
2. A red flag ends the flow with emergency guidance.
3. Exercise cramp, or night/rest cramp?              (CONTEXT)
4. Which muscle, so the stretch fits it.             (MUSCLE)
5. Relief: a gentle stretch with a countdown, then a salty taste, alternating.
   "Easing?" after each.                              (STRETCH, SALT)
6. Eased: four one-tap questions on the circumstances, then aftercare.
   (ACTIVITY, TIME_INTO, HEAT, CLOTHING)
7. Not eased after about ten minutes: get medical help.

Modules: ``states`` (the steps and their choices), ``views`` (each step's text and buttons),
``steps`` (what each press does), ``timers`` (the stretch countdown and the ten-minute check),
``flow`` (the conversation: entry points, steps, bad input, leaving).

The episode is written to the database at every step. The conversation state is persisted in
SQLite after every update, so a restart carries on where the athlete was.
"""
