"""The layout's promises: pure rules, imports that point one way (also between bot/'s
subpackages, and the development tools out of the running bot), one owner for /start and for
membership updates, and button families that build and match the same data."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from telegram import Update
from telegram.ext import ContextTypes

from bot.devtools.local_api import ADMIN_RIGHTS
from conversations import buttons, membership
from conversations.membership import GroupEvent
from conversations.sos import states as sos
from conversations.texts import common
from conversations.texts import sos as texts
from conversations.texts import team as team_texts
from storage import episodes
from storage.episodes import Outcome
from tests.conftest import Bot
from tests.helpers import db_of, walk_to

REPO = Path(__file__).resolve().parent.parent

# What each package may import of the project's own packages (and of Telegram).
MAY_NOT_IMPORT: dict[str, set[str]] = {
    "rules": {"telegram", "storage", "conversations", "bot"},
    "storage": {"telegram", "conversations", "bot"},
    "conversations": {"bot"},
}


def _imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots = {
        node.module.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0
    }
    roots |= {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    return roots


def _modules() -> Iterator[tuple[str, Path]]:
    for package in sorted(MAY_NOT_IMPORT):
        for path in sorted((REPO / package).rglob("*.py")):
            yield package, path


@pytest.mark.parametrize(
    ("package", "path"), list(_modules()), ids=[str(p.relative_to(REPO)) for _, p in _modules()]
)
def test_imports_point_one_way(package: str, path: Path) -> None:
    forbidden = _imported_roots(path) & MAY_NOT_IMPORT[package]
    assert not forbidden, f"{path.relative_to(REPO)} imports {sorted(forbidden)}"


def test_the_rules_package_is_walked() -> None:
    walked = {path.name for package, path in _modules() if package == "rules"}
    assert {"recovery.py", "red_flags.py", "plan_clock.py", "timezones.py"} <= walked


# --- Inside bot/: a few modules at the top, the rest by what they do -------------------------

BOT = REPO / "bot"
# bot/ keeps only these few at its top; everything else goes in a subpackage.
MAX_FLAT_MODULES = 9
SUBPACKAGES = {"delivery", "web", "operations", "devtools", "weather"}
# What a subpackage of bot/ may not import of the others.
BOT_MAY_NOT_IMPORT: dict[str, set[str]] = {
    "delivery": {"bot.web", "bot.operations", "bot.devtools"},
    "web": {"bot.operations", "bot.devtools"},
    "operations": {"bot.delivery", "bot.web", "bot.devtools"},
    "weather": {"bot.delivery", "bot.web", "bot.operations", "bot.devtools"},
}
# The one runtime module that reaches the development tools: it launches `python -m bot chat`.
DEVTOOLS_LAUNCHER = BOT / "__main__.py"


def _imported_modules(path: Path, *, top_only: bool = False) -> set[str]:
    """Every module ``path`` imports, in full (``from bot import x`` counts as ``bot.x``),
    at the top or inside a function (``top_only``: at the top only)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules: set[str] = set()
    for node in tree.body if top_only else ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
            modules |= {f"{node.module}.{alias.name}" for alias in node.names}
    return modules


def _reaches(imported: set[str], packages: set[str]) -> set[str]:
    return {m for m in imported for p in packages if m == p or m.startswith(p + ".")}


def test_bot_keeps_a_handful_of_flat_modules_and_the_rest_in_subpackages() -> None:
    flat = sorted(p.name for p in BOT.glob("*.py") if p.name != "__init__.py")
    assert len(flat) <= MAX_FLAT_MODULES, f"bot/ has {len(flat)} flat modules: {flat}"
    packages = {p.name for p in BOT.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages == SUBPACKAGES
    for name in SUBPACKAGES:
        docstring = ast.get_docstring(ast.parse((BOT / name / "__init__.py").read_text()))
        assert docstring, f"bot/{name}/__init__.py says what it holds"


@pytest.mark.parametrize("package", sorted(BOT_MAY_NOT_IMPORT))
def test_bot_subpackages_import_one_way(package: str) -> None:
    for path in sorted((BOT / package).rglob("*.py")):
        reached = _reaches(_imported_modules(path), BOT_MAY_NOT_IMPORT[package])
        assert not reached, f"{path.relative_to(REPO)} imports {sorted(reached)}"


def test_only_the_entry_point_reaches_the_development_tools() -> None:
    runtime = [
        path
        for path in sorted(BOT.rglob("*.py"))
        if BOT / "devtools" not in path.parents and path != DEVTOOLS_LAUNCHER
    ]
    assert len(runtime) > MAX_FLAT_MODULES  # the subpackages are walked too
    for path in runtime:
        reached = _reaches(_imported_modules(path), {"bot.devtools"})
        assert not reached, f"{path.relative_to(REPO)} imports {sorted(reached)}"
    # And the entry point only inside the `chat` branch, never at import.
    assert not _reaches(_imported_modules(DEVTOOLS_LAUNCHER, top_only=True), {"bot.devtools"})
    assert "bot.devtools.terminal" in _imported_modules(DEVTOOLS_LAUNCHER)


# --- /start has one owner, and a deep link never interrupts a cramp -------------------------


@pytest.mark.parametrize("link", ["/start join_AbC-123_xyz", "/start something_else"])
async def test_a_deep_link_mid_flow_brings_the_step_back_and_keeps_the_episode(
    bot: Bot, link: str
) -> None:
    user = bot.user()
    await walk_to(user, sos.MUSCLE)
    before = await episodes.open_episode_of(db_of(bot), user.user_id)

    await user.send(link)

    reply = bot.api.last_bot_message(user.chat_id)
    assert reply.text.startswith(common.LINK_AFTER_CRAMP)
    assert texts.ASK_MUSCLE in reply.text
    assert reply.button_labels == [*texts.MUSCLE_LABELS.values(), texts.AT_REST_LABEL]
    assert texts.NEW_CRAMP not in reply.button_labels  # a link is not a new cramp
    after = await episodes.open_episode_of(db_of(bot), user.user_id)
    assert before is not None and after == before
    await user.press(texts.MUSCLE_LABELS["calf"])  # the flow goes on from where it was
    assert bot.api.last_bot_message(user.chat_id).text.startswith(texts.STRETCH_HOW["calf"])


async def test_plain_start_mid_flow_still_leaves_the_flow(bot: Bot) -> None:
    user = bot.user()
    await walk_to(user, sos.MUSCLE)
    before = len(bot.api.bot_messages(user.chat_id))

    await user.send("/start")

    # The welcome (then, this first time, the country question: conversations.country).
    welcome, *_ = bot.api.bot_messages(user.chat_id)[before:]
    assert "CrampCoach" in welcome.text
    latest = await episodes.latest_episode_of(db_of(bot), user.user_id)
    assert latest is not None and latest.outcome is Outcome.CANCELLED


async def test_an_unknown_link_outside_a_flow_says_so_then_welcomes(bot: Bot) -> None:
    user = bot.user()

    await user.send("/start nosuchthing")

    # Then, this first time, the country question (conversations.country).
    first, welcome, _ = bot.api.bot_messages(user.chat_id)
    assert first.text == common.UNKNOWN_LINK
    assert "CrampCoach" in welcome.text


# --- Membership updates have one owner --------------------------------------------------------


def _membership(bot: Bot, chat_id: int, old: str, new: str) -> dict[str, Any]:
    def member(status: str) -> dict[str, Any]:
        data: dict[str, Any] = {"user": bot.api.bot_user, "status": status}
        if status == "administrator":
            data |= ADMIN_RIGHTS
        if status == "kicked":
            data["until_date"] = 0
        return data

    return {
        "my_chat_member": {
            "chat": bot.api.chat_dict(chat_id),
            "from": {"id": 7, "is_bot": False, "first_name": "Coach"},
            "date": 1_805_000_000,
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }
    }


@pytest.mark.parametrize(
    ("old", "new", "event"),
    [
        ("left", "member", GroupEvent.ADDED),
        ("left", "administrator", GroupEvent.ADDED),
        ("member", "administrator", GroupEvent.PROMOTED),
        ("administrator", "member", GroupEvent.DEMOTED),
        ("member", "left", GroupEvent.REMOVED),
        ("administrator", "kicked", GroupEvent.REMOVED),
    ],
)
async def test_group_membership_reaches_the_group_handlers(
    bot: Bot, old: str, new: str, event: GroupEvent
) -> None:
    seen: list[tuple[int, GroupEvent]] = []

    async def record(update: Update, context: ContextTypes.DEFAULT_TYPE, got: GroupEvent) -> None:
        assert update.effective_chat is not None
        seen.append((update.effective_chat.id, got))

    membership.GROUP_EVENTS.append(record)
    try:
        await bot.user(7)._deliver(_membership(bot, -100555, old, new))
    finally:
        membership.GROUP_EVENTS.remove(record)

    assert seen == [(-100555, event)]
    # Only the team greeting, once, when the bot is added; nothing else is posted in the group.
    posted = [call.params["text"] for call in bot.api.calls_of("sendMessage")]
    assert posted == ([team_texts.GROUP_GREETING] if event is GroupEvent.ADDED else [])


# --- Button families ---------------------------------------------------------------------------


def test_a_button_family_builds_what_it_matches_and_nothing_else() -> None:
    family = buttons.ButtonFamily.of("team", "consent", {"status", "details"})
    data = family.data(42, "status")

    assert family.matches(data)
    assert buttons.parse(data) == buttons.Press("team", 42, "consent", "status")
    assert not family.matches("team:42:consent:everything")
    assert not family.matches("team:42:other:status")
    assert not family.matches("sos:42:consent:status")
    assert not family.matches("team:-1:consent:status")
    with pytest.raises(ValueError, match="not a choice"):
        family.data(42, "everything")
    markup = family.keyboard(42, [("status", "Status"), ("details", "Details")], per_row=2)
    assert [[b["callback_data"] for b in row] for row in markup.inline_keyboard] == [
        ["team:42:consent:status", "team:42:consent:details"]
    ]


def test_migrations_are_numbered_one_by_one() -> None:
    from storage.migrations import MIGRATIONS

    assert [m.version for m in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1))
