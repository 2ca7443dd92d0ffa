"""Builds start from an empty ``build/lib``: everything else is in pyproject.toml.

setuptools copies the packages into ``build/lib`` and makes the wheel from whatever is there;
it never empties the folder. So a module removed from the source, once built, went on being
installed by every ``pip install /opt/crampcoach`` after it (tests/test_release.py).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class CleanBuildPy(build_py):  # type: ignore[misc]  # setuptools has no type stubs here
    """``build_py`` that first removes what an earlier build left in ``build/lib``."""

    def run(self) -> None:
        if not self.editable_mode:
            build_lib = Path(self.build_lib)
            if build_lib.is_dir():
                shutil.rmtree(build_lib)
        super().run()


setup(cmdclass={"build_py": CleanBuildPy})
