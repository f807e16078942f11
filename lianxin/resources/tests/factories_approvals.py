"""Builders for joint review's rows (and the permission matrix's factories for them)."""

from __future__ import annotations

from datetime import date

from lianxin.core.tests.factories import org_factory

__all__ = [
    "PDF",
    "approval_case",
    "department",
    "member",
    "pdf",
    "submitted_on",
]

# A Monday with no holiday near it: the opinions' due dates are plain working-day sums.
submitted_on = date(2025, 6, 9)
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name="letter.pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def department(code: str):
    from lianxin.resources.models import Department

    return Department.objects.get(code=code)


def member(user, code: str, region_obj):
    """Make `user` give opinions for department `code` within `region_obj`."""
    from lianxin.resources.models import DepartmentMember

    return DepartmentMember.objects.get_or_create(
        user=user,
        department=department(code),
        region=region_obj,
        defaults={"region_path": region_obj.path},
    )[0]


def approval_case(village_or_plan, departments=None, *, actor=None, today=None, **kw):
    """An open case for the plan of `village` (or for the plan given), submitted by `actor`
    (default root) through the service."""
    from lianxin.accounts.models import User
    from lianxin.campaign.models import Plan
    from lianxin.campaign.tests.factories import plan as make_plan
    from lianxin.resources.models import ApprovalCase
    from lianxin.resources.services import approvals

    p = village_or_plan if isinstance(village_or_plan, Plan) else make_plan(village_or_plan)
    existing = ApprovalCase.objects.filter(plan=p, status__in=["reviewing", "returned"]).first()
    if existing:
        return existing
    actor = actor or User.objects.get(username="root")
    return approvals.submit(
        actor,
        p,
        departments,
        kw.get("title", ""),
        kw.get("description", ""),
        today=today or submitted_on,
    )


@org_factory("resources.ApprovalCase")
def _case(village):
    return approval_case(village)


@org_factory("resources.Opinion")
def _opinion(village):
    return approval_case(village).opinions.first()


@org_factory("resources.OpinionAttachment")
def _attachment(village):
    from django.core.files.base import ContentFile

    from lianxin.resources.models import OpinionAttachment

    opinion = _opinion(village)
    a = OpinionAttachment(opinion=opinion, region_path=opinion.region_path, original_name="函.pdf")
    a.file.save("matrix.pdf", ContentFile(PDF), save=True)
    return a


@org_factory("resources.DepartmentMember")
def _member(village):
    from lianxin.accounts.models import User

    return member(User.objects.get(username="root"), "planning", village)
