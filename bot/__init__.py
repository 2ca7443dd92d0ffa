"""Running CrampCoach: the Application, its delivery, web server, operations and tools.

:func:`version` is the running version: pyproject.toml's ``version``, read from the installed
package's metadata (the one place it is written; ``CHANGELOG.md`` has an entry for each).
"""

from __future__ import annotations

from importlib import metadata

DISTRIBUTION = "crampcoach"


def version() -> str:
    """The installed version, e.g. ``0.1.0``; ``unknown`` when run from a tree never installed."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "unknown"
