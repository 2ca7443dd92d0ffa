"""What people type in English, German, Spanish and French (issue 20): a cramp mentioned, times
as written there, pain out of ten, on/off words. Pure functions."""

from __future__ import annotations

from datetime import time

import pytest

from rules.recovery import parse_local_time, parse_pain
from rules.typed_words import mentions_cramp, on_or_off


@pytest.mark.parametrize(
    "text",
    [
        "cramp!",
        "my calf is cramping",
        "charley horse",
        "Wadenkrampf",
        "Krampf in der Wade",
        "Krämpfe beim Laufen",
        "calambre en el gemelo",
        "tengo calambres",
        "crampe au mollet",
        "des crampes",
    ],
)
def test_a_cramp_mentioned_in_any_language(text: str) -> None:
    assert mentions_cramp(text)


@pytest.mark.parametrize("text", ["hello", "Kampf", "calma", "campeón", "camp", "Krampus"])
def test_other_words_are_no_cramp(text: str) -> None:
    assert not mentions_cramp(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7 Uhr", time(7)),
        ("um 7 Uhr", time(7)),
        ("7 Uhr 30", time(7, 30)),
        ("19h30", time(19, 30)),
        ("19h", time(19)),
        ("19 h", time(19)),
        ("à 19h", time(19)),
        ("a las 7:30", time(7, 30)),
        ("19:30 h", time(19, 30)),
        ("7 heures", time(7)),
        ("20.15 Uhr", time(20, 15)),
        ("7am", time(7)),
        ("7:30 pm", time(19, 30)),
        ("25 Uhr", None),
        ("19h61", None),
        ("Uhr", None),
        ("h", None),
    ],
)
def test_times_as_people_write_them(text: str, expected: time | None) -> None:
    assert parse_local_time(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("3 von 10", 3), ("3 de 10", 3), ("3 sur 10", 3), ("3 of 10", 3), ("3/10", 3), ("11", None)],
)
def test_pain_out_of_ten_in_any_language(text: str, expected: int | None) -> None:
    assert parse_pain(text) == expected


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("on", True),
        ("An", True),
        ("ja", True),
        ("sí", True),
        ("SI", True),
        ("oui", True),
        ("activer", True),
        ("off", False),
        ("aus", False),
        ("nein", False),
        ("no", False),
        ("non", False),
        ("désactiver", False),
        ("desactivar", False),
        ("maybe", None),
        ("", None),
    ],
)
def test_on_and_off_words(word: str, expected: bool | None) -> None:
    assert on_or_off(word) is expected
