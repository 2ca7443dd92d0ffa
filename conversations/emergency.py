"""Which emergency number to give an athlete: theirs, not only the deployment's.

In order: a number the athlete typed in /settings; their country's number (the country they
chose, or the one their plan's time zone lies in); the deployment's default
(``CRAMPCOACH_EMERGENCY_NUMBER``).
"""

from __future__ import annotations

from conversations.services import Services
from rules import emergency_numbers
from storage import plans, users


async def number_for(svc: Services, user_id: int) -> str:
    user = await users.ensure_user(svc.db, user_id, svc.now())
    if user.emergency_number:
        return user.emergency_number
    country = user.country
    if country is None:
        plan = await plans.live_plan_of(svc.db, user_id)
        country = None if plan is None else emergency_numbers.country_of_zone(plan.zone)
    return emergency_numbers.emergency_number(country, svc.emergency_number)
