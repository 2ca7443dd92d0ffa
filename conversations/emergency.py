"""Which emergency number to give an athlete: theirs, not only the deployment's; and asking
them for their country when a button or /settings does.

In order: a number the athlete typed in /settings; their country's number (the country they
picked or typed, or the one a shared location lies in); the country of their zone (from a
location or a zone pick), then of their plan's zone. While none of these tells us the country,
the main numbers are given side by side (``rules.emergency_numbers.numbers_for``) rather than
the deployment's default (``CRAMPCOACH_EMERGENCY_NUMBER``), which may be wrong where they are.
"""

from __future__ import annotations

from telegram import Update

from conversations.buttons import Pressed, Refusal, pressed
from conversations.replies import send
from conversations.services import Services
from conversations.texts import country as texts
from conversations.texts import plan as plan_texts
from rules import emergency_numbers
from storage import plans, users
from storage.users import Awaiting, User


async def numbers_for(svc: Services, user_id: int) -> tuple[str, ...]:
    """One number once anything tells us where the athlete is; the main numbers until then."""
    user = await users.ensure_user(svc.db, user_id, svc.now())
    plan_zone = None
    if user.emergency_number is None and user.country is None:
        plan = await plans.live_plan_of(svc.db, user_id)
        plan_zone = None if plan is None else plan.zone
    return emergency_numbers.numbers_for(
        typed=user.emergency_number,
        country=user.country,
        zones=(user.zone, plan_zone),
        default=svc.emergency_number,
    )


def numbers_text(numbers: tuple[str, ...]) -> str:
    """What stands where a text says ``{number}``: the number, or one line per number with
    where it works (the deployment's default, when listed, as the local number)."""
    if len(numbers) == 1:
        return numbers[0]
    return "\n".join(
        texts.NUMBER_LINE.format(
            number=number,
            region=texts.NUMBER_REGIONS.get(number, texts.DEFAULT_REGION),
        )
        for number in numbers
    )


async def number_for(svc: Services, user_id: int) -> str:
    """The text for ``{number}`` in a message to this athlete (see :func:`numbers_text`)."""
    return numbers_text(await numbers_for(svc, user_id))


async def country_known(svc: Services, user_id: int) -> bool:
    """Whether anything tells us which number this athlete should call."""
    return len(await numbers_for(svc, user_id)) == 1


async def pressed_by_user(update: Update, svc: Services) -> Pressed[User] | Refusal:
    """A press on a button of the presser's own settings (its ref is their user id)."""

    async def load(user_id: int) -> User | None:
        return await users.ensure_user(svc.db, user_id, svc.now())

    return await pressed(update, load=load, owner=lambda user: user.user_id)


async def ask_for_country(update: Update, svc: Services, user_id: int) -> None:
    """Wait for a country (name or code) or an emergency number typed by the athlete."""
    await users.set_awaiting(svc.db, user_id, Awaiting.EMERGENCY_NUMBER)
    await send(update, plan_texts.ASK_EMERGENCY_NUMBER)
