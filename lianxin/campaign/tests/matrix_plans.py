"""Permission-matrix rows for the campaign's plans pages (see matrix.py and
lianxin/core/tests/test_permission_matrix.py).

`populate(ctx)` adds, for each side, a photo of the side's progress report and three more sites
whose sign-off can move: one ready to submit (every criterion holds), one submitted (to verify or
return) and one signed off (to reopen)."""

from __future__ import annotations

from django.core.files.base import ContentFile

from lianxin.core.tests.test_permission_matrix import Endpoint, Write, html

from .plan_helpers import PNG, make_ready, png


def _prefix(side):
    return "河西" if side == "mine" else "南开"


def _extra(c, side, key):
    return c.extra[side][key]


def photo_marker(side, what):
    return f"{side.upper()}-PLAN-{what}-PHOTO"


def _users(side):
    from lianxin.accounts.models import User

    # (submits, verifies) for the side: the street and the district in 河西区, the district and
    # the city in 南开区.
    names = ("street_dym", "hexi") if side == "mine" else ("nankai", "city")
    return [User.objects.get(username=n) for n in names]


def _site(village_parent, slot: int):
    """A site under the same street as the side's center, counted from the street's last unit
    (the matrix's own centers sit at its first)."""
    from lianxin.campaign.tests import factories as f
    from lianxin.regions.models import Level, Region

    units = list(
        Region.objects.filter(parent=village_parent, level=Level.VILLAGE).order_by("-code")
    )
    return f.center_of(units[slot])


def populate(ctx) -> None:
    from lianxin.campaign import services
    from lianxin.campaign.models import ProgressPhoto
    from lianxin.campaign.tests import factories as f

    for side in ("mine", "theirs"):
        rows = ctx.extra.setdefault(side, {})
        report = rows.get("report") or f._report(getattr(ctx, side).region)
        photo = ProgressPhoto(report=report, region_path=report.region_path)
        photo.image.save(
            "m.png", ContentFile(PNG + photo_marker(side, "PROGRESS").encode()), save=True
        )
        rows["progress_photo"] = photo

        street = getattr(ctx, side).region.parent
        submitter, verifier = _users(side)
        made = {}
        for slot, key in enumerate(("ready_plan", "submitted_plan", "signed_plan")):
            center = _site(street, slot)
            plan = f.plan(center.region, notes=f"{_prefix(side)}矩阵{key}")
            make_ready(plan, marker=photo_marker(side, "SIGNOFF").encode())
            made[key] = plan
        services.submit_signoff(submitter, made["submitted_plan"])
        services.submit_signoff(submitter, made["signed_plan"])
        services.verify_signoff(verifier, made["signed_plan"])
        rows |= made
        rows["marked_signoff_photo"] = made["ready_plan"].signoff.photos.first()


def _center_markers(c, side):
    center = getattr(c, side)
    return [center.name]


def _plan(c, side):
    return _extra(c, side, "plan")


ENDPOINTS: list = [
    html(
        "list",
        "campaign overview",
        lambda c, s: "/campaign/",
        lambda c, s: ["河西区" if s == "mine" else "南开区"],
    ),
    html("list", "plan list", lambda c, s: "/campaign/plans/", _center_markers),
    html("list", "plan list, HTMX partial", lambda c, s: "/campaign/plans/?hx=1", _center_markers),
    html(
        "list", "plan list, searched", lambda c, s: "/campaign/plans/?q=矩阵中心", _center_markers
    ),
    html(
        "list",
        "plan list, not signed off, by deadline",
        lambda c, s: "/campaign/plans/?signed=no&sort=-deadline",
        _center_markers,
    ),
    Endpoint(
        "plan export", "list", "xlsx", lambda c, s: "/campaign/plans/export.xlsx", _center_markers
    ),
    html("list", "plan bulk-create page", lambda c, s: "/campaign/plans/bulk/", lambda c, s: []),
    html(
        "detail",
        "plan detail page",
        lambda c, s: f"/campaign/plans/{_plan(c, s).pk}/",
        lambda c, s: [getattr(c, s).name, f"{_prefix(s)}矩阵计划"],
    ),
    html(
        "detail",
        "plan edit page",
        lambda c, s: f"/campaign/plans/{_plan(c, s).pk}/edit/",
        lambda c, s: [getattr(c, s).name, f"{_prefix(s)}矩阵计划"],
    ),
    html(
        "detail",
        "milestone progress page",
        lambda c, s: f"/campaign/milestones/{_extra(c, s, 'milestone').pk}/progress/",
        _center_markers,
    ),
    Endpoint(
        "campaign progress photo",
        "detail",
        "bin",
        lambda c, s: f"/campaign/photos/progress/{_extra(c, s, 'progress_photo').pk}/",
        lambda c, s: [photo_marker(s, "PROGRESS")],
    ),
    Endpoint(
        "campaign sign-off photo",
        "detail",
        "bin",
        lambda c, s: f"/campaign/photos/signoff/{_extra(c, s, 'marked_signoff_photo').pk}/",
        lambda c, s: [photo_marker(s, "SIGNOFF")],
    ),
]


def _edit_data(c, s):
    from lianxin.campaign.models import Plan

    plan = Plan.objects.get(pk=_plan(c, s).pk)
    return {
        "version": plan.version,
        "works_type": plan.works_type,
        "deadline": plan.deadline.isoformat(),
        "target_area": "",
        "budget": "120000",
        "premises": "",
        "starts_on": "",
        "leader": "",
        "notes": "矩阵写入",
    }


def _photo_data(c, s):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"kind": "exterior", "image": SimpleUploadedFile("w.png", png())}


def _bulk_data(c, s):
    """A new site without a plan in the side's street (so a district creating plans there
    makes one), and the street to create them within."""
    from lianxin.campaign.tests import factories as f

    street = getattr(c, s).region.parent
    _site(street, 3)
    return {"campaign": f.campaign().pk, "within": street.code}


def _signoff_url(key):
    return lambda c, s: f"/campaign/plans/{_extra(c, s, key).pk}/signoff/"


WRITES: list = [
    Write("plan edit", "post", lambda c, s: f"/campaign/plans/{_plan(c, s).pk}/edit/", _edit_data),
    Write(
        "milestone duration",
        "post",
        lambda c, s: f"/campaign/milestones/{_extra(c, s, 'milestone').pk}/duration/",
        lambda c, s: {"duration_days": "7"},
    ),
    Write(
        "milestone progress",
        "post",
        lambda c, s: f"/campaign/milestones/{_extra(c, s, 'milestone').pk}/progress/",
        lambda c, s: {"progress": "30", "reported_on": "2024-06-01", "note": "矩阵写入"},
    ),
    Write(
        "plan sign-off photo",
        "post",
        lambda c, s: f"/campaign/plans/{_plan(c, s).pk}/signoff/photos/",
        _photo_data,
    ),
    Write(
        "plan sign-off submit",
        "post",
        _signoff_url("ready_plan"),
        lambda c, s: {"action": "submit"},
    ),
    Write(
        "plan sign-off verify",
        "post",
        _signoff_url("submitted_plan"),
        lambda c, s: {"action": "verify"},
    ),
    Write(
        "plan sign-off return",
        "post",
        _signoff_url("submitted_plan"),
        lambda c, s: {"action": "return", "reason": "矩阵退回"},
    ),
    Write(
        "plan sign-off reopen",
        "post",
        _signoff_url("signed_plan"),
        lambda c, s: {"action": "reopen", "reason": "矩阵重新打开"},
    ),
    Write("plan bulk create", "post", lambda c, s: "/campaign/plans/bulk/", _bulk_data),
]
