"""工作通报 API (/api/v1/campaign/bulletins…): the archive, one bulletin with its frozen figures,
its .docx as stored, a preview from live data, and issuing. Reads through `visible_to` (out of
scope: 404); issuing through `services.issue_bulletin` (read-only roles: 403)."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from lianxin.core.scoping import CHANGE, scope_for

from . import services
from .bulletins import bulletin_data
from .models import Bulletin, Campaign
from .services.bulletins import document_number, next_serial, validate_request
from .views_bulletins import campaign_for, document_response, visible_region

router = Router(tags=["bulletins"])


class BulletinOut(Schema):
    id: int
    campaign: str
    region: str
    region_name: str
    period_start: date
    period_end: date
    year: int
    serial: int
    number: str
    title: str
    issuer: str
    issued_on: date
    sha256: str
    issued_by: str | None
    created_at: datetime
    document_url: str

    @staticmethod
    def resolve_campaign(obj):
        return obj.campaign.code

    @staticmethod
    def resolve_region(obj):
        return obj.region.code

    @staticmethod
    def resolve_region_name(obj):
        return obj.region.name

    @staticmethod
    def resolve_issued_by(obj):
        return obj.issued_by.get_username() if obj.issued_by_id else None

    @staticmethod
    def resolve_document_url(obj):
        return reverse("api:bulletin_document", kwargs={"bulletin_id": obj.pk})


class BulletinDetailOut(BulletinOut):
    data: dict


class IssueIn(Schema):
    campaign: int
    region: str
    period_start: date
    period_end: date
    title: str | None = None
    issuer: str | None = None
    issued_on: date | None = None


class PreviewOut(Schema):
    region: str
    campaign: str
    number: str
    issuable: bool
    errors: dict[str, list[str]]
    data: dict


def _qs(request):
    return Bulletin.objects.visible_to(request.user).select_related(
        "campaign", "region", "issued_by"
    )


@router.get(
    "/bulletins", response=list[BulletinOut], summary="Issued bulletins in your scope, newest first"
)
def bulletins(
    request,
    year: int | None = None,
    region: str | None = None,
    page: int = 1,
    page_size: int = 50,
):
    qs = _qs(request).order_by("-issued_on", "-year", "-serial")
    if year:
        qs = qs.filter(year=year)
    if region:
        qs = qs.filter(region__code=region.ljust(12, "0"))
    page_size = max(1, min(200, page_size))
    start = (max(1, page) - 1) * page_size
    return list(qs[start : start + page_size])


@router.get(
    "/bulletins/preview",
    response=PreviewOut,
    summary="A bulletin's figures and text from live data (nothing is issued)",
)
def preview(request, region: str, start: date, end: date, campaign: int | None = None):
    unit = visible_region(request.user, region)
    if campaign is not None:
        chosen = get_object_or_404(Campaign, pk=campaign)
    else:
        chosen = campaign_for(unit)
        if chosen is None:
            raise ValidationError({"campaign": [_("还没有攻坚任务。")]})
    errors = validate_request(chosen, unit, start, end)
    if end < start or "region" in errors:
        raise ValidationError(errors)
    today = timezone.localdate()
    return {
        "region": unit.code,
        "campaign": chosen.code,
        "number": document_number(unit, today.year, next_serial(unit, today.year)),
        "issuable": not errors and scope_for(request.user, CHANGE).covers_path(unit.path),
        "errors": errors,
        "data": bulletin_data(chosen, unit, start, end),
    }


@router.post(
    "/bulletins",
    response={201: BulletinDetailOut},
    summary="Issue a bulletin: figures frozen, .docx rendered and archived",
)
def issue(request, payload: IssueIn):
    unit = visible_region(request.user, payload.region)
    if not scope_for(request.user, CHANGE).covers_path(unit.path):
        raise PermissionDenied(_("您没有为%(region)s签发工作通报的权限。") % {"region": unit.name})
    campaign = get_object_or_404(Campaign, pk=payload.campaign)
    bulletin = services.issue_bulletin(
        request.user,
        campaign,
        unit,
        payload.period_start,
        payload.period_end,
        title=payload.title,
        issuer=payload.issuer,
        issued_on=payload.issued_on,
    )
    return Status(201, _qs(request).get(pk=bulletin.pk))


@router.get("/bulletins/{int:bulletin_id}", response=BulletinDetailOut)
def bulletin(request, bulletin_id: int):
    return get_object_or_404(_qs(request), pk=bulletin_id)


@router.get(
    "/bulletins/{int:bulletin_id}/document.docx",
    url_name="bulletin_document",
    summary="The .docx exactly as issued (its SHA-256 in X-Content-SHA256)",
)
def document(request, bulletin_id: int):
    return document_response(get_object_or_404(_qs(request), pk=bulletin_id))
