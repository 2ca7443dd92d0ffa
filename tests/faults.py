"""Make a table's writes fail, as a full disk would, on either store (a trigger that raises)."""

from __future__ import annotations

from storage.store import Store


async def break_writes(
    db: Store, name: str, table: str, event: str, message: str, *, when: str | None = None
) -> None:
    """Every ``event`` (INSERT, UPDATE) on ``table`` fails with ``message`` until mended
    (``when``: only rows for which that condition on ``NEW`` holds)."""
    condition = "" if when is None else f" WHEN ({when})"
    async with db.write() as conn:
        if db.dialect == "postgresql":
            await conn.execute(
                f"CREATE FUNCTION {name}_fails() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN RAISE EXCEPTION '{message}'; END $$"
            )
            await conn.execute(
                f"CREATE TRIGGER {name} BEFORE {event} ON {table} "
                f"FOR EACH ROW{condition} EXECUTE FUNCTION {name}_fails()"
            )
        else:
            await conn.execute(
                f"CREATE TRIGGER {name} BEFORE {event} ON {table}{condition} "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )


async def mend(db: Store, name: str, table: str) -> None:
    async with db.write() as conn:
        if db.dialect == "postgresql":
            await conn.execute(f"DROP TRIGGER {name} ON {table}")
            await conn.execute(f"DROP FUNCTION {name}_fails()")
        else:
            await conn.execute(f"DROP TRIGGER {name}")
