"""The campaign demo: 2019—2020年村和社区党群服务中心改造提升, told from the foundation's history.

Built on top of `lianxin.centers.demo` and consistent with it, row by row:

- one plan (一村一策) for every village and community center that was not renovation-compliant
  when the campaign started (its LevelRecords say so), except the sites closed for demolition;
  and one for each community set up later (a new build), whether finished since or not;
- the works type from the area history: a later community builds new; a site whose floor area
  was far below the standard builds new premises, one moderately short expands, one slightly
  short is renovated and re-partitioned (和平区's sites, all finished by 2019-06-30, expand or
  renovate: a new build's schedule does not fit before its deadline);
- deadlines in batches (分批倒排): each plan is due at the end of a quarter, no later than its
  district's commitment (2020-06-30; 和平区 2019-06-30), never before the schedule could fit after
  the plan was made; most sites finish within their batch, about one in eight late;
- milestones scheduled backward over China's working days from the deadline; their actual
  completion dates run from the plan's making through the renovation's start (the center's status
  history) to the day the center became renovation-compliant, which is the last milestone's
  completion and the sign-off's date: submitted by the street, verified by the district (two
  people), the checklist stored as it stood, three evidence photos;
- the communities set up after the campaign (2020–2023) build new centers in a standing follow-on
  campaign (新设社区党群服务中心建设), so that the 2019—2020 campaign's plans are exactly the sites
  its districts committed to; the follow-on's sites still under way have open plans due in the
  coming months, most on track, some behind (amber), some overdue (red), health as of today;
- commitments for the 16 districts; leaders for every district (北辰区 17) assigned to its streets
  and the city department's leaders to districts; 滨海新区's 10 survey teams visiting every unit;
  leaders' supervision visits (北辰区 100+); the city department's 70 unannounced visits; their
  findings as rectifications (history closed, current ones partly open or overdue); monthly
  leading-group meetings of every district with decisions and action items, late ones carried
  into the next agenda; monthly city bulletins if the bulletin service is there.

Deterministic for a seed and a day (open plans are laid out relative to today). Every row that
has `is_demo` is marked; the accounts that made the history (one per street, one per district,
unusable passwords, inactive) are named `demo-…` and say 演示 in their names.
"""

from __future__ import annotations

import io
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from lianxin.accounts.models import AccountKind, User
from lianxin.centers.demo import CAMPAIGN_START, HEPING, HEPING_DONE
from lianxin.centers.models import (
    Center,
    CenterStatus,
    CenterStatusPeriod,
    LevelRecord,
    Room,
    RuleSet,
)
from lianxin.centers.models import Level as Standard
from lianxin.core import audit
from lianxin.core.db import analyze
from lianxin.core.workdays import WorkingCalendar, calendar
from lianxin.regions.models import Kind, Level, Region

from .criteria import LABELS, MIN_EVIDENCE_PHOTOS
from .health import overdue_level, plan_health
from .models import (
    ActionItem,
    ActionStatus,
    Bulletin,
    Campaign,
    Commitment,
    Health,
    Leader,
    LeaderAssignment,
    Meeting,
    Milestone,
    MilestoneTemplate,
    Plan,
    ProgressReport,
    Rectification,
    RectificationStatus,
    SignOff,
    SignOffPhoto,
    SignOffStatus,
    Visit,
    VisitKind,
    WorksType,
)

CAMPAIGN_CODE = "2019-2020-centers"
CAMPAIGN_NAME = "2019—2020年村和社区党群服务中心改造提升（民心工程）"
TARGET = date(2020, 6, 30)
# The communities set up after the campaign build their centers in a standing follow-on.
FOLLOW_ON_CODE = "new-communities"
FOLLOW_ON_NAME = "新设社区党群服务中心建设（常态化推进）"
FOLLOW_ON_START = date(2020, 6, 1)
FOLLOW_ON_TARGET = date(2027, 6, 30)
CITY = "120000000000"
BINHAI = "120116000000"
BEICHEN = "120113000000"
HEXI = "120103000000"
SURVEY_TEAMS = 10
CITY_UNANNOUNCED = 70
BULLETIN_MONTHS = [(2019, m) for m in range(2, 13)] + [(2020, m) for m in range(1, 5)]
HISTORY_USER_PREFIX = "demo-"
PHOTO_DIR = "campaign/demo"
PHOTO_KINDS = ["signage", "exterior", "hall"]
SHANGHAI = ZoneInfo("Asia/Shanghai")
BATCH = 2000

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾"
    "丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段"
)
GIVEN = "伟芳敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚英华建国志红玉兰春梅海燕晓东立新文斌宏博宇俊峰德林振鹏永福庆祥荣凤岚雪"

DISTRICT_POSITIONS = [
    "区委书记",
    "区长",
    "区委副书记",
    "区委常委、组织部部长",
    "区委常委、常务副区长",
    "区委常委、宣传部部长",
    "区委常委、政法委书记",
    "区委常委、纪委书记、监委主任",
    "区委常委、统战部部长",
    "区委常委、区委办公室主任",
    "副区长",
    "副区长",
    "副区长",
    "区人大常委会副主任",
    "区人大常委会副主任",
    "区政协副主席",
    "区政协副主席",
    "区委常委、人武部部长",
]
LEADERS_PER_DISTRICT = {BEICHEN: 17, HEPING: 6, BINHAI: 12}
CITY_POSITIONS = [
    "市委常委、组织部部长",
    "市委组织部常务副部长",
    "市委组织部副部长",
    "市委组织部副部长",
    "市委组织部组织二处处长",
]

PREMISES = {
    WorksType.BUILD: [
        "调剂国有闲置房产新建",
        "开发商移交配套用房",
        "新建独立用房",
        "整合驻区单位用房",
    ],
    WorksType.EXPAND: [
        "原址加层扩建",
        "相邻用房置换合并",
        "调剂物业用房扩充",
        "租赁临街用房补足面积",
    ],
    WorksType.RENOVATE: ["原址改造，功能室重新布局", "原址改造提升", "腾退办公用房改作服务用房"],
}
BUDGET = {  # yuan, in thousands
    WorksType.BUILD: (800, 2200),
    WorksType.EXPAND: (300, 900),
    WorksType.RENOVATE: (150, 500),
}
FINDINGS = [
    "统一标识未按规范设置，党组织名称未用红色字体",
    "公开栏信息未及时更新",
    "功能室挂牌与实际用途不符",
    "服务大厅未公示办事指南和办理时限",
    "无障碍设施缺失",
    "施工进度滞后于倒排工期",
    "资金拨付台账不完整",
    "办公用房占用服务面积，活动用房不足六成",
    "消防器材过期未更换",
    "开放时间未上墙公示",
    "党员活动室资料陈旧，制度未上墙",
    "老年日间照料中心未实际运营",
]
FIXES = [
    "已整改到位，附整改照片",
    "已重新制作并安装",
    "已调整用房，腾出服务面积",
    "已补齐台账并报区委组织部备案",
    "已完成更换，建立定期检查制度",
]
DECISIONS = [
    "{street}用房置换方案原则通过，由区规划资源局会同街道两周内完成审批",
    "对进度滞后的点位实行挂牌督办，包保领导每周到现场一次",
    "区财政局按进度拨付第{n}批改造资金",
    "已完工点位由区委组织部牵头，会同民政、住建部门组织联合验收，验收一个销号一个",
    "{street}新建项目实行联合审查审批，部分手续以函代证",
    "各街镇每周五前报送工作台账，区委组织部汇总通报",
]
ACTIONS = [
    "协调{street}用房置换，完成产权移交",
    "督促{street}加快施工进度，按节点完成主体改造",
    "拨付第{n}批改造资金",
    "完善{street}工作台账，每周报送进度",
    "组织对{street}已完工点位进行联合验收",
    "落实{street}统一标识制作安装",
    "研究解决{street}新建项目用地手续",
]


def _day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange(max((end - start).days, 0) + 1))


def _month_end(year: int, month: int) -> date:
    return (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)


def _quarter_ends(first: date, last: date) -> list[date]:
    out, y = [], first.year
    while True:
        for m in (3, 6, 9, 12):
            q = _month_end(y, m)
            if q > last:
                return out
            if q >= first:
                out.append(q)
        y += 1


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


@dataclass
class Site:
    center: Center
    later: bool  # a community set up after the campaign started
    done: date | None  # renovation-compliant since (None: still under way)
    start: date  # renovation (or construction) began
    made: date  # the plan was made
    works: str = WorksType.RENOVATE
    initial_area: Decimal | None = None
    plan: Plan | None = None
    milestones: list[Milestone] = field(default_factory=list)
    scenario: str = ""  # for a site still under way: green, amber or red


class CampaignDemo:
    def __init__(self, seed: int = 20200423, today: date | None = None):
        self.rng = random.Random(seed)
        self.today = today or timezone.localdate()
        self.cal: WorkingCalendar = calendar()
        self.used_names: set[str] = set()

    # -- helpers --------------------------------------------------------------------------------
    def name(self) -> str:
        rng = self.rng
        for _ in range(100):
            given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
            full = rng.choice(SURNAMES) + given
            if full not in self.used_names:
                self.used_names.add(full)
                return full
        return full

    def workday(self, start: date, end: date) -> date:
        """A working day in [start, end], drawn at random (a day of the range if it holds no
        working day; `start` if the range is empty)."""
        day = _day(self.rng, start, end)
        if not self.cal.is_working_day(day):
            after, before = self.cal.add_working_days(day, 1), self.cal.add_working_days(day, -1)
            day = after if after <= end else before if before >= start else day
        return day

    def rule_on(self, day: date) -> RuleSet | None:
        for rule in self.rules:
            if rule.valid_from <= day and (rule.valid_to is None or rule.valid_to > day):
                return rule
        return None

    # -- the run --------------------------------------------------------------------------------
    def run(self, bulletins: bool = True) -> dict:
        with transaction.atomic():
            clear()
            counts = self._build()
        analyze(
            Plan,
            Milestone,
            ProgressReport,
            SignOff,
            SignOffPhoto,
            Leader,
            LeaderAssignment,
            Visit,
            Rectification,
            Meeting,
            ActionItem,
            Commitment,
        )
        if bulletins:
            counts["bulletins"] = self.bulletins()
        return counts

    def _build(self) -> dict:
        self._load()
        self._users()
        self._campaign()
        self._leaders()
        self._plans()
        self._commitments()
        self._visits()
        self._meetings()
        self._save()
        audit.record(
            None,
            "seed_demo",
            self.campaign,
            changes={
                "plans": [None, len(self.sites)],
                "visits": [None, len(self.visits)],
                "meetings": [None, len(self.meetings)],
            },
            note="演示数据：2019—2020 年改造提升攻坚",
        )
        signed = sum(1 for s in self.sites if s.done)
        return {
            "plans": len(self.sites),
            "signed_off": signed,
            "open": len(self.sites) - signed,
            "health": dict(Counter(s.plan.health for s in self.sites)),
            "milestones": sum(len(s.milestones) for s in self.sites),
            "reports": len(self.reports),
            "leaders": len(self.leaders),
            "visits": len(self.visits),
            "rectifications": len(self.rectifications),
            "meetings": len(self.meetings),
            "action_items": len(self.actions),
        }

    # -- what the foundation made ---------------------------------------------------------------
    def _load(self) -> None:
        regions = Region.objects.filter(code__startswith="12", level__lte=Level.TOWNSHIP)
        self.regions = {r.code: r for r in regions}
        self.city = self.regions[CITY]
        self.districts = sorted(
            (r for r in self.regions.values() if r.level == Level.COUNTY), key=lambda r: r.code
        )
        centers = {
            c.pk: c
            for c in Center.objects.filter(
                is_demo=True, kind__in=[Kind.VILLAGE, Kind.COMMUNITY]
            ).order_by("region__code")
        }
        self.centers = list(centers.values())
        self.rule = RuleSet.objects.in_force(CAMPAIGN_START)
        self.rules = list(RuleSet.objects.order_by("-valid_from", "-id"))
        self.rooms = dict(
            Room.objects.filter(center__is_demo=True)
            .values("center_id")
            .annotate(n=Count("id"))
            .values_list("center_id", "n")
        )
        records: dict[int, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        for row in (
            LevelRecord.objects.filter(
                center_id__in=centers, level__in=[Standard.AREA, Standard.RENOVATION]
            )
            .order_by("center_id", "level", "effective_on", "id")
            .values_list(
                "center_id",
                "level",
                "compliant",
                "effective_on",
                "valid_to",
                "since",
                "floor_area",
                "required_area",
            )
        ):
            records[row[0]][row[1]].append(row)
        periods: dict[int, dict[str, date]] = defaultdict(dict)
        for center_id, status, start in CenterStatusPeriod.objects.filter(
            center_id__in=centers
        ).values_list("center_id", "status", "valid_from"):
            # the latest start of each status
            if start > periods[center_id].get(status, date.min):
                periods[center_id][status] = start

        def at_start(rows):
            for r in rows:
                if r[3] <= CAMPAIGN_START and (r[4] is None or r[4] > CAMPAIGN_START):
                    return r
            return None

        self.sites: list[Site] = []
        for center in self.centers:
            if center.status == CenterStatus.CLOSED_DEMOLITION:
                continue
            renovation = records[center.pk][Standard.RENOVATION]
            if not renovation:
                continue
            first = at_start(renovation)
            if first is not None and first[2]:
                continue  # to standard before the campaign: nothing to do
            last = renovation[-1]
            later = first is None
            done = last[5] if last[2] else None
            history = periods[center.pk]
            made = history.get(CenterStatus.PLANNED, CAMPAIGN_START) if later else CAMPAIGN_START
            start = history.get(CenterStatus.RENOVATING, made)
            site = Site(center=center, later=later, done=done, start=start, made=made)
            area = at_start(records[center.pk][Standard.AREA])
            if area is not None and not area[2]:
                site.initial_area = area[6]
            self.sites.append(site)
        self.by_district: dict[str, list[Site]] = defaultdict(list)
        self.by_street: dict[str, list[Site]] = defaultdict(list)
        for s in self.sites:
            self.by_district[s.center.district_code].append(s)
            self.by_street[s.center.street_code].append(s)

    # -- the people who made the history --------------------------------------------------------
    def _users(self) -> None:
        """A submitter per street and a verifier per district: the demo's own accounts where they
        sit there (`street`, `hexi`, `nankai`), otherwise history accounts that cannot log in."""
        own = {}
        for u in User.objects.filter(
            username__in=["street", "hexi", "nankai", "city"], org_unit__isnull=False
        ).select_related("org_unit"):
            own[u.org_unit.code] = u
        self.city_user = own.get(CITY)
        wanted: dict[str, tuple[Region, str]] = {}
        for code in sorted(self.by_street):
            if code not in own:
                street = self.regions[code]
                wanted[f"{HISTORY_USER_PREFIX}s{code[:9]}"] = (street, f"{street.name}工作人员")
        for d in self.districts:
            if d.code not in own:
                wanted[f"{HISTORY_USER_PREFIX}d{d.code[:6]}"] = (d, f"{d.name}委组织部核验员")
        if self.city_user is None:
            wanted[f"{HISTORY_USER_PREFIX}c12"] = (self.city, "市委组织部工作人员")
        users = []
        for username, (unit, display) in wanted.items():
            u = User(
                username=username,
                display_name=f"{display}（演示）",
                org_unit=unit,
                kind=AccountKind.STAFF,
                is_active=False,
            )
            u.set_unusable_password()
            users.append(u)
        User.objects.bulk_create(users, batch_size=BATCH)
        for u in User.objects.filter(username__startswith=HISTORY_USER_PREFIX).select_related(
            "org_unit"
        ):
            own.setdefault(u.org_unit.code, u)
        self.user_of = own
        self.city_user = own[CITY]

    def street_user(self, site_or_code) -> User:
        code = site_or_code if isinstance(site_or_code, str) else site_or_code.center.street_code
        return self.user_of[code]

    def district_user(self, code: str) -> User:
        return self.user_of[code]

    # -- campaign, leaders ----------------------------------------------------------------------
    def _campaign(self) -> None:
        self.campaign = Campaign.objects.create(
            code=CAMPAIGN_CODE,
            name=CAMPAIGN_NAME,
            description=(
                "全市20项民心工程之一，纳入各区委书记抓基层党建述职承诺。一村（居）一策、倒排工期、"
                "挂图作战、逐个销号；联系包保、定期例会、工作通报、实地督导和暗访。（演示数据）"
            ),
            region=self.city,
            kinds=[Kind.VILLAGE, Kind.COMMUNITY],
            starts_on=CAMPAIGN_START,
            target_date=TARGET,
            is_demo=True,
        )
        self.follow_on = Campaign.objects.create(
            code=FOLLOW_ON_CODE,
            name=FOLLOW_ON_NAME,
            description=(
                "攻坚结束后新设立的社区，党群服务中心按同一标准新建，一社区一策、倒排工期、"
                "逐个销号。（演示数据）"
            ),
            region=self.city,
            kinds=[Kind.COMMUNITY],
            starts_on=FOLLOW_ON_START,
            target_date=FOLLOW_ON_TARGET,
            is_demo=True,
        )

    def _leaders(self) -> None:
        rng = self.rng
        self.leaders: list[Leader] = []
        self.district_leaders: dict[str, list[Leader]] = {}
        for d in self.districts:
            n = LEADERS_PER_DISTRICT.get(d.code, rng.randint(7, 11))
            made = [
                Leader(
                    name=self.name(),
                    position=DISTRICT_POSITIONS[i],
                    region=d,
                    region_path=d.path,
                    is_demo=True,
                )
                for i in range(n)
            ]
            self.district_leaders[d.code] = made
            self.leaders += made
        self.city_leaders = [
            Leader(
                name=self.name(),
                position=p,
                region=self.city,
                region_path=self.city.path,
                is_demo=True,
            )
            for p in CITY_POSITIONS
        ]
        self.leaders += self.city_leaders
        login = User.objects.filter(username="leader", leader__isnull=True).first()
        Leader.objects.bulk_create(self.leaders, batch_size=BATCH)

        assignments = []
        self.street_leaders: dict[str, list[Leader]] = defaultdict(list)
        self.leader_streets: dict[int, list[str]] = defaultdict(list)
        for d in self.districts:
            team = self.district_leaders[d.code]
            for top in team[:2]:
                assignments.append(self._assign(top, d, "全面负责"))
            others = team[2:]
            streets = sorted(c for c in self.by_street if c.startswith(d.code[:6]))
            rng.shuffle(streets)
            for i in range(max(len(streets), len(others))):
                leader, code = others[i % len(others)], streets[i % len(streets)]
                if code in self.leader_streets[leader.pk]:
                    continue
                assignments.append(self._assign(leader, self.regions[code], "联系包保"))
                self.street_leaders[code].append(leader)
                self.leader_streets[leader.pk].append(code)
        for i, leader in enumerate(self.city_leaders):
            for d in self.districts[i :: len(self.city_leaders)]:
                assignments.append(self._assign(leader, d, "市委组织部联系区"))
        LeaderAssignment.objects.bulk_create(assignments, batch_size=BATCH)
        self.assignments = assignments

        # The demo `leader` account answers for the 河西区 street of a site still under way,
        # which is overdue (so that "my sites" shows every colour).
        open_hexi = [s for s in self.by_district[HEXI] if s.done is None]
        self.featured = open_hexi[0] if open_hexi else None
        if login is not None and self.by_district[HEXI]:
            street = (open_hexi or self.by_district[HEXI])[0].center.street_code
            mine = self.street_leaders[street][0]
            mine.user = login
            Leader.objects.filter(pk=mine.pk).update(user=login)

    def _assign(self, leader: Leader, region: Region, note: str) -> LeaderAssignment:
        return LeaderAssignment(
            leader=leader,
            region=region,
            region_path=region.path,
            since=CAMPAIGN_START,
            note=note,
        )

    # -- plans, schedules, progress, sign-off ---------------------------------------------------
    def _works(self, site: Site) -> str:
        if site.later or site.initial_area is None:
            return WorksType.BUILD
        required = self.rule.required_area(site.center.kind, site.center.households) or Decimal(300)
        ratio = site.initial_area / required if required else Decimal(0)
        works = (
            WorksType.BUILD
            if ratio < Decimal("0.55")
            else WorksType.EXPAND
            if ratio < Decimal("0.8")
            else WorksType.RENOVATE
        )
        if site.center.district_code == HEPING and works == WorksType.BUILD:
            works = WorksType.EXPAND
        return works

    def _deadline(self, site: Site, total: int) -> date:
        """The end of a quarter: the one the site finished in (or, one time in eight, the one
        before: it finished late), never before the schedule fits after the plan was made, never
        after the district's commitment for the campaign's own sites."""
        rng = self.rng
        fit = self.cal.add_working_days(site.made, total)
        if site.later:
            cap = date(2031, 12, 31)
        else:
            cap = HEPING_DONE if site.center.district_code == HEPING else TARGET
        quarters = [q for q in _quarter_ends(date(2019, 3, 31), cap) if q >= fit] or [cap]
        if site.done is None:
            return quarters[-1]
        after = [q for q in quarters if q >= site.done] or [quarters[-1]]
        before = [q for q in quarters if q < site.done]
        if before and rng.random() < (0.2 if site.later else 0.12):
            return before[-1]
        return after[0]

    def _plans(self) -> None:
        rng, cal = self.rng, self.cal
        templates: dict[str, list[MilestoneTemplate]] = defaultdict(list)
        for t in MilestoneTemplate.objects.filter(active=True).order_by("sort", "id"):
            templates[t.works_type].append(t)
        for site in self.sites:
            c = site.center
            site.works = self._works(site)
            steps = templates[site.works]
            total = sum(t.duration_days for t in steps)
            leaders = (
                self.street_leaders.get(c.street_code) or self.district_leaders[c.district_code][:1]
            )
            low, high = BUDGET[site.works]
            plan = Plan(
                campaign=self.follow_on if site.later else self.campaign,
                center=c,
                region_path=c.region_path,
                district_code=c.district_code,
                street_code=c.street_code,
                works_type=site.works,
                target_area=self.rule.required_area(c.kind, c.households),
                budget=Decimal(rng.randint(low, high) * 1000),
                premises=rng.choice(PREMISES[site.works]),
                leader=leaders[0],
                notes=(
                    f"新设社区，{site.made:%Y年%m月}纳入攻坚，新建党群服务中心。（演示数据）"
                    if site.later
                    else "（演示数据）"
                ),
                is_demo=True,
                created_by=self.district_user(c.district_code),
            )
            if site.done is None:
                plan.deadline = self._open_deadline(site, steps)
            else:
                plan.deadline = self._deadline(site, total)
                plan.signed_off_on = site.done
            spans = cal.schedule_backward(plan.deadline, [t.duration_days for t in steps])
            site.plan = plan
            site.milestones = [
                Milestone(
                    plan=plan,
                    region_path=c.region_path,
                    code=t.code,
                    name=t.name,
                    name_en=t.name_en,
                    sort=t.sort,
                    duration_days=t.duration_days,
                    starts_on=s,
                    due_on=d,
                )
                for t, (s, d) in zip(steps, spans, strict=True)
            ]
            if site.done is None:
                self._progress_open(site)
            else:
                self._progress_done(site)
            plan.health = plan_health(plan, site.milestones, self.today, cal)

    def _completions(self, a: date, b: date, durations: list[int]) -> list[date]:
        """Completion days for steps of these durations spread over the working days in (a, b]."""
        total = sum(durations) or 1
        span = max(self.cal.working_days_between(a, b), 0)
        out, run = [], 0
        for d in durations:
            run += d
            n = round(span * run / total)
            out.append(min(self.cal.add_working_days(a, n) if n else a, b) if span else b)
        return out

    def _progress_done(self, site: Site) -> None:
        ms = site.milestones
        split = next((i for i, m in enumerate(ms) if m.code == "construction"), len(ms) // 2)
        pre, post = ms[:split], ms[split:]
        start = min(max(site.start, site.made), site.done)
        days = self._completions(site.made, start, [m.duration_days for m in pre])
        days += self._completions(start, site.done, [m.duration_days for m in post])
        days[-1] = site.done
        for i in range(1, len(days)):  # never before the previous milestone
            days[i] = max(days[i], days[i - 1])
        for m, day in zip(ms, days, strict=True):
            m.progress, m.completed_on = 100, day

    def _open_deadline(self, site: Site, steps) -> date:
        """A deadline in the coming months, tried until the scenario drawn (on track, behind or
        overdue) can show."""
        rng, today, cal = self.rng, self.today, self.cal
        site.scenario = rng.choices(["green", "amber", "red"], [55, 25, 20])[0]
        if site is self.featured:
            site.scenario = "red"
        durations = [t.duration_days for t in steps]
        for _ in range(30):
            if site.scenario == "red":
                deadline = today + timedelta(days=rng.randint(-40, 120))
            else:
                deadline = today + timedelta(days=rng.randint(40, 240))
            spans = cal.schedule_backward(deadline, durations)
            current = [i for i, (s, d) in enumerate(spans) if s <= today < d]
            past = [i for i, (s, d) in enumerate(spans) if d < today]
            late = [i for i, (s, d) in enumerate(spans) if self._late(d)]
            if site.scenario == "red" and late:
                return deadline
            if site.scenario == "amber" and current:
                s, d = spans[current[0]]
                share = cal.working_days_between(s, today) / max(durations[current[0]], 1)
                if share >= 0.45:
                    return deadline
            if site.scenario == "green" and (current or past):
                return deadline
        return deadline

    def _late(self, due: date) -> bool:
        """Past its due day by two working days or more (overdue however it is counted)."""
        return self.cal.working_days_between(due, self.today) >= 2

    def _progress_open(self, site: Site) -> None:
        """Milestones done up to today; on a red site the last one well past its due day is
        not, and those after it trail."""
        rng, today, cal = self.rng, self.today, self.cal
        from .health import expected_progress

        ms = site.milestones
        late = None
        if site.scenario == "red":
            past = [m for m in ms if self._late(m.due_on)]
            late = past[-1] if past else None
        behind = False
        for m in ms:
            if behind:
                m.progress = rng.randint(0, 30) if m.starts_on <= today else 0
            elif m.due_on < today and m is not late:
                slack = rng.randint(0, 3)
                day = cal.add_working_days(m.due_on, -slack) if slack else m.due_on
                m.progress, m.completed_on = 100, max(day, m.starts_on)
            elif m is late:
                m.progress = rng.randint(40, 90)
                behind = True
            elif m.starts_on <= today:
                expected = expected_progress(m, today, cal)
                if site.scenario == "amber":
                    m.progress = max(0, expected - rng.randint(30, 55))
                else:
                    m.progress = max(0, min(95, expected + rng.randint(-15, 12)))
            m.escalation = overdue_level(m, today, cal) if m.completed_on is None else 0

    # -- commitments ----------------------------------------------------------------------------
    def _commitments(self) -> None:
        rows = []
        for d in self.districts:
            own = [s for s in self.by_district[d.code] if not s.later]
            rows.append(
                Commitment(
                    campaign=self.campaign,
                    district=d,
                    region_path=d.path,
                    secretary=self.district_leaders[d.code][0].name,
                    target_count=len(own),
                    target_date=HEPING_DONE if d.code == HEPING else TARGET,
                    note="区委书记抓基层党建述职承诺（演示数据）",
                )
            )
        Commitment.objects.bulk_create(rows)
        self.commitments = rows

    # -- visits and rectifications --------------------------------------------------------------
    def _visits(self) -> None:
        self.visits: list[Visit] = []
        self.findings: list[tuple[Visit, Site, list[dict]]] = []
        self._binhai_survey()
        self._leader_visits()
        self._city_unannounced()
        self._recent_visits()

    def _visit(self, center: Center, kind: str, day: date, **extra) -> Visit:
        v = Visit(
            campaign=self.follow_on if day >= FOLLOW_ON_START else self.campaign,
            region_id=center.region_id,
            region_path=center.region_path,
            center=center,
            kind=kind,
            visited_on=day,
            is_demo=True,
            **extra,
        )
        self.visits.append(v)
        return v

    def _binhai_survey(self) -> None:
        """10 survey teams, each led by a district leader, to every unit that existed then."""
        existing = set(
            Region.objects.filter(code__startswith=BINHAI[:6], level=Level.VILLAGE)
            .as_of(CAMPAIGN_START)
            .values_list("pk", flat=True)
        )
        planned = {s.center.pk: s for s in self.by_district[BINHAI]}
        centers = [c for c in self.centers if c.district_code == BINHAI and c.region_id in existing]
        streets = sorted({c.street_code for c in centers})
        team_of = {code: i * SURVEY_TEAMS // len(streets) for i, code in enumerate(streets)}
        leaders = self.district_leaders[BINHAI]
        binhai = self.regions[BINHAI]
        by_team: dict[int, list[Center]] = defaultdict(list)
        for c in centers:
            by_team[team_of[c.street_code]].append(c)
        for team, members in sorted(by_team.items()):
            day = self.cal.add_working_days(date(2019, 1, 9), self.rng.randint(0, 2))
            for i, c in enumerate(members):
                if i and i % 3 == 0:
                    day = self.cal.add_working_days(day, 1)
                site = planned.get(c.pk)
                if c.status == CenterStatus.CLOSED_DEMOLITION:
                    found = "位于拆迁区域，暂缓改造，做好群众服务过渡安排。"
                elif site is None:
                    found = "面积、功能已达标，纳入规范使用管理。"
                elif site.later:
                    found = "规划新建社区，纳入后续建设计划。"
                else:
                    found = (
                        f"现有用房 {site.initial_area or '—'} ㎡，未达标准，"
                        f"拟{WorksType(site.works).label}。"
                    )
                self._visit(
                    c,
                    VisitKind.SURVEY,
                    day,
                    team=f"滨海新区第{team + 1}调研组",
                    leader=leaders[team % len(leaders)],
                    organizer=binhai,
                    summary=f"拉网式摸底调研：{found}",
                    created_by=self.district_user(BINHAI),
                )

    def _leader_visits(self) -> None:
        """Each district leader visits sites of their streets while the works go on: 北辰区's 17
        leaders 6 to 8 times each, the others 2 to 5."""
        rng = self.rng
        for d in self.districts:
            team = self.district_leaders[d.code]
            own = [s for s in self.by_district[d.code] if not s.later]
            for leader in team:
                streets = self.leader_streets.get(leader.pk)
                pool = [s for s in own if not streets or s.center.street_code in streets] or own
                n = rng.randint(6, 8) if d.code == BEICHEN else rng.randint(2, 5)
                for site in rng.sample(pool, min(n, len(pool))):
                    first = max(site.start, date(2019, 2, 18))
                    day = self.workday(min(first, site.done), site.done)
                    issue = rng.choice(["用房", "资金", "审批手续", "施工组织", "功能布局"])
                    v = self._visit(
                        site.center,
                        VisitKind.ANNOUNCED,
                        day,
                        leader=leader,
                        organizer=d,
                        summary=f"实地督导改造进度，现场协调解决{issue}问题。",
                        created_by=self.district_user(d.code),
                    )
                    if rng.random() < 0.35:
                        self._findings(v, site, rng.randint(1, 2))

    def _city_unannounced(self) -> None:
        """The city department's 70 unannounced visits, spread over all 16 districts."""
        rng = self.rng
        counts = {d.code: CITY_UNANNOUNCED // len(self.districts) for d in self.districts}
        for d in rng.sample(self.districts, CITY_UNANNOUNCED % len(self.districts)):
            counts[d.code] += 1
        for d in self.districts:
            own = [s for s in self.by_district[d.code] if not s.later]
            for site in rng.sample(own, counts[d.code]):
                day = self.workday(date(2019, 4, 8), min(date(2020, 4, 17), site.done))
                state = "已完工" if day >= site.done else "改造中"
                v = self._visit(
                    site.center,
                    VisitKind.UNANNOUNCED,
                    day,
                    team="市委组织部暗访组",
                    organizer=self.city,
                    summary=f"不打招呼、直奔现场暗访（{state}），查看用房、标识、功能室和服务公开情况。",
                    created_by=self.city_user,
                )
                if rng.random() < 0.85:
                    self._findings(v, site, rng.randint(1, 3))

    def _recent_visits(self) -> None:
        """This year's visits to the sites still under way: findings partly open, some late."""
        rng = self.rng
        for site in (s for s in self.sites if s.done is None):
            for _ in range(rng.randint(1, 2)):
                day = self.workday(self.today - timedelta(days=150), self.today)
                d = self.regions[site.center.district_code]
                v = self._visit(
                    site.center,
                    VisitKind.ANNOUNCED,
                    day,
                    leader=site.plan.leader,
                    organizer=d,
                    summary="实地督导新建进度，现场调度工期和资金。",
                    created_by=self.district_user(d.code),
                )
                if rng.random() < 0.6:
                    self._findings(v, site, 1, recent=True)

    def _findings(self, visit: Visit, site: Site, n: int, recent: bool = False) -> None:
        rng = self.rng
        items = []
        for text in rng.sample(FINDINGS, n):
            due = visit.visited_on + timedelta(days=rng.randint(10, 30))
            item = {"finding": text, "due_on": due, "owner_name": self.name()}
            if recent:
                if due < self.today and rng.random() < 0.6:
                    item["closed_on"] = min(due + timedelta(days=rng.randint(-8, 6)), self.today)
            else:
                item["closed_on"] = visit.visited_on + timedelta(
                    days=rng.randint(
                        5, (due - visit.visited_on).days + (12 if rng.random() < 0.15 else 0)
                    )
                )
            items.append(item)
        self.findings.append((visit, site, items))

    # -- meetings -------------------------------------------------------------------------------
    def _meetings(self) -> None:
        rng = self.rng
        self.meetings: list[Meeting] = []
        self.meeting_items: list[tuple[Meeting, list[dict]]] = []
        months = [(2019, m) for m in range(1, 13)] + [(2020, m) for m in range(1, 5)]
        for d in self.districts:
            team = self.district_leaders[d.code]
            sites = self.by_district[d.code]
            own = [s for s in sites if not s.later]
            streets = sorted({s.center.street_code for s in own})
            attendees = (
                "、".join(f"{leader.name}" for leader in team)
                + "；区委组织部、区民政局、区财政局、区规划资源局、区住房建设委负责同志；"
                "各街镇党（工）委书记"
            )
            carried: list[dict] = []
            schedule = [self.workday(date(y, m, 10), date(y, m, 20)) for y, m in months]
            for n, held in enumerate(schedule, start=1):
                nxt = schedule[n] if n < len(schedule) else held + timedelta(days=30)
                done = sum(1 for s in own if s.done <= held)
                late = sum(1 for s in own if s.plan.deadline < held and s.done > held)
                agenda = [
                    f"一、通报全区改造提升进展：已销号 {done}/{len(own)} 个，逾期未销号 {late} 个",
                    "二、听取各街镇工作汇报",
                    "三、研究解决用房、资金、审批等难点问题",
                    "四、部署下阶段工作",
                ]
                still = [c for c in carried if c.get("done_on") is None or c["done_on"] > held]
                if still:
                    agenda.append("五、上次会议未完成事项：" + "；".join(c["text"] for c in still))
                meeting = Meeting(
                    campaign=self.campaign,
                    region=d,
                    region_path=d.path,
                    title=f"{d.name}村和社区党群服务中心改造提升工作领导小组第{n}次例会",
                    held_on=held,
                    agenda="\n".join(agenda),
                    attendees=attendees,
                    decisions="\n".join(
                        f"{i + 1}. " + t.format(street=self.regions[rng.choice(streets)].name, n=n)
                        for i, t in enumerate(rng.sample(DECISIONS, rng.randint(2, 3)))
                    ),
                    is_demo=True,
                    created_by=self.district_user(d.code),
                )
                self.meetings.append(meeting)
                items = []
                for t in rng.sample(ACTIONS, rng.randint(2, 4)):
                    due = held + timedelta(days=rng.randint(18, 28))
                    r = rng.random()
                    if r < 0.8:
                        done_on = held + timedelta(days=rng.randint(5, (due - held).days))
                    else:  # carried into the next meeting, done before the one after
                        done_on = nxt + timedelta(days=rng.randint(3, 20))
                    items.append(
                        {
                            "text": t.format(street=self.regions[rng.choice(streets)].name, n=n),
                            "owner_name": rng.choice(team).name,
                            "due_on": due,
                            "done_on": done_on,
                        }
                    )
                self.meeting_items.append((meeting, items))
                carried = items
            self._recent_meeting(d, team, attendees, len(schedule) + 1)

    def _recent_meeting(self, d: Region, team, attendees: str, n: int) -> None:
        """Where sites are still under way: this month's meeting, its action items open."""
        rng = self.rng
        under_way = [s for s in self.by_district[d.code] if s.done is None]
        if not under_way:
            return
        held = self.workday(self.today - timedelta(days=25), self.today)
        red = sum(1 for s in under_way if s.plan.health == Health.RED)
        meeting = Meeting(
            campaign=self.follow_on,
            region=d,
            region_path=d.path,
            title=f"{d.name}党群服务中心建设工作调度会（第{n}次例会）",
            held_on=held,
            agenda=(
                f"一、通报新设社区党群服务中心建设进展：在建 {len(under_way)} 个，逾期 {red} 个\n"
                "二、逾期点位包保领导说明情况\n三、部署下阶段工作"
            ),
            attendees=attendees,
            decisions="1. 逾期点位实行挂牌督办，包保领导每周到现场一次\n2. 月底前完成资金拨付",
            is_demo=True,
            created_by=self.district_user(d.code),
        )
        self.meetings.append(meeting)
        items = []
        for site in rng.sample(under_way, min(3, len(under_way))):
            due = held + timedelta(days=rng.randint(10, 30))
            items.append(
                {
                    "text": f"督促{site.center.name}按节点推进，{due:%m月%d日}前报送进度",
                    "owner_name": site.plan.leader.name,
                    "due_on": due,
                    "done_on": None,
                }
            )
        self.meeting_items.append((meeting, items))

    # -- writing --------------------------------------------------------------------------------
    def _save(self) -> None:
        plans = [s.plan for s in self.sites]
        Plan.objects.bulk_create(plans, batch_size=BATCH)
        milestones = [m for s in self.sites for m in s.milestones]
        for s in self.sites:
            for m in s.milestones:
                m.plan = s.plan
        Milestone.objects.bulk_create(milestones, batch_size=BATCH)
        self._reports()
        self._signoffs()
        Visit.objects.bulk_create(self.visits, batch_size=BATCH)
        rects = []
        for visit, site, items in self.findings:
            district = site.center.district_code
            for item in items:
                closed = item.get("closed_on")
                rects.append(
                    Rectification(
                        visit=visit,
                        region_path=visit.region_path,
                        finding=item["finding"],
                        owner=self.street_user(site),
                        owner_name=item["owner_name"],
                        due_on=item["due_on"],
                        status=RectificationStatus.CLOSED if closed else RectificationStatus.OPEN,
                        closed_on=closed,
                        closed_note=self.rng.choice(FIXES) if closed else "",
                        closed_by=self.district_user(district) if closed else None,
                        escalation=(1 if not closed and item["due_on"] < self.today else 0),
                    )
                )
        Rectification.objects.bulk_create(rects, batch_size=BATCH)
        self.rectifications = rects
        Meeting.objects.bulk_create(self.meetings, batch_size=BATCH)
        actions = []
        for meeting, items in self.meeting_items:
            owner = self.district_user(meeting.region.code)
            for item in items:
                done_on = item["done_on"]
                actions.append(
                    ActionItem(
                        meeting=meeting,
                        region_path=meeting.region_path,
                        text=item["text"],
                        owner=owner,
                        owner_name=item["owner_name"],
                        due_on=item["due_on"],
                        status=ActionStatus.DONE if done_on else ActionStatus.OPEN,
                        done_on=done_on,
                        done_note="已落实" if done_on else "",
                    )
                )
        ActionItem.objects.bulk_create(actions, batch_size=BATCH)
        self.actions = actions

    def _reports(self) -> None:
        rng = self.rng
        reports = []
        for s in self.sites:
            user = self.street_user(s)
            previous = s.made
            for m in s.milestones:
                if m.completed_on is not None:
                    if m.code == "construction" and m.completed_on > previous:
                        mid = previous + (m.completed_on - previous) / 2
                        reports.append(self._report(s, m, 50, mid, user, "主体施工过半"))
                    reports.append(self._report(s, m, 100, m.completed_on, user, "已完成"))
                    previous = m.completed_on
                elif m.progress:
                    day = max(m.starts_on, self.today - timedelta(days=rng.randint(1, 12)))
                    reports.append(self._report(s, m, m.progress, min(day, self.today), user, ""))
        ProgressReport.objects.bulk_create(reports, batch_size=BATCH)
        self.reports = reports

    def _report(self, s: Site, m: Milestone, progress: int, day: date, user, note: str):
        return ProgressReport(
            milestone=m,
            plan=s.plan,
            region_path=s.plan.region_path,
            progress=progress,
            reported_on=day,
            note=note,
            reported_by=user,
        )

    def _signoffs(self) -> None:
        """Submitted by the street and verified by the district on the day the center became
        renovation-compliant, with the checklist as it stood and three evidence photos."""
        self._photos()
        in_use = str(CenterStatus.IN_USE.label)
        labels = {k: str(v) for k, v in LABELS.items()}
        rows = []
        for s in self.sites:
            if s.done is None:
                continue
            c = s.center
            rule = self.rule_on(s.done)
            required = rule.required_area(c.kind, c.households)
            details = {
                "area": f"实测 {c.floor_area} ㎡，要求 {required} ㎡（{rule.name}）",
                "renovation": f"全部节点完成，最后完成于 {s.done}",
                "signage": "标识照片 1 张",
                "rooms": f"功能室 {self.rooms.get(c.pk, 0)} 间，中心状态：{in_use}",
                "evidence": f"佐证照片 {len(PHOTO_KINDS)} 张（至少 {MIN_EVIDENCE_PHOTOS} 张）",
            }
            rows.append(
                SignOff(
                    plan=s.plan,
                    region_path=s.plan.region_path,
                    status=SignOffStatus.SIGNED_OFF,
                    criteria=[
                        {"code": k, "passed": True, "detail": v, "label": labels[k]}
                        for k, v in details.items()
                    ],
                    submitted_by=self.street_user(s),
                    submitted_at=_at(s.done, 9, 30),
                    verified_by=self.district_user(c.district_code),
                    verified_at=_at(s.done, 16),
                    signed_off_on=s.done,
                )
            )
        SignOff.objects.bulk_create(rows, batch_size=BATCH)
        photos = [
            SignOffPhoto(
                signoff=row,
                region_path=row.region_path,
                kind=kind,
                image=f"{PHOTO_DIR}/{kind}.png",
                uploaded_by=row.submitted_by,
            )
            for row in rows
            for kind in PHOTO_KINDS
        ]
        SignOffPhoto.objects.bulk_create(photos, batch_size=BATCH)
        self.signoffs = rows

    def _photos(self) -> None:
        """Three small evidence pictures, stored once and shared by the demo's sign-offs."""
        from PIL import Image, ImageDraw

        colours = {"signage": (196, 30, 36), "exterior": (120, 144, 156), "hall": (232, 220, 200)}
        for kind, colour in colours.items():
            path = f"{PHOTO_DIR}/{kind}.png"
            if default_storage.exists(path):
                continue
            img = Image.new("RGB", (480, 320), (214, 234, 248))
            draw = ImageDraw.Draw(img)
            draw.rectangle((0, 250, 480, 320), fill=(200, 200, 190))
            draw.rectangle((90, 90, 390, 260), fill=colour, outline=(60, 60, 60), width=3)
            draw.rectangle((150, 110, 330, 140), fill=(180, 20, 30))  # the sign band
            draw.rectangle((210, 180, 270, 260), fill=(90, 70, 50))  # the door
            out = io.BytesIO()
            img.save(out, format="PNG")
            default_storage.save(path, ContentFile(out.getvalue()))

    # -- bulletins ------------------------------------------------------------------------------
    def bulletins(self) -> int | str:
        """Monthly city bulletins, issued early each month for the month before, through the
        bulletin service if it is installed; returns how many, or why none."""
        try:
            from .services.bulletins import issue_bulletin
        except ImportError as exc:
            return f"skipped ({exc})"
        actor = self.city_user if self.city_user.is_active else None
        actor = actor or User.objects.filter(is_superuser=True, is_active=True).first()
        if actor is None:
            return "skipped (no city administrator to issue them)"
        made = 0
        for year, month in BULLETIN_MONTHS:
            first = date(year, month, 1)
            period_end = first - timedelta(days=1)
            period_start = max(period_end.replace(day=1), CAMPAIGN_START)
            issued_on = self.cal.add_working_days(first, 3)
            bulletin = issue_bulletin(
                actor,
                self.campaign,
                self.city,
                period_start,
                period_end,
                issued_on=issued_on,
            )
            Bulletin.objects.filter(pk=bulletin.pk).update(is_demo=True)
            made += 1
        return made


def clear() -> None:
    """Remove the campaign demo (before rebuilding it, or the centers under it)."""
    campaigns = Campaign.objects.filter(is_demo=True)
    Bulletin.objects.filter(campaign__in=campaigns).delete()
    Plan.objects.filter(campaign__in=campaigns).delete()
    Visit.objects.filter(is_demo=True).delete()
    Meeting.objects.filter(is_demo=True).delete()
    Leader.objects.filter(is_demo=True).delete()
    campaigns.delete()
    User.objects.filter(username__startswith=HISTORY_USER_PREFIX, is_active=False).delete()


def present() -> bool:
    return Campaign.objects.filter(is_demo=True).exists()
