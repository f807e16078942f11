"""Builders for the campaign's rows (and the permission matrix's factories for them)."""

from __future__ import annotations

from datetime import date
from itertools import count

from lianxin.core.tests.factories import make_center, org_factory

_serial = count(1)


def campaign():
    from lianxin.campaign.models import Campaign
    from lianxin.regions.models import Region

    obj, _ = Campaign.objects.get_or_create(
        code="test-campaign",
        defaults={
            "name": "测试攻坚",
            "region": Region.objects.get(code="120000000000"),
            "kinds": ["village", "community"],
            "starts_on": date(2019, 1, 7),
            "target_date": date(2030, 6, 28),
        },
    )
    return obj


def center_of(village):
    from lianxin.centers.models import Center

    return Center.objects.filter(region=village).first() or make_center(village)


def plan(village, **fields):
    """A plan with the renovate schedule, laid out by the service (as a district would)."""
    from lianxin.accounts.models import User
    from lianxin.campaign import services

    center = center_of(village)
    existing = center.plans.filter(campaign=campaign()).first()
    if existing:
        return existing
    data = {"works_type": "renovate", "deadline": date(2030, 6, 28)} | fields
    return services.create_plan(User.objects.get(username="root"), campaign(), center, data)


def leader(region_obj, **fields):
    from lianxin.campaign.models import Leader

    values = {
        "name": f"包保领导{next(_serial)}",
        "position": "区委常委",
        "region": region_obj,
        "region_path": region_obj.path,
    } | fields
    return Leader.objects.create(**values)


def visit(village, **fields):
    from lianxin.campaign.models import Visit

    center = center_of(village)
    values = {
        "region": village,
        "region_path": village.path,
        "center": center,
        "kind": "unannounced",
        "visited_on": date(2024, 5, 1),
        "team": "矩阵暗访组",
    } | fields
    return Visit.objects.create(**values)


@org_factory("campaign.Commitment")
def _commitment(village):
    from lianxin.campaign.models import Commitment

    district = next(r for r in village.ancestors() if r.level == 3)
    obj, _ = Commitment.objects.get_or_create(
        campaign=campaign(),
        district=district,
        defaults={
            "region_path": district.path,
            "target_count": 10,
            "target_date": date(2020, 4, 30),
        },
    )
    return obj


@org_factory("campaign.Plan")
def _plan(village):
    return plan(village)


@org_factory("campaign.Milestone")
def _milestone(village):
    return plan(village).milestones.first()


@org_factory("campaign.ProgressReport")
def _report(village):
    from lianxin.campaign.models import ProgressReport

    p = plan(village)
    return ProgressReport.objects.create(
        milestone=p.milestones.first(),
        plan=p,
        region_path=p.region_path,
        progress=10,
        reported_on=date(2024, 5, 1),
    )


@org_factory("campaign.ProgressPhoto")
def _progress_photo(village):
    from django.core.files.base import ContentFile

    from lianxin.campaign.models import ProgressPhoto

    report = _report(village)
    photo = ProgressPhoto(report=report, region_path=report.region_path)
    photo.image.save("p.png", ContentFile(b"\x89PNG\r\n\x1a\n" + b"0" * 16), save=True)
    return photo


@org_factory("campaign.SignOff")
def _signoff(village):
    from lianxin.campaign.models import SignOff

    p = plan(village)
    return SignOff.objects.get_or_create(plan=p, defaults={"region_path": p.region_path})[0]


@org_factory("campaign.SignOffPhoto")
def _signoff_photo(village):
    from django.core.files.base import ContentFile

    from lianxin.campaign.models import SignOffPhoto

    signoff = _signoff(village)
    photo = SignOffPhoto(signoff=signoff, region_path=signoff.region_path, kind="signage")
    photo.image.save("s.png", ContentFile(b"\x89PNG\r\n\x1a\n" + b"0" * 16), save=True)
    return photo


@org_factory("campaign.Leader")
def _leader(village):
    return leader(village.parent)


@org_factory("campaign.LeaderAssignment")
def _assignment(village):
    from lianxin.campaign.models import LeaderAssignment

    return LeaderAssignment.objects.create(
        leader=leader(village.parent),
        region=village,
        region_path=village.path,
        since=date(2019, 1, 7),
    )


@org_factory("campaign.Visit")
def _visit(village):
    return visit(village)


@org_factory("campaign.Rectification")
def _rectification(village):
    from lianxin.campaign.models import Rectification

    v = visit(village)
    return Rectification.objects.create(
        visit=v, region_path=v.region_path, finding="标识不统一", due_on=date(2024, 6, 1)
    )


@org_factory("campaign.RectificationPhoto")
def _rectification_photo(village):
    from django.core.files.base import ContentFile

    from lianxin.campaign.models import RectificationPhoto

    r = _rectification(village)
    photo = RectificationPhoto(rectification=r, region_path=r.region_path)
    photo.image.save("r.png", ContentFile(b"\x89PNG\r\n\x1a\n" + b"0" * 16), save=True)
    return photo


@org_factory("campaign.Meeting")
def _meeting(village):
    from lianxin.campaign.models import Meeting

    return Meeting.objects.create(
        region=village, region_path=village.path, title="矩阵例会", held_on=date(2024, 5, 1)
    )


@org_factory("campaign.ActionItem")
def _action_item(village):
    from lianxin.campaign.models import ActionItem

    m = _meeting(village)
    return ActionItem.objects.create(
        meeting=m, region_path=m.region_path, text="矩阵事项", due_on=date(2024, 6, 1)
    )


@org_factory("campaign.Bulletin")
def _bulletin(village):
    from django.core.files.base import ContentFile

    from lianxin.campaign.models import Bulletin

    b = Bulletin(
        campaign=campaign(),
        region=village,
        region_path=village.path,
        period_start=date(2019, 5, 1),
        period_end=date(2019, 5, 31),
        year=2019,
        serial=next(_serial),
        number="矩阵〔2019〕1号",
        title="矩阵通报",
        issuer="矩阵机关",
        issued_on=date(2019, 6, 3),
        sha256="0" * 64,
    )
    b.document.save("matrix.docx", ContentFile(b"PK"), save=False)
    b.save()
    return b


# A valid 1×1 PNG (evidence photos are checked by content).
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
    "0000000c49444154789c63382127070002b6010534a675aa0000000049454e44ae426082"
)


def png(name="photo.png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, PNG, content_type="image/png")


def ready_for_signoff(plan, actor=None):
    """Make `plan` pass every sign-off criterion: the center's area above the rule set's
    requirement, in use with a room, every milestone completed (reported 100 %), and four
    evidence photos (one more than needed), one of them of the signage. Returns the plan, re-read."""
    from decimal import Decimal

    from lianxin.accounts.models import User
    from lianxin.campaign import services
    from lianxin.campaign.models import Plan
    from lianxin.centers.models import Center, CenterStatus, Room, RoomType

    actor = actor or User.objects.get(username="root")
    center = plan.center
    Center.objects.filter(pk=center.pk).update(
        floor_area=Decimal("1000"), households=1000, status=CenterStatus.IN_USE
    )
    if not center.rooms.exists():
        Room.objects.create(
            center=center,
            region_path=center.region_path,
            name="党员活动室",
            room_type=RoomType.objects.get(code="meeting_room"),
            area=60,
        )
    for m in plan.milestones.all():
        if not m.done:
            services.report_progress(actor, m, 100)
    plan = Plan.objects.select_related("center").get(pk=plan.pk)
    have = {p.kind for p in plan.signoff.photos.all()} if hasattr(plan, "signoff") else set()
    for kind in ("signage", "exterior", "hall", "rooms"):
        if kind not in have:
            services.add_signoff_photo(actor, plan, kind, png(f"{kind}.png"))
    return Plan.objects.select_related("center").get(pk=plan.pk)
