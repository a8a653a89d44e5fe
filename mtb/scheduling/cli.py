"""`flask --app mtb scheduler` runs the jobs in this one process (never in web workers);
`flask --app mtb run-job NAME` runs one job once."""

from __future__ import annotations

import logging
from datetime import datetime, timezone

import click
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler

from mtb.scheduling.services import jobs, run_job

log = logging.getLogger(__name__)


def register(app) -> None:
    @app.cli.command("scheduler")
    def scheduler_command():
        """Run the scheduled jobs (meetings, reminders, outbox, carry-over) until stopped."""
        def runner(name: str):
            def run():
                with app.app_context():
                    run_job(name)
            return run

        # One job at a time: on SQLite two jobs writing at once (the outbox sending while
        # the reminders queue e-mails) made one fail with "database is locked", and the
        # jobs are short enough that running them in turn delays nothing that matters.
        scheduler = BlockingScheduler(timezone=timezone.utc, executors={"default": ThreadPoolExecutor(1)})
        with app.app_context():
            registry = jobs()
        for name, job in registry.items():
            scheduler.add_job(
                runner(name), "interval", seconds=int(job.every.total_seconds()), id=name, name=job.description,
                next_run_time=datetime.now(timezone.utc), max_instances=1, coalesce=True, misfire_grace_time=60,
            )
        click.echo("MTB scheduler running: " + ", ".join(registry) + " (Ctrl-C stops it)")
        try:
            scheduler.start()
        except (KeyboardInterrupt, SystemExit):
            click.echo("MTB scheduler stopped.")

    @app.cli.command("run-job")
    @click.argument("name")
    def run_job_command(name):
        """Run one scheduled job now (generate_meetings, reminders, outbox, carry_over, follow_ups, statistics)."""
        if name not in jobs():
            raise click.ClickException(f"Unknown job {name}. Known: {', '.join(jobs())}")
        ran = run_job(name)
        click.echo(f"{name}: {'done' if ran else 'skipped (another scheduler has this slot)'}")
