"""The campaign's morning run, for cron: recolour every plan and escalate overdue milestones.

manage.py campaign_daily                 # now, in this process
manage.py campaign_daily --date 2020-03-02
manage.py campaign_daily --enqueue       # hand it to the task workers (db_worker)
manage.py campaign_daily --recompute     # also lay every schedule again first
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from lianxin.campaign.tasks import daily_check, recompute_schedules_task


class Command(BaseCommand):
    help = "Recolour every plan and send the overdue and 3× overdue notices (run each morning)."

    def add_arguments(self, parser):
        parser.add_argument("--date", dest="day", help="as of this day (YYYY-MM-DD; default today)")
        parser.add_argument(
            "--enqueue", action="store_true", help="enqueue for the task workers instead"
        )
        parser.add_argument(
            "--recompute",
            action="store_true",
            help="first recompute every schedule over the working-day calendar",
        )

    def handle(self, *args, day=None, enqueue=False, recompute=False, **opts):
        day = self._day(day)
        if enqueue:
            if recompute:
                recompute_schedules_task.enqueue()
            result = daily_check.enqueue(day)
            self.stdout.write(f"Enqueued daily check {result.id}")
            return
        if recompute:
            done = recompute_schedules_task.call()
            self.stdout.write(
                f"Schedules: {done['moved']} milestones moved, {done['recoloured']} plans "
                "recoloured"
            )
        counts = daily_check.call(day)
        self.stdout.write(
            f"Overdue notices: {counts['overdue']} overdue, {counts['overdue_3x']} 3× overdue, "
            f"{counts.get('rectifications', 0)} rectifications past their deadline"
        )

    @staticmethod
    def _day(value):
        if not value:
            return None
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            raise CommandError(f"--date: not a date (YYYY-MM-DD): {value}") from None
