"""The Tianjin demo: a reproducible synthetic layer on the real division tree.

Everything here is invented but shaped so that the city's figures as of the article's date
(2020-04-23) are exactly the article's: 3,538 administrative villages, 95 under demolition and
the other 3,443 meeting the area standard; 1,728 urban communities, 26 in demolition zones and
the other 1,702 renovated and in use; 和平区 finished all its communities by 2019-06-30, first of
all districts. Units that only appear in the later code list came later and say so in their
history. Every center is marked as demo data.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction

from lianxin.core import audit, geo
from lianxin.core.db import analyze
from lianxin.regions.models import Kind, Level, Region, RegionStatus, Status

from .models import (
    Center,
    CenterStatus,
    CenterStatusPeriod,
    LevelRecord,
    Room,
    RoomType,
    RuleSet,
)
from .models import (
    Level as Standard,
)
from .models.standards import Source
from .services import search_text

ARTICLE_DAY = date(2020, 4, 23)
HEPING = "120101000000"
HEPING_DONE = date(2019, 6, 30)
CAMPAIGN_START = date(2019, 1, 7)
# The demo's level records start when the current standard took effect.
STANDARD_FROM = date(2019, 1, 1)
TODAY_LIMIT = date(2026, 11, 1)


@dataclass(frozen=True)
class ArticleFigures:
    villages: int = 3538
    villages_demolished: int = 95
    communities: int = 1728
    communities_demolished: int = 26


# Districts where urbanisation put villages and communities into demolition zones and built
# new communities later; the central six only get the odd old-area demolition.
SUBURBS = ["120110", "120111", "120112", "120113", "120116", "120114"]
OLD_AREAS = ["120102", "120104", "120105", "120106"]
CENTRAL = {"120101", "120102", "120103", "120104", "120105", "120106"}


def _day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange((end - start).days + 1))


class DemoBuilder:
    def __init__(self, seed: int = 20200423, figures: ArticleFigures = ArticleFigures()):
        self.rng = random.Random(seed)
        self.fig = figures
        self.room_types = {t.code: t for t in RoomType.objects.all()}

    # -- the plan: which unit had which life ------------------------------------------------
    def plan(self, units: list[Region]) -> dict[str, dict]:
        rng = self.rng
        villages = [u for u in units if u.kind == Kind.VILLAGE]
        communities = [u for u in units if u.kind == Kind.COMMUNITY]
        suburb = [c for c in communities if c.code[:6] in SUBURBS]
        converted_n = self.fig.villages - len(villages)
        if converted_n < 0:
            raise ValueError("the tree has more villages than the article's figure")
        converted = rng.sample(suburb, converted_n)
        rest = [c for c in communities if c not in set(converted)]
        later_n = len(rest) - self.fig.communities
        # New communities: mostly suburban (new housing), never Heping.
        pool = [c for c in rest if c.code[:6] != HEPING[:6]]
        weights = [6 if c.code[:6] in SUBURBS else 1 for c in pool]
        later = set()
        while len(later) < later_n:
            later.add(rng.choices(pool, weights)[0].code)
        existing_c = [c for c in rest if c.code not in later]
        demo_v = rng.sample(
            [v for v in villages if v.code[:6] in SUBURBS + ["120117"]],
            self.fig.villages_demolished,
        )
        demo_c = rng.sample(
            [c for c in existing_c if c.code[:6] in OLD_AREAS + SUBURBS],
            self.fig.communities_demolished,
        )
        plan: dict[str, dict] = {}
        for v in villages:
            plan[v.code] = {"life": "village"}
        for c in converted:
            plan[c.code] = {
                "life": "converted",
                "converted_on": _day(rng, date(2020, 9, 1), date(2023, 6, 30)),
            }
        for c in existing_c:
            plan[c.code] = {"life": "community"}
        for code in sorted(later):
            plan[code] = {
                "life": "later",
                "created_on": _day(rng, date(2020, 6, 1), date(2023, 6, 30)),
            }
        for u in demo_v + demo_c:
            plan[u.code]["demolition_on"] = _day(rng, date(2018, 3, 1), date(2020, 3, 31))
        return plan

    # -- building rows ----------------------------------------------------------------------
    def run(self) -> dict:
        units = list(
            Region.objects.filter(code__startswith="12", level=Level.VILLAGE).order_by("code")
        )
        townships = list(
            Region.objects.filter(code__startswith="12", level=Level.TOWNSHIP).order_by("code")
        )
        names = dict(
            Region.objects.filter(code__startswith="12", level__lte=Level.TOWNSHIP).values_list(
                "code", "name"
            )
        )
        plan = self.plan(units)
        anchors: dict[str, tuple[float, float]] = {}
        centers, periods, region_periods, touched = [], [], [], []
        done_by_district: dict[str, list[date]] = {}

        for t in townships:
            anchors[t.code] = geo.random_point(t.code, self.rng)
            street_center = self._center(t, names, anchors[t.code], CenterStatus.IN_USE)
            # A street/town center serves the whole street: larger than a community's.
            street_center.floor_area = Decimal(self.rng.randint(600, 2500))
            centers.append(street_center)
            periods.append(
                [(CenterStatus.IN_USE, _day(self.rng, date(2016, 1, 1), date(2018, 12, 31)))]
            )

        for u in units:
            life = plan[u.code]
            street = u.code[:9] + "000"
            near = geo.random_point(
                street,
                self.rng,
                near=anchors[street],
                spread=0.012 if u.code[:6] in CENTRAL else 0.05,
            )
            history, status = self._history(u, life, done_by_district)
            c = self._center(u, names, near, status)
            self._size(c, u, life)
            centers.append(c)
            periods.append(history)
            region_periods.extend(self._region_periods(u, life))
            touched.append(u.id)

        # Heping is first: every other district finished its last community after 2019-06-30.
        for district, days in done_by_district.items():
            assert district == HEPING[:6] or max(days) > HEPING_DONE, district

        with transaction.atomic():
            Center.objects.filter(is_demo=True).delete()
            Center.objects.bulk_create(centers, batch_size=1000)
            saved = {c.region_id: c for c in Center.objects.filter(is_demo=True)}
            rows, rooms, levels = [], [], []
            rule = RuleSet.objects.in_force(STANDARD_FROM)
            for c, history in zip(centers, periods, strict=True):
                center = saved[c.region_id]
                for i, (status, start) in enumerate(history):
                    end = history[i + 1][1] if i + 1 < len(history) else None
                    rows.append(
                        CenterStatusPeriod(
                            center=center,
                            status=status,
                            valid_from=start,
                            valid_to=end,
                            note="演示数据",
                        )
                    )
                if center.status in (CenterStatus.IN_USE, CenterStatus.RENOVATING):
                    rooms.extend(self._rooms(center))
                if center.kind in (Kind.VILLAGE, Kind.COMMUNITY):
                    levels.extend(self._levels(center, history, rule))
            CenterStatusPeriod.objects.bulk_create(rows, batch_size=2000)
            LevelRecord.objects.bulk_create(levels, batch_size=2000)
            Room.objects.bulk_create(rooms, batch_size=2000)
            RegionStatus.objects.filter(region_id__in=touched).delete()
            RegionStatus.objects.bulk_create(region_periods, batch_size=2000)
            for status in Status.values:
                ids = [
                    p.region_id for p in region_periods if p.valid_to is None and p.status == status
                ]
                Region.objects.filter(id__in=ids).update(status=status)
            audit.record(
                None,
                "seed_demo",
                None,
                target_type="centers.center",
                target_repr="天津演示数据",
                changes={"centers": [None, len(centers)], "rooms": [None, len(rooms)]},
            )
        analyze(Center, CenterStatusPeriod, LevelRecord, Room, RegionStatus, Region)
        return {"centers": len(centers), "rooms": len(rooms)}

    def _center(self, region: Region, names, point, status) -> Center:
        district, street = region.code[:6] + "000000", region.code[:9] + "000"
        chain = (
            [names.get(district, ""), names.get(street, "")]
            if region.level == Level.VILLAGE
            else [names.get(district, "")]
        )
        name = f"{region.short_name}党群服务中心"
        lon, lat = point
        return Center(
            region=region,
            region_path=region.path,
            name=name,
            address="天津市" + "".join(chain) + region.short_name + f"{self.rng.randint(1, 300)}号",
            longitude=Decimal(str(lon)),
            latitude=Decimal(str(lat)),
            opening_hours="周一至周五 8:30–17:30；周六 9:00–12:00",
            phone=f"022-{self.rng.randint(2000, 8999)}{self.rng.randint(1000, 9999)}",
            status=status,
            district_code=district,
            street_code=street if region.level == Level.VILLAGE else region.code,
            kind=region.kind,
            search_text=search_text(name, [region.name, *chain[::-1]]),
            is_demo=True,
        )

    def _size(self, c: Center, u: Region, life: dict) -> None:
        rng = self.rng
        if u.kind == Kind.VILLAGE or life["life"] == "converted":
            c.households = rng.randint(120, 1200)
            compliant = "demolition_on" not in life
            c.floor_area = Decimal(rng.randint(300, 900) if compliant else rng.randint(80, 290))
        else:
            c.households = rng.randint(600, 4500)
            need = c.households * 30 / 100  # ≥ 30 m² per 100 households
            ok = c.status == CenterStatus.IN_USE
            c.floor_area = Decimal(
                int(need * rng.uniform(1.0, 1.8)) + 1 if ok else int(need * rng.uniform(0.4, 0.95))
            )

    def _history(self, u: Region, life: dict, done_by_district) -> tuple[list, str]:
        """The center's status periods and its status now."""
        rng = self.rng
        if "demolition_on" in life:
            since = _day(rng, date(2012, 1, 1), date(2016, 12, 31))
            return [
                (CenterStatus.IN_USE, since),
                (CenterStatus.CLOSED_DEMOLITION, life["demolition_on"]),
            ], CenterStatus.CLOSED_DEMOLITION
        if life["life"] == "later":
            created = life["created_on"]
            start = created + timedelta(days=rng.randint(20, 120))
            if start > date(2026, 6, 30) or rng.random() < 0.25:
                return [
                    (CenterStatus.PLANNED, created),
                    (CenterStatus.RENOVATING, start),
                ], CenterStatus.RENOVATING
            done = start + timedelta(days=rng.randint(60, 240))
            return [
                (CenterStatus.PLANNED, created),
                (CenterStatus.RENOVATING, start),
                (CenterStatus.IN_USE, done),
            ], CenterStatus.IN_USE
        # Existing on the article's day and finished by it (villages, communities, converted).
        district = u.code[:6]
        if u.kind == Kind.VILLAGE or life["life"] == "converted":
            if rng.random() < 0.4:  # already to standard before the campaign
                return [
                    (CenterStatus.IN_USE, _day(rng, date(2012, 1, 1), date(2018, 12, 31)))
                ], CenterStatus.IN_USE
            end = date(2020, 4, 20)
        else:
            end = HEPING_DONE if district == HEPING[:6] else date(2020, 4, 20)
        start = _day(rng, CAMPAIGN_START, min(end, date(2019, 10, 31)) - timedelta(days=30))
        done = _day(rng, start + timedelta(days=25), end)
        if u.kind == Kind.COMMUNITY and life["life"] == "community":
            done_by_district.setdefault(district, []).append(done)
        before = _day(rng, date(2008, 1, 1), date(2018, 6, 30))
        return [
            (CenterStatus.IN_USE, before),
            (CenterStatus.RENOVATING, start),
            (CenterStatus.IN_USE, done),
        ], CenterStatus.IN_USE

    def _region_periods(self, u: Region, life: dict) -> list[RegionStatus]:
        note = "演示数据"
        if life["life"] == "later":
            return [
                RegionStatus(
                    region=u,
                    status=Status.ACTIVE,
                    kind=u.kind,
                    valid_from=life["created_on"],
                    note=note + "：新设社区",
                )
            ]
        if life["life"] == "converted":
            on = life["converted_on"]
            return [
                RegionStatus(
                    region=u, status=Status.ACTIVE, kind=Kind.VILLAGE, valid_to=on, note=note
                ),
                RegionStatus(
                    region=u,
                    status=Status.CONVERTED,
                    kind=Kind.COMMUNITY,
                    valid_from=on,
                    note=note + "：村改居",
                ),
            ]
        if "demolition_on" in life:
            on = life["demolition_on"]
            return [
                RegionStatus(region=u, status=Status.ACTIVE, kind=u.kind, valid_to=on, note=note),
                RegionStatus(
                    region=u,
                    status=Status.DEMOLISHING,
                    kind=u.kind,
                    valid_from=on,
                    note=note + "：拆迁",
                ),
            ]
        return [RegionStatus(region=u, status=Status.ACTIVE, kind=u.kind, note=note)]

    def _levels(self, center: Center, history, rule) -> list[LevelRecord]:
        """The three levels' records, consistent with the status history: a center renovated
        (or built) to standard becomes area- and renovation-compliant the day it opens; 规范使用
        follows an inspection some weeks later (most pass)."""
        rng = self.rng
        required = rule.required_area(center.kind, center.households) if rule else None

        def record(level, ok, on, **extra):
            return LevelRecord(
                center=center,
                region_path=center.region_path,
                level=level,
                compliant=ok,
                effective_on=on,
                source=Source.DEMO,
                note="演示数据",
                **extra,
            )

        def area(ok, on):
            floor = (
                center.floor_area
                if ok
                else (
                    (required or Decimal(300)) * Decimal(str(round(rng.uniform(0.4, 0.9), 2)))
                ).quantize(Decimal("0.01"))
            )
            return record(
                Standard.AREA,
                ok,
                on,
                rule_set=rule,
                floor_area=floor,
                households=center.households,
                required_area=required,
            )

        start = max(history[0][1], STANDARD_FROM)
        if center.status == CenterStatus.CLOSED_DEMOLITION:
            return [area(False, start), record(Standard.RENOVATION, False, start)]
        opened = [day for status, day in history if status == CenterStatus.IN_USE]
        out = []
        if len(history) == 1:  # to standard before the campaign
            done = STANDARD_FROM
        else:
            out += [area(False, start), record(Standard.RENOVATION, False, start)]
            done = opened[-1] if history[-1][0] == CenterStatus.IN_USE else None
        if done is None:
            return out
        out += [area(True, done), record(Standard.RENOVATION, True, done)]
        checked = done + timedelta(days=rng.randint(15, 120))
        if checked <= TODAY_LIMIT:
            score = (
                Decimal(rng.randint(82, 100))
                if rng.random() < 0.85
                else Decimal(rng.randint(55, 79))
            )
            out.append(record(Standard.USE, score >= 80, checked, score=score))
        # The periods, as LevelRecord.objects.reperiod would work them out (saves its updates).
        for level in Standard.values:
            mine = [r for r in out if r.level == level]
            for i, rec in enumerate(mine):
                rec.valid_to = mine[i + 1].effective_on if i + 1 < len(mine) else None
                same = i and mine[i - 1].compliant == rec.compliant
                rec.since = mine[i - 1].since if same else rec.effective_on
        return out

    def _rooms(self, center: Center) -> list[Room]:
        rng, t = self.rng, self.room_types
        codes = ["service_hall", "party_room", "veterans", "culture_sports"]
        hongqiao = center.district_code.startswith("120106")
        if hongqiao or rng.random() < 0.55:
            codes.append("elderly_daycare")
        if hongqiao or rng.random() < 0.5:
            codes.append("children_home")
        if rng.random() < 0.6:
            codes.append("meeting_room")
        total = float(center.floor_area or 300)
        shares = [rng.uniform(0.8, 1.6) for _ in codes]
        scale = total * 0.7 / sum(shares)  # ≥ 60% of the floor area serves residents
        return [
            Room(
                center=center,
                region_path=center.region_path,
                room_type=t[code],
                name=t[code].name,
                area=Decimal(f"{share * scale:.2f}"),
                capacity=max(6, int(share * scale / 2.5)),
                bookable=code in {"culture_sports", "meeting_room", "party_room", "children_home"},
            )
            for code, share in zip(codes, shares, strict=True)
            if code in t
        ]


def article_figures(day: date = ARTICLE_DAY) -> dict:
    """The article's figures computed from the rows (not from the builder's counters)."""
    units = Region.objects.filter(code__startswith="12", level=Level.VILLAGE).as_of(day)
    villages = units.filter(kind_then=Kind.VILLAGE)
    communities = units.filter(kind_then=Kind.COMMUNITY)
    in_use = CenterStatusPeriod.objects.filter(
        CenterStatusPeriod.on(day), status=CenterStatus.IN_USE
    ).values("center__region_id")
    return {
        "villages": villages.count(),
        "villages_demolished": villages.filter(status_then=Status.DEMOLISHING).count(),
        "villages_in_use": villages.filter(id__in=in_use)
        .exclude(status_then=Status.DEMOLISHING)
        .count(),
        "communities": communities.count(),
        "communities_demolished": communities.filter(status_then=Status.DEMOLISHING).count(),
        "communities_in_use": communities.filter(id__in=in_use)
        .exclude(status_then=Status.DEMOLISHING)
        .count(),
    }
