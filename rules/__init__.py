"""The rules of CrampCoach as pure functions: no Telegram, no database, no clock.

Everything else may use this package; it uses nothing of the project's other packages
(``tests/test_rules_are_pure.py`` keeps it so). Callers pass plain values (times, zones,
pains) and get plain values back, so each rule is tested on its own.
"""
