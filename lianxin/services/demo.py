"""The services demo (用好): the catalogue, devolution, a year of applications, rooms in use, notices.

Built on the foundation's demo centers (lianxin.centers.demo) and written straight to the tables
(the demo generates history; it is not a user going through the services):

- the catalogue of `catalogue_data` (东丽区's 23 devolved items and a few street-level items), all
  marked as demo data, with versioned time limits (three were shortened during the year);
- devolution: 东丽区 all 23 items to its communities, 西青区 a smaller set (its community centers
  run one-stop halls), 河西区 and 红桥区 a few, so the demo accounts in 河西 see a live workbench;
- a year of applications ending today at every center in use: most concluded on time and rated,
  some still open (a few overdue, fewer 3× overdue), some returned for more material, rejected or
  withdrawn, a few very unhappy ratings that reopened the case; deadlines over the real working-day
  calendar (lianxin.services.deadlines); ID numbers valid (GB 11643), encrypted;
- staff act on working days in office hours (residents submit online and rate at any time);
  numbers as the live service gives them (SQ + day of receipt + row id);
- the demo resident (13800138000) has cases in several states at the demo 河西 center;
- rooms and activities (lianxin.venues): a year of them and the coming four weeks (published,
  sign-up open, some nearly full, a few full with a waitlist, a few today; nothing to come has
  been attended), bookings at every center with bookable rooms in the last and the next weeks;
- notices (lianxin.portal): each center's service information lists what it concludes and what
  it passes to the street from the routing itself (queries.items_at).

Deterministic for a seed and a day: nothing depends on the clock but `today` (what has happened
is laid out before 08:30 of today, or before midnight when the demo is built earlier than that,
so that nothing "past" lies ahead of the clock; what is to come after it). Application numbers end in the
row id, so a rebuild renumbers them.
"""

from __future__ import annotations

import json
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from lianxin.accounts.models import AccountKind, User
from lianxin.campaign.demo import GIVEN, SURNAMES
from lianxin.centers.models import Center, CenterStatus
from lianxin.core import audit, crypto
from lianxin.core.db import analyze, write_rows
from lianxin.core.workdays import calendar
from lianxin.regions.models import Kind, Level, Region

from . import catalogue_data as data
from . import deadlines
from .models import (
    CLOSED,
    TRANSFERRED_MODES,
    Application,
    Attachment,
    CertificateKind,
    Channel,
    Devolution,
    FormField,
    HandlingMode,
    Material,
    Rating,
    ServiceItem,
    ServiceLevel,
    StandardAnswer,
    Status,
    Step,
    TimeLimit,
)
from .services import _number

SHANGHAI = ZoneInfo("Asia/Shanghai")
CITY = "120000000000"
BATCH = 2000
USER_PREFIX = "svcdemo-"  # not "demo-": the campaign demo's clear() removes those
RESIDENT_PHONE = "13800138000"
# Applications a year per center in use, by district (others: DEFAULT_VOLUME).
VOLUME = {data.HEXI: 26, data.DONGLI: 32, data.XIQING: 13, data.HONGQIAO: 10}
DEFAULT_VOLUME = 2
SHOWCASE_VOLUME = 170  # the centers of the demo accounts: a window with a real queue
DEVOLVED_FROM = {
    data.DONGLI: date(2020, 1, 1),
    data.XIQING: date(2020, 6, 1),
    data.HEXI: date(2021, 3, 1),
    data.HONGQIAO: date(2021, 6, 1),
}
ITEMS_FROM = date(2019, 1, 1)
# The demo accounts this demo adds (password: the demo password): a window clerk in 东丽区 and
# one at a 西青区 one-stop hall.
CLERKS = {
    "clerk_dl": (data.DONGLI, "东丽区社区窗口"),
    "clerk_xq": (data.XIQING, "西青区一站式服务大厅"),
}
PHONE_PREFIXES = ["133", "135", "136", "137", "139", "150", "151", "152", "155", "156", "158"]
PHONE_PREFIXES += ["159", "176", "177", "180", "181", "182", "185", "186", "187", "188", "189"]
RETURN_NOTES = [
    "请补充户口簿本人页复印件。",
    "身份证复印件不清晰，请重新上传。",
    "缺少收入情况声明，请补充后重新提交。",
    "照片不符合要求（须白底免冠），请重新提交。",
]
REJECT_NOTES = [
    "经核实，申请人不符合受理条件。",
    "非本辖区居民，请到户籍所在地或居住地社区办理。",
    "重复申请，原申请已在办理中。",
]
LOW_COMMENTS = ["等了很久才办完，中间没人告知进度。", "跑了两趟才办成，材料要求前后不一致。"]


def _at(day: date, minutes: int) -> datetime:
    """Local `day` at `minutes` past midnight, aware."""
    return datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=SHANGHAI)


def as_of(today: date) -> datetime:
    """The demo's `now`: `today` as the hall opens, or today's midnight while it has not opened
    yet (a demo built at 07:00 must not show 08:00 as done, nor date rows after the clock)."""
    opens = _at(today, 8 * 60 + 30)
    return opens if timezone.now() >= opens else _at(today, 0)


def local_day(moment: datetime) -> date:
    return moment.astimezone(SHANGHAI).date()


def check_digit(first17: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]


_UTC = ZoneInfo("UTC")


def _converter(f):
    """How a value of field `f` goes to the database in `_insert` (what Django's
    get_db_prep_save does, without its per-value cost: 140,000 steps took 20 s that way)."""
    from django.db import connection
    from django.db.models import DateField, DateTimeField, DecimalField, JSONField, TimeField

    sqlite = connection.vendor == "sqlite"
    if isinstance(f, DateTimeField):
        if sqlite:  # naive UTC text, as Django's SQLite backend writes it
            return lambda v: None if v is None else str(v.astimezone(_UTC).replace(tzinfo=None))
        return None
    if isinstance(f, DateField | TimeField | DecimalField) and sqlite:
        return lambda v: None if v is None else str(v)
    if isinstance(f, JSONField):
        return lambda v: json.dumps(v, ensure_ascii=False)
    return None


def _insert(model, fields: list[str], rows: list[tuple], batch: int = 2000) -> None:
    """INSERT the rows (python values, in the order of `fields`, foreign keys as ids) with
    executemany: the demo's bulk tables need no model instances."""
    from django.db import connection

    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    convert = [(i, c) for i, c in enumerate(_converter(f) for f in columns) if c is not None]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ("
        + ", ".join(quote(f.column) for f in columns)
        + ") VALUES ("
        + ", ".join(["%s"] * len(columns))
        + ")"
    )
    if convert:
        out = []
        for row in rows:
            row = list(row)
            for i, c in convert:
                row[i] = c(row[i])
            out.append(row)
        rows = out
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch):
            cursor.executemany(sql, rows[start : start + batch])


@lru_cache(maxsize=1)
def _app_defaults() -> dict:
    return {
        f.attname: f.get_default() for f in Application._meta.concrete_fields if not f.primary_key
    }


def _app_row(**values) -> SimpleNamespace:
    """An application as plain attributes (by column attname): 23,000 model instances cost
    seconds, and the rows go to the table with `_insert` anyway."""
    row = SimpleNamespace(**_app_defaults())
    row.form_data = {}
    row.__dict__.update(values)
    return row


@dataclass
class Person:
    name: str
    id_number: str
    phone: str
    id_enc: str = ""
    id_digest: str = ""
    phone_enc: str = ""
    user: User | None = None


@dataclass
class Case:
    app: SimpleNamespace  # an Application's columns
    steps: list[tuple[str, str, datetime, str, str]] = field(default_factory=list)
    rating: tuple | None = None  # (score, answers, comment, at, reopened)


class ServicesDemo:
    def __init__(
        self,
        seed: int = 20200423,
        today: date | None = None,
        districts: list[str] | None = None,
        volume_scale: float = 1.0,
    ):
        self.rng = random.Random(seed)
        self.seed = seed
        self.today = today or timezone.localdate()
        # Nothing after the hall opens today: a rerun the same day gives the same rows.
        self.now = as_of(self.today)
        self.first_day = self.today - timedelta(days=364)
        self.districts = districts  # a slice for tests (district codes); None: the whole city
        self.scale = volume_scale
        self.cal = calendar()
        self.deadline_memo: dict[tuple[date, int], tuple[date, date]] = {}
        self.used_names: set[str] = set()
        self.counts: Counter = Counter()

    # -- the run --------------------------------------------------------------------------------
    def run(self) -> dict:
        from django.db import connection

        if connection.vendor == "sqlite":
            # Inserting 300,000 rows into indexed tables churns SQLite's default 2 MB page cache.
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size = -262144")
        with transaction.atomic():
            clear()
            self._build()
        analyze(Application, Step, Rating, ServiceItem, Devolution, TimeLimit)
        return dict(self.counts)

    def _build(self) -> None:
        self._load()
        self._catalogue()
        self._devolutions()
        self._staff()
        self._applications()
        self._resident_story()
        self._save()
        self.counts.update(build_venues(self))
        self.counts.update(build_notices(self))
        audit.record(
            None,
            "seed_demo",
            None,
            target_type="services.application",
            target_repr="服务事项与办件演示数据",
            changes={
                "items": [None, self.counts["items"]],
                "applications": [None, self.counts["applications"]],
            },
            note="演示数据：服务事项清单、事项下放、一年办件",
        )

    # -- what the foundation made ---------------------------------------------------------------
    def _load(self) -> None:
        self.regions = {
            r.code: r
            for r in Region.objects.filter(code__startswith="12", level__lte=Level.TOWNSHIP)
        }
        self.city = self.regions[CITY]
        centers = Center.objects.filter(
            is_demo=True,
            status=CenterStatus.IN_USE,
            kind__in=[Kind.VILLAGE, Kind.COMMUNITY],
        ).order_by("region__code")
        if self.districts:
            centers = centers.filter(district_code__in=self.districts)
        self.centers = list(centers.select_related("region"))
        self.answers_ok = list(StandardAnswer.objects.filter(active=True, is_satisfied=True))
        self.answers_bad = list(
            StandardAnswer.objects.filter(active=True, is_satisfied=False, reopens=False)
        )
        self.answers_reopen = list(
            StandardAnswer.objects.filter(active=True, is_satisfied=False, reopens=True)
        )
        taken = set(User.objects.exclude(phone_digest="").values_list("phone_digest", flat=True))
        self.taken_phones = taken
        self.resident = User.objects.filter(phone_digest=crypto.digest(RESIDENT_PHONE)).first()
        # The centers of the demo accounts (`center` in 河西, the clerks in 东丽 and 西青).
        self.showcase: dict[int, User] = {}
        for u in User.objects.filter(username__in=["center", *CLERKS]).select_related("org_unit"):
            c = next((c for c in self.centers if c.region_id == u.org_unit_id), None)
            if c is not None:
                self.showcase[c.pk] = u
        hexi = [c for c in self.centers if c.district_code == data.HEXI]
        self.home = next((c for c in hexi if c.pk in self.showcase), hexi[0] if hexi else None)

    # -- the catalogue --------------------------------------------------------------------------
    def _catalogue(self) -> None:
        kind = CertificateKind.objects.filter(community_may_issue=True).order_by("code").first()
        self.certificate_kind = kind
        items, limits, materials, fields = [], [], [], []
        shortened_on = self.today - timedelta(days=150)
        self.specs = data.DEVOLVED + data.STREET_ITEMS
        for spec in self.specs:
            certificate = spec.get("certificate") and kind is not None
            item = ServiceItem(
                code=spec["code"],
                name=spec["name"],
                name_en=spec["name_en"],
                category=spec["category"],
                department=spec["department"],
                legal_basis=spec["legal_basis"],
                level=ServiceLevel.COMMUNITY if "modes" in spec else ServiceLevel.STREET,
                # Without a kind a community may issue, it cannot be a certificate item here.
                item_type=spec["item_type"]
                if certificate or not spec.get("certificate")
                else "other",
                certificate_kind=kind if certificate else None,
                eligibility=spec["eligibility"],
                fee=0,
                online=True,
                in_person=spec["code"] in {"DEMO-SQ-01", "DEMO-SQ-15"},
                description=data.DEMO_NOTE,
                region=self.city,
                region_path=self.city.path,
                search_text=_search_text(spec),
                is_demo=True,
            )
            items.append(item)
        ServiceItem.objects.bulk_create(items, batch_size=BATCH)
        self.items = {i.code: i for i in ServiceItem.objects.filter(is_demo=True)}
        self.limits: dict[int, list[tuple[date, date | None, int]]] = {}
        for spec in self.specs:
            item = self.items[spec["code"]]
            short = data.SHORTENED.get(spec["code"])
            if short:
                periods = [(ITEMS_FROM, shortened_on, spec["days"]), (shortened_on, None, short)]
            else:
                periods = [(ITEMS_FROM, None, spec["days"])]
            self.limits[item.pk] = periods
            for start, end, days in periods:
                limits.append(
                    TimeLimit(
                        item=item,
                        working_days=days,
                        valid_from=start,
                        valid_to=end,
                        note="演示数据" + ("：压缩承诺时限" if start != ITEMS_FROM else ""),
                    )
                )
            for sort, (name, required, copies, source, points) in enumerate(spec["materials"]):
                materials.append(
                    Material(
                        item=item,
                        name=name,
                        required=required,
                        copies=copies,
                        source=source,
                        check_points=points,
                        sort=(sort + 1) * 10,
                    )
                )
            for sort, (code, label, datatype, required, values, desc) in enumerate(spec["fields"]):
                fields.append(
                    FormField(
                        item=item,
                        code=code,
                        label=label,
                        datatype=datatype,
                        required=required,
                        values=values,
                        description=desc,
                        sort=(sort + 1) * 10,
                    )
                )
        TimeLimit.objects.bulk_create(limits, batch_size=BATCH)
        Material.objects.bulk_create(materials, batch_size=BATCH)
        FormField.objects.bulk_create(fields, batch_size=BATCH)
        self.counts["items"] = len(items)

    def due_dates(self, received: date, days: int) -> tuple[date, date]:
        """lianxin.services.deadlines' (deadline, grave deadline), over the calendar loaded once
        and remembered per (day, limit): the demo asks tens of thousands of times."""
        key = (received, days)
        if key not in self.deadline_memo:
            self.deadline_memo[key] = deadlines.due_dates(received, days, self.cal)
        return self.deadline_memo[key]

    def limit_on(self, item: ServiceItem, day: date) -> int:
        for start, end, days in self.limits[item.pk]:
            if start <= day and (end is None or day < end):
                return days
        raise ValueError(item.code)

    def _devolutions(self) -> None:
        rows = []
        notes = {data.DONGLI: data.DONGLI_NOTE, data.XIQING: data.XIQING_NOTE}
        # district code → item id → handling mode
        self.devolved: dict[str, dict[int, str]] = defaultdict(dict)
        for spec in data.DEVOLVED:
            item = self.items[spec["code"]]
            for district, mode in spec["modes"].items():
                if item.certificate_kind_id is None and spec.get("certificate"):
                    continue  # no certificate kind a community may issue: not devolved
                region = self.regions[district]
                rows.append(
                    Devolution(
                        district=region,
                        region_path=region.path,
                        item=item,
                        level=ServiceLevel.COMMUNITY,
                        handling_mode=mode,
                        valid_from=DEVOLVED_FROM[district],
                        note=notes.get(district, "演示数据"),
                        is_demo=True,
                    )
                )
                self.devolved[district][item.pk] = mode
        Devolution.objects.bulk_create(rows, batch_size=BATCH)
        self.counts["devolutions"] = len(rows)

    def offering(self, center: Center, item: ServiceItem) -> tuple[str, str]:
        """What lianxin.services.queries.offering answers for a community window (the
        devolutions do not change during the demo year)."""
        mode = self.devolved.get(center.district_code, {}).get(item.pk)
        return ServiceLevel.COMMUNITY, mode or HandlingMode.RECEIVED_HERE

    # -- people ---------------------------------------------------------------------------------
    def _staff(self) -> None:
        """Per street, a window account (the community windows' clerks) and the street's own
        service center, both history accounts that cannot log in; the demo accounts stand in
        for them where they sit."""
        streets = sorted({c.street_code for c in self.centers})
        users = []
        for code in streets:
            street = self.regions[code]
            for role, display in (("w", "社区综合窗口"), ("u", "便民服务中心")):
                u = User(
                    username=f"{USER_PREFIX}{role}{code[:9]}",
                    display_name=f"{street.name}{display}（演示）",
                    org_unit=street,
                    kind=AccountKind.STAFF,
                    is_active=False,
                    password="!",
                )
                users.append(u)
        User.objects.bulk_create(users, batch_size=BATCH)
        by_name = {
            u.username: u
            for u in User.objects.filter(username__startswith=USER_PREFIX, kind=AccountKind.STAFF)
        }
        self.window_user = {c: by_name[f"{USER_PREFIX}w{c[:9]}"] for c in streets}
        self.upper_user = {c: by_name[f"{USER_PREFIX}u{c[:9]}"] for c in streets}
        for u in User.objects.filter(username="street").select_related("org_unit"):
            if u.org_unit and u.org_unit.code in self.upper_user:
                self.upper_user[u.org_unit.code] = u
        self.people: dict[str, list[Person]] = defaultdict(list)  # street → people
        self.new_residents: list[User] = []

    def name(self) -> str:
        rng = self.rng
        for _ in range(50):
            given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
            full = rng.choice(SURNAMES) + given
            if full not in self.used_names:
                break
        self.used_names.add(full)
        return full

    def id_number(self, district: str, age: tuple[int, int]) -> str:
        rng = self.rng
        born = self.today - timedelta(days=rng.randint(age[0] * 365 + 10, age[1] * 365 - 10))
        first = f"{district[:6]}{born:%Y%m%d}{rng.randint(0, 999):03d}"
        return first + check_digit(first)

    def phone(self) -> str:
        rng = self.rng
        while True:
            value = rng.choice(PHONE_PREFIXES) + f"{rng.randint(0, 99_999_999):08d}"
            if value != RESIDENT_PHONE and crypto.digest(value) not in self.taken_phones:
                return value

    def person(self, center: Center, spec: dict, online: bool) -> Person:
        pool = self.people[center.street_code]
        rng = self.rng
        if pool and rng.random() < 0.4:
            p = rng.choice(pool)
        else:
            p = Person(self.name(), self.id_number(center.district_code, _ages(spec)), self.phone())
            p.id_enc = crypto.encrypt(p.id_number)
            p.id_digest = crypto.digest(p.id_number)
            p.phone_enc = crypto.encrypt(p.phone)
            pool.append(p)
        if online and p.user is None:
            digest = crypto.digest(p.phone)
            self.taken_phones.add(digest)
            p.user = User(
                username=f"{USER_PREFIX}r{len(self.new_residents) + 1:06d}",
                display_name=p.name,
                kind=AccountKind.RESIDENT,
                phone_encrypted=p.phone_enc,
                phone_digest=digest,
                is_active=True,
                password="!",  # unusable: demo residents other than 13800138000 cannot sign in
            )
            self.new_residents.append(p.user)
        return p

    # -- applications ---------------------------------------------------------------------------
    def _applications(self) -> None:
        rng = self.rng
        self.cases: list[Case] = []
        weights = [s["volume"] for s in self.specs]
        specs = self.specs
        for center in self.centers:
            base = VOLUME.get(center.district_code, DEFAULT_VOLUME)
            if center.pk in self.showcase:
                base = SHOWCASE_VOLUME
            n = max(1, round(rng.uniform(0.6, 1.4) * base * self.scale))
            for spec in rng.choices(specs, weights, k=n):
                self.cases.append(self._case(center, spec))
        self.counts["applications"] = len(self.cases)

    def _channel(self, spec: dict) -> str:
        r = self.rng.random()
        hotline = 0.5 if spec["code"] == "DEMO-SQ-22" else 0.04
        if r < hotline:
            return Channel.OPEN311
        return Channel.ONLINE if r < hotline + (1 - hotline) * 0.45 else Channel.WINDOW

    def _submitted(self, channel: str) -> datetime:
        rng = self.rng
        day = self.first_day + timedelta(days=rng.randrange(365))
        if channel == Channel.WINDOW:
            # The clerk enters it at the window: a working day in office hours (today's hall
            # opens at `now`, so a window case of today moves to the working day before).
            if not self.cal.is_working_day(day) or day >= self.today:
                day = self.cal.add_working_days(min(day, self.today), -1)
            return _at(day, rng.randint(8 * 60 + 35, 17 * 60 + 10))
        moment = _at(day, rng.randint(7 * 60, 23 * 60 + 30))
        if moment >= self.now:
            moment = self.now - timedelta(minutes=rng.randint(30, 60 * 14))
        return moment

    def work_moment(self, after: datetime, days: int, same_day_ok: bool = True) -> datetime:
        """A moment in working hours `days` working days after `after` (0: later the same day
        if it is a working day and there is time left, else the next working day)."""
        rng = self.rng
        day = local_day(after)
        if days == 0 and same_day_ok and self.cal.is_working_day(day):
            start = max(after + timedelta(minutes=10), _at(day, 8 * 60 + 40))
            end = _at(day, 17 * 60 + 20)
            if start < end:
                return start + timedelta(seconds=rng.randint(0, int((end - start).total_seconds())))
            days = 1
        day = self.cal.add_working_days(day, max(days, 1))
        return _at(day, rng.randint(8 * 60 + 40, 17 * 60 + 15))

    def work_between(self, a: datetime, b: datetime, lo: float, hi: float) -> datetime:
        """A moment in working hours between `a` and `b` (both in working hours, a < b), about
        `lo`..`hi` of the way: staff act in office hours, not at 04:36."""
        rng = self.rng
        moment = a + (b - a) * rng.uniform(lo, hi)
        day = local_day(moment)
        if self.cal.is_working_day(day):
            opens, closes = _at(day, 8 * 60 + 40), _at(day, 17 * 60 + 20)
            if opens <= moment <= closes:
                return moment
            if moment < opens:
                moment = opens + timedelta(minutes=rng.randint(0, 50))
            else:
                moment = _at(
                    self.cal.add_working_days(day, 1), rng.randint(8 * 60 + 40, 9 * 60 + 30)
                )
        else:
            moment = _at(self.cal.add_working_days(day, 1), rng.randint(8 * 60 + 40, 9 * 60 + 30))
        if a < moment < b:
            return moment
        # Too close to `b`: a few minutes after `a` (which is in working hours, before 17:20).
        return a + min((b - a) / 3, timedelta(minutes=5))

    def _case(self, center: Center, spec: dict, scenario: str = "") -> Case:
        rng = self.rng
        item = self.items[spec["code"]]
        channel = self._channel(spec)
        person = self.person(center, spec, online=channel == Channel.ONLINE)
        submitted = self._submitted(channel)
        received = local_day(submitted)
        days = self.limit_on(item, received)
        due, grave = self.due_dates(received, days)
        level, mode = self.offering(center, item)
        window = self.showcase.get(center.pk) or self.window_user[center.street_code]
        upper = self.upper_user[center.street_code]
        app = _app_row(
            item_id=item.pk,
            center_id=center.pk,
            region_path=center.region_path,
            street_code=center.street_code,
            district_code=center.district_code,
            handling_level=level,
            handling_mode=mode,
            channel=channel,
            applicant=person.user if channel == Channel.ONLINE else None,
            received_by_id=window.pk if channel == Channel.WINDOW else None,
            applicant_name=person.name,
            id_number_encrypted=person.id_enc,
            id_number_digest=person.id_digest,
            phone_encrypted=person.phone_enc,
            form_data=self.form_data(spec, received),
            description="",
            status=Status.SUBMITTED,
            submitted_at=submitted,
            time_limit_days=days,
            deadline=due,
            grave_deadline=grave,
            overdue=0,
            external_id=f"12345-{received:%Y%m%d}{rng.randint(0, 99999):05d}"
            if channel == Channel.OPEN311
            else "",
            latitude=center.latitude if channel == Channel.OPEN311 else None,
            longitude=center.longitude if channel == Channel.OPEN311 else None,
            is_demo=True,
        )
        case = Case(app)
        first_actor = {Channel.ONLINE: "applicant", Channel.WINDOW: "window"}.get(channel, "system")
        note = "12345 热线转办" if channel == Channel.OPEN311 else ""
        case.steps.append(("", Status.SUBMITTED, submitted, first_actor, note))
        self._life(case, spec, window, upper, scenario or self._fate())
        return case

    def _fate(self) -> str:
        r = self.rng.random()
        for fate, p in (
            ("withdrawn", 0.015),
            ("rejected", 0.02),
            ("returned", 0.05),
            ("late", 0.06),
            ("very_late", 0.006),
        ):
            if r < p:
                return fate
            r -= p
        return "normal"

    def _life(self, case: Case, spec: dict, window: User, upper: User, fate: str) -> None:
        """Walk the case through the status table, stopping at whatever lies past `now`."""
        rng, app = self.rng, case.app
        now = self.now
        t = app.submitted_at

        def step(frm, to, at, actor, note="") -> bool:
            if at >= now:
                return False
            case.steps.append((frm, to, at, actor, note))
            app.status = to
            return True

        if fate == "withdrawn":
            step(
                Status.SUBMITTED,
                Status.WITHDRAWN,
                t + timedelta(hours=rng.randint(1, 20)),
                "applicant",
                "本人申请撤回",
            )
            return
        t = self.work_moment(t, rng.choice((0, 0, 0, 1)))
        if fate == "rejected":
            step(Status.SUBMITTED, Status.REJECTED, t, "window", rng.choice(REJECT_NOTES))
            return
        if fate == "returned":
            if not step(Status.SUBMITTED, Status.RETURNED, t, "window", rng.choice(RETURN_NOTES)):
                return
            if app.channel == Channel.ONLINE:  # the resident uploads it, any time
                back = t + timedelta(days=rng.randint(1, 6), hours=rng.randint(0, 8))
            else:  # brought to the window
                back = self.work_moment(t, rng.randint(1, 5))
            if rng.random() < 0.2 or back >= now:
                if back < now - timedelta(days=30):
                    step(
                        Status.RETURNED,
                        Status.WITHDRAWN,
                        back,
                        "applicant",
                        "材料无法补齐，撤回申请",
                    )
                return
            actor = "applicant" if app.channel == Channel.ONLINE else "window"
            if not step(Status.RETURNED, Status.SUBMITTED, back, actor, "已补充材料"):
                return
            t = self.work_moment(back, rng.choice((0, 1)))
        if not step(Status.SUBMITTED, Status.ACCEPTED, t, "window"):
            return
        app.accepted_at = t
        # When the case is concluded, in working days after receipt.
        days = app.time_limit_days
        received = local_day(app.submitted_at)
        if fate == "late":
            span = days + rng.randint(1, max(2, days))
        elif fate == "very_late":
            span = days * 3 + rng.randint(1, days + 2)
        else:
            span = min(days, max(0, round(rng.triangular(0, days, days * 0.45))))
        finish_day = self.cal.add_working_days(received, span) if span else received
        finish = _at(finish_day, rng.randint(9 * 60, 17 * 60 + 15))
        if finish <= t:
            finish = self.work_moment(t, 0)
        transfers = app.handling_mode in TRANSFERRED_MODES
        t2 = self.work_between(t, finish, 0.05, 0.3)
        if transfers and rng.random() < 0.4:
            if not step(Status.ACCEPTED, Status.TRANSFERRED, t2, "window", "已转街道办理"):
                return
        else:
            if not step(Status.ACCEPTED, Status.IN_PROGRESS, t2, "window"):
                return
            if transfers:
                t3 = self.work_between(t2, finish, 0.05, 0.4)
                if not step(Status.IN_PROGRESS, Status.TRANSFERRED, t3, "window", "已转街道办理"):
                    return
        who = "upper" if transfers else "window"
        if not step(app.status, Status.CONCLUDED, finish, who, spec["result"]):
            return
        self._concluded(app, finish, spec["result"])
        # The resident's rating, a few days later (three in four rate).
        if rng.random() >= 0.75:
            return
        rated = finish + timedelta(hours=rng.randint(2, 24 * 6))
        score = rng.choices((5, 4, 3, 2, 1), (70, 20, 6, 3, 1))[0]
        if fate in ("late", "very_late") and score > 3 and rng.random() < 0.5:
            score -= rng.choice((1, 2))
        if rated >= now:
            return
        reopens = score <= 2
        answers = self._answers(score)
        comment = rng.choice(LOW_COMMENTS) if score <= 2 else ""
        case.steps.append((Status.CONCLUDED, Status.RATED, rated, "applicant", f"评分 {score} 分"))
        app.status = Status.RATED
        case.rating = (score, answers, comment, rated, reopens)
        if not reopens:
            return
        reopen_at = rated + timedelta(seconds=1)
        case.steps.append(
            (
                Status.RATED,
                Status.REOPENED,
                reopen_at,
                "system",
                f"居民评价不满意（{score} 分），重新办理。",
            )
        )
        app.status = Status.REOPENED
        app.on_time = None
        again = self.work_moment(reopen_at, rng.randint(1, 4))
        if step(
            Status.REOPENED, Status.CONCLUDED, again, who, "已重新办理并电话回访，居民表示认可。"
        ):
            self._concluded(app, again, spec["result"] + "（重新办理）")

    def _concluded(self, app: Application, at: datetime, result: str) -> None:
        app.concluded_at = at
        app.result = result
        day = local_day(at)
        app.on_time = day <= app.deadline
        # The morning run raised the level once the case was past its deadline.
        app.overdue = deadlines.overdue_level(day, app.deadline, app.grave_deadline)

    def _answers(self, score: int) -> list:
        rng = self.rng
        if score >= 4:
            pool = self.answers_ok
        elif score == 3:
            pool = self.answers_bad
        else:
            pool = self.answers_bad + self.answers_reopen
        return rng.sample(pool, min(len(pool), rng.choice((1, 1, 2)))) if pool else []

    def form_data(self, spec: dict, received: date) -> dict:
        rng, out = self.rng, {}
        for code, _label, datatype, required, values, _desc in spec["fields"]:
            if not required and rng.random() < 0.4:
                continue
            if datatype == "number":
                if "元" in _label:
                    out[code] = rng.randint(3, 60) * 100
                elif "面积" in _label:
                    out[code] = rng.randint(20, 90)
                else:
                    out[code] = rng.randint(1, 6)
            elif datatype == "datetime":
                out[code] = (received - timedelta(days=rng.randint(30, 20000))).isoformat()
            elif datatype == "singlevaluelist":
                out[code] = rng.choice(values)["key"]
            elif datatype == "multivaluelist":
                out[code] = sorted(v["key"] for v in rng.sample(values, rng.randint(1, 2)))
            elif datatype == "text":
                out[code] = "家庭情况及申请理由已在窗口当面说明。"
            else:
                out[code] = _label.replace("名称", "") + "（演示）"
        return out

    # -- the demo resident ----------------------------------------------------------------------
    def _resident_story(self) -> None:
        """13800138000 at the demo 河西 center: one case concluded and waiting for a rating, one
        in progress, one returned for more material, one rated long ago."""
        user, center = self.resident, self.home
        if user is None or center is None:
            return
        p = Person(
            user.display_name or "演示居民",
            self.id_number(center.district_code, (35, 60)),
            RESIDENT_PHONE,
        )
        p.id_enc, p.id_digest = crypto.encrypt(p.id_number), crypto.digest(p.id_number)
        p.phone_enc, p.user = user.phone_encrypted, user
        self.people[center.street_code].insert(0, p)
        window = self.showcase.get(center.pk) or self.window_user[center.street_code]
        upper = self.upper_user[center.street_code]
        by_code = {s["code"]: s for s in self.specs}
        plans = [
            ("DEMO-SQ-02", 150, "normal", Status.RATED),  # months ago, rated
            ("DEMO-SQ-13", 7, "normal", Status.CONCLUDED),
            ("DEMO-SQ-10", 3, "normal", Status.IN_PROGRESS),
            ("DEMO-SQ-23", 2, "returned", Status.RETURNED),
        ]
        for code, ago, fate, want in plans:
            spec = by_code[code]
            for _attempt in range(200):
                case = self._resident_case(center, spec, p, ago, fate, window, upper)
                if case.app.status == want and not (case.rating and case.rating[4]):
                    break
            self.cases.append(case)
            self.counts["resident_cases"] += 1

    def _resident_case(self, center, spec, person, ago, fate, window, upper) -> Case:
        rng, item = self.rng, self.items[spec["code"]]
        day = self.cal.add_working_days(self.today, -min(ago, 300))
        submitted = _at(day, rng.randint(19 * 60, 22 * 60))
        received = local_day(submitted)
        days = self.limit_on(item, received)
        due, grave = self.due_dates(received, days)
        level, mode = self.offering(center, item)
        app = _app_row(
            item_id=item.pk,
            center_id=center.pk,
            region_path=center.region_path,
            street_code=center.street_code,
            district_code=center.district_code,
            handling_level=level,
            handling_mode=mode,
            channel=Channel.ONLINE,
            applicant=person.user,
            applicant_name=person.name,
            id_number_encrypted=person.id_enc,
            id_number_digest=person.id_digest,
            phone_encrypted=person.phone_enc,
            form_data=self.form_data(spec, received),
            status=Status.SUBMITTED,
            submitted_at=submitted,
            time_limit_days=days,
            deadline=due,
            grave_deadline=grave,
            is_demo=True,
        )
        case = Case(app)
        case.steps.append(("", Status.SUBMITTED, submitted, "applicant", ""))
        self._life(case, spec, window, upper, fate)
        return case

    # -- writing --------------------------------------------------------------------------------
    def _save(self) -> None:
        User.objects.bulk_create(self.new_residents, batch_size=BATCH)
        self.counts["residents"] = len(self.new_residents)
        # In order of submission; a placeholder number until the row has its id (below).
        self.cases.sort(key=lambda c: c.app.submitted_at)
        for i, case in enumerate(self.cases):
            app = case.app
            app.number = f"DEMO-{i:08d}"
            if app.status in _OPEN:  # this morning's escalation run
                app.overdue = deadlines.overdue_level(self.today, app.deadline, app.grave_deadline)
        apps = [c.app for c in self.cases]
        self.counts["applications"] = len(apps)
        names = [
            f.attname
            for f in Application._meta.concrete_fields
            if not f.primary_key and f.attname != "updated_at"
        ]
        for a in apps:
            a.applicant_id = a.applicant.pk if a.applicant is not None else None
            a.version = 1
        _insert(
            Application,
            [*names, "updated_at"],
            [(*(getattr(a, n) for n in names), self.now) for a in apps],
        )
        ids = dict(Application.objects.filter(is_demo=True).values_list("number", "id"))
        for a in apps:
            a.pk = ids[a.number]
            # The live format (services._number): SQ + the day of receipt + the row's id.
            a.number = _number(local_day(a.submitted_at), a.pk)
        write_rows(Application, apps, ["number"])
        actor_id = {"system": None}
        steps, ratings = [], []
        for case in self.cases:
            app = case.app
            actor_id["applicant"] = app.applicant_id
            actor_id["window"] = (
                self.showcase.get(app.center_id) or self.window_user[app.street_code]
            ).pk
            actor_id["upper"] = self.upper_user[app.street_code].pk
            for frm, to, at, actor, note in case.steps:
                steps.append((app.pk, app.region_path, frm, to, actor_id[actor], at, note))
            if case.rating:
                score, answers, comment, at, reopened = case.rating
                ratings.append((app.pk, app.region_path, score, comment, at, reopened, answers))
        _insert(
            Step,
            ["application", "region_path", "from_status", "to_status", "actor", "at", "note"],
            steps,
        )
        _insert(
            Rating,
            ["application", "region_path", "score", "comment", "at", "reopened"],
            [r[:6] for r in ratings],
        )
        rating_id = dict(
            Rating.objects.filter(application__is_demo=True).values_list("application_id", "id")
        )
        through = Rating.answers.through
        _insert(
            through,
            ["rating", "standardanswer"],
            [(rating_id[r[0]], a.pk) for r in ratings for a in r[6]],
        )
        self.counts["steps"] = len(steps)
        self.counts["ratings"] = len(ratings)
        status = Counter(a.status for a in apps)
        # As the statistics count 未办结: everything not closed, returned-for-material included.
        self.counts["open"] = sum(n for s, n in status.items() if s not in CLOSED)
        self.counts["overdue"] = sum(1 for a in apps if a.overdue and a.status in _OPEN)
        self.counts["overdue_3x"] = sum(1 for a in apps if a.overdue == 3 and a.status in _OPEN)

    # -- demo accounts --------------------------------------------------------------------------


_OPEN = {
    Status.SUBMITTED,
    Status.ACCEPTED,
    Status.IN_PROGRESS,
    Status.TRANSFERRED,
    Status.REOPENED,
}


def _ages(spec: dict) -> tuple[int, int]:
    code = spec["code"]
    if code in ("DEMO-SQ-10",):
        return (80, 98)
    if code in ("DEMO-SQ-02", "DEMO-SQ-11", "DEMO-SQ-17"):
        return (60, 92)
    if code in ("DEMO-SQ-13", "DEMO-SQ-12"):
        return (22, 42)
    if spec["category"] == "就业创业":
        return (18, 58)
    return (18, 86)


def _search_text(spec: dict) -> str:
    from pypinyin import Style, lazy_pinyin

    initials = "".join(lazy_pinyin(spec["name"], style=Style.FIRST_LETTER))
    return " ".join([spec["code"], spec["name"], spec["category"], initials]).lower()


def accounts(password: str) -> list[str]:
    """The demo's own accounts, made once: a window clerk at a 东丽区 community center and one
    at a 西青区 center's one-stop hall (center staff, their unit only). Returns those created."""
    from lianxin.accounts import services as accounts_services

    made = []
    for username, (district, display) in CLERKS.items():
        if User.objects.filter(username=username).exists():
            continue
        center = (
            Center.objects.filter(
                is_demo=True,
                status=CenterStatus.IN_USE,
                district_code=district,
                kind=Kind.COMMUNITY,
            )
            .select_related("region")
            .order_by("region__code")
            .first()
        )
        if center is None:
            continue
        with transaction.atomic():
            user = accounts_services.create_staff(
                None,
                username=username,
                password=password,
                display_name=f"{center.region.short_name}{display}",
                org_unit=center.region,
            )
            accounts_services.assign_role(None, user, "center_staff", center.region)
        made.append(username)
    return made


def clear() -> None:
    """Remove the services demo (before rebuilding it, or the centers under it). The bulk
    tables go with plain DELETEs in dependency order (Django's collector would load every row)."""
    clear_venues()
    apps = Application.objects.filter(Q(is_demo=True) | Q(item__is_demo=True))
    for qs in (
        Rating.answers.through.objects.filter(rating__application__in=apps),
        Rating.objects.filter(application__in=apps),
        Step.objects.filter(application__in=apps),
        Attachment.objects.filter(application__in=apps),
        apps,
    ):
        qs._raw_delete(qs.db)
    Devolution.objects.filter(is_demo=True).delete()
    ServiceItem.objects.filter(is_demo=True).delete()
    _delete_users(User.objects.filter(username__startswith=USER_PREFIX))


def _delete_users(users) -> None:
    """The demo's accounts: a plain DELETE when nothing else refers to them any more (the
    collector takes seconds over 10,000 users and 40 relations), else Django's delete."""
    relations = [
        (rel.related_model, rel.field.name)
        for rel in User._meta.related_objects
        if not rel.many_to_many
    ]
    relations += [(f.remote_field.through, f.m2m_field_name()) for f in User._meta.many_to_many]
    relations += [
        (rel.through, rel.field.m2m_reverse_field_name())
        for rel in User._meta.related_objects
        if rel.many_to_many
    ]
    if any(
        model._base_manager.filter(**{f"{name}__in": users}).exists() for model, name in relations
    ):
        users.delete()
    else:
        users._raw_delete(users.db)


def present() -> bool:
    return ServiceItem.objects.filter(is_demo=True).exists()


# ------------------------------------------------------------------------------ rooms, activities

# Where rooms are in use all year (the article's examples): 红桥区's elderly day care and children's
# homes, party days and culture and sports in 河西区; 东丽区 and 西青区 lighter.
ROOM_DISTRICTS = {data.HONGQIAO: 1.0, data.HEXI: 1.0, data.DONGLI: 0.4, data.XIQING: 0.4}
ACTIVITY_RESIDENTS_PER_STREET = 40
LIGHT_RESIDENTS_PER_STREET = 6  # elsewhere: residents who book a room now and then
AHEAD_DAYS = 27  # activities are published through the coming four weeks
TODAY_SHARE = 0.05  # centers with an activity today (and always the demo 河西 center)
BOOKING_FIELDS = [
    "room",
    "room_name",
    "center",
    "region_path",
    "resident",
    "day",
    "starts_at",
    "ends_at",
    "purpose",
    "party_size",
    "status",
    "created_at",
    "cancelled_at",
    "cancelled_by",
    "version",
]
FULL_SHARE = 0.05  # upcoming activities full, with residents on the waitlist
NEARLY_FULL_SHARE = 0.25
PARTY_DAY_TOPICS = [
    "学习贯彻党的创新理论专题学习",
    "重温入党誓词",
    "“我为群众办实事”志愿服务",
    "党员联系服务群众走访",
    "观看红色教育影片",
    "社区党员议事会",
]
CULTURE = [
    ("太极拳晨练班", 8, 16),
    ("社区合唱团排练", 8, 15),
    ("书法绘画交流", 6, 12),
    ("广场舞培训", 8, 16),
    ("乒乓球友谊赛", 6, 12),
    ("老年智能手机使用课堂", 6, 12),
]
ELDERLY = [
    "健康讲座：慢病管理",
    "老年助餐：营养配餐",
    "义诊：测血压、血糖",
    "手工编织活动",
    "防范养老诈骗宣讲",
    "生日会：本月寿星",
]
CHILDREN = [
    "四点半课堂：作业辅导",
    "亲子阅读会",
    "科学小实验",
    "非遗剪纸体验",
    "安全知识小课堂",
    "周末手工坊",
]
BOOKING_PURPOSES = [
    ("楼门长例会", 6, 15),
    ("业主议事协商", 8, 20),
    ("书画兴趣小组活动", 5, 12),
    ("合唱排练", 10, 20),
    ("志愿者培训", 8, 20),
    ("老年棋牌活动", 4, 10),
]


def _venues_models():
    try:
        from lianxin.venues import models as venues
    except ImportError:  # the venues app is not there yet
        return None
    return venues


def build_venues(demo: ServicesDemo) -> dict:
    """Opening hours for the centers shown in depth; a year of activities (with sign-ups and
    attendance) and bookings in the districts of ROOM_DISTRICTS, and the coming four weeks
    (published, sign-up open, some nearly full, a few full with a waitlist, a few today);
    bookings in the last 30 days and the coming three weeks at every center with bookable rooms;
    the demo resident's booking, sign-up and waitlist place. Every room slot is held once
    (BookingSlot), as the booking service would."""
    venues = _venues_models()
    if venues is None:
        return {}
    return RoomsDemo(demo, venues).run()


class RoomsDemo:
    def __init__(self, demo: ServicesDemo, venues):
        self.d, self.v = demo, venues
        self.rng = random.Random(demo.seed + 1)
        self.held: set[tuple[int, datetime]] = set()  # (room, slot start)
        self.slots: list = []

    def run(self) -> dict:
        from lianxin.centers.models import Room
        from lianxin.venues.hours import DEFAULT_WEEK, grid
        from lianxin.venues.hours import at as local_at

        self.local_at, self.grid, self.default_week = local_at, grid, DEFAULT_WEEK
        d = self.d
        self.weeks = self._hours()
        d.rooms_demo_weeks = self.weeks  # the notices post them
        rooms: dict[int, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        in_depth = [c for c in d.centers if c.district_code in ROOM_DISTRICTS]
        for room in (
            Room.objects.filter(center__in=in_depth).select_related("room_type").order_by("pk")
        ):
            rooms[room.center_id][room.room_type.code].append(room)
        # Elsewhere only the bookable rooms, as plain values (30,000 rooms as models cost seconds).
        ids = {c.pk for c in d.centers if c.district_code not in ROOM_DISTRICTS}
        for pk, center_id, name, capacity in (
            Room.objects.filter(
                bookable=True, center__is_demo=True, center__status=CenterStatus.IN_USE
            )
            .exclude(center__district_code__in=list(ROOM_DISTRICTS))
            .order_by("pk")
            .values_list("pk", "center_id", "name", "capacity")
        ):
            if center_id in ids:
                room = SimpleNamespace(pk=pk, name=name, capacity=capacity, bookable=True)
                rooms[center_id]["bookable"].append(room)
        self.rooms = rooms
        light = [
            c for c in d.centers if c.district_code not in ROOM_DISTRICTS and self._bookable(c.pk)
        ]
        self._residents(in_depth, light)
        # Where the demo resident waits for a place: another 河西 center's next activity is full.
        home = d.home.pk if d.home is not None else None
        others = [c for c in in_depth if c.district_code == data.HEXI and c.pk != home]
        near = [c for c in others if d.home is not None and c.street_code == d.home.street_code]
        self.waitlist_center = (near or others or [None])[0]
        activities, signups, bookings = [], [], []
        for center in in_depth:
            a, s = self._activities(center)
            activities += a
            signups += s
            bookings += self._bookings(center)
        for center in light:
            bookings += self._recent_and_upcoming(center, per_period=(2, 1))
        mine = self._resident_rows(activities, bookings, signups)
        v = self.v
        # Activities and bookings as plain rows (40,000 model instances cost seconds; and
        # created_at, auto_now_add, goes in as it was). Activities get their ids back by center,
        # start and title (unique in the demo), live bookings by room and start (their slots
        # make that unique).
        fields = [f for f in v.Activity._meta.concrete_fields if not f.primary_key]
        _insert(
            v.Activity,
            [f.name for f in fields],
            [[getattr(a, f.attname) for f in fields] for a, _s in activities],
        )
        ids = {
            key[:3]: key[3]
            for key in v.Activity.objects.filter(center__is_demo=True).values_list(
                "center_id", "starts_at", "title", "id"
            )
        }
        for a, _s in activities:
            a.pk = ids[(a.center_id, a.starts_at, a.title)]
        _insert(
            v.Booking,
            BOOKING_FIELDS,
            [[getattr(b, f) for f in BOOKING_FIELDS] for b, _s in bookings],
        )
        ids = {
            (room, start): pk
            for room, start, pk in v.Booking.objects.filter(center__is_demo=True)
            .exclude(status=v.BookingStatus.CANCELLED)
            .values_list("room_id", "starts_at", "id")
        }
        for b, starts in bookings:
            if starts:
                b.pk = ids[(b.room, b.starts_at)]
        slots = [(a.room_id, s, None, a.pk) for a, starts in activities for s in starts]
        slots += [(b.room, s, b.pk, None) for b, starts in bookings for s in starts]
        _insert(v.BookingSlot, ["room", "starts_at", "booking", "activity"], slots)
        _insert(
            v.SignUp,
            [
                "activity",
                "region_path",
                "resident",
                "status",
                "created_at",
                "confirmed_at",
                "attended_at",
                "cancelled_at",
            ],
            [(s[0].pk, *s[1:]) for s in signups],
        )
        analyze(v.OpeningHours, v.Activity, v.Booking, v.BookingSlot, v.SignUp)
        return {
            "hours": self.hour_rows,
            "activities": len(activities),
            "upcoming_activities": sum(1 for a, _s in activities if a.ends_at > d.now),
            "signups": len(signups),
            "bookings": len(bookings),
            "slots": len(slots),
            "resident_venue_rows": mine,
        }

    def _bookable(self, center_id: int) -> list:
        return [r for rs in self.rooms.get(center_id, {}).values() for r in rs if r.bookable]

    # -- opening hours --------------------------------------------------------------------------
    def _hours(self) -> dict[int, dict[int, list]]:
        """Structured hours for the centers of the districts shown in depth (the others keep
        the venues app's default week)."""
        v, rng = self.v, self.rng
        rows, weeks = [], {}
        shown = set(ROOM_DISTRICTS) | set(NOTICE_DISTRICTS)
        for center in self.d.centers:
            if center.district_code not in shown:
                continue
            since = self.d.first_day - timedelta(days=rng.randint(30, 200))
            week = {
                wd: [(time(8, 30), time(12, 0)), (time(13, 30), time(17, 30))] for wd in range(5)
            }
            if rng.random() < 0.5:
                week = {wd: [(time(8, 30), time(17, 30))] for wd in range(5)}
            week[5] = [(time(9, 0), time(12, 0))]
            if center.district_code in (data.HONGQIAO, data.HEXI) and rng.random() < 0.5:
                # Evenings for those who work: culture rooms open after work twice a week.
                for wd in (1, 3):
                    week[wd] = [*week[wd], (time(18, 30), time(20, 30))]
            if center.district_code == data.XIQING or rng.random() < 0.15:
                week[6] = [(time(9, 0), time(12, 0))]  # one-stop halls open Sunday mornings
            weeks[center.pk] = week
            for wd, intervals in week.items():
                for opens, closes in intervals:
                    rows.append((center.pk, center.region_path, wd, opens, closes, since))
        _insert(
            v.OpeningHours,
            ["center", "region_path", "weekday", "opens", "closes", "valid_from"],
            rows,
        )
        self.hour_rows = len(rows)
        return weeks

    def open_slots(self, center, day: date) -> list[tuple[time, time]]:
        week = self.weeks.get(center.pk, self.default_week)
        return self.grid(week.get(day.weekday(), []))

    def hold(self, room, starts_at: datetime, ends_at: datetime) -> list[datetime] | None:
        from lianxin.venues.hours import slot_starts

        starts = slot_starts(starts_at, ends_at)
        if any((room.pk, s) in self.held for s in starts):
            return None
        self.held.update((room.pk, s) for s in starts)
        return starts

    def _residents(self, in_depth, light) -> None:
        """Residents who come to activities and book rooms: the street's applicants with
        accounts and more (fewer where only rooms are booked)."""
        d = self.d
        by_street: dict[str, list[User]] = defaultdict(list)
        for street, people in d.people.items():
            by_street[street] = [p.user for p in people if p.user is not None and p.user.pk]
        need = {c.street_code: LIGHT_RESIDENTS_PER_STREET for c in light}
        need.update({c.street_code: ACTIVITY_RESIDENTS_PER_STREET for c in in_depth})
        extra = []
        for street in sorted(need):
            for _ in range(max(0, need[street] - len(by_street[street]))):
                phone = d.phone()
                digest = crypto.digest(phone)
                d.taken_phones.add(digest)
                u = User(
                    username=f"{USER_PREFIX}a{len(extra) + 1:06d}",
                    display_name=d.name(),
                    kind=AccountKind.RESIDENT,
                    phone_encrypted=crypto.encrypt(phone),
                    phone_digest=digest,
                    password="!",
                )
                extra.append(u)
                by_street[street].append(u)
        User.objects.bulk_create(extra, batch_size=BATCH)
        self.extra_residents = len(extra)
        self.by_street = by_street

    # -- activities -----------------------------------------------------------------------------
    def _activities(self, center) -> tuple[list, list]:
        rng, d = self.rng, self.d
        share = ROOM_DISTRICTS[center.district_code]
        rooms = self.rooms[center.pk]
        out, signups = [], []
        # (kind, title, room, day, start, end, capacity, attendance range, day fixed)
        plans = []
        AK = self.v.ActivityKind
        party = (rooms.get("party_room") or rooms.get("meeting_room") or [None])[0]
        culture = (rooms.get("culture_sports") or [None])[0]
        months = range(12) if share == 1.0 else range(0, 12, 6)
        for m in months:
            day = d.first_day + timedelta(days=30 * m + rng.randint(0, 27))
            plans.append(self._party(party, day))
        for m in range(0, 12, 2 if share == 1.0 else 4):
            day = d.first_day + timedelta(days=30 * m + rng.randint(0, 27))
            plans.append(self._culture(culture, day))
        # The coming four weeks: this month's party day, culture and sports, some of it today.
        if share == 1.0:
            plans.append(self._party(party, d.today + timedelta(days=rng.randint(1, AHEAD_DAYS))))
        for _ in range(2 if share == 1.0 else 1):
            plans.append(
                self._culture(culture, d.today + timedelta(days=rng.randint(1, AHEAD_DAYS)))
            )
        if (d.home is not None and center.pk == d.home.pk) or rng.random() < TODAY_SHARE:
            plans.append(self._culture(culture, d.today, fixed=True))
        if center.district_code == data.HONGQIAO:
            # Day care on Tuesdays and the children's home on Saturdays: every fourth week in
            # the year's record, then weekly from a month ago through the coming weeks.
            care = (rooms.get("elderly_daycare") or [None])[0]
            kids = (rooms.get("children_home") or [None])[0]
            start = d.first_day + timedelta(days=(1 - d.first_day.weekday()) % 7)  # a Tuesday
            weekly_from = d.today - timedelta(weeks=4)
            tuesdays = []
            for w in range(0, 52, 4):
                day = start + timedelta(weeks=w + rng.choice((0, 1)))
                if day < weekly_from:
                    tuesdays.append(day)
            day = weekly_from + timedelta(days=(1 - weekly_from.weekday()) % 7)
            while day <= d.today + timedelta(days=AHEAD_DAYS):
                tuesdays.append(day)
                day += timedelta(weeks=1)
            for day in tuesdays:
                title = f"日间照料：{rng.choice(ELDERLY)}"
                plans.append(
                    (AK.ELDERLY, title, care, day, time(9, 30), time(11, 0), 20, (4, 10), True)
                )
                title = f"儿童之家：{rng.choice(CHILDREN)}"
                sat = day + timedelta(days=4)
                plans.append(
                    (AK.CHILDREN, title, kids, sat, time(9, 30), time(11, 0), 15, (3, 8), True)
                )
        people = self.by_street[center.street_code]
        # The demo resident's places are laid out by _resident_rows, not drawn at random.
        resident = d.resident.pk if d.resident is not None else None
        pool = [p for p in people if p.pk != resident]
        force_full = self.waitlist_center is not None and center.pk == self.waitlist_center.pk
        seen: set[tuple[datetime, str]] = set()
        for kind, title, room, day, start, end, capacity, attend, fixed in plans:
            if not fixed and day.weekday() >= 5:  # held on a weekday
                if day > d.today:
                    day += timedelta(days=7 - day.weekday())
                else:
                    day -= timedelta(days=day.weekday() - 4)
            if day > d.today + timedelta(days=AHEAD_DAYS + 2):
                continue
            if room is not None:
                capacity = min(capacity, room.capacity or capacity)
            starts_at, ends_at = self.local_at(day, start), self.local_at(day, end)
            if (starts_at, title) in seen:
                continue  # the same programme twice: once is enough (and keys the row's id)
            seen.add((starts_at, title))
            held = self.hold(room, starts_at, ends_at) if room is not None else []
            if held is None:
                continue  # the room is taken then: the activity goes without a room
            past = ends_at <= d.now
            created = starts_at - timedelta(days=rng.randint(15, 20))
            opens = starts_at - timedelta(days=14)
            if created >= d.now:  # published lately, for weeks ahead
                created = d.now - timedelta(hours=rng.randint(2, 72))
            if opens >= d.now:  # sign-up opens with the publication
                opens = created + timedelta(minutes=10)
            by = d.showcase.get(center.pk) or d.window_user.get(center.street_code)
            a = SimpleNamespace(  # an Activity's columns by attname (ACTIVITY_FIELDS)
                center_id=center.pk,
                region_path=center.region_path,
                kind=kind,
                title=title,
                description="演示数据：" + title,
                room_id=room.pk if room is not None else None,
                starts_at=starts_at,
                ends_at=ends_at,
                capacity=max(capacity, 1),
                signup_opens_at=opens,
                signup_closes_at=starts_at - timedelta(hours=2),
                checkin_code=f"{rng.randint(0, 999999):06d}",
                status=self.v.ActivityStatus.FINISHED if past else self.v.ActivityStatus.PUBLISHED,
                created_by_id=by.pk if by is not None else None,
                created_at=created,
                updated_at=created,
                version=1,
            )
            out.append((a, held or []))
            if past:
                n = min(rng.randint(*attend), len(people), a.capacity)
                for who in rng.sample(people, n):
                    signups.append(self._signup(a, who, past))
            else:
                # The demo resident's own center keeps room for them (see _resident_rows).
                signups += self._upcoming_signups(a, pool, force_full, full_ok=center != d.home)
                force_full = False
        return out, signups

    def _party(self, room, day: date) -> tuple:
        title = f"主题党日：{self.rng.choice(PARTY_DAY_TOPICS)}"
        capacity = room.capacity if room else 30
        kind = self.v.ActivityKind.PARTY_DAY
        return (kind, title, room, day, time(9, 0), time(11, 0), capacity, (4, 12), False)

    def _culture(self, room, day: date, fixed: bool = False) -> tuple:
        title, lo, hi = self.rng.choice(CULTURE)
        kind = self.v.ActivityKind.CULTURE_SPORTS
        return (kind, title, room, day, time(14, 30), time(16, 30), hi, (lo, hi), fixed)

    def signup_times(self, a, k: int) -> list[datetime]:
        """`k` sign-up moments while sign-up was open (before `now`), in order."""
        rng = self.rng
        start = a.signup_opens_at
        end = min(a.signup_closes_at, self.d.now) - timedelta(minutes=5)
        if end <= start:
            return []
        span = int((end - start).total_seconds())
        return sorted(start + timedelta(seconds=rng.randint(0, span)) for _ in range(k))

    def _upcoming_signups(self, a, pool: list, force_full: bool, full_ok: bool = True) -> list:
        """Places taken so far on an activity still to come: some half empty, some nearly
        full, a few full with residents waiting (confirmed first, the waitlist after, in order
        of sign-up). Nobody has attended yet."""
        rng, S = self.rng, self.v.SignUpStatus
        r = rng.random()
        waiting = 0
        if force_full or (full_ok and r < FULL_SHARE):
            a.capacity = max(1, min(a.capacity, len(pool) - 4))
            confirmed, waiting = a.capacity, rng.randint(1, 3)
        elif r < FULL_SHARE + NEARLY_FULL_SHARE:
            confirmed = a.capacity - rng.randint(1, 2)
        else:
            confirmed = round(a.capacity * rng.uniform(0.2, 0.6))
        confirmed = max(0, min(confirmed, len(pool)))
        waiting = min(waiting, len(pool) - confirmed)
        times = self.signup_times(a, confirmed + waiting)
        rows = []
        for i, (who, at) in enumerate(zip(rng.sample(pool, len(times)), times, strict=True)):
            if i < confirmed:
                rows.append([a, a.region_path, who.pk, S.CONFIRMED, at, at, None, None])
            else:
                rows.append([a, a.region_path, who.pk, S.WAITLISTED, at, None, None, None])
        return rows

    def _signup(self, a, who, past: bool) -> list:
        """[activity, region_path, resident id, status, created, confirmed, attended, cancelled]"""
        rng, S = self.rng, self.v.SignUpStatus
        created = a.signup_opens_at + timedelta(minutes=rng.randint(5, 60 * 24 * 12))
        created = min(created, self.d.now - timedelta(minutes=rng.randint(10, 600)))
        row = [a, a.region_path, who.pk, S.CONFIRMED, created, created, None, None]
        if past:
            r = rng.random()
            if r < 0.86:
                row[3], row[6] = S.ATTENDED, a.starts_at + timedelta(minutes=rng.randint(-15, 10))
            elif r < 0.93:
                row[3], row[7] = S.CANCELLED, created + timedelta(hours=rng.randint(1, 48))
        return row

    # -- bookings -------------------------------------------------------------------------------
    def _bookings(self, center) -> list:
        rng, d = self.rng, self.d
        share = ROOM_DISTRICTS[center.district_code]
        bookable = self._bookable(center.pk)
        out = []
        per_room = 6 if share == 1.0 else 2  # a year
        for room in bookable:
            for _ in range(per_room):
                day = d.first_day + timedelta(days=rng.randrange(365 + 14))
                booking = self._try_booking(center, room, day)
                if booking is not None:
                    out.append(booking)
        return out + self._recent_and_upcoming(
            center, per_period=(3, 2) if share == 1.0 else (2, 1)
        )

    def _recent_and_upcoming(self, center, per_period: tuple[int, int]) -> list:
        """Bookings in use in the last four weeks and booked for the coming three (the venues
        statistics default to the last 30 days): at least `per_period` of each, not cancelled."""
        rng, d = self.rng, self.d
        bookable = self._bookable(center.pk)
        out = []
        if not bookable:
            return out
        for (lo, hi), want in zip(((-28, -1), (1, 21)), per_period, strict=True):
            live = 0
            for _attempt in range(want * 8):
                if live >= want:
                    break
                day = d.today + timedelta(days=rng.randint(lo, hi))
                booking = self._try_booking(center, rng.choice(bookable), day)
                if booking is None:
                    continue
                out.append(booking)
                live += booking[0].status != self.v.BookingStatus.CANCELLED
        return out

    def _try_booking(self, center, room, day: date):
        """(booking, slots held) for a free stretch of `room` on `day`, or None."""
        rng, v = self.rng, self.v
        people = self.by_street[center.street_code]
        slots = self.open_slots(center, day)
        if len(slots) < 2 or not people:
            return None
        length = rng.choice((2, 2, 3, 4))
        i = rng.randrange(max(1, len(slots) - length + 1))
        chosen = slots[i : i + length]
        # Slots of one booking must be back to back (no lunch break inside).
        if any(a[1] != b[0] for a, b in zip(chosen, chosen[1:], strict=False)):
            return None
        starts_at = self.local_at(day, chosen[0][0])
        ends_at = self.local_at(day, chosen[-1][1])
        held = self.hold(room, starts_at, ends_at)
        if held is None:
            return None
        purpose, lo, hi = rng.choice(BOOKING_PURPOSES)
        b = self._booking(
            center, room, rng.choice(people), day, starts_at, ends_at, purpose, lo, hi
        )
        if b.status == v.BookingStatus.CANCELLED:
            self.held.difference_update((room.pk, s) for s in held)
            held = []
        return b, held

    def _booking(self, center, room, who, day, starts_at, ends_at, purpose, lo, hi):
        """A booking's columns (BOOKING_FIELDS), foreign keys as ids."""
        rng, d, B = self.rng, self.d, self.v.BookingStatus
        b = SimpleNamespace(
            room=room.pk,
            room_name=room.name,
            center=center.pk,
            region_path=center.region_path,
            resident=who.pk,
            day=day,
            starts_at=starts_at,
            ends_at=ends_at,
            purpose=purpose,
            party_size=min(rng.randint(lo, hi), room.capacity or hi),
            status=B.BOOKED,
            cancelled_at=None,
            cancelled_by=None,
            version=1,
        )
        b.created_at = starts_at - timedelta(days=rng.randint(1, 20), hours=rng.randint(0, 10))
        if b.created_at >= d.now:
            b.created_at = d.now - timedelta(hours=rng.randint(1, 30))
        r = rng.random()
        if r < 0.07:
            b.status = B.CANCELLED
            b.cancelled_at = b.created_at + (starts_at - b.created_at) * rng.uniform(0.2, 0.9)
            if b.cancelled_at >= d.now:
                b.cancelled_at = b.created_at + (d.now - b.created_at) * rng.uniform(0.2, 0.9)
            b.cancelled_by = who.pk
        elif ends_at <= d.now:
            b.status = B.USED if r < 0.93 else B.NO_SHOW
        return b

    # -- the demo resident ----------------------------------------------------------------------
    def _resident_rows(self, activities, bookings, signups) -> int:
        """13800138000: a room booked for next week at the demo 河西 center, places in its
        next activities with room left (today's, where check-in opens half an hour before, and
        one on a later day), and a place on the waitlist of a full activity at a neighbouring
        center."""
        d, S = self.d, self.v.SignUpStatus
        user, center = d.resident, d.home
        if user is None or center is None or center.pk not in self.weeks:
            return 0
        made = 0
        rooms = self._bookable(center.pk)
        for offset in range(3, 20):
            day = d.today + timedelta(days=offset)
            slots = self.open_slots(center, day)
            if not rooms or len(slots) < 2:
                continue
            room = rooms[0]
            starts_at = self.local_at(day, slots[2][0] if len(slots) > 3 else slots[0][0])
            ends_at = starts_at + timedelta(hours=1)
            if (starts_at.astimezone(SHANGHAI) + timedelta(minutes=30)).time() not in {
                s[0] for s in slots
            }:
                continue
            held = self.hold(room, starts_at, ends_at)
            if held is None:
                continue
            b = self._booking(center, room, user, day, starts_at, ends_at, "家庭读书分享会", 3, 6)
            b.status, b.cancelled_at, b.cancelled_by = self.v.BookingStatus.BOOKED, None, None
            bookings.append((b, held))
            made += 1
            break
        by_activity: dict[int, list] = defaultdict(list)
        for s in signups:
            by_activity[id(s[0])].append(s)
        upcoming = sorted(
            (a for a, _h in activities if a.starts_at > d.now and a.signup_opens_at < d.now),
            key=lambda a: a.starts_at,
        )
        # Places at home: the first activity with room left (today's, to check in to) and the
        # next one on a later day (still to come whenever the demo is looked at).
        after = None
        for a in upcoming:
            taken = [s for s in by_activity[id(a)] if s[3] == S.CONFIRMED]
            if a.center_id != center.pk or len(taken) >= a.capacity:
                continue
            day = local_day(a.starts_at)
            if after is not None and day <= after:
                continue
            at = self.signup_times(a, 1)
            if not at:
                continue
            signups.append([a, a.region_path, user.pk, S.CONFIRMED, at[0], at[0], None, None])
            made += 1
            if day > d.today:
                break
            after = day
        # On the waitlist next door: the last in line of a full activity.
        other = self.waitlist_center
        for a in upcoming:
            rows = by_activity[id(a)]
            if other is None or a.center_id != other.pk:
                continue
            if sum(s[3] == S.CONFIRMED for s in rows) < a.capacity:
                continue
            last = max(s[4] for s in rows)
            closes = min(a.signup_closes_at, d.now)
            if last + timedelta(minutes=2) >= closes:
                continue
            at = last + (closes - last) * self.rng.uniform(0.1, 0.9)
            signups.append([a, a.region_path, user.pk, S.WAITLISTED, at, None, None, None])
            made += 1
            break
        return made


# ------------------------------------------------------------------------------------- notices

NOTICE_DISTRICTS = [data.HEXI, data.DONGLI, data.XIQING, data.HONGQIAO, "120105000000"]
WEEKDAYS = "一二三四五六日"
# The two lists of a center's service information (the tests read them back).
SERVICE_INFO_CONCLUDED = "在本中心办结的事项："
SERVICE_INFO_PASSED_ON = "本中心受理、转街道办理的事项："
RULES = """一、功能室向辖区居民免费开放，可在“连心桥”居民端或服务窗口预约，预约以半小时为单位。
二、使用时请爱护设施设备，保持室内整洁，离开时关闭门窗、照明和空调。
三、活动人数不得超过功能室容纳人数；室内禁止吸烟、明火和大功率电器。
四、预约后不能按时使用的，请提前在居民端或窗口取消，把时段让给其他居民。
五、老年日间照料、儿童之家活动须有工作人员或志愿者在场。"""


def _listing(names: list[str]) -> str:
    return "\n".join(f"{n}. {name}" for n, name in enumerate(names, start=1)) or "暂无"


def _hours_text(week: dict) -> str:
    lines = []
    for wd in range(7):
        intervals = week.get(wd) or []
        text = "、".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in intervals) or "闭馆"
        lines.append(f"星期{WEEKDAYS[wd]}：{text}")
    return "\n".join(lines)


def build_notices(demo: ServicesDemo) -> dict:
    """Each center of NOTICE_DISTRICTS posts its service information, rules of use, opening hours
    and this week's staff on duty; 东丽区 and 西青区 post their devolution at district level."""
    try:
        from lianxin.portal.models import Notice, NoticeKind
    except ImportError:  # the portal app is not there yet
        return {}
    d = demo
    rng = random.Random(d.seed + 2)
    weeks = getattr(d, "rooms_demo_weeks", {})
    monday = d.today - timedelta(days=d.today.weekday())
    posted = d.now - timedelta(days=1)
    names = {i.pk: i.name for i in d.items.values()}
    rows = []
    for district in NOTICE_DISTRICTS:
        region = d.regions.get(district)
        devolved = d.devolved.get(district, {})
        if region is None or not devolved or district not in (data.DONGLI, data.XIQING):
            continue
        listing = _listing([names[i] for i in devolved])
        intro = data.DONGLI_NOTE if district == data.DONGLI else data.XIQING_NOTE
        rows.append(
            Notice(
                region=region,
                region_path=region.path,
                kind=NoticeKind.SERVICE_INFO,
                title=f"{region.name}下放村（社区）服务事项清单",
                body=f"{intro}\n\n{listing}",
                valid_from=DEVOLVED_FROM[district],
                published_by=None,
                published_at=_at(DEVOLVED_FROM[district], 9 * 60),
                is_demo=True,
            )
        )
    from .queries import center_level, items_at

    routing: dict[tuple[str, str], tuple[list[str], list[str]]] = {}
    for center in d.centers:
        if center.district_code not in NOTICE_DISTRICTS:
            continue
        who = d.showcase.get(center.pk) or d.window_user.get(center.street_code)
        # What the center page lists (queries.items_at), so the notice and the page agree;
        # routing depends only on the district and the window's level.
        key = (center.district_code, center_level(center))
        if key not in routing:
            offered = items_at(center, d.today)
            routing[key] = (
                [i.name for i, _l, mode in offered if mode not in TRANSFERRED_MODES],
                [i.name for i, _l, mode in offered if mode in TRANSFERRED_MODES],
            )
        concluded, passed_on = routing[key]
        one_stop = (
            "本中心设一站式服务大厅，一个大厅对外、一条龙服务、一站式办结。\n"
            if center.district_code == data.XIQING
            else ""
        )
        base = dict(
            region_id=center.region_id,
            region_path=center.region_path,
            center=center,
            published_by=who,
            published_at=posted,
            is_demo=True,
        )
        since = d.first_day - timedelta(days=rng.randint(10, 90))
        rows.append(
            Notice(
                kind=NoticeKind.SERVICE_INFO,
                title=f"{center.name}服务事项公示",
                body=(
                    f"{one_stop}本中心一窗受理全部服务事项。\n\n"
                    f"{SERVICE_INFO_CONCLUDED}\n{_listing(concluded)}\n\n"
                    f"{SERVICE_INFO_PASSED_ON}\n{_listing(passed_on)}\n\n"
                    "网上申请的办理进度可在“连心桥”居民端查看；窗口申请的，可凭办件编号电话咨询。"
                    f"\n咨询电话：{center.phone}"
                ),
                valid_from=since,
                **base,
            )
        )
        rows.append(
            Notice(
                kind=NoticeKind.RULES, title="功能室使用制度", body=RULES, valid_from=since, **base
            )
        )
        week = weeks.get(center.pk)
        if week:
            rows.append(
                Notice(
                    kind=NoticeKind.HOURS,
                    title="开放时间",
                    body=_hours_text(week) + "\n法定节假日开放安排以中心门口张贴的通知为准。",
                    valid_from=since,
                    **base,
                )
            )
        duty = [d.name() for _ in range(5)]
        rows.append(
            Notice(
                kind=NoticeKind.ON_DUTY,
                title=f"本周值班人员（{monday:%m月%d日}起）",
                body="\n".join(f"星期{WEEKDAYS[i]}：{duty[i]}" for i in range(5))
                + f"\n值班电话：{center.phone}",
                valid_from=monday,
                valid_to=monday + timedelta(days=7),
                **base,
            )
        )
    Notice.objects.bulk_create(rows, batch_size=BATCH)
    return {"notices": len(rows)}


def clear_venues() -> None:
    """The demo's rows in the venues and portal apps (they stand on the demo centers)."""
    venues = _venues_models()
    if venues is not None:
        centers = Center.objects.filter(is_demo=True)
        for qs in (
            venues.BookingSlot.objects.filter(room__center__in=centers),
            venues.SignUp.objects.filter(activity__center__in=centers),
            venues.Activity.objects.filter(center__in=centers),
            venues.Booking.objects.filter(center__in=centers),
            venues.OpeningHours.objects.filter(center__in=centers),
        ):
            qs._raw_delete(qs.db)
    try:
        from lianxin.portal.models import Notice
    except ImportError:
        return
    Notice.objects.filter(is_demo=True).delete()
