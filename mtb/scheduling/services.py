"""Scheduled jobs: meeting generation, reminders, the outbox sender, carry-over of
meetings never started, follow-ups due, the query planner's statistics. Each run claims its time slot in the database (JobRun, unique
per job and slot), so a second scheduler started by mistake does nothing twice.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from mtb.db import utcnow
from mtb.extensions import db
from mtb.meetings import cadence, lifecycle, reminders
from mtb.notifications import services as notifications
from mtb.outcomes import notifications as outcomes_notifications
from mtb.scheduling.models import JobRun

log = logging.getLogger(__name__)

#: Job runs older than this are deleted by the meeting-generation job.
KEEP_RUNS = timedelta(days=14)


@dataclass(frozen=True)
class Job:
    name: str
    func: Callable[[datetime], object]
    #: How often the job runs; also the width of its claim slot.
    every: timedelta
    description: str


# The parts' jobs are looked up when they run (module attributes), so tests can replace one.

def _generate(now: datetime):
    created = cadence.generate_all_meetings(now)
    prune_runs()
    return created


def _reminders(now: datetime):
    return reminders.send_reminders(now)


def _outbox(now: datetime):
    return notifications.send_due_messages(now)


def _carry_over(now: datetime):
    return len(lifecycle.close_stale_meetings(now))


def _follow_ups(now: datetime):
    return outcomes_notifications.remind_due(now)


def _statistics(now: datetime):
    """SQLite plans its queries from the statistics ANALYZE gathers; without them it read a
    whole index of 100,000 rows where a date range would have served (benchmarks/README.md).
    PostgreSQL's autovacuum keeps its own statistics."""
    if db.engine.dialect.name != "sqlite":
        return None
    db.session.execute(sa.text("ANALYZE"))
    return "analyzed"


def jobs() -> dict[str, Job]:
    outbox_every = timedelta(seconds=int(current_app.config.get("OUTBOX_INTERVAL_SECONDS", 30)))
    return {job.name: job for job in (
        Job("generate_meetings", _generate, timedelta(hours=1), "keep 8 weeks of meetings from each cadence"),
        Job("reminders", _reminders, timedelta(minutes=10), "cut-off and meeting reminders"),
        Job("outbox", _outbox, outbox_every, "send queued e-mails"),
        Job("carry_over", _carry_over, timedelta(minutes=30), "close meetings never started, carry their cases over"),
        Job("follow_ups", _follow_ups, timedelta(hours=24), "e-mail referring clinicians the follow-ups due"),
        Job("statistics", _statistics, timedelta(hours=24), "refresh the query planner's statistics (SQLite)"),
    )}


def slot_for(job: Job, now: datetime) -> str:
    """The time slot ``now`` falls in: the job's interval grid counted from the epoch."""
    seconds = int(job.every.total_seconds())
    epoch = datetime(1970, 1, 1)
    start = epoch + timedelta(seconds=(int((now - epoch).total_seconds()) // seconds) * seconds)
    return start.strftime("%Y-%m-%dT%H:%M:%S")


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def claim(job_name: str, slot: str) -> JobRun | None:
    """Insert the run's row and commit; None if another scheduler already has this slot."""
    run = JobRun(job_name=job_name, slot=slot, claimed_by=worker_name(), claimed_at=utcnow())
    db.session.add(run)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    return run


def run_job(name: str, now: datetime | None = None) -> bool:
    """Run one job for the slot ``now`` falls in. Returns False if the slot was taken.

    The job's work commits as one transaction; a failure is rolled back and recorded
    on the run (the next slot tries again).
    """
    registry = jobs()
    if name not in registry:
        raise ValueError(f"unknown job {name!r}; known: {', '.join(registry)}")
    job = registry[name]
    now = now or utcnow()
    run = claim(name, slot_for(job, now))
    if run is None:
        log.info("job %s slot %s already claimed elsewhere; skipped", name, slot_for(job, now))
        return False
    run_id = run.id
    try:
        result = job.func(now)
        db.session.commit()
    except Exception as error:  # a job failure must not stop the scheduler
        db.session.rollback()
        log.exception("job %s failed", name)
        failed = db.session.get(JobRun, run_id)
        failed.error = f"{type(error).__name__}: {error}"[:4000]
        failed.finished_at = utcnow()
        db.session.commit()
        return True
    finished = db.session.get(JobRun, run_id)
    finished.finished_at = utcnow()
    db.session.commit()
    log.debug("job %s done: %s", name, result)
    return True


def prune_runs() -> int:
    """Forget old claims (by the wall clock: a job's ``now`` may be simulated in tests)."""
    result = db.session.execute(sa.delete(JobRun).where(JobRun.claimed_at < utcnow() - KEEP_RUNS))
    return result.rowcount or 0
