"""What the plan shows: its button families, the set-up questions and the day's plan text."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from telegram import Update

from conversations import keyboards
from conversations.buttons import ButtonFamily, Press, Pressed, Refusal, pressed
from conversations.replies import InlineKeyboard, send
from conversations.services import Services
from conversations.texts import common
from conversations.texts import plan as texts
from conversations.texts import recovery as advice
from conversations.texts import sos as sos_texts
from rules import plan_clock
from rules import recovery as rules
from rules.timezones import COMMON_ZONES
from storage import plans
from storage.plans import Plan, PlanStatus, SettingField

FLOW = "plan"

TIME_CHOICES = ("06:00", "07:00", "08:00", "09:00", "12:00", "18:00", "20:00", "21:00")
YES, NO, START, STOP = "yes", "no", "start", "stop"
CLEARED, NOT_YET = "cleared", "notyet"  # has a doctor seen a plan on hold?
MY_ZONE = "mine"  # the athlete's own zone (from a location shared earlier, or a past pick)

# --- Button families -------------------------------------------------------------------------

OFFER_BUTTONS = ButtonFamily.of(FLOW, "offer", {START})
TIME_BUTTONS = ButtonFamily.of(FLOW, "time", {t.replace(":", "") for t in TIME_CHOICES})
ZONE_BUTTONS = ButtonFamily.of(FLOW, "zone", {str(i) for i in range(len(COMMON_ZONES))} | {MY_ZONE})
SETTINGS_BUTTONS = ButtonFamily.of(FLOW, "settings", {field.value for field in SettingField})
STOP_BUTTONS = ButtonFamily.of(FLOW, "stop", {YES, NO})  # /stopplan: "stop it?"
CARRY_BUTTONS = ButtonFamily.of(FLOW, "carry", {YES, STOP})  # after 3 unanswered days
DOCTOR_BUTTONS = ButtonFamily.of(FLOW, "doctor", {CLEARED, NOT_YET})  # a plan on hold

View = tuple[str, InlineKeyboard]


# --- Views -----------------------------------------------------------------------------------


def offer_button(episode_id: int) -> InlineKeyboard:
    return OFFER_BUTTONS.keyboard(episode_id, [(START, texts.OFFER_BUTTON)])


def time_view(plan_id: int) -> View:
    options = [(t.replace(":", ""), t) for t in TIME_CHOICES]
    return texts.ASK_TIME, TIME_BUTTONS.keyboard(plan_id, options, per_row=4)


def zone_view(plan_id: int, own_zone: str | None = None) -> View:
    """The zones to pick from; the athlete's ``own_zone``, if we know it, first on its own."""
    options = [(str(i), label) for i, (label, _) in enumerate(COMMON_ZONES)]
    rows = (
        []
        if own_zone is None
        else ZONE_BUTTONS.rows(plan_id, [(MY_ZONE, texts.OWN_ZONE.format(zone=own_zone))])
    )
    rows += ZONE_BUTTONS.rows(plan_id, options, per_row=3)
    return texts.ASK_ZONE, InlineKeyboard(rows)


def setting_view(plan: Plan, own_zone: str | None = None) -> View:
    """The question of the setting being chosen (the time, unless it is the zone)."""
    if plan.editing is SettingField.ZONE:
        return zone_view(plan.id, own_zone)
    return time_view(plan.id)


def settings_view(plan: Plan, number: str) -> View:
    options = [(SettingField.TIME.value, texts.CHANGE_TIME), (SettingField.ZONE, texts.CHANGE_ZONE)]
    text = texts.SETTINGS.format(time=plan.checkin_time, zone=plan.zone, number=number)
    return text, SETTINGS_BUTTONS.keyboard(plan.id, options, per_row=2)


def stop_view(plan_id: int) -> View:
    options = [(YES, texts.STOP_YES), (NO, texts.STOP_NO)]
    return texts.CONFIRM_STOP, STOP_BUTTONS.keyboard(plan_id, options, per_row=2)


def carry_on_buttons(plan_id: int) -> InlineKeyboard:
    options = [(YES, texts.CARRY_ON), (STOP, texts.STOP_PLAN)]
    return CARRY_BUTTONS.keyboard(plan_id, options, per_row=2)


def doctor_buttons(plan_id: int, *, not_yet: bool = True) -> InlineKeyboard:
    """The question of a plan on hold, one tap: cleared by a doctor, or not yet."""
    options = [(CLEARED, texts.DOCTOR_CLEARED)]
    if not_yet:
        options.append((NOT_YET, texts.DOCTOR_NOT_YET))
    return DOCTOR_BUTTONS.keyboard(plan_id, options)


def hold_view(plan: Plan) -> View:
    """A plan on hold: what to do meanwhile (rest, no massage, stretching or exercise) and the
    doctor question. Its stage waits, unchanged, for the hold to be lifted."""
    lines = [
        advice.DAY_PLAN_ITEMS[item]
        for item in (rules.Advice.HOLD, rules.Advice.NO_STRENGTH_UNTIL_DAY_14)
    ]
    text = advice.for_muscle("\n".join(lines), muscle_of(plan))
    return f"{text}\n\n{texts.ASK_DOCTOR}", doctor_buttons(plan.id)


async def ask_zone(update: Update, plan_id: int, own_zone: str | None = None) -> None:
    """The zone question: the share-location button lives in the reply keyboard, so the
    zones to pick from follow in a second message with inline buttons."""
    text, markup = zone_view(plan_id, own_zone)
    await send(update, text, keyboards.location_keyboard(texts.SHARE_LOCATION))
    await send(update, texts.PICK_ZONE, markup)


def muscle_of(plan: Plan) -> str:
    """The plan's muscle as its texts name it ("calf", "back of the thigh", ...)."""
    return sos_texts.muscle_name(plan.muscle)


def today_text(plan: Plan, now: datetime) -> str:
    day = plan_clock.plan_day(plan.cramp_at, plan.zone, now)
    hours = plan_clock.hours_since_cramp(plan.cramp_at, now)
    text = advice.day_plan_text(rules.plan_for_day(day, hours, plan.stage, held=plan.held))
    return advice.for_muscle(text, muscle_of(plan))


def when(plan: Plan, instant: datetime | None) -> str:
    """A check-in instant in the athlete's zone, or that none is scheduled."""
    if instant is None:
        return texts.NOT_SCHEDULED
    return common.short_when(instant.astimezone(plan_clock.zone_named(plan.zone)))


# --- The guard, for plan presses -------------------------------------------------------------

PlanCheck = Callable[[Plan], bool]


def editing(setting: SettingField) -> PlanCheck:
    return lambda plan: plan.editing is setting


def running(plan: Plan) -> bool:
    return plan.status is not PlanStatus.SETUP


def on_hold(plan: Plan) -> bool:
    return plan.held


def any_live(plan: Plan) -> bool:
    return True


async def pressed_plan(
    update: Update, svc: Services, *, accepts: PlanCheck
) -> Pressed[Plan] | Refusal:
    """The user's plan a button belongs to, if ``accepts`` says the plan can take the press.

    Anything else (another user's plan, an ended one, a question no longer asked, forged
    data) is answered as expired and changes nothing.
    """

    async def check(plan: Plan, press: Press) -> Refusal | None:
        ok = plan.status is not PlanStatus.ENDED and accepts(plan)
        return None if ok else Refusal.EXPIRED

    load: Callable[[int], Awaitable[Plan | None]] = lambda ref: plans.get_plan(svc.db, ref)  # noqa: E731
    return await pressed(update, load=load, owner=lambda plan: plan.user_id, check=check)
