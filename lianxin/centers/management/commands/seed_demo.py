import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from lianxin.accounts import services as accounts
from lianxin.accounts.models import User
from lianxin.campaign import demo as campaign_demo
from lianxin.centers.demo import ARTICLE_DAY, DemoBuilder, article_figures
from lianxin.centers.models import Center
from lianxin.regions.models import Level, Region
from lianxin.resources import demo as resources_demo
from lianxin.services import demo as services_demo

PASSWORD = "demo12345"
RESIDENT_PHONE = "13800138000"


class Command(BaseCommand):
    help = "Generate the reproducible Tianjin demo layer and the demo accounts."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=20200423)
        parser.add_argument("--force", action="store_true", help="rebuild even if already seeded")

    def handle(self, *args, seed, force, **opts):
        if not Region.objects.filter(code="120000000000").exists():
            raise CommandError("Import Tianjin first: manage.py import_regions --province 12")
        if Center.objects.filter(is_demo=True).exists() and not force:
            self.stdout.write("Demo data already present (use --force to rebuild).")
        else:
            with transaction.atomic():
                # The campaign's and the services' rows stand on the demo centers.
                resources_demo.clear()
                services_demo.clear()
                campaign_demo.clear()
            counts = DemoBuilder(seed).run()
            self.stdout.write(
                f"Demo layer: {counts['centers']:,} centers, {counts['rooms']:,} rooms"
            )
        self.accounts()
        if campaign_demo.present() and not force:
            self.stdout.write("Campaign demo already present (use --force to rebuild).")
        else:
            started = time.perf_counter()
            resources_demo.clear()  # its rows stand on the campaign's plans
            c = campaign_demo.CampaignDemo(seed).run()
            self.stdout.write(
                f"Campaign demo: {c['plans']:,} plans ({c['signed_off']:,} signed off, "
                f"{c['open']} under way), {c['leaders']} leaders, {c['visits']:,} visits, "
                f"{c['rectifications']:,} rectifications, {c['meetings']} meetings, "
                f"bulletins: {c['bulletins']} ({time.perf_counter() - started:.1f}s)"
            )
        services_demo.accounts(PASSWORD)
        if services_demo.present() and not force:
            self.stdout.write("Services demo already present (use --force to rebuild).")
        else:
            started = time.perf_counter()
            s = services_demo.ServicesDemo(seed).run()
            self.stdout.write(
                f"Services demo: {s['items']} items ({s['devolutions']} devolutions), "
                f"{s['applications']:,} applications ({s['open']:,} open, {s['overdue']} overdue, "
                f"{s['overdue_3x']} 3× overdue), {s['ratings']:,} ratings, "
                f"{s.get('activities', 0):,} activities, {s.get('bookings', 0):,} bookings, "
                f"{s.get('notices', 0):,} notices ({time.perf_counter() - started:.1f}s)"
            )
        resources_demo.accounts(PASSWORD)
        if resources_demo.present() and not force:
            self.stdout.write("Resources demo already present (use --force to rebuild).")
        else:
            started = time.perf_counter()
            r = resources_demo.build(seed)
            self.stdout.write(
                "Resources demo: "
                + ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in r.items())
                + f" ({time.perf_counter() - started:.1f}s)"
            )
        fig = article_figures(ARTICLE_DAY)
        self.stdout.write(
            f"As of {ARTICLE_DAY}: villages {fig['villages']:,} ({fig['villages_demolished']} "
            f"under demolition, {fig['villages_in_use']:,} to standard and in use); communities "
            f"{fig['communities']:,} ({fig['communities_demolished']} in demolition zones, "
            f"{fig['communities_in_use']:,} renovated and in use)"
        )

    @transaction.atomic
    def accounts(self):
        r = {
            code: Region.objects.get(code=code)
            for code in ("120000000000", "120103000000", "120104000000")
        }
        street = Region.objects.filter(parent=r["120103000000"], level=Level.TOWNSHIP).first()
        community = Region.objects.filter(parent=street, level=Level.VILLAGE).first()
        people = [
            ("city", "市委组织部", r["120000000000"], "city_admin"),
            ("hexi", "河西区委组织部", r["120103000000"], "district_admin"),
            ("nankai", "南开区委组织部", r["120104000000"], "district_admin"),
            ("street", f"{street.name}工作人员", street, "street_staff"),
            ("center", f"{community.short_name}党群服务中心", community, "center_staff"),
            ("head", f"{community.short_name}党群服务中心负责人", community, "center_head"),
            ("leader", "河西区包保领导", r["120103000000"], "inspector"),
        ]
        for username, display, unit, role in people:
            if User.objects.filter(username=username).exists():
                continue  # a demo built before this account was added keeps its others
            user = accounts.create_staff(
                None, username=username, password=PASSWORD, display_name=display, org_unit=unit
            )
            accounts.assign_role(None, user, role, unit)
        if User.objects.filter(username="admin").exists():
            return
        accounts.create_staff(
            None, username="admin", password=PASSWORD, display_name="系统管理员", superuser=True
        )
        accounts.create_resident(
            None, phone=RESIDENT_PHONE, password=PASSWORD, display_name="演示居民"
        )
