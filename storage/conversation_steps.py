"""Where each conversation stands: one row per chat, user and flow while a flow is open.

Read at the start of every update of that chat (``storage.unit_of_work``) and written in its
commit, so whichever process handles a chat's next update sees the step the last one left.
"""

from __future__ import annotations

from storage.store import Store, Tx


async def steps_and_language(
    db: Store, chat_id: int, user_id: int
) -> tuple[dict[str, str], tuple[str, bool] | None]:
    """The conversations open in this chat with this user (flow → step), and the user's
    language setting (``storage.users.language_setting``), in one statement: read at the start
    of every update."""
    rows = await db.fetch_all(
        "SELECT flow, step, NULL AS language, NULL AS chosen FROM conversation_steps "
        "WHERE chat_id = ? AND user_id = ? "
        "UNION ALL SELECT NULL, NULL, language, language_chosen FROM users WHERE user_id = ?",
        (chat_id, user_id, user_id),
    )
    steps = {str(row["flow"]): str(row["step"]) for row in rows if row["flow"] is not None}
    setting = next(
        ((str(row["language"]), bool(row["chosen"])) for row in rows if row["flow"] is None),
        None,
    )
    return steps, setting


async def write(tx: Tx, chat_id: int, user_id: int, changes: dict[str, str | None]) -> None:
    """Set (a step) or clear (None: the flow ended) each flow's row, in the caller's
    transaction."""
    for flow, step in changes.items():
        if step is None:
            await tx.execute(
                "DELETE FROM conversation_steps WHERE chat_id = ? AND user_id = ? AND flow = ?",
                (chat_id, user_id, flow),
            )
        else:
            await tx.execute(
                "INSERT INTO conversation_steps (chat_id, user_id, flow, step) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (chat_id, user_id, flow) DO UPDATE SET step = excluded.step",
                (chat_id, user_id, flow, step),
            )


async def forget_user(tx: Tx, user_id: int) -> int:
    cursor = await tx.execute(
        "DELETE FROM conversation_steps WHERE user_id = ? OR chat_id = ?", (user_id, user_id)
    )
    return cursor.rowcount
