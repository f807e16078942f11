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
