"""Joint review's morning run, for cron: opinions overdue and 3× overdue are raised to their
departments' members and the district's administrators, once per level.

manage.py approvals_daily                 # now, in this process
manage.py approvals_daily --date 2025-10-20
manage.py approvals_daily --enqueue       # hand it to the task workers (db_worker)
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from lianxin.resources.tasks_approvals import approvals_daily


class Command(BaseCommand):
    help = "Raise overdue and 3× overdue joint-review opinions (run each morning)."

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
            result = approvals_daily.enqueue(day)
            self.stdout.write(f"Enqueued approvals check {result.id}")
            return
        counts = approvals_daily.call(day)
        self.stdout.write(
            f"Overdue opinions raised: {counts['overdue']} overdue, "
            f"{counts['overdue_3x']} 3× overdue"
        )
