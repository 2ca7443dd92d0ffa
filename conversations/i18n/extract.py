"""Write the catalog template from the texts modules, and bring every language's catalog up to
date with it: ``python -m conversations.i18n.extract`` (``--check`` only says whether the
committed files match the code, exit status 1 if not).

New texts arrive in each catalog untranslated; a text whose English changed loses its old
translation (it is kept in the file as obsolete, ``#~``, for the translator to reuse). Every
text of the safety set (``conversations.i18n.entries.SAFETY_MODULES``) carries a note for
translators.
"""

from __future__ import annotations

import argparse
import io
import sys
from datetime import UTC, datetime
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from conversations.i18n.catalogs import DOMAIN, TEMPLATE, catalog_path
from conversations.i18n.entries import all_entries, is_safety
from rules.languages import ENGLISH, LANGUAGES

SAFETY_NOTE = (
    "SAFETY: medical meaning must not drift; keep every number, {placeholder} and the "
    "facts 'never forceful', 'no need to swallow', 'no massage for 24 hours', 'from day 3', "
    "'two weeks' literal."
)
# Notes for translators on pieces whose use is not plain from the English alone.
NOTES = {
    "sos.MUSCLE_NAMES": (
        "The muscle as the sentences with {muscle} name it (English: 'rest the {muscle}'). "
        "Where the language has articles, include the definite article in the form a direct "
        "object takes (e.g. 'die Wade', 'el gemelo', 'le mollet'), and write every sentence "
        "with {muscle} so that this form fits it (no article of your own before {muscle}, no "
        "contraction such as 'du'/'del' with it, no pronoun that would need its gender)."
    ),
    "common.COACH_COMMAND_DESCRIPTIONS": "A command menu entry: at most 256 characters.",
    "team_chart.WEEKDAY_INITIALS": "One letter: the weekday's initial, Monday first.",
}
# Fixed, so the template regenerated from unchanged code is byte for byte the same.
_DATE = datetime(2026, 1, 1, tzinfo=UTC)
_WIDTH = 100


# Every catalog's header, the template's and each language's alike.
_HEADER: dict[str, Any] = {
    "project": "CrampCoach",
    "version": "1",
    "copyright_holder": "CrampCoach",
    "msgid_bugs_address": "",
    "creation_date": _DATE,
    "revision_date": _DATE,
}


def template() -> Catalog:
    pot = Catalog(**_HEADER, fuzzy=False)
    for entry in all_entries():
        message_id = entry.text if entry.plural is None else (entry.text, entry.plural)
        notes = [note for prefix, note in NOTES.items() if entry.context.startswith(prefix + ".")]
        if is_safety(entry.context):
            notes.append(SAFETY_NOTE)
        pot.add(message_id, context=entry.context, auto_comments=notes)
    return pot


def render(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_po(out, catalog, width=_WIDTH, include_lineno=False)
    return out.getvalue()


def updated(language: str, pot: Catalog) -> Catalog:
    path = catalog_path(language)
    if path.exists():
        with path.open("rb") as file:
            po = read_po(file, locale=language, charset="utf-8")
    else:
        po = Catalog(locale=language, domain=DOMAIN, **_HEADER)
    po.update(pot, no_fuzzy_matching=True, update_header_comment=False)
    po.revision_date = _DATE
    po.fuzzy = False
    return po


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conversations.i18n.extract")
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 if stale")
    args = parser.parse_args(argv)
    pot = template()
    files = {TEMPLATE: render(pot)}
    for language in LANGUAGES:
        if language != ENGLISH:
            files[catalog_path(language)] = render(updated(language, pot))
    stale = [path for path, data in files.items() if not path.exists() or path.read_bytes() != data]
    if args.check:
        for path in stale:
            print(f"out of date: {path}", file=sys.stderr)
        return 1 if stale else 0
    for path in stale:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(files[path])
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
