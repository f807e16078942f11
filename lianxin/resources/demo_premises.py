"""The resources demo: Hedong's premises ledgers and matching (河东 三本账).

河东区 keeps two ledgers beside its centers' ledger: the housing stock (库存房源: idle state-owned
shop fronts, former offices, property-management rooms) and the supporting premises developers
hand over (配套用房). The demo lays out about a hundred of them around Hedong's demo centers
(invented, marked demo): most free, some assigned back in 2019–2020 to centers that are
compliant now, and a few close to every center still short of area. Then the district's
administrator (`hedong`, 河东区委组织部) runs matching, accepts some proposals (the premises is
reserved, the plan says which) and rejects one with a reason. The same seed gives the same rows.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction

from lianxin.core import audit, geo

HEDONG = "120102000000"
USERNAME = "hedong"
DISPLAY_NAME = "河东区委组织部"
MAX_DISTANCE_M = 1500
BACKGROUND = 84  # premises scattered around the district's centers
NEAR_EACH_SHORT = 3  # and so many close to each center short of area
REJECT_REASON = "产权单位（区国资委）已另行安排该房产用于社区养老服务，不再调剂。"

ROADS = [
    "十一经路",
    "十三经路",
    "大直沽中路",
    "津塘路",
    "卫国道",
    "成林道",
    "程林庄路",
    "万东路",
    "新开路",
    "六纬路",
    "八纬路",
    "红星路",
    "东兴路",
    "富民路",
    "昆俞路",
    "詹滨西路",
    "中山门一号路",
    "张贵庄路",
    "天山路",
    "华昌大街",
]
STOCK_NAMES = [
    "闲置门脸房",
    "原街道办事处旧址",
    "国有闲置房产",
    "原粮店用房",
    "原居委会旧址",
    "腾退办公用房",
    "原邮政所用房",
]
SUPPORT_NAMES = ["小区配套用房", "公建配套用房", "物业管理用房", "社区服务配套用房"]
ESTATES = [
    "万新家园",
    "富民花园",
    "东润园",
    "顺通家园",
    "嘉华里",
    "福东里",
    "天鹅湖花园",
    "美震里",
    "春华里",
    "恒大绿洲",
]
STOCK_OWNERS = ["河东区国资委", "河东区房管局", "河东区机关事务管理局", "区住房投资公司"]
SUPPORT_OWNERS = ["天津城投置地", "河东区房地产开发公司", "万科物业（河东）", "津房置业"]


def accounts(password: str) -> list[str]:
    """`hedong`: district administrator of 河东区 (made once)."""
    from lianxin.accounts import services as accounts_services
    from lianxin.accounts.models import User
    from lianxin.regions.models import Region

    if User.objects.filter(username=USERNAME).exists():
        return []
    hedong = Region.objects.filter(code=HEDONG).first()
    if hedong is None:
        return []
    user = accounts_services.create_staff(
        None, username=USERNAME, password=password, display_name=DISPLAY_NAME, org_unit=hedong
    )
    accounts_services.assign_role(None, user, "district_admin", hedong)
    return [USERNAME]


def clear() -> None:
    from .models import MatchRun, Premises, Proposal

    Proposal.objects.filter(run__is_demo=True).delete()
    MatchRun.objects.filter(is_demo=True).delete()
    Proposal.objects.filter(premises__is_demo=True).delete()
    Premises.objects.filter(is_demo=True).delete()


def _actor():
    from lianxin.accounts.models import User

    user = User.objects.filter(username=USERNAME).first()
    if user is None:
        accounts(f"unused-{random.Random().random()}")  # noqa: S311 — a throwaway password
        user = User.objects.filter(username=USERNAME).first()
    return user


class PremisesDemo:
    def __init__(self, seed: int, today: date):
        self.rng = random.Random(seed)
        self.today = today
        self.codes = {"housing_stock": 0, "supporting": 0}
        self.rows = []

    def _row(self, center, near, spread: float, *, free: bool = True, big: bool = False):
        from .models import Availability, Condition, Premises, PremisesKind

        rng = self.rng
        kind = PremisesKind.HOUSING_STOCK if rng.random() < 0.55 else PremisesKind.SUPPORTING
        self.codes[kind] += 1
        prefix = "HD-KC" if kind == PremisesKind.HOUSING_STOCK else "HD-PT"
        code = f"{prefix}-{self.codes[kind]:03d}"
        lon, lat = geo.random_point(HEDONG, rng, near=near, spread=spread)
        road = rng.choice(ROADS)
        number = rng.randint(1, 180)
        if kind == PremisesKind.HOUSING_STOCK:
            name = f"{road}{number}号{rng.choice(STOCK_NAMES)}"
            owner = rng.choice(STOCK_OWNERS)
        else:
            name = f"{rng.choice(ESTATES)}{rng.choice(SUPPORT_NAMES)}"
            owner = rng.choice(SUPPORT_OWNERS)
        area = rng.randint(160, 520) if big else rng.randint(60, 600)
        divisible = area >= 300 and rng.random() < 0.3
        condition = rng.choices(
            [Condition.GOOD, Condition.FAIR, Condition.POOR], weights=[5, 3, 2]
        )[0]
        row = Premises(
            kind=kind,
            code=code,
            name=name,
            address=f"天津市河东区{road}{number}号",
            region_id=center.region.parent_id if center.street_code else center.region_id,
            latitude=Decimal(str(lat)),
            longitude=Decimal(str(lon)),
            floor_area=Decimal(area),
            owner=owner,
            condition=condition,
            divisible=divisible,
            availability=Availability.FREE,
            available_from=self.today - timedelta(days=rng.randint(30, 900)),
            note="演示数据",
            is_demo=True,
        )
        if not free:
            reserved = date(2019, 3, 1) + timedelta(days=rng.randint(0, 420))
            row.availability = Availability.ASSIGNED
            row.reserved_on = reserved
            row.assigned_on = reserved + timedelta(days=rng.randint(20, 90))
            row.available_from = reserved - timedelta(days=rng.randint(30, 200))
        self.rows.append(row)
        return row

    def build(self) -> dict:
        from lianxin.campaign.models import Plan
        from lianxin.centers.models import Center
        from lianxin.regions.models import Region

        from .models import Premises, ProposalStatus
        from .services import premises as services

        user = _actor()
        hedong = Region.objects.get(code=HEDONG)
        centers = list(
            Center.objects.filter(district_code=HEDONG, is_demo=True, latitude__isnull=False)
            .select_related("region")
            .order_by("region__code")
        )
        if not centers or user is None:
            return {"premises": 0}
        short, _needs, _rule = services.short_centers(user, hedong, self.today)
        short_ids = {c.pk for c in short}
        for _ in range(BACKGROUND):
            c = self.rng.choice(centers)
            self._row(
                c, (float(c.longitude), float(c.latitude)), 0.01, free=self.rng.random() < 0.8
            )
        for c in short:
            anchor = (float(c.longitude), float(c.latitude)) if c.latitude is not None else None
            if anchor is None:
                continue
            for _ in range(NEAR_EACH_SHORT):
                self._row(c, anchor, 0.006, big=True)
        regions = {r.pk: r for r in Region.objects.filter(pk__in={r.region_id for r in self.rows})}
        for row in self.rows:
            region = regions[row.region_id]
            row.region_path = region.path
            row.district_code, row.street_code = services.region_codes(region)
        # The assigned ones went to centers compliant now: their signed-off plans.
        signed = list(
            Plan.objects.filter(district_code=HEDONG, signed_off_on__isnull=False)
            .exclude(center_id__in=short_ids)
            .order_by("center__region__code")
        )
        for row in self.rows:
            if row.assigned_on and signed:
                row.plan = signed.pop(self.rng.randrange(len(signed)))
        with transaction.atomic():
            Premises.objects.bulk_create(self.rows)
            audit.record(
                None,
                "seed_demo",
                None,
                target_type="resources.premises",
                target_repr="河东区房源台账演示数据",
                changes={"premises": [None, len(self.rows)]},
            )
            run, _result = services.run_matching(
                user, hedong, max_distance_m=MAX_DISTANCE_M, on=self.today, is_demo=True
            )
            proposals = list(run.proposals.order_by("center__region__code"))
            with_plan = [p for p in proposals if p.plan_id]
            without = [p for p in proposals if not p.plan_id]
            accepted = with_plan[: max(1, len(with_plan) // 2)]
            if len(without) >= 2:
                accepted.append(without[0])
                without = without[1:]
            for p in accepted:
                services.accept_proposal(user, p, on=self.today)
            rest = without or [p for p in with_plan if p not in accepted]
            rejected = 0
            if rest:
                services.reject_proposal(user, rest[-1], REJECT_REASON)
                rejected = 1
        n = len(self.rows)
        return {
            "premises": n,
            "premises_free": Premises.objects.filter(is_demo=True, availability="free").count(),
            "match_runs": 1,
            "proposals": len(proposals),
            "proposals_accepted": run.proposals.filter(status=ProposalStatus.ACCEPTED).count(),
            "proposals_rejected": rejected,
        }


def build(seed: int, today: date) -> dict:
    return PremisesDemo(seed, today).build()
