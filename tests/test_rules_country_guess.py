"""Tests for the countries offered in one tap, guessed from the language of the app."""

from __future__ import annotations

import pytest

from rules.country_guess import (
    GENERIC_COUNTRIES,
    LANGUAGE_COUNTRIES,
    countries_for_language,
    flag,
    language_of,
)
from rules.emergency_numbers import EMERGENCY_NUMBERS


@pytest.mark.parametrize(
    ("language_code", "countries"),
    [
        ("en", ("US", "GB", "CA", "AU", "IE")),
        ("de", ("DE", "AT", "CH")),
        ("es", ("ES", "MX", "AR", "US")),
        ("fr", ("FR", "BE", "CH", "CA")),
        ("pt-br", ("BR", "PT")),
        ("pt-BR", ("BR", "PT")),
        ("zh-hans", ("CN", "TW", "HK", "SG")),
        ("DE", ("DE", "AT", "CH")),
        (" de ", ("DE", "AT", "CH")),
    ],
)
def test_the_language_picks_its_countries(language_code: str, countries: tuple[str, ...]) -> None:
    assert countries_for_language(language_code) == countries


@pytest.mark.parametrize(
    "language_code", [None, "", "xx", "klingon", "d", "de--", "12", "../de", "de" + "-a" * 40, 7]
)
def test_an_unknown_or_malformed_language_gets_the_generic_list(language_code: object) -> None:
    assert countries_for_language(language_code) == GENERIC_COUNTRIES  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("language_code", "language"),
    [("pt-br", "pt"), ("en_US", "en"), ("EN", "en"), ("fil", "fil"), ("??", None)],
)
def test_language_of_keeps_the_primary_subtag(language_code: str, language: str | None) -> None:
    assert language_of(language_code) == language


def test_every_country_offered_has_its_own_number() -> None:
    # A one-tap pick must never fall back to the deployment default without anyone noticing.
    offered = {code for codes in LANGUAGE_COUNTRIES.values() for code in codes}
    offered |= set(GENERIC_COUNTRIES)
    assert sorted(offered - set(EMERGENCY_NUMBERS)) == []
    for codes in (*LANGUAGE_COUNTRIES.values(), GENERIC_COUNTRIES):
        assert len(codes) == len(set(codes)) and 1 <= len(codes) <= 6


@pytest.mark.parametrize(
    ("country", "emoji"),
    [("DE", "🇩🇪"), ("us", "🇺🇸"), ("GB", "🇬🇧"), ("D", ""), ("D1", ""), ("ÄÖ", "")],
)
def test_flag_is_two_regional_indicators(country: str, emoji: str) -> None:
    assert flag(country) == emoji
