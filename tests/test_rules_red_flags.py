"""The red-flag screen: every sign has an urgency, a place on a screen and a named source."""

from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path

import pytest

from rules import red_flags
from rules.red_flags import (
    MORE_SIGNS_ORDER,
    SCREEN_ORDER,
    SIT_OR_LIE_DOWN,
    URGENCY,
    RedFlag,
    Urgency,
    ends_self_care,
)

SOURCE_FILE = Path(red_flags.__file__)
# Words that name where a sign comes from (see /work/shared/reference/red-flags.md).
SOURCE_WORDS = re.compile(
    r"\b(NHS|CDC|Mayo|Merck|Journal|article|consensus|reviews?)\b", re.IGNORECASE
)


def test_there_are_nine_signs() -> None:
    assert len(RedFlag) == 9


def test_every_sign_has_an_urgency() -> None:
    assert set(URGENCY) == set(RedFlag)
    assert all(isinstance(URGENCY[flag], Urgency) for flag in RedFlag)


def test_the_two_screens_together_list_every_sign_exactly_once() -> None:
    counts = Counter((*SCREEN_ORDER, *MORE_SIGNS_ORDER))
    assert set(counts) == set(RedFlag)
    assert all(count == 1 for count in counts.values()), counts


@pytest.mark.parametrize("flag", list(RedFlag))
def test_only_other_cause_lets_self_care_go_on(flag: RedFlag) -> None:
    assert ends_self_care(flag) is (flag is not RedFlag.OTHER_CAUSE)


def test_other_cause_means_see_a_doctor_soon() -> None:
    assert URGENCY[RedFlag.OTHER_CAUSE] is Urgency.DOCTOR_SOON
    soon = {flag for flag in RedFlag if URGENCY[flag] is Urgency.DOCTOR_SOON}
    assert soon == {RedFlag.OTHER_CAUSE}


def test_the_whole_body_emergencies_and_a_tear_mean_sit_or_lie_down() -> None:
    assert {
        RedFlag.CHEST_PAIN_BREATHLESS,
        RedFlag.CONFUSED_FAINT_VOMITING,
        RedFlag.HEAT_STROKE,
        RedFlag.MANY_MUSCLES,
        RedFlag.POP_OR_TEAR,
    } <= SIT_OR_LIE_DOWN


def _red_flag_members() -> list[tuple[str, int]]:
    """Each ``NAME = "value"`` member of ``class RedFlag`` and its 1-based line number."""
    tree = ast.parse(SOURCE_FILE.read_text(encoding="utf-8"))
    classes = [
        node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == "RedFlag"
    ]
    assert len(classes) == 1
    members: list[tuple[str, int]] = []
    for statement in classes[0].body:
        if (
            isinstance(statement, ast.Assign)
            and len(statement.targets) == 1
            and isinstance(statement.targets[0], ast.Name)
            and isinstance(statement.value, ast.Constant)
            and isinstance(statement.value.value, str)
        ):
            members.append((statement.targets[0].id, statement.lineno))
    return members


def _comment_block_above(lines: list[str], lineno: int) -> list[str]:
    """The run of comment lines directly above line ``lineno`` (1-based), top first."""
    block: list[str] = []
    index = lineno - 2
    while index >= 0 and lines[index].lstrip().startswith("#"):
        block.insert(0, lines[index].strip())
        index -= 1
    return block


def test_the_parser_finds_every_sign_definition() -> None:
    assert [name for name, _ in _red_flag_members()] == [flag.name for flag in RedFlag]


@pytest.mark.parametrize("flag", list(RedFlag), ids=lambda flag: flag.name)
def test_every_sign_definition_has_a_source_comment_directly_above(flag: RedFlag) -> None:
    lines = SOURCE_FILE.read_text(encoding="utf-8").splitlines()
    lineno = dict(_red_flag_members())[flag.name]
    block = _comment_block_above(lines, lineno)
    assert block, f"{flag.name} has no comment directly above its definition"
    assert SOURCE_WORDS.search(" ".join(block)), f"{flag.name}: no source named in {block}"
