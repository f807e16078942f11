"""/api/v1/resources/ — the premises ledgers and matching.

Reads go through `visible_to(user)` (a row outside the scope is a 404); writes through
`resources.services.premises` (a role that may not is 403, bad input 422 naming the field, a stale
version 409), audited."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.shortcuts import get_object_or_404
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from lianxin.regions.models import Region

from . import premises_ledger as ledger
from .models import Availability, Condition, MatchRun, Premises, PremisesKind, Proposal
from .queries_premises import PremisesFilter, run_proposals, visible_premises, visible_runs
from .services import premises as services

router = Router(tags=["resources"])
MAX_PAGE_SIZE = 500


def _code(value: str) -> str:
    return (value or "").strip()[:12].ljust(12, "0")


class RegionRef(Schema):
    code: str
    name: str


class PremisesOut(Schema):
    id: int
    kind: str
    code: str
    name: str
    address: str
    region: RegionRef
    district_code: str
    street_code: str
    latitude: Decimal
    longitude: Decimal
    floor_area: Decimal
    owner: str
    condition: str
    divisible: bool
    availability: str
    available_from: date | None
    reserved_on: date | None
    assigned_on: date | None
    plan_id: int | None
    note: str
    version: int


class PremisesPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[PremisesOut]


class PremisesIn(Schema):
    region: str = Field(description="12-digit code of the district or street that holds it")
    kind: PremisesKind
    code: str
    name: str
    address: str
    latitude: Decimal
    longitude: Decimal
    floor_area: Decimal
    owner: str = ""
    condition: Condition = Condition.GOOD
    divisible: bool = False
    available_from: date | None = None
    note: str = ""


class PremisesPatch(Schema):
    version: int = Field(description="The version read; a stale one is refused with 409")
    region: str | None = None
    kind: PremisesKind | None = None
    code: str | None = None
    name: str | None = None
    address: str | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    floor_area: Decimal | None = None
    owner: str | None = None
    condition: Condition | None = None
    divisible: bool | None = None
    available_from: date | None = None
    note: str | None = None


class AssignIn(Schema):
    assigned_on: date | None = None


class ReleaseIn(Schema):
    reason: str = ""


class RunIn(Schema):
    region: str = Field("", description="Code of the region to match in (default: your district)")
    max_distance_m: int = Field(services.DEFAULT_DISTANCE_M, ge=100, le=services.MAX_DISTANCE_M)


class RunOut(Schema):
    id: int
    region: RegionRef
    max_distance_m: int
    on: date
    solver: str
    centers_short: int
    premises_free: int
    missing_area: Decimal
    covered_area: Decimal
    duration_ms: int
    created_at: datetime


class ProposalOut(Schema):
    id: int
    run_id: int
    center_id: int
    center_name: str
    premises_id: int
    premises_code: str
    plan_id: int | None
    distance_m: int
    required_area: Decimal
    area_before: Decimal
    area_added: Decimal
    area_after: Decimal
    compliant_after: bool
    status: str
    reason: str


class RunDetail(RunOut):
    proposals: list[ProposalOut]
    unmatched: dict[str, str] = Field(
        default_factory=dict, description="Center id → why it got no proposal (this run only)"
    )


class RejectIn(Schema):
    reason: str


class ProblemOut(Schema):
    row: int | None
    column: str | None
    letter: str
    header: str
    message: str


class ImportOut(Schema):
    applied: bool
    dry_run: bool
    rows: int
    created: int
    updated: int
    unchanged: int
    problems: list[ProblemOut]


def _premises_out(p: Premises) -> dict:
    return {
        "id": p.pk,
        "kind": p.kind,
        "code": p.code,
        "name": p.name,
        "address": p.address,
        "region": {"code": p.region.code, "name": p.region.name},
        "district_code": p.district_code,
        "street_code": p.street_code,
        "latitude": p.latitude,
        "longitude": p.longitude,
        "floor_area": p.floor_area,
        "owner": p.owner,
        "condition": p.condition,
        "divisible": p.divisible,
        "availability": p.availability,
        "available_from": p.available_from,
        "reserved_on": p.reserved_on,
        "assigned_on": p.assigned_on,
        "plan_id": p.plan_id,
        "note": p.note,
        "version": p.version,
    }


def _run_out(run: MatchRun) -> dict:
    return {
        "id": run.pk,
        "region": {"code": run.region.code, "name": run.region.name},
        "max_distance_m": run.max_distance_m,
        "on": run.on,
        "solver": run.solver,
        "centers_short": run.centers_short,
        "premises_free": run.premises_free,
        "missing_area": run.missing_area,
        "covered_area": run.covered_area,
        "duration_ms": run.duration_ms,
        "created_at": run.created_at,
    }


def _proposal_out(p: Proposal) -> dict:
    return {
        "id": p.pk,
        "run_id": p.run_id,
        "center_id": p.center_id,
        "center_name": p.center.name,
        "premises_id": p.premises_id,
        "premises_code": p.premises.code,
        "plan_id": p.plan_id,
        "distance_m": p.distance_m,
        "required_area": p.required_area,
        "area_before": p.area_before,
        "area_added": p.area_added,
        "area_after": p.area_after,
        "compliant_after": p.compliant_after,
        "status": p.status,
        "reason": p.reason,
    }


def _visible(request, pk: int) -> Premises:
    return get_object_or_404(
        Premises.objects.visible_to(request.user).select_related("region"), pk=pk
    )


def _region(request, code: str) -> Region:
    return get_object_or_404(Region.objects.visible_to(request.user), code=_code(code))


@router.get(
    "/premises", response=PremisesPage, summary="Premises (库存房源 · 配套用房) in your scope"
)
def list_premises(
    request,
    q: str = "",
    district: str = "",
    street: str = "",
    kind: str = "",
    availability: str = "",
    condition: str = "",
    sort: str = "code",
    page: int = 1,
    page_size: int = 50,
):
    params = {
        "q": q,
        "district": district,
        "street": street,
        "kind": kind,
        "availability": availability,
        "condition": condition,
        "sort": sort,
    }
    _flt, qs = visible_premises(request.user, params)
    page = max(1, page)
    page_size = max(1, min(MAX_PAGE_SIZE, page_size))
    start = (page - 1) * page_size
    return {
        "count": qs.count(),
        "page": page,
        "page_size": page_size,
        "items": [_premises_out(p) for p in qs[start : start + page_size]],
    }


@router.get("/premises/{int:premises_id}", response=PremisesOut, summary="A premises")
def get_premises(request, premises_id: int):
    return _premises_out(_visible(request, premises_id))


@router.post("/premises", response={201: PremisesOut}, summary="Register a premises")
def create_premises(request, payload: PremisesIn):
    data = payload.dict()
    region = _region(request, data.pop("region"))
    data["kind"] = str(PremisesKind(data["kind"]).value)
    data["condition"] = str(Condition(data["condition"]).value)
    obj = services.create_premises(request.user, data | {"region": region})
    return Status(201, _premises_out(Premises.objects.select_related("region").get(pk=obj.pk)))


@router.patch("/premises/{int:premises_id}", response=PremisesOut, summary="Edit a premises")
def patch_premises(request, premises_id: int, payload: PremisesPatch):
    obj = _visible(request, premises_id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    if data.get("region") is not None:
        data["region"] = _region(request, data["region"])
    for key, enum in (("kind", PremisesKind), ("condition", Condition)):
        if data.get(key) is not None:
            data[key] = str(enum(data[key]).value)
    data = {k: v for k, v in data.items() if v is not None or k in ("available_from",)}
    services.update_premises(request.user, obj, data, expected_version=version)
    return _premises_out(_visible(request, premises_id))


@router.post(
    "/premises/{int:premises_id}/release",
    response=PremisesOut,
    summary="Give up a reservation: the premises is free again",
)
def release_premises(request, premises_id: int, payload: ReleaseIn):
    obj = services.release(request.user, _visible(request, premises_id), payload.reason)
    return _premises_out(_visible(request, obj.pk))


@router.post(
    "/premises/{int:premises_id}/assign",
    response=PremisesOut,
    summary="The center has moved in: reserved → assigned",
)
def assign_premises(request, premises_id: int, payload: AssignIn):
    obj = services.mark_assigned(request.user, _visible(request, premises_id), payload.assigned_on)
    return _premises_out(_visible(request, obj.pk))


@router.post(
    "/premises/import",
    response={200: ImportOut, 422: ImportOut},
    summary="Import a premises ledger (.xlsx): by district and 编号, all or nothing",
)
def import_premises(request, file: UploadedFile = File(...), dry_run: bool = Form(False)):  # noqa: B008
    from django.core.exceptions import PermissionDenied
    from django.utils.translation import gettext as _

    from .permissions import PREMISES_WRITERS, role_scope

    if role_scope(request.user, PREMISES_WRITERS).is_empty():
        raise PermissionDenied(_("您没有编辑房源的权限。"))
    result = ledger.import_premises(request.user, file, filename=file.name or "", dry_run=dry_run)
    body = {
        "applied": result.applied,
        "dry_run": result.dry_run,
        "rows": result.rows,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "problems": [
            {
                "row": p.row,
                "column": p.column,
                "letter": p.letter,
                "header": p.header,
                "message": p.message,
            }
            for p in result.problems
        ],
    }
    return Status(422 if result.problems else 200, body)


@router.get("/matching/runs", response=list[RunOut], summary="Matching runs in your scope")
def list_runs(request, limit: int = 20):
    return [_run_out(r) for r in visible_runs(request.user)[: max(1, min(100, limit))]]


@router.post(
    "/matching/runs",
    response={201: RunDetail},
    summary="Run matching in a region: proposals that cover the most missing area",
)
def run_matching(request, payload: RunIn):
    from django.core.exceptions import PermissionDenied
    from django.utils.translation import gettext as _

    region = (
        _region(request, payload.region)
        if payload.region
        else services.default_region(request.user)
    )
    if region is None:
        raise PermissionDenied(_("您没有运行房源匹配的权限。"))
    run, result = services.run_matching(request.user, region, max_distance_m=payload.max_distance_m)
    run = visible_runs(request.user).get(pk=run.pk)
    return Status(
        201,
        _run_out(run)
        | {
            "proposals": [_proposal_out(p) for p in run_proposals(request.user, run)],
            "unmatched": {str(k): v for k, v in result.unmatched.items()},
        },
    )


@router.get("/matching/runs/{int:run_id}", response=RunDetail, summary="A run and its proposals")
def get_run(request, run_id: int):
    run = get_object_or_404(visible_runs(request.user), pk=run_id)
    return _run_out(run) | {
        "proposals": [_proposal_out(p) for p in run_proposals(request.user, run)]
    }


@router.get("/matching/proposals", response=list[ProposalOut], summary="Proposals in your scope")
def list_proposals(request, status: str = "", run: int | None = None, limit: int = 200):
    qs = Proposal.objects.visible_to(request.user).select_related("center", "premises")
    if status:
        qs = qs.filter(status=status)
    if run:
        qs = qs.filter(run_id=run)
    qs = qs.order_by("-run_id", "-area_added", "pk")[: max(1, min(MAX_PAGE_SIZE, limit))]
    return [_proposal_out(p) for p in qs]


def _proposal(request, pk: int) -> Proposal:
    return get_object_or_404(
        Proposal.objects.visible_to(request.user).select_related("center", "premises"), pk=pk
    )


@router.post(
    "/matching/proposals/{int:proposal_id}/accept",
    response=ProposalOut,
    summary="Accept: the premises is reserved and the center's plan updated",
)
def accept_proposal(request, proposal_id: int):
    services.accept_proposal(request.user, _proposal(request, proposal_id))
    return _proposal_out(_proposal(request, proposal_id))


@router.post(
    "/matching/proposals/{int:proposal_id}/reject",
    response=ProposalOut,
    summary="Reject with a reason (required)",
)
def reject_proposal(request, proposal_id: int, payload: RejectIn):
    services.reject_proposal(request.user, _proposal(request, proposal_id), payload.reason)
    return _proposal_out(_proposal(request, proposal_id))


__all__ = ["router", "Availability", "PremisesFilter"]
