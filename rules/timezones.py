"""Time-zone helpers for the daily check-in.

Pure functions (no Telegram, no DB, no clock): map a shared location to an IANA
zone with tzfpy, offer a short one-tap picker list, and validate or parse a zone
the athlete typed. Every name returned is accepted by ``zoneinfo.ZoneInfo``.
"""

from __future__ import annotations

import math
import re
import zoneinfo
from functools import lru_cache

from tzfpy import get_tz

__all__ = [
    "COMMON_ZONES",
    "is_valid_zone",
    "zone_for_location",
    "zone_from_text",
]

#: (button label, IANA name) pairs for a one-tap picker, roughly west to east.
COMMON_ZONES: tuple[tuple[str, str], ...] = (
    ("Los Angeles", "America/Los_Angeles"),
    ("Denver", "America/Denver"),
    ("Chicago", "America/Chicago"),
    ("New York", "America/New_York"),
    ("São Paulo", "America/Sao_Paulo"),
    ("UTC", "UTC"),
    ("London", "Europe/London"),
    ("Berlin / Paris", "Europe/Berlin"),
    ("Johannesburg", "Africa/Johannesburg"),
    ("Dubai", "Asia/Dubai"),
    ("India", "Asia/Kolkata"),
    ("Singapore", "Asia/Singapore"),
    ("Tokyo", "Asia/Tokyo"),
    ("Sydney", "Australia/Sydney"),
    ("Auckland", "Pacific/Auckland"),
)

# IANA names only use letters, digits, "_", "-", "+" and "/" separators; this
# rules out "..", absolute paths, backslashes, NUL bytes and other path tricks.
_ZONE_NAME_RE = re.compile(r"[A-Za-z0-9_+\-]+(?:/[A-Za-z0-9_+\-]+)*")
_MAX_NAME_LEN = 64
_MAX_TEXT_LEN = 100
# Files in the zoneinfo folder that are not IANA zones: the server's own zone, a POSIX default
# and tzdata's "zone unknown" placeholder. A plan must never run on the server's clock.
_NOT_ZONES = frozenset({"localtime", "posixrules", "factory"})


def is_valid_zone(name: str) -> bool:
    """Return True if ``name`` is an IANA zone name (not ``localtime``, ``posixrules``,
    ``Factory`` or a path) that ZoneInfo can load."""
    if not isinstance(name, str) or not name or len(name) > _MAX_NAME_LEN:
        return False
    if _ZONE_NAME_RE.fullmatch(name) is None:
        return False
    if _zones_by_lower().get(name.lower()) != name:  # the IANA list only, exact spelling
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError, TypeError):
        return False
    return True


def zone_for_location(latitude: float, longitude: float) -> str | None:
    """Return the IANA zone at a location, or None if coordinates are invalid.

    Note that tzfpy takes ``(lng, lat)``. Zones at sea (e.g. ``Etc/GMT+2``) are
    returned as long as ZoneInfo accepts them.
    """
    try:
        lat = float(latitude)
        lng = float(longitude)
    except (TypeError, ValueError, OverflowError):
        return None
    if not (math.isfinite(lat) and math.isfinite(lng)):
        return None
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lng <= 180.0):
        return None
    try:
        name = get_tz(lng, lat)
    except Exception:  # tzfpy is a native extension; never let it crash a handler
        return None
    if not isinstance(name, str) or not is_valid_zone(name):
        return None
    return name


@lru_cache(maxsize=1)
def _zones_by_lower() -> dict[str, str]:
    """Map lower-cased IANA names to their canonical spelling (computed once)."""
    zones = zoneinfo.available_timezones()
    return {
        name.lower(): name
        for name in zones
        if name.lower() not in _NOT_ZONES and not name.startswith(("posix/", "right/"))
    }


@lru_cache(maxsize=1)
def _labels_by_lower() -> dict[str, str]:
    """Map lower-cased picker labels (and their "/" parts) to IANA names."""
    labels: dict[str, str] = {}
    for label, zone in COMMON_ZONES:
        labels.setdefault(label.lower(), zone)
        for part in label.split("/"):
            labels.setdefault(part.strip().lower(), zone)
    return labels


def zone_from_text(text: str) -> str | None:
    """Parse a typed zone: an IANA name (any case) or a COMMON_ZONES label.

    ``"europe/berlin"`` -> ``"Europe/Berlin"``, ``"Tokyo"`` -> ``"Asia/Tokyo"``,
    ``"Paris"`` -> ``"Europe/Berlin"``; anything else (including path-like input
    such as ``"../etc/passwd"``) -> None.
    """
    if not isinstance(text, str):
        return None
    cleaned = " ".join(text.split())
    if not cleaned or len(cleaned) > _MAX_TEXT_LEN:
        return None
    key = cleaned.lower()

    label_zone = _labels_by_lower().get(key)
    if label_zone is not None:
        return label_zone

    # Allow "america/new york" and "Europe / Berlin" for "America/New_York" etc.
    iana_key = "/".join(part.strip().replace(" ", "_") for part in key.split("/"))
    name = _zones_by_lower().get(iana_key)
    if name is not None and is_valid_zone(name):
        return name
    return None
