"""The message catalogs (issue 20): every text of the code in every language, translated, with
the same placeholders, markup, numbers and commands as the English; the template regenerated
from the code matches the committed one. Plain files, no bot."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from conversations.i18n import extract
from conversations.i18n.catalogs import TEMPLATE, catalog_path
from conversations.i18n.entries import all_entries
from rules.languages import ENGLISH, LANGUAGES

TRANSLATED = [language for language in LANGUAGES if language != ENGLISH]
PLACEHOLDER = re.compile(r"\{[a-z_]*\}")
TAG = re.compile(r"</?[a-z]+(?: [^>]*)?>")
NUMBER = re.compile(r"(?<![\w{])\d+(?:[.,]\d+)?(?![\w}])")
COMMAND = re.compile(r"(?<![\w/])/[a-z][a-z0-9_]*")
# Texts whose numbers are examples written the language's way, not facts: "6 pm" is "18 Uhr".
LOCAL_EXAMPLES = {"plan.ASK_TIME"}


def _read(language: str) -> Catalog:
    with catalog_path(language).open("rb") as file:
        return read_po(file, locale=language, charset="utf-8")


def _messages(language: str) -> list[Message]:
    return [message for message in _read(language) if message.id]


def _pairs(message: Message) -> list[tuple[str, str]]:
    """(English, translation) for each form; a plural's forms all against its English plural."""
    if isinstance(message.id, tuple | list):
        return [(message.id[1], form) for form in _forms(message)]
    return [(str(message.id), _forms(message)[0])]


def _numbers(text: str) -> Counter[str]:
    # "24 hours" may read "24 Stunden" but "24h" too: the digits are what must not drift.
    return Counter(n.replace(",", ".") for n in NUMBER.findall(text))


def test_the_template_is_the_one_the_code_makes() -> None:
    assert TEMPLATE.read_bytes() == extract.render(extract.template()), (
        "run: python -m conversations.i18n.extract"
    )


@pytest.mark.parametrize("language", TRANSLATED)
def test_each_catalog_has_every_text_of_the_code_and_nothing_else(language: str) -> None:
    assert catalog_path(language).read_bytes() == extract.render(
        extract.updated(language, extract.template())
    ), "run: python -m conversations.i18n.extract"
    keys = {(e.context, e.text) for e in all_entries()}
    found = {
        (m.context or "", m.id[0] if isinstance(m.id, tuple | list) else m.id)
        for m in _messages(language)
    }
    assert found == keys


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_text_is_translated_none_fuzzy_none_empty(language: str) -> None:
    untranslated = [m.context for m in _messages(language) if m.fuzzy or not all(_forms(m))]
    assert untranslated == []


def _forms(message: Message) -> list[str]:
    string = message.string
    return list(string) if isinstance(string, tuple | list) else [string or ""]


@pytest.mark.parametrize("language", TRANSLATED)
def test_plurals_have_the_forms_of_the_language(language: str) -> None:
    catalog = _read(language)
    for message in _messages(language):
        if isinstance(message.id, tuple | list):
            assert len(_forms(message)) == catalog.num_plurals, message.context


@pytest.mark.parametrize("language", TRANSLATED)
def test_placeholders_markup_numbers_and_commands_are_the_englishs(language: str) -> None:
    problems = []
    for message in _messages(language):
        for english, translated in _pairs(message):
            if not translated:
                continue
            for name, pattern in (("placeholders", PLACEHOLDER), ("markup", TAG)):
                if Counter(pattern.findall(english)) != Counter(pattern.findall(translated)):
                    problems.append(f"{message.context}: {name}")
            if set(COMMAND.findall(english)) != set(COMMAND.findall(translated)):
                problems.append(f"{message.context}: commands")
            if message.context not in LOCAL_EXAMPLES and _numbers(english) != _numbers(translated):
                problems.append(f"{message.context}: numbers")
    assert problems == []
