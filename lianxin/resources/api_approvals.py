"""/api/v1/resources/ — joint review (联合审查审批 · 以函代证).

Reads go through `visible_to(user)` (a case outside the scope is a 404); writes go through
`services.approvals`: applying needs an applicant role over the plan (403), an opinion is given
only by a member of its department serving the case's region (403), bad input is a 422 naming
the field.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from lianxin.campaign.models import Plan

from . import queries_approvals as qa
from .models import ApprovalCase, Department, Opinion
from .services import approvals as services

router = Router(tags=["resources"])

MAX_PAGE_SIZE = 200


class DepartmentOut(Schema):
    code: str
    name: str
    time_limit_days: int
    may_issue_letter: bool
    permit_name: str


class OpinionOut(Schema):
    id: int
    department: str = Field(..., description="Department code")
    department_name: str
    round: int
    requested_on: date
    due_on: date
    decision: str
    comment: str
    conditions: str
    letter_in_lieu: bool
    letter_no: str
    permit_replaced: str
    decided_on: date | None
    decided_by: str | None
    escalation: int
    overdue: int = Field(0, description="0 on time, 1 overdue, 2 three times overdue")
    late_given_days: int = Field(
        0, description="Working days after its due day the opinion was given (0: on time)"
    )
    attachments: list[str] = []


class CaseOut(Schema):
    id: int
    plan_id: int
    center: str
    center_code: str
    district_code: str
    title: str
    status: str
    status_label: str
    round: int
    submitted_on: date
    concluded_on: date | None
    opinions_total: int = 0
    opinions_given: int = 0
    overdue: int = 0
    late_given: int = Field(0, description="Opinions given after their due day")
    is_demo: bool
    version: int


class CaseDetail(CaseOut):
    description: str
    opinions: list[OpinionOut]


class CasePage(Schema):
    count: int
    page: int
    page_size: int
    items: list[CaseOut]


class SubmitIn(Schema):
    plan: int
    departments: list[str] | None = Field(
        None, description="Department codes (default: every active department)"
    )
    title: str = Field("", max_length=160)
    description: str = Field("", max_length=4000)


class OpinionIn(Schema):
    decision: Literal["approve", "conditions", "return", "reject"]
    comment: str = Field("", max_length=4000)
    conditions: str = Field("", max_length=4000)
    letter_in_lieu: bool = False
    letter_no: str = Field("", max_length=80)
    permit_replaced: str = Field("", max_length=80)


class NoteIn(Schema):
    note: str = Field("", max_length=300)


def _case_out(c: ApprovalCase) -> dict:
    return {
        "id": c.pk,
        "plan_id": c.plan_id,
        "center": c.plan.center.name,
        "center_code": c.plan.center.region.code,
        "district_code": c.plan.district_code,
        "title": c.title,
        "status": c.status,
        "status_label": str(c.get_status_display()),
        "round": c.round,
        "submitted_on": c.submitted_on,
        "concluded_on": c.concluded_on,
        "opinions_total": getattr(c, "n_opinions", 0),
        "opinions_given": getattr(c, "n_given", 0),
        "overdue": getattr(c, "n_overdue", 0),
        "late_given": getattr(c, "n_late_given", 0),
        "is_demo": c.is_demo,
        "version": c.version,
    }


def _detail(request, pk: int) -> dict:
    today = timezone.localdate()
    _flt, qs = qa.visible_cases(request.user, {}, today)
    case = get_object_or_404(qs, pk=pk)
    qa.mark_late_given([case])
    out = _case_out(case) | {"description": case.description, "opinions": []}
    for r in qa.opinion_rows(request.user, case, today):
        o = r["o"]
        out["opinions"].append(
            {
                "id": o.pk,
                "department": o.department.code,
                "department_name": o.department.name,
                "round": o.round,
                "requested_on": o.requested_on,
                "due_on": o.due_on,
                "decision": o.decision,
                "comment": o.comment,
                "conditions": o.conditions,
                "letter_in_lieu": o.letter_in_lieu,
                "letter_no": o.letter_no,
                "permit_replaced": o.permit_replaced,
                "decided_on": o.decided_on,
                "decided_by": str(o.decided_by) if o.decided_by else None,
                "escalation": o.escalation,
                "overdue": r["overdue"],
                "late_given_days": r["late_given"],
                "attachments": [a.original_name for a in r["attachments"]],
            }
        )
    return out


@router.get("/departments", response=list[DepartmentOut], summary="Joint-review departments")
def list_departments(request):
    return list(Department.objects.filter(active=True).order_by("sort", "id"))


@router.get("/approvals", response=CasePage, summary="Joint approvals in your scope")
def list_approvals(
    request,
    q: str = "",
    status: str = "",
    district: str = "",
    department: str = "",
    overdue: bool = False,
    letter: bool = False,
    sort: str = "-submitted",
    page: int = 1,
    page_size: int = 50,
):
    params = {
        "q": q,
        "status": status,
        "district": district,
        "department": department,
        "overdue": "1" if overdue else "",
        "letter": "1" if letter else "",
        "sort": sort,
    }
    _flt, qs = qa.visible_cases(request.user, params, timezone.localdate())
    page = max(1, page)
    page_size = max(1, min(MAX_PAGE_SIZE, page_size))
    start = (page - 1) * page_size
    return {
        "count": qs.count(),
        "page": page,
        "page_size": page_size,
        "items": [_case_out(c) for c in qa.mark_late_given(qs[start : start + page_size])],
    }


@router.get("/approvals/queue", response=list[OpinionOut], summary="Opinions waiting for me")
def my_queue(request):
    today = timezone.localdate()
    out = []
    for r in qa.queue_rows(request.user, today):
        o = r["o"]
        out.append(
            {
                "id": o.pk,
                "department": o.department.code,
                "department_name": o.department.name,
                "round": o.round,
                "requested_on": o.requested_on,
                "due_on": o.due_on,
                "decision": o.decision,
                "comment": o.comment,
                "conditions": o.conditions,
                "letter_in_lieu": o.letter_in_lieu,
                "letter_no": o.letter_no,
                "permit_replaced": o.permit_replaced,
                "decided_on": o.decided_on,
                "decided_by": None,
                "escalation": o.escalation,
                "overdue": r["overdue"],
            }
        )
    return out


@router.get("/approvals/{int:case_id}", response=CaseDetail, summary="A case with its opinions")
def get_approval(request, case_id: int):
    return _detail(request, case_id)


@router.post("/approvals", response={201: CaseDetail}, summary="Apply for joint review")
def submit(request, payload: SubmitIn):
    plan = get_object_or_404(Plan.objects.visible_to(request.user), pk=payload.plan)
    case = services.submit(
        request.user, plan, payload.departments, payload.title, payload.description
    )
    return Status(201, _detail(request, case.pk))


@router.post(
    "/approvals/opinions/{int:opinion_id}",
    response=CaseDetail,
    summary="Give a department's opinion (final for the round)",
)
def give_opinion(request, opinion_id: int, payload: OpinionIn):
    opinion = get_object_or_404(Opinion.objects.visible_to(request.user), pk=opinion_id)
    services.give_opinion(request.user, opinion, **payload.dict())
    return _detail(request, opinion.case_id)


@router.post(
    "/approvals/{int:case_id}/resubmit",
    response=CaseDetail,
    summary="Resubmit a returned case (a new round)",
)
def resubmit(request, case_id: int, payload: NoteIn):
    case = get_object_or_404(ApprovalCase.objects.visible_to(request.user), pk=case_id)
    services.resubmit(request.user, case, payload.note)
    return _detail(request, case_id)


@router.post("/approvals/{int:case_id}/withdraw", response=CaseDetail, summary="Withdraw a case")
def withdraw(request, case_id: int, payload: NoteIn):
    case = get_object_or_404(ApprovalCase.objects.visible_to(request.user), pk=case_id)
    services.withdraw(request.user, case, payload.note)
    return _detail(request, case_id)
