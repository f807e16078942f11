"""The services' morning run, for cron: escalate overdue applications.

manage.py services_daily                  # now, in this process
manage.py services_daily --date 2026-10-12
manage.py services_daily --enqueue        # hand it to the task workers (db_worker)
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from lianxin.services.tasks import daily_escalation


class Command(BaseCommand):
    help = (
        "Mark applications past their deadline (1×) or 3× over it, and notify (run each morning)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", dest="day", help="as of this day (YYYY-MM-DD; default today)")
        parser.add_argument(
            "--enqueue", action="store_true", help="enqueue for the task workers instead"
        )

    def handle(self, *args, day=None, enqueue=False, **opts):
        if day:
            try:
                day = date.fromisoformat(day).isoformat()
            except ValueError:
                raise CommandError(f"--date: not a date (YYYY-MM-DD): {day}") from None
        if enqueue:
            result = daily_escalation.enqueue(day)
            self.stdout.write(f"Enqueued services escalation {result.id}")
            return
        counts = daily_escalation.call(day)
        self.stdout.write(
            f"Applications escalated: {counts['overdue']} overdue, {counts['overdue_3x']} 3× overdue"
        )
