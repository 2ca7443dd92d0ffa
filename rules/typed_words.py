"""What people type, in English, German, Spanish and French: a cramp mentioned in a message,
and the yes/no (on/off) words a command takes. Pure functions of the text."""

from __future__ import annotations

import re
import unicodedata

# "cramp", "cramping", "charley horse"; "Krampf", "Wadenkrampf", "Krämpfe"; "calambre(s)";
# "crampe(s)" (French: covered by "cramp"). German compounds put "krampf" anywhere in a word.
_CRAMP = re.compile(r"\bcramp|charley\s*horse|kr(?:a|ä|ae)mpf|\bcalambr", re.IGNORECASE)

_ON = frozenset({"on", "yes", "y", "an", "ein", "ja", "si", "activar", "oui", "activer"})
_OFF = frozenset({"off", "no", "n", "aus", "nein", "desactivar", "non", "desactiver"})


def mentions_cramp(text: str) -> bool:
    """Whether a message speaks of a cramp ("I've got a cramp", "Wadenkrampf!", "calambre en
    el gemelo", "crampe au mollet")."""
    return _CRAMP.search(text) is not None


def _folded(word: str) -> str:
    """Lower case without accents: "Sí" -> "si", "désactiver" -> "desactiver"."""
    decomposed = unicodedata.normalize("NFKD", word.strip().casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def on_or_off(word: str) -> bool | None:
    """True for on/yes, False for off/no, in any of the four languages; None otherwise."""
    folded = _folded(word)
    if folded in _ON:
        return True
    if folded in _OFF:
        return False
    return None
