"""Tests for the per-country emergency numbers."""

from __future__ import annotations

import ast
import re
import zoneinfo
from pathlib import Path

import pytest

import rules.emergency_numbers as module
from rules.emergency_numbers import (
    EMERGENCY_NUMBERS,
    MAIN_NUMBERS,
    ZONE_ALIASES,
    country_from_text,
    country_names,
    country_of_zone,
    emergency_number,
    is_dialable,
    numbers_for,
    numbers_when_unknown,
    zone_countries,
)

DEFAULT = "112"


@pytest.mark.parametrize(
    ("zone", "country", "number"),
    [
        ("Europe/Berlin", "DE", "112"),
        ("America/New_York", "US", "911"),
        ("Europe/London", "GB", "999"),
        ("Australia/Sydney", "AU", "000"),
        ("Asia/Tokyo", "JP", "119"),
        ("Asia/Kolkata", "IN", "112"),
        ("Asia/Shanghai", "CN", "120"),
        ("America/Sao_Paulo", "BR", "192"),
        ("Europe/Oslo", "NO", "113"),
        ("Africa/Johannesburg", "ZA", "10177"),
    ],
)
def test_zone_to_country_to_number(zone: str, country: str, number: str) -> None:
    assert country_of_zone(zone) == country
    assert emergency_number(country, DEFAULT) == number


@pytest.mark.parametrize(
    ("alias", "country"),
    [("Asia/Calcutta", "IN"), ("US/Eastern", "US"), ("Europe/Kiev", "UA"), ("GB", "GB")],
)
def test_legacy_zone_names_resolve(alias: str, country: str) -> None:
    assert country_of_zone(alias) == country


@pytest.mark.parametrize(
    "zone",
    [None, "", "UTC", "Etc/GMT+2", "Mars/Olympus_Mons", "../../etc/passwd", "x" * 1000],
)
def test_zone_without_country_gives_default(zone: str | None) -> None:
    assert country_of_zone(zone) is None
    assert emergency_number(country_of_zone(zone), DEFAULT) == DEFAULT


def test_country_without_entry_gives_default() -> None:
    assert "AQ" not in EMERGENCY_NUMBERS
    assert emergency_number("AQ", "999") == "999"
    assert emergency_number("ZZ", "999") == "999"
    assert emergency_number(None, "999") == "999"


def test_emergency_number_accepts_lower_case_code() -> None:
    assert emergency_number("jp", DEFAULT) == "119"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("de", "DE"),
        ("DE", "DE"),
        (" fr ", "FR"),
        ("Germany", "DE"),
        ("germany", "DE"),
        ("united kingdom", "GB"),
        ("United Kingdom", "GB"),
        ("UK", "GB"),
        ("uk", "GB"),
        ("USA", "US"),
        ("US", "US"),
        ("United States", "US"),
        ("South Korea", "KR"),
        ("Korea (South)", "KR"),
        ("Côte d'Ivoire", "CI"),
        ("Saint Lucia", "LC"),
        ("Trinidad & Tobago", "TT"),
        ("trinidad and tobago", "TT"),
        ("the Netherlands", "NL"),
        ("India", "IN"),
    ],
)
def test_country_from_text(text: str, expected: str) -> None:
    assert country_from_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "zz",
        "Atlantis",
        "Germany!!! and more",
        "congo",  # two countries: ambiguous
        "samoa",  # two countries: ambiguous
        "Germany" * 20,  # too long
        "x" * 10_000,
        "12",
    ],
)
def test_country_from_text_rejects(text: str) -> None:
    assert country_from_text(text) is None


@pytest.mark.parametrize(
    "number", ["112", "000", "10177", "+49 30 1234 5678", "0800-111-222", "+1 911", "12"]
)
def test_dialable(number: str) -> None:
    assert is_dialable(number)


@pytest.mark.parametrize(
    "number",
    ["", "1", "+", "abc", "112a", "++112", "1  12", "1--12", "-112", "112-", "1" * 16, "١١٢"],
)
def test_not_dialable(number: str) -> None:
    assert not is_dialable(number)


def test_table_codes_are_iso_and_numbers_dialable() -> None:
    iso = set(country_names())
    zone_tab = set(zone_countries().values())
    for code, number in EMERGENCY_NUMBERS.items():
        assert re.fullmatch(r"[A-Z]{2}", code), code
        assert code in iso, code
        assert code in zone_tab, code
        assert is_dialable(number), (code, number)


# The countries the product must cover (the brief's list: EU/EEA, the rest of Europe and the
# main countries elsewhere).
REQUIRED = (
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE "
    "IS LI NO CH GB AL BA ME MK RS MD BY UA RU TR AD MC SM VA "
    "US CA MX BR AR CL CO PE AU NZ JP KR CN HK TW IN PK BD LK SG MY ID TH VN PH "
    "AE SA QA IL EG MA NG KE ZA"
)


def test_table_covers_required_countries() -> None:
    required = REQUIRED.split()
    assert [code for code in required if code not in EMERGENCY_NUMBERS] == []


def test_eu_uses_112() -> None:
    eu = "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE"
    assert {EMERGENCY_NUMBERS[code] for code in eu.split()} == {"112"}


def test_aliases_are_real_zones_that_map_to_zone_tab() -> None:
    table = zone_countries()
    for alias, target in ZONE_ALIASES.items():
        assert alias not in table, alias
        assert target in table, target
        zoneinfo.ZoneInfo(alias)  # tzdata ships the legacy name


def test_module_imports_only_stdlib_and_rules() -> None:
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported.isdisjoint({"telegram", "storage", "conversations", "bot"})


# --- While the country is unknown: the main numbers side by side ----------------------------


def test_the_main_numbers_are_112_911_999_and_000() -> None:
    assert MAIN_NUMBERS == ("112", "911", "999", "000")
    # Each is the number of the country it is shown for.
    assert [EMERGENCY_NUMBERS[c] for c in ("DE", "US", "GB", "AU")] == list(MAIN_NUMBERS)


@pytest.mark.parametrize(
    ("default", "numbers"),
    [
        ("112", ("112", "911", "999", "000")),
        ("999", ("112", "911", "999", "000")),
        ("10177", ("112", "911", "999", "000", "10177")),
        (" 192 ", ("112", "911", "999", "000", "192")),
        ("", ("112", "911", "999", "000")),
    ],
)
def test_numbers_when_unknown_add_the_default_once(default: str, numbers: tuple[str, ...]) -> None:
    assert numbers_when_unknown(default) == numbers


@pytest.mark.parametrize(
    ("typed", "country", "zones", "numbers"),
    [
        ("0800 123", "US", ("Europe/London",), ("0800 123",)),  # typed wins
        (None, "US", ("Europe/London",), ("911",)),  # then the country
        (None, None, ("Europe/London", "America/New_York"), ("999",)),  # the first zone
        (None, None, (None, "America/New_York"), ("911",)),  # the plan's zone
        (None, None, ("UTC", "Asia/Tokyo"), ("119",)),  # a zone in no country is skipped
        (None, "ZW", (), (DEFAULT,)),  # a known country not in the table: the default
        (None, None, (None, None), MAIN_NUMBERS),
        (None, None, ("UTC", "Etc/GMT+5"), MAIN_NUMBERS),
        ("", "", (), MAIN_NUMBERS),
    ],
)
def test_numbers_for_gives_one_number_once_anything_is_known(
    typed: str | None, country: str | None, zones: tuple[str | None, ...], numbers: tuple[str, ...]
) -> None:
    assert numbers_for(typed=typed, country=country, zones=zones, default=DEFAULT) == numbers


@pytest.mark.parametrize(
    ("typed", "country"),
    [
        ("Deutschland", "DE"),
        ("Allemagne", "DE"),
        ("Alemania", "DE"),
        ("España", "ES"),
        ("Espagne", "ES"),
        ("Frankreich", "FR"),
        ("États-Unis", "US"),
        ("Estados Unidos", "US"),
        ("Österreich", "AT"),
        ("Royaume-Uni", "GB"),
    ],
)
def test_a_country_typed_in_german_spanish_or_french(typed: str, country: str) -> None:
    assert country_from_text(typed) == country
