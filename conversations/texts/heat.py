"""Texts of the heat warning before training (/heat) and a team's heat warning (/teamheat).

The advice is the article's prevention advice, in our own words: heat adds to the fatigue
behind exercise cramps, so train before or after the hottest part of the day, and keep to light
clothing rather than thick or compression garments on hot days. The threshold is the US
National Weather Service's "Extreme Caution" heat index, 90 °F / 32 °C (rules/heat.py).
"""

from conversations.i18n.localized import localize

# --- /heat: the athlete's warning ------------------------------------------------------------

INTRO = (
    "<b>Heat warning before training</b>\n"
    "On a day when the forecast says it will be hot at your usual training time, I'll send "
    "one short note an hour or two before, never at night. Heat adds to the fatigue that "
    "brings on exercise cramps.\n\n"
    "When do you usually train? Tap your local time (or type it, e.g. 17:30)."
)
ASK_TIME_AGAIN = "Tap the time you usually train (or type it, e.g. 17:30)."
TIME_NOT_UNDERSTOOD = "Sorry, I didn't catch a time there."
ASK_PLACE = (
    "Training at <b>{time}</b>. Where do you train? Share your location (only the forecast's "
    "area is kept, to a tenth of a degree), or use the main city of your time zone ({zone})."
)
ASK_PLACE_NO_ZONE = (
    "Training at <b>{time}</b>. Where do you train? Share your location (only the forecast's "
    "area is kept, to a tenth of a degree)."
)
SHARE_LOCATION_BUTTON = "📍 Share my location"
USE_ZONE_CITY = "🏙 Use my time zone's city"
PLACE_NOT_UNDERSTOOD = "Sorry, I need a place for the forecast: tap one of the buttons below."
NO_CITY_FOR_ZONE = "I don't have a city for your time zone, so please share your location instead."
ON = (
    "✅ <b>Heat warning on.</b> Training at {time} ({zone}), forecast for {place}. On a hot day "
    "I'll send one note an hour or two before. /heat to change or turn it off."
)
PLACE_LOCATION = "the place you shared"
PLACE_ZONE_CITY = "your time zone's city"
STATE_ON = (
    "<b>Heat warning: on.</b> Training at {time} ({zone}), forecast for {place}. One note an "
    "hour or two before training on hot days, never at night."
)
STATE_OFF = "<b>Heat warning: off.</b> Your training time {time} and place are kept."
CHANGE_TIME = "🕒 Change time"
CHANGE_PLACE = "📍 Change place"
TURN_OFF = "🔕 Turn off"
TURN_ON = "🔔 Turn on"
TURNED_OFF = "🔕 Heat warning off. /heat turns it on again."
WEATHER_OFF = (
    "Note: this bot's weather forecast is switched off by whoever runs it, so no heat "
    "warnings go out for now."
)

# --- The warning itself ----------------------------------------------------------------------

WARNING = (
    "🌡 <b>Hot training today.</b> The forecast for {time} feels like about {feels} °C.\n"
    "• Train before or after the hottest hours if you can.\n"
    "• Wear light, thin clothing, and leave compression garments at home today: they can "
    "warm your skin by several degrees.\n"
    "Heat adds to the muscle fatigue behind exercise cramps. /heat to change or turn off."
)

# --- /teamheat: a team's warning in its group ------------------------------------------------

TEAM_USAGE = (
    "<b>Team heat warning</b>: on a hot day I post one short note in the team's group an hour "
    "or two before training, naming nobody.\n"
    "Turn it on with <code>/teamheat 18:00</code> (the team's training time, in your time "
    "zone's main city; share a location here first to use that place instead), or "
    "<code>/teamheat off</code>."
)
TEAM_ON = (
    "✅ Heat warning on for <b>{team}</b>: training at {time} ({zone}), forecast for {place}. "
    "It is posted in the team's group on hot days."
)
TEAM_OFF = "🔕 Heat warning off for <b>{team}</b>."
TEAM_NO_GROUP = (
    "<b>{team}</b> has no group I can post in (a channel team), so it can't have a heat warning."
)
TEAM_NO_PLACE = (
    "I don't know where <b>{team}</b> trains yet: share your location here in our private "
    "chat, or set a time zone in /settings, then send /teamheat again."
)
TEAM_WARNING = (
    "🌡 <b>Hot training today, {team}.</b> The forecast for {time} feels like about {feels} "
    "°C. Train before or after the hottest hours if you can, wear light clothing and leave "
    "compression garments at home today."
)
TEAM_IN_PRIVATE = "Coaches set the team's heat warning in my private chat: /teamheat there."


_here = localize(__name__)
