"""The prevention programme's fortnightly summary picture, sent by /progress beside the recovery
chart to an athlete who follows the programme (active or paused).

The layout is ``rules.programme_chart``; this module gathers the fortnight from the store and
draws it with Pillow, the way ``conversations.plan.chart`` draws the recovery chart (the same
fonts and supersampling, ``conversations.drawing``). Deterministic: the same data gives the same
bytes.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from PIL import Image, ImageDraw
from telegram import Update
from telegram.ext import BaseHandler

from conversations.drawing import Color, bundled_font, draw_text, fit_text, px
from conversations.replies import send_photo
from conversations.services import Services
from conversations.texts import programme_chart as texts
from rules.programme_chart import ROWS, SUMMARY_DAYS, Row, SummaryLayout, layout_summary
from rules.recovery import local_date_of
from storage import episodes, heat, prevention
from storage.prevention import ProgrammeStatus

WIDTH = 1000
HEIGHT = 420
_PLOT_LEFT = 190
_PLOT_RIGHT = WIDTH - 24
_MARGIN = 24
_ROW_TOP = 80
_ROW_HEIGHT = 80

_BG: Color = (255, 255, 255)
_TEXT: Color = (34, 34, 34)
_MUTED: Color = (100, 100, 100)
_EMPTY_CELL: Color = (242, 242, 242)
_ROW_COLORS: dict[Row, Color] = {
    Row.SESSIONS: (46, 125, 80),  # green
    Row.CRAMPS: (198, 40, 40),  # red
    Row.HOT: (239, 118, 52),  # orange
}


def render_summary_png(layout: SummaryLayout) -> bytes:
    """Three rows of 14 day cells, each row's total beside its name, dates underneath."""
    img = Image.new("RGB", (px(WIDTH), px(HEIGHT)), _BG)
    draw = ImageDraw.Draw(img)
    left = px(_PLOT_LEFT)
    title_font = bundled_font(30)
    title = fit_text(draw, texts.TITLE, title_font, px(WIDTH - 2 * _MARGIN))
    draw_text(draw, (px(_MARGIN), px(14)), title, title_font, _TEXT)
    label_font, small_font = bundled_font(18), bundled_font(16)
    gap = px(3)
    for n, row in enumerate(ROWS):
        top = px(_ROW_TOP + n * _ROW_HEIGHT)
        bottom = top + px(_ROW_HEIGHT) - px(12)
        mid = (top + bottom) / 2
        label = f"{texts.ROW_LABELS[row]}: {layout.totals[row]}"
        draw_text(draw, (px(_MARGIN), mid), label, label_font, _TEXT, v="m")
        color = _ROW_COLORS[row]
        for cell in (cell for cell in layout.cells if cell.row is row):
            x0 = left + layout.x_edge(cell.column) + gap
            x1 = left + layout.x_edge(cell.column + 1) - gap
            fill = color if cell.count else _EMPTY_CELL
            draw.rounded_rectangle((x0, top, x1, bottom), radius=px(5), fill=fill)
            if cell.count > 1:
                draw_text(draw, ((x0 + x1) / 2, mid), str(cell.count), label_font, _BG, "m", "m")
    ticks_y = px(_ROW_TOP + len(ROWS) * _ROW_HEIGHT)
    for column in layout.tick_columns:
        day = layout.days[column]
        x = left + layout.x_mid(column)
        draw_text(draw, (x, ticks_y), f"{day.day}.{day.month}.", small_font, _MUTED, h="m")
    if layout.is_empty:
        note_y = ticks_y + px(36)
        draw_text(draw, (px(WIDTH) / 2, note_y), texts.EMPTY_NOTE, label_font, _MUTED, h="m")
    out = img.resize((WIDTH, HEIGHT), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    out.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


async def fortnight(svc: Services, user_id: int, zone: ZoneInfo) -> SummaryLayout:
    """The last 14 days on the athlete's calendar, today included, from the store."""
    last = local_date_of(svc.now(), zone)
    first = last - timedelta(days=SUMMARY_DAYS - 1)
    done = [
        session.due_date
        for session in await prevention.sessions_of(svc.db, user_id)
        if session.answer is not None and session.answer.value == "done"
    ]
    cramp_days: list[date] = []
    hot_days: list[date] = []
    for episode in await episodes.episodes_of(svc.db, user_id):
        day = local_date_of(episode.started_at, zone)
        if day < first:
            continue
        cramp_days.append(day)
        if episode.hot_conditions:
            hot_days.append(day)
    hot_days += [
        date.fromisoformat(row["local_date"]) for row in await heat.warnings_of(svc.db, user_id)
    ]
    return layout_summary(
        last,
        sessions_done=done,
        cramps=cramp_days,
        hot_days=hot_days,
        plot_width=px(_PLOT_RIGHT - _PLOT_LEFT),
    )


async def send_summary(svc: Services, user_id: int, chat_id: int) -> bool:
    """Send the picture to a programme follower (active or paused); False for anyone else."""
    programme = await prevention.programme_of(svc.db, user_id)
    if programme is None or programme.status not in (
        ProgrammeStatus.ACTIVE,
        ProgrammeStatus.PAUSED,
    ):
        return False
    zone = ZoneInfo(programme.zone or "UTC")
    layout = await fortnight(svc, user_id, zone)
    await send_photo(chat_id, render_summary_png(layout), texts.CAPTION, filename="programme.png")
    return True


def handlers() -> list[BaseHandler[Update, Any, Any]]:
    """Nothing of its own to handle: /progress (``conversations.plan.commands``) sends it."""
    return []
