"""Permission-matrix rows for the campaign API: campaigns, commitments, plans, milestones,
progress reports and sign-offs (see matrix.py and lianxin/core/tests/test_permission_matrix.py).

`populate(ctx)` adds, for each side, the district's commitment (述职承诺) with a marked
secretary and marks the side's progress report; the sites whose sign-off can move (ready,
submitted, signed off) and the marked photos come from matrix_plans."""

from __future__ import annotations

from lianxin.core.tests.test_permission_matrix import Endpoint, Write, api

API = "/api/v1/campaign"


def _prefix(side):
    return "河西" if side == "mine" else "南开"


def _district(side):
    return "120103000000" if side == "mine" else "120104000000"


def _x(c, side, key):
    return c.extra[side][key]


def _campaign_id(c):
    return c.extra["mine"]["plan"].campaign_id


def populate(ctx) -> None:
    from lianxin.campaign.models import Commitment, ProgressReport
    from lianxin.campaign.tests import factories as f

    for side in ("mine", "theirs"):
        rows = ctx.extra[side]
        village = getattr(ctx, side).region
        commitment = f._commitment(village)
        Commitment.objects.filter(pk=commitment.pk).update(secretary=f"{_prefix(side)}矩阵书记")
        rows["commitment"] = commitment
        ProgressReport.objects.filter(plan=rows["plan"]).update(note=f"{_prefix(side)}矩阵填报")


def secretary(c, side):
    return [f"{_prefix(side)}矩阵书记"]


def plan_markers(c, side):
    return [getattr(c, side).name, f"{_prefix(side)}矩阵计划"]


def plan_id_marker(c, side):
    return [f'"plan_id": {_x(c, side, "plan").pk},']


def report_marker(c, side):
    return [f"{_prefix(side)}矩阵填报"]


def _photo_marker(side, what):
    return f"{side.upper()}-PLAN-{what}-PHOTO"  # as matrix_plans writes them


def _plan_url(c, s, suffix=""):
    return f"{API}/plans/{_x(c, s, 'plan').pk}{suffix}"


ENDPOINTS: list = [
    # Campaigns are the city's; what is scoped is what they carry (commitments, plan counts).
    api("list", "API campaigns", lambda c, s: f"{API}/campaigns", lambda c, s: []),
    api("list", "API campaign", lambda c, s: f"{API}/campaigns/{_campaign_id(c)}", secretary),
    api(
        "list",
        "API commitments",
        lambda c, s: f"{API}/campaigns/{_campaign_id(c)}/commitments",
        secretary,
    ),
    api("list", "API plans", lambda c, s: f"{API}/plans", plan_markers),
    api("list", "API plans, big page", lambda c, s: f"{API}/plans?page_size=500", plan_markers),
    api("list", "API plans, searched", lambda c, s: f"{API}/plans?q=矩阵", plan_markers),
    api(
        "list",
        "API plans, filtered",
        lambda c, s: (
            f"{API}/plans?signed_off=false&overdue=false&works_type=renovate"
            f"&campaign={_campaign_id(c)}&sort=-health"
        ),
        plan_markers,
    ),
    api("detail", "API plan", lambda c, s: _plan_url(c, s), plan_markers),
    api(
        "children",
        "API plan milestones",
        lambda c, s: _plan_url(c, s, "/milestones"),
        plan_id_marker,
    ),
    api("children", "API plan reports", lambda c, s: _plan_url(c, s, "/reports"), report_marker),
    api(
        "detail",
        "API plan sign-off",
        lambda c, s: f"{API}/plans/{_x(c, s, 'ready_plan').pk}/signoff",
        lambda c, s: [f'signoff-photos/{_x(c, s, "marked_signoff_photo").pk}"'],
    ),
    Endpoint(
        "API sign-off photo",
        "detail",
        "bin",
        lambda c, s: f"{API}/signoff-photos/{_x(c, s, 'marked_signoff_photo').pk}",
        lambda c, s: [_photo_marker(s, "SIGNOFF")],
        staff_only_page=False,
    ),
    Endpoint(
        "API progress photo",
        "detail",
        "bin",
        lambda c, s: f"{API}/progress-photos/{_x(c, s, 'progress_photo').pk}",
        lambda c, s: [_photo_marker(s, "PROGRESS")],
        staff_only_page=False,
    ),
]


def _png(name="w.png"):
    from lianxin.campaign.tests.factories import png

    return png(name)


def _new_site(c, s, slot=5):
    """A site without a plan under the side's street (the matrix's own sit at its first units,
    matrix_plans' at its last four)."""
    from lianxin.campaign.tests import factories as f
    from lianxin.regions.models import Level, Region

    street = getattr(c, s).region.parent
    units = list(Region.objects.filter(parent=street, level=Level.VILLAGE).order_by("-code"))
    return f.center_of(units[slot])


def _create_data(c, s):
    from lianxin.campaign.tests import factories as f

    return {
        "campaign": f.campaign().pk,
        "center": _new_site(c, s).pk,
        "works_type": "build",
        "deadline": "2030-06-28",
        "notes": "矩阵写入",
    }


def _bulk_data(c, s):
    from lianxin.campaign.tests import factories as f

    _new_site(c, s)
    return {"campaign": f.campaign().pk, "within": getattr(c, s).region.parent.code}


def _signoff(key, action):
    return lambda c, s: f"{API}/plans/{_x(c, s, key).pk}/signoff/{action}"


WRITES: list = [
    Write(
        "API plan patch",
        "patch",
        lambda c, s: _plan_url(c, s),
        lambda c, s: {"version": 1, "notes": "矩阵写入", "budget": "120000.00"},
    ),
    Write("API plan create", "json", lambda c, s: f"{API}/plans", _create_data),
    Write("API plans bulk-create", "json", lambda c, s: f"{API}/plans/bulk", _bulk_data),
    Write(
        "API milestone duration",
        "patch",
        lambda c, s: f"{API}/milestones/{_x(c, s, 'milestone').pk}",
        lambda c, s: {"duration_days": 7},
    ),
    Write(
        "API progress report",
        "json",
        lambda c, s: f"{API}/milestones/{_x(c, s, 'milestone').pk}/reports",
        lambda c, s: {"progress": 30, "reported_on": "2024-06-01", "note": "矩阵写入"},
    ),
    Write(
        "API progress report with photos",
        "post",
        lambda c, s: f"{API}/milestones/{_x(c, s, 'milestone').pk}/reports",
        lambda c, s: {"progress": "40", "photos": [_png("a.png"), _png("b.png")]},
    ),
    Write(
        "API sign-off photo",
        "post",
        lambda c, s: _plan_url(c, s, "/signoff/photos"),
        lambda c, s: {"kind": "exterior", "image": _png()},
    ),
    Write("API sign-off submit", "json", _signoff("ready_plan", "submit"), lambda c, s: {}),
    Write("API sign-off verify", "json", _signoff("submitted_plan", "verify"), lambda c, s: {}),
    Write(
        "API sign-off return",
        "json",
        _signoff("submitted_plan", "return"),
        lambda c, s: {"reason": "矩阵退回"},
    ),
    Write(
        "API sign-off reopen",
        "json",
        _signoff("signed_plan", "reopen"),
        lambda c, s: {"reason": "矩阵重新打开"},
    ),
    Write(
        "API commitment",
        "json",
        lambda c, s: f"{API}/campaigns/{_campaign_id(c)}/commitments",
        lambda c, s: {"district": _district(s), "target_count": 12, "target_date": "2020-04-30"},
    ),
]
