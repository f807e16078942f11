"""Resources in the permission matrix: joint review. `populate` gives each side three plans (on
the side's village and two villages of the next street): one under review (its planning opinion given
with a letter and an attachment), one returned for changes, one not yet applied for. The suite's
河西区 department reviewer (`reviewer`) is made a planning member for 河西区, so that it may
give 河西区's opinions and nobody else's."""

from __future__ import annotations

from datetime import date

from lianxin.core.tests.test_permission_matrix import Endpoint, Write, api, html

API = "/api/v1/resources/approvals"
DAY = date(2025, 6, 20)


def _prefix(s):
    return "河西" if s == "mine" else "南开"


def _x(c, s, name):
    return c.extra["approvals"][s][name]


def _pk(c, s, name):
    return _x(c, s, name).pk


def title_marker(c, s):
    return [f"{_prefix(s)}矩阵联审"]


def letter_marker(c, s):
    return [f"{'HEXI' if s == 'mine' else 'NANKAI'}-MATRIX-LETTER"]


def populate(ctx) -> None:
    from django.core.files.base import ContentFile

    from lianxin.accounts.models import User
    from lianxin.campaign.tests.factories import plan
    from lianxin.core.tests.factories import HEXI, region
    from lianxin.regions.models import Level
    from lianxin.resources.models import Decision, OpinionAttachment
    from lianxin.resources.services import approvals as svc

    from .factories_approvals import PDF, approval_case, member

    root = User.objects.get(username="root")
    member(User.objects.get(username="reviewer_hx"), "planning", region(HEXI))
    ctx.extra["approvals"] = {}
    for side in ("mine", "theirs"):
        center = getattr(ctx, side)
        village = center.region
        # Two villages of the district's next street: the side's own street is taken by the
        # campaign's and the premises' matrix sites.
        beside = list(
            type(village)
            .objects.filter(parent__parent_id=village.parent.parent_id, level=Level.VILLAGE)
            .exclude(parent_id=village.parent_id)
            .order_by("code")[:2]
        )
        prefix = _prefix(side)
        open_case = approval_case(plan(village), title=f"{prefix}矩阵联审")
        housing = open_case.opinions.get(department__code="housing")
        housing.decision = Decision.APPROVE
        housing.letter_in_lieu, housing.letter_no = True, f"{prefix}矩阵函〔2025〕1号"
        housing.permit_replaced, housing.decided_on = "建筑工程施工许可证", DAY
        housing.save()
        attachment = OpinionAttachment(
            opinion=housing, region_path=housing.region_path, original_name="函.pdf"
        )
        content = PDF + letter_marker(ctx, side)[0].encode()
        attachment.file.save("matrix.pdf", ContentFile(content), save=True)
        returned = approval_case(plan(beside[0]), ["planning"], title=f"{prefix}矩阵联审退回")
        returned.opinions.update(decision=Decision.RETURN, comment="补图", decided_on=DAY)
        returned.status = "returned"
        returned.save(update_fields=["status"])
        ctx.extra["approvals"][side] = {
            "case": open_case,
            "planning": open_case.opinions.get(department__code="planning"),
            "attachment": attachment,
            "returned": returned,
            "fresh_plan": plan(beside[1]),
        }
    assert root  # the cases are submitted by root (the factory's default)
    assert svc.APPROVAL_MILESTONE == "approval"


def fingerprint():
    from lianxin.resources.models import ApprovalCase, Opinion, OpinionAttachment

    return (
        sorted(ApprovalCase.objects.values_list("pk", "status", "round", "version")),
        sorted(Opinion.objects.values_list("pk", "decision", "round", "escalation")),
        OpinionAttachment.objects.count(),
    )


def _department_ids(c, s):
    from lianxin.resources.models import Department

    return list(
        Department.objects.filter(code__in=["planning", "housing"]).values_list("pk", flat=True)
    )


ENDPOINTS: list = [
    html("list", "approvals page", lambda c, s: "/resources/approvals/", title_marker),
    html(
        "list", "approvals, HTMX partial", lambda c, s: "/resources/approvals/?hx=1", title_marker
    ),
    html(
        "list",
        "approvals, filtered",
        lambda c, s: "/resources/approvals/?q=矩阵联审&status=open&department=planning&sort=title",
        title_marker,
    ),
    html(
        "list",
        "approvals with letters",
        lambda c, s: "/resources/approvals/?letter=1",
        title_marker,
    ),
    Endpoint(
        "approvals export",
        "list",
        "xlsx",
        lambda c, s: "/resources/approvals/export.xlsx",
        lambda c, s: title_marker(c, s) + [f"{_prefix(s)}矩阵函〔2025〕1号"],
    ),
    html(
        "detail",
        "approval page",
        lambda c, s: f"/resources/approvals/{_pk(c, s, 'case')}/",
        lambda c, s: title_marker(c, s) + [f"{_prefix(s)}矩阵函〔2025〕1号"],
    ),
    html(
        "detail",
        "approval new page for a plan",
        lambda c, s: f"/resources/approvals/new/?plan={_pk(c, s, 'fresh_plan')}",
        lambda c, s: [_x(c, s, "fresh_plan").center.name],
    ),
    Endpoint(
        "approval attachment",
        "detail",
        "bin",
        lambda c, s: f"/resources/approvals/attachments/{_pk(c, s, 'attachment')}/",
        letter_marker,
    ),
    api("list", "API approvals", lambda c, s: API, title_marker),
    api(
        "list",
        "API approvals, filtered",
        lambda c, s: f"{API}?status=reviewing&letter=true&sort=title",
        title_marker,
    ),
    api(
        "detail",
        "API approval",
        lambda c, s: f"{API}/{_pk(c, s, 'case')}",
        lambda c, s: title_marker(c, s) + [f"{_prefix(s)}矩阵函〔2025〕1号"],
    ),
]

WRITES: list = [
    Write(
        "approval submit",
        "post",
        lambda c, s: "/resources/approvals/new/",
        lambda c, s: {"plan": _pk(c, s, "fresh_plan"), "departments": _department_ids(c, s)},
    ),
    Write(
        "approval withdraw",
        "post",
        lambda c, s: f"/resources/approvals/{_pk(c, s, 'case')}/withdraw/",
        lambda c, s: {"note": "矩阵撤回"},
    ),
    Write(
        "approval resubmit",
        "post",
        lambda c, s: f"/resources/approvals/{_pk(c, s, 'returned')}/resubmit/",
        lambda c, s: {"note": "矩阵重新报送"},
    ),
    Write(
        "opinion give",
        "post",
        lambda c, s: f"/resources/approvals/opinions/{_pk(c, s, 'planning')}/",
        lambda c, s: {"decision": "approve"},
        writer="reviewer",
    ),
    Write(
        "API approval submit",
        "json",
        lambda c, s: API,
        lambda c, s: {"plan": _pk(c, s, "fresh_plan"), "departments": ["planning"]},
    ),
    Write(
        "API approval resubmit",
        "json",
        lambda c, s: f"{API}/{_pk(c, s, 'returned')}/resubmit",
        lambda c, s: {"note": "矩阵重新报送"},
    ),
    Write(
        "API approval withdraw",
        "json",
        lambda c, s: f"{API}/{_pk(c, s, 'case')}/withdraw",
        lambda c, s: {"note": "矩阵撤回"},
    ),
    Write(
        "API opinion give",
        "json",
        lambda c, s: f"{API}/opinions/{_pk(c, s, 'planning')}",
        lambda c, s: {"decision": "approve"},
        writer="reviewer",
    ),
]
