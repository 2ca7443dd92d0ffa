"""/heat: the athlete's heat warning before training. Turn it on (the training time, then the
place: a shared location or the time zone's city), see it, change it, turn it off.

Where the set-up stands is ``heat_settings.setup_step``: a typed time or a location goes to the
step being asked (``typed_text``, ``on_location``, called by the private chat's catch-alls).
The prevention programme may offer the warning later: :func:`offer_buttons` and
:func:`start_setup` are its way in.
"""

from __future__ import annotations

from html import escape
from typing import Any

from telegram import KeyboardButton, ReplyKeyboardMarkup, Update
from telegram.ext import BaseHandler, CommandHandler, ContextTypes, filters

from conversations import keyboards
from conversations.buttons import ButtonFamily, Press, Pressed, Refusal, pressed
from conversations.i18n.every_language import in_every_language
from conversations.replies import InlineKeyboard, send, user_id_of
from conversations.services import Services, services
from conversations.texts import common
from conversations.texts import heat as texts
from rules import heat as rules
from rules.recovery import parse_local_time
from rules.timezones import zone_for_location
from storage import heat, plans, users
from storage.heat import HeatSettings, PlaceKind, SetupStep

PRIVATE = filters.ChatType.PRIVATE
FLOW = "heat"
TIME, MENU, OFFER = "time", "menu", "offer"
CHANGE_TIME, CHANGE_PLACE, OFF, ON, START = "time", "place", "off", "on", "start"

TIME_BUTTONS = ButtonFamily.of(FLOW, TIME, {f"{hour:02d}" for hour in rules.TRAINING_HOURS})
MENU_BUTTONS = ButtonFamily.of(FLOW, MENU, {CHANGE_TIME, CHANGE_PLACE, OFF, ON})
OFFER_BUTTONS = ButtonFamily.of(FLOW, OFFER, {START})

# Set by the application: whether a weather service is configured (CRAMPCOACH_WEATHER_URL).
WEATHER_ON_KEY = "crampcoach.weather_on"


# --- Views -----------------------------------------------------------------------------------


def time_buttons(user_id: int) -> InlineKeyboard:
    options = [(f"{hour:02d}", f"{hour:02d}:00") for hour in rules.TRAINING_HOURS]
    return TIME_BUTTONS.keyboard(user_id, options, per_row=5)


def place_keyboard(with_city: bool) -> ReplyKeyboardMarkup:
    """Share a location (a reply-keyboard button), or the zone's city; 🆘 Cramp always there."""
    rows: list[list[KeyboardButton | str]] = [
        [KeyboardButton(texts.SHARE_LOCATION_BUTTON, request_location=True)]
    ]
    if with_city:
        rows.append([texts.USE_ZONE_CITY])
    rows.append([common.SOS_BUTTON])
    return ReplyKeyboardMarkup(rows, resize_keyboard=True, one_time_keyboard=True)


def offer_buttons(user_id: int) -> InlineKeyboard:
    """One button that starts the heat warning's set-up (for the prevention programme)."""
    return OFFER_BUTTONS.keyboard(user_id, [(START, texts.TURN_ON)])


def _place_name(settings: HeatSettings) -> str:
    return texts.PLACE_LOCATION if settings.place is PlaceKind.LOCATION else texts.PLACE_ZONE_CITY


def state_view(settings: HeatSettings) -> tuple[str, InlineKeyboard]:
    if settings.enabled:
        text = texts.STATE_ON.format(
            time=settings.training_time, zone=settings.zone, place=_place_name(settings)
        )
        options = [(CHANGE_TIME, texts.CHANGE_TIME), (CHANGE_PLACE, texts.CHANGE_PLACE)]
        options.append((OFF, texts.TURN_OFF))
    else:
        text = texts.STATE_OFF.format(time=settings.training_time)
        options = [(ON, texts.TURN_ON), (CHANGE_TIME, texts.CHANGE_TIME)]
    return text, MENU_BUTTONS.keyboard(settings.user_id, options, per_row=2)


async def _zone_of(svc: Services, user_id: int) -> str | None:
    """The athlete's zone: from a shared location or a plan's pick, else their plan's."""
    user = await users.ensure_user(svc.db, user_id, svc.now())
    if user.zone is not None:
        return user.zone
    plan = await plans.live_plan_of(svc.db, user_id)
    return None if plan is None else plan.zone


# --- /heat -----------------------------------------------------------------------------------


async def heat_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/heat: its state and what can be changed, or the set-up if it was never set."""
    svc = services(context)
    user_id = user_id_of(update)
    await users.ensure_user(svc.db, user_id, svc.now())
    settings = await heat.settings_of(svc.db, user_id)
    note = "" if context.bot_data.get(WEATHER_ON_KEY, False) else f"\n\n{texts.WEATHER_OFF}"
    if settings is None or settings.training_time is None or settings.latitude is None:
        await start_setup(svc, update)
        return
    await heat.set_step(svc.db, user_id, None, svc.now())
    text, markup = state_view(settings)
    await send(update, text + note, markup)


async def start_setup(svc: Services, update: Update) -> None:
    """Ask the training time (the set-up's first question)."""
    user_id = user_id_of(update)
    await heat.set_step(svc.db, user_id, SetupStep.TIME, svc.now())
    await send(update, texts.INTRO, time_buttons(user_id))


async def _ask_place(svc: Services, update: Update, hhmm: str) -> None:
    user_id = user_id_of(update)
    await heat.set_training_time(svc.db, user_id, hhmm, svc.now())
    zone = await _zone_of(svc, user_id)
    city = zone is not None and rules.zone_city(zone) is not None
    if city:
        text = texts.ASK_PLACE.format(time=hhmm, zone=escape(zone or ""))
    else:
        text = texts.ASK_PLACE_NO_ZONE.format(time=hhmm)
    await send(update, text, place_keyboard(city))


async def _turned_on(svc: Services, update: Update) -> None:
    settings = await heat.settings_of(svc.db, user_id_of(update))
    assert settings is not None
    text = texts.ON.format(
        time=settings.training_time, zone=settings.zone, place=_place_name(settings)
    )
    await send(update, text, keyboards.sos_reply_keyboard())


# --- Presses ---------------------------------------------------------------------------------


async def _pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Pressed[Any] | Refusal:
    svc = services(context)

    async def load(user_id: int) -> HeatSettings | None:
        return await heat.settings_of(svc.db, user_id)

    async def check(settings: HeatSettings, press: Press) -> Refusal | None:
        if press.step == TIME and settings.setup_step is not SetupStep.TIME:
            return Refusal.EXPIRED  # an old time question: the set-up moved on
        return None

    return await pressed(update, load=load, owner=lambda s: s.user_id, check=check)


async def on_time_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    result = await _pressed(update, context)
    if not isinstance(result, Refusal):
        await _ask_place(services(context), update, f"{result.choice}:00")


async def on_menu_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    result = await _pressed(update, context)
    if isinstance(result, Refusal):
        return
    user_id = user_id_of(update)
    settings: HeatSettings = result.record
    if result.choice == CHANGE_TIME:
        await heat.set_step(svc.db, user_id, SetupStep.TIME, svc.now())
        await send(update, texts.ASK_TIME_AGAIN, time_buttons(user_id))
    elif result.choice == CHANGE_PLACE:
        assert settings.training_time is not None
        await _ask_place(svc, update, settings.training_time)
    elif result.choice == OFF:
        await heat.turn_off(svc.db, user_id, svc.now())
        await send(update, texts.TURNED_OFF, keyboards.sos_reply_keyboard())
    elif await heat.turn_on(svc.db, user_id, svc.now()):
        await _turned_on(svc, update)
    else:
        await start_setup(svc, update)


async def on_offer_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The prevention programme's "turn on the heat warning" button."""
    svc = services(context)
    await users.ensure_user(svc.db, user_id_of(update), svc.now())
    # The offer's button is the athlete's own: its ref is their id (no row may exist yet).
    result = await pressed(update, load=_same_id, owner=lambda user_id: user_id)
    if not isinstance(result, Refusal):
        await heat_command(update, context)


async def _same_id(user_id: int) -> int:
    return user_id


# --- Typed text and locations, while the set-up asks -----------------------------------------


async def waiting_step(svc: Services, user_id: int) -> SetupStep | None:
    settings = await heat.settings_of(svc.db, user_id)
    return None if settings is None else settings.setup_step


async def typed_text(update: Update, context: ContextTypes.DEFAULT_TYPE, step: SetupStep) -> None:
    """Text while the set-up asks: a time, the zone-city button, or a kind nudge with the
    step's buttons again."""
    svc = services(context)
    message = update.effective_message
    assert message is not None
    user_id = user_id_of(update)
    text = (message.text or "").strip()
    if step is SetupStep.TIME:
        when = parse_local_time(text) if text else None
        if when is None:
            await send(
                update, f"{texts.TIME_NOT_UNDERSTOOD} {texts.ASK_TIME_AGAIN}", time_buttons(user_id)
            )
            return
        await _ask_place(svc, update, when.strftime("%H:%M"))
        return
    zone = await _zone_of(svc, user_id)
    place = None if zone is None else rules.zone_city(zone)
    use_zone_city = text in in_every_language(lambda: texts.USE_ZONE_CITY)
    if use_zone_city and zone is not None and place is not None:
        await heat.set_place(
            svc.db,
            user_id,
            kind=PlaceKind.ZONE_CITY,
            zone=zone,
            latitude=round(place.latitude, 1),
            longitude=round(place.longitude, 1),
            now=svc.now(),
        )
        await _turned_on(svc, update)
        return
    lead = texts.NO_CITY_FOR_ZONE if use_zone_city else texts.PLACE_NOT_UNDERSTOOD
    await send(update, lead, place_keyboard(place is not None))


async def on_location(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """A location while the set-up asks for the place: kept (to 0.1°) with its zone. False if
    the set-up was not asking (the location is someone else's to take)."""
    svc = services(context)
    user_id = user_id_of(update)
    if await waiting_step(svc, user_id) is not SetupStep.PLACE:
        return False
    message = update.effective_message
    assert message is not None and message.location is not None
    latitude, longitude = message.location.latitude, message.location.longitude
    zone = zone_for_location(latitude, longitude) or await _zone_of(svc, user_id)
    if zone is None:
        await send(update, texts.PLACE_NOT_UNDERSTOOD, place_keyboard(False))
        return True
    await heat.set_place(
        svc.db,
        user_id,
        kind=PlaceKind.LOCATION,
        zone=zone,
        latitude=round(latitude, 1),
        longitude=round(longitude, 1),
        now=svc.now(),
    )
    await _turned_on(svc, update)
    return True


async def leave_setup(svc: Services, user_id: int) -> bool:
    """/cancel: the set-up's question is no longer asked. True if one was."""
    if await waiting_step(svc, user_id) is None:
        return False
    await heat.set_step(svc.db, user_id, None, svc.now())
    return True


def handlers() -> list[BaseHandler[Update, Any, Any]]:
    return [
        CommandHandler("heat", heat_command, filters=PRIVATE),
        TIME_BUTTONS.handler(on_time_pressed),
        MENU_BUTTONS.handler(on_menu_pressed),
        OFFER_BUTTONS.handler(on_offer_pressed),
    ]
