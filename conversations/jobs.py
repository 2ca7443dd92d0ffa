"""Per-episode timers found by id, so each costs the same with 10,000 episodes open as with 10.

python-telegram-bot's ``JobQueue.get_jobs_by_name`` wraps and scans every scheduled job (and
compiles a pattern for each): with thousands of episodes in their relief steps, every stretch
paid for all the others' timers. Here a job's APScheduler id is its name, and APScheduler's
memory job store finds an id in a dict.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from telegram.ext import JobQueue
from telegram.ext._utils.types import JobCallback


def run_once(
    job_queue: JobQueue[Any],
    callback: JobCallback[Any],
    when: timedelta,
    *,
    job_id: str,
    data: object,
    chat_id: int,
) -> None:
    """Schedule ``callback`` once, named and identified by ``job_id`` (replacing a namesake)."""
    job_queue.run_once(
        callback,
        when,
        data=data,
        chat_id=chat_id,
        name=job_id,
        job_kwargs={"id": job_id, "replace_existing": True},
    )


def is_scheduled(job_queue: JobQueue[Any], job_id: str) -> bool:
    return job_queue.scheduler.get_job(job_id) is not None


def cancel(job_queue: JobQueue[Any], job_id: str) -> None:
    """Remove the job if it is still scheduled (it may have run already)."""
    job = job_queue.scheduler.get_job(job_id)
    if job is not None:
        job.remove()
