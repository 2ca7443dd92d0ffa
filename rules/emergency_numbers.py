"""Which number an athlete in danger should call, by country, as pure functions.

When a red flag fires the bot tells the person which number to call. Each athlete's number
follows their country, which we learn from a country they pick or type, or from their time zone
(tzdata's ``zone.tab``; a shared location gives one). A country we are not sure about is simply
absent from the table, so the deployment default applies rather than a guess. While nothing
tells us the country, the main numbers are shown side by side (:func:`numbers_for`).

Nothing here knows about Telegram, storage or the clock; the only data read are tzdata's
``zone.tab`` and ``iso3166.tab``, parsed once and cached.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from importlib.resources import files

from babel import Locale

__all__ = [
    "EMERGENCY_NUMBERS",
    "MAIN_NUMBERS",
    "ZONE_ALIASES",
    "country_from_text",
    "country_names",
    "country_of_zone",
    "emergency_number",
    "is_dialable",
    "numbers_for",
    "numbers_when_unknown",
    "zone_countries",
]

# Source: ITU Operational Bulletin list of emergency numbers, cross-checked with Wikipedia
# "List of emergency telephone numbers", 2024. Re-check both before changing an entry: a wrong
# number here is worse than the deployment default.
#
# Keys are ISO 3166-1 alpha-2 codes of the countries and territories in tzdata's zone.tab;
# values are the number that reaches an ambulance / medical emergency. Our choices:
#
# * EU/EEA (and the EU's outermost regions): 112. EU law (European Electronic Communications
#   Code, art. 109) makes 112 reach every emergency service, ambulances included, in every
#   member state, free from any phone, so we give it even where a dedicated ambulance number
#   also exists (France 15, Austria 144, Czechia 155, Italy 118...). Exception: Norway (and
#   Svalbard), where 112 is the police and 113 the ambulance: 113.
# * Where police, fire and ambulance have separate numbers, we give the ambulance one:
#   Japan, South Korea and Taiwan 119 (fire and ambulance), China 120, Brazil 192 (SAMU),
#   Argentina 107, Chile 131, Peru 106 (SAMU), Russia, Ukraine and most other former Soviet
#   states 103 (their 112 is not yet answered everywhere), Switzerland 144, Serbia and North
#   Macedonia 194, Bosnia and Montenegro 124, Albania 127, Sri Lanka 1990 (Suwa Seriya),
#   Thailand 1669, Vietnam 115, Singapore 995 (fire and ambulance), UAE 998, Saudi Arabia 997,
#   Israel and Palestine 101 (Magen David Adom / Red Crescent), Egypt 123, Lebanon 140 (Red
#   Cross), Iran 115, Cuba 104, Jamaica 110, Trinidad & Tobago 811, Barbados 511,
#   South Africa 10177 (112 also works from mobiles).
# * Where a single national number dispatches ambulances, we give it (911 in most of the
#   Americas, 999 in the UK and many Commonwealth countries, 000 in Australia, 111 in New
#   Zealand, 123 in Colombia...).
# * India: 112 (the national Emergency Response Support System, which dispatches ambulances
#   everywhere); 108 is the ambulance number in most states but not all.
# * Pakistan: 1122 (the government Rescue 1122 service); 115 (Edhi) is the other well-known
#   ambulance line.
# * Indonesia: 112, the national general number; the health ministry's ambulance line 119 is
#   not yet answered in every region.
# * Left out because we could not state them reliably (the deployment default applies): most of
#   sub-Saharan Africa, Central America outside Costa Rica/Panama/Honduras/Belize, Venezuela,
#   Bolivia, Paraguay, Suriname, the Dutch Caribbean, several small island states and
#   territories, Afghanistan, Bhutan, the Maldives, Iraq, Syria, Yemen, Libya, Myanmar, Laos,
#   Turkmenistan, North Korea, Antarctica.
EMERGENCY_NUMBERS: dict[str, str] = {
    # --- EU / EEA: 112 (EU law; see above) -----------------------------------------------------
    "AT": "112",
    "AX": "112",  # Åland (Finland)
    "BE": "112",
    "BG": "112",
    "CY": "112",
    "CZ": "112",
    "DE": "112",
    "DK": "112",
    "EE": "112",
    "ES": "112",
    "FI": "112",
    "FO": "112",  # Faroe Islands
    "FR": "112",
    "GF": "112",  # French Guiana (EU outermost region)
    "GL": "112",  # Greenland
    "GP": "112",  # Guadeloupe (EU outermost region)
    "GR": "112",
    "HR": "112",
    "HU": "112",
    "IE": "112",  # 999 works equally
    "IS": "112",
    "IT": "112",
    "LI": "112",
    "LT": "112",
    "LU": "112",
    "LV": "112",
    "MF": "112",  # St Martin, French part (EU outermost region)
    "MQ": "112",  # Martinique (EU outermost region)
    "MT": "112",
    "NL": "112",
    "PL": "112",
    "PT": "112",
    "RE": "112",  # Réunion (EU outermost region)
    "RO": "112",
    "SE": "112",
    "SI": "112",
    "SK": "112",
    "YT": "112",  # Mayotte (EU outermost region)
    "NO": "113",  # Norway: 112 is the police, 113 the ambulance
    "SJ": "113",  # Svalbard & Jan Mayen (Norway)
    # --- Rest of Europe ------------------------------------------------------------------------
    "AD": "112",
    "AL": "127",
    "AM": "103",
    "AZ": "103",
    "BA": "124",
    "BY": "103",
    "CH": "144",
    "GB": "999",  # 112 works too
    "GE": "112",
    "GG": "999",  # Guernsey
    "GI": "112",  # Gibraltar
    "IM": "999",  # Isle of Man
    "JE": "999",  # Jersey
    "MC": "112",
    "MD": "112",
    "ME": "124",
    "MK": "194",
    "RS": "194",
    "RU": "103",
    "SM": "118",
    "TR": "112",
    "UA": "103",
    "VA": "112",  # Vatican: Italian network
    # --- North America and the Caribbean -------------------------------------------------------
    "AG": "911",
    "AI": "911",
    "AS": "911",  # American Samoa (US)
    "BB": "511",
    "BM": "911",
    "BS": "911",
    "BZ": "911",
    "CA": "911",
    "CR": "911",
    "CU": "104",
    "DM": "999",
    "DO": "911",
    "GU": "911",  # Guam (US)
    "HN": "911",
    "JM": "110",
    "KY": "911",
    "LC": "911",
    "MP": "911",  # Northern Mariana Islands (US)
    "MX": "911",
    "PA": "911",
    "PR": "911",  # Puerto Rico (US)
    "TC": "911",
    "TT": "811",
    "US": "911",
    "VG": "911",  # British Virgin Islands
    "VI": "911",  # US Virgin Islands
    # --- South America -------------------------------------------------------------------------
    "AR": "107",
    "BR": "192",
    "CL": "131",
    "CO": "123",
    "EC": "911",
    "FK": "999",  # Falkland Islands
    "GY": "913",
    "PE": "106",
    "UY": "911",
    # --- Asia ----------------------------------------------------------------------------------
    "BD": "999",
    "BN": "991",
    "CN": "120",
    "HK": "999",
    "ID": "112",
    "IN": "112",
    "JP": "119",
    "KG": "103",
    "KH": "119",
    "KR": "119",
    "KZ": "103",
    "LK": "1990",
    "MN": "103",
    "MO": "999",  # Macau
    "MY": "999",
    "NP": "102",
    "PH": "911",
    "PK": "1122",
    "SG": "995",
    "TH": "1669",
    "TJ": "103",
    "TW": "119",
    "UZ": "103",
    "VN": "115",
    # --- Middle East ---------------------------------------------------------------------------
    "AE": "998",
    "BH": "999",
    "IL": "101",
    "IR": "115",
    "JO": "911",
    "KW": "112",
    "LB": "140",
    "OM": "9999",
    "PS": "101",
    "QA": "999",
    "SA": "997",
    # --- Africa --------------------------------------------------------------------------------
    "DZ": "14",  # Protection civile (fire and ambulance)
    "EG": "123",
    "GH": "112",
    "KE": "999",
    "MA": "15",  # Protection civile (fire and ambulance)
    "MU": "114",  # SAMU
    "NG": "112",
    "SC": "999",
    "TN": "190",  # SAMU
    "ZA": "10177",
    # --- Oceania -------------------------------------------------------------------------------
    "AU": "000",  # 112 also works from mobiles
    "CC": "000",  # Cocos (Keeling) Islands (Australia)
    "CX": "000",  # Christmas Island (Australia)
    "NC": "15",  # New Caledonia: SAMU
    "NZ": "111",
    "PF": "15",  # French Polynesia: SAMU
}

#: What a red flag shows while the athlete's country is unknown: the numbers that reach an
#: ambulance for most people, side by side, rather than one that may be wrong where they are.
#: 112 (EU law; also answered by mobiles in much of the world), 911 (USA, Canada), 999 (UK),
#: 000 (Australia). Same source as ``EMERGENCY_NUMBERS``; the words naming each number's region
#: are in ``conversations.texts.country``.
MAIN_NUMBERS: tuple[str, ...] = ("112", "911", "999", "000")

#: Legacy or renamed IANA zones not listed in zone.tab, mapped to the zone.tab zone of the same
#: country. Kept short on purpose: some backward links in tzdata point across borders (e.g.
#: Pacific/Yap links to Pacific/Port_Moresby), so links are not followed blindly.
ZONE_ALIASES: dict[str, str] = {
    "America/Buenos_Aires": "America/Argentina/Buenos_Aires",
    "America/Montreal": "America/Toronto",
    "Asia/Calcutta": "Asia/Kolkata",
    "Asia/Chongqing": "Asia/Shanghai",
    "Asia/Chungking": "Asia/Shanghai",
    "Asia/Dacca": "Asia/Dhaka",
    "Asia/Harbin": "Asia/Shanghai",
    "Asia/Istanbul": "Europe/Istanbul",
    "Asia/Katmandu": "Asia/Kathmandu",
    "Asia/Macao": "Asia/Macau",
    "Asia/Rangoon": "Asia/Yangon",
    "Asia/Saigon": "Asia/Ho_Chi_Minh",
    "Asia/Tel_Aviv": "Asia/Jerusalem",
    "Asia/Thimbu": "Asia/Thimphu",
    "Asia/Ujung_Pandang": "Asia/Makassar",
    "Asia/Ulan_Bator": "Asia/Ulaanbaatar",
    "Australia/ACT": "Australia/Sydney",
    "Australia/Canberra": "Australia/Sydney",
    "Australia/NSW": "Australia/Sydney",
    "Australia/Queensland": "Australia/Brisbane",
    "Australia/Victoria": "Australia/Melbourne",
    "Australia/West": "Australia/Perth",
    "Canada/Atlantic": "America/Halifax",
    "Canada/Central": "America/Winnipeg",
    "Canada/Eastern": "America/Toronto",
    "Canada/Mountain": "America/Edmonton",
    "Canada/Pacific": "America/Vancouver",
    "Eire": "Europe/Dublin",
    "Europe/Belfast": "Europe/London",
    "Europe/Kiev": "Europe/Kyiv",
    "GB": "Europe/London",
    "Hongkong": "Asia/Hong_Kong",
    "Israel": "Asia/Jerusalem",
    "Japan": "Asia/Tokyo",
    "NZ": "Pacific/Auckland",
    "PRC": "Asia/Shanghai",
    "ROC": "Asia/Taipei",
    "ROK": "Asia/Seoul",
    "Singapore": "Asia/Singapore",
    "Turkey": "Europe/Istanbul",
    "US/Alaska": "America/Anchorage",
    "US/Arizona": "America/Phoenix",
    "US/Central": "America/Chicago",
    "US/Eastern": "America/New_York",
    "US/Hawaii": "Pacific/Honolulu",
    "US/Mountain": "America/Denver",
    "US/Pacific": "America/Los_Angeles",
    "W-SU": "Europe/Moscow",
}

_MAX_ZONE_LEN = 64
_MAX_TEXT_LEN = 60
_CODE_RE = re.compile(r"[A-Za-z]{2}", re.ASCII)
_DIALABLE_RE = re.compile(r"\+?[0-9]+(?:[ -][0-9]+)*", re.ASCII)
_MIN_DIGITS = 2
_MAX_DIGITS = 15  # ITU-T E.164 maximum


def _read_tab(name: str) -> list[list[str]]:
    """The data rows of a tab-separated tzdata table, comments skipped."""
    text = files("tzdata").joinpath(f"zoneinfo/{name}").read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


@cache
def zone_countries() -> dict[str, str]:
    """IANA zone name -> ISO country code, from tzdata's ``zone.tab`` (parsed once)."""
    return {row[2]: row[0] for row in _read_tab("zone.tab") if len(row) >= 3}


@cache
def country_names() -> dict[str, str]:
    """ISO country code -> usual English name, from tzdata's ``iso3166.tab`` (parsed once)."""
    return {row[0]: row[1] for row in _read_tab("iso3166.tab") if len(row) >= 2}


def country_of_zone(zone: str | None) -> str | None:
    """The ISO code of the country an IANA zone belongs to, or None.

    ``"UTC"``, ``Etc/*``, unknown names and None give None. A few legacy names missing from
    zone.tab (``Asia/Calcutta``, ``US/Eastern``...) are resolved through ``ZONE_ALIASES``.
    """
    if not isinstance(zone, str) or not zone or len(zone) > _MAX_ZONE_LEN:
        return None
    table = zone_countries()
    return table.get(zone) or table.get(ZONE_ALIASES.get(zone, ""))


def _normalise(text: str) -> str:
    """Lower case, no accents or punctuation, "&" as "and", "saint" as "st", single spaces."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    folded = folded.replace("&", " and ").replace("'", "").replace("’", "")
    words = re.sub(r"[^a-z0-9]+", " ", folded).split()
    words = ["st" if word == "saint" else word for word in words]
    if words and words[0] == "the":
        words = words[1:]
    return " ".join(words)


# Common English names that iso3166.tab spells differently (or not at all).
_EXTRA_NAMES: dict[str, str] = {
    "america": "US",
    "burma": "MM",
    "cabo verde": "CV",
    "central african republic": "CF",
    "czechia": "CZ",
    "democratic republic of the congo": "CD",
    "dr congo": "CD",
    "drc": "CD",
    "east timor": "TL",
    "emirates": "AE",
    "england": "GB",
    "great britain": "GB",
    "holland": "NL",
    "holy see": "VA",
    "ivory coast": "CI",
    "macao": "MO",
    "northern ireland": "GB",
    "republic of ireland": "IE",
    "republic of the congo": "CG",
    "russian federation": "RU",
    "scotland": "GB",
    "swaziland": "SZ",
    "turkiye": "TR",
    "turks and caicos islands": "TC",
    "u k": "GB",
    "u s": "US",
    "u s a": "US",
    "uae": "AE",
    "uk": "GB",
    "united kingdom": "GB",
    "united states of america": "US",
    "us": "US",
    "usa": "US",
    "vatican": "VA",
    "vatican city": "VA",
    "viet nam": "VN",
    "wales": "GB",
}


@cache
def _cldr_names() -> tuple[dict[str, str], ...]:
    """ISO code -> name, in each other language the bot speaks (CLDR, through Babel)."""
    return tuple(
        {str(code): str(name) for code, name in Locale.parse(language).territories.items()}
        for language in ("de", "es", "fr")
    )


@cache
def _name_index() -> dict[str, str]:
    """Normalised English name -> ISO code.

    Each iso3166.tab name gives its full form and, for "Base (Qualifier)" names, "Base" and
    "Qualifier Base" ("Korea (South)" -> "korea", "south korea"). A form that would name two
    countries ("congo", "samoa") is dropped; ``_EXTRA_NAMES`` then wins over everything.
    """
    candidates: dict[str, set[str]] = {}
    for code, name in country_names().items():
        # And the names German, Spanish and French speakers type ("Deutschland", "Alemania",
        # "Allemagne"), from CLDR through Babel.
        forms = {name, *(names.get(code, name) for names in _cldr_names())}
        match = re.fullmatch(r"(.+?)\s*\((.+)\)", name)
        if match is not None:
            base, qualifier = match.groups()
            forms |= {base, f"{qualifier} {base}"}
        for form in forms:
            candidates.setdefault(_normalise(form), set()).add(code)
    index = {form: codes.pop() for form, codes in candidates.items() if len(codes) == 1}
    index.update(_EXTRA_NAMES)
    return index


def country_from_text(text: str) -> str | None:
    """The ISO code for a country the athlete typed, or None.

    Accepts an ISO code in any case ("de", "DE") or an English name ("Germany", "united
    kingdom", "UK", "USA", "Côte d'Ivoire"). Text longer than 60 characters gives None.
    """
    if not isinstance(text, str) or len(text) > _MAX_TEXT_LEN:
        return None
    stripped = text.strip()
    if _CODE_RE.fullmatch(stripped) is not None and stripped.upper() in country_names():
        return stripped.upper()
    key = _normalise(stripped)
    return _name_index().get(key) if key else None


def emergency_number(country: str | None, default: str) -> str:
    """The ambulance number for ``country`` (ISO code, any case), else ``default``."""
    if not isinstance(country, str):
        return default
    return EMERGENCY_NUMBERS.get(country.strip().upper(), default)


def numbers_when_unknown(default: str) -> tuple[str, ...]:
    """The main numbers, and the deployment's ``default`` after them if it is not one of them."""
    extra = default.strip() if isinstance(default, str) else ""
    if not extra or extra in MAIN_NUMBERS:
        return MAIN_NUMBERS
    return (*MAIN_NUMBERS, extra)


def numbers_for(
    *, typed: str | None, country: str | None, zones: Iterable[str | None], default: str
) -> tuple[str, ...]:
    """The number(s) to give an athlete: one when anything tells us where they are, else several.

    In order: a number the athlete ``typed`` (theirs, it wins); their ``country`` (picked, typed,
    or from a shared location); the country of the first of ``zones`` that lies in one (their
    own zone, then their plan's). A known country missing from ``EMERGENCY_NUMBERS`` gives
    ``default``, as before. Nothing known: :func:`numbers_when_unknown`.
    """
    if typed:
        return (typed,)
    if country:
        return (emergency_number(country, default),)
    for zone in zones:
        zone_country = country_of_zone(zone)
        if zone_country is not None:
            return (emergency_number(zone_country, default),)
    return numbers_when_unknown(default)


def is_dialable(number: str) -> bool:
    """Whether ``number`` looks like a phone number a user could dial.

    Digits with an optional leading "+", groups separated by single spaces or dashes, 2 to 15
    digits in all ("112", "10177", "+49 30 1234-5678").
    """
    if not isinstance(number, str) or len(number) > 2 * _MAX_DIGITS + 1:
        return False
    stripped = number.strip()
    if _DIALABLE_RE.fullmatch(stripped) is None:
        return False
    digits = sum(ch.isdigit() for ch in stripped)
    return _MIN_DIGITS <= digits <= _MAX_DIGITS
