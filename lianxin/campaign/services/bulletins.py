"""工作通报: issuing a bulletin. The figures are computed from live data, frozen into the row, the
.docx is rendered from the frozen figures and stored with its SHA-256; after that nothing about
the bulletin changes (`Bulletin.save()` refuses any update)."""

from __future__ import annotations

import hashlib
import json
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lianxin.core import audit
from lianxin.core.scoping import CHANGE, scope_for
from lianxin.regions.models import Level as RegionLevel
from lianxin.regions.models import Region

from ..bulletins import PROVINCE_ABBREVIATIONS, bulletin_data, child_level, doc_language, short_name
from ..docx import render_bulletin
from ..models import Bulletin, Campaign

TITLE_MAX = 200
ISSUER_MAX = 80


def can_issue(actor, region: Region) -> bool:
    """City administrators for the city, a district's administrators for their district."""
    return scope_for(actor, CHANGE).covers_path(region.path) and child_level(region) is not None


def document_number(region: Region, year: int, serial: int) -> str:
    """发文字号: 津组通〔2019〕5号 for the city, 河西组通〔2019〕5号 for a district."""
    if region.level < RegionLevel.COUNTY:
        prefix = PROVINCE_ABBREVIATIONS.get(region.code[:2], region.name[:1])
    else:
        prefix = short_name(region.name)
    with translation.override(doc_language()):
        return _("%(prefix)s组通〔%(year)s〕%(serial)s号") % {
            "prefix": prefix,
            "year": year,
            "serial": serial,
        }


def default_issuer(region: Region) -> str:
    """发文机关: 中共天津市委组织部, 中共天津市河西区委组织部."""
    if region.level < RegionLevel.COUNTY:
        name = region.name
    else:
        parent = region.ancestors()[-1:] or [None]
        name = f"{parent[0].name if parent[0] else ''}{region.name}"
    with translation.override(doc_language()):
        return _("中共%(name)s委组织部") % {"name": name}


def default_title(campaign: Campaign) -> str:
    with translation.override(doc_language()):
        return _("关于%(campaign)s工作进展情况的通报") % {"campaign": campaign.name}


def next_serial(region: Region, year: int) -> int:
    found = Bulletin.objects.filter(region=region, year=year).aggregate(m=Max("serial"))["m"]
    return (found or 0) + 1


def validate_request(
    campaign: Campaign,
    region: Region,
    period_start,
    period_end,
    *,
    issued_on=None,
    title: str = "",
    issuer: str = "",
    today: date | None = None,
) -> dict[str, list[str]]:
    """What is wrong with a request for a bulletin, by field (empty: nothing)."""
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    if not isinstance(period_start, date):
        add("period_start", _("请填写通报期起。"))
    if not isinstance(period_end, date):
        add("period_end", _("请填写通报期止。"))
    if isinstance(period_start, date) and isinstance(period_end, date):
        if period_end < period_start:
            add("period_end", _("通报期止不能早于通报期起。"))
    if isinstance(period_end, date) and period_end > today:
        add("period_end", _("通报期止不能晚于今天（%(today)s）。") % {"today": today})
    if child_level(region) is None:
        add("region", _("只能为市或区生成工作通报，%(name)s不是。") % {"name": region.name})
    covered = campaign.region.path
    if not (region.path.startswith(covered) or covered.startswith(region.path)):
        add(
            "region",
            _("%(region)s不在攻坚任务“%(campaign)s”的范围内。")
            % {"region": region.name, "campaign": campaign.name},
        )
    if issued_on is not None:
        if issued_on > today:
            add("issued_on", _("成文日期不能晚于今天。"))
        if isinstance(period_end, date) and issued_on < period_end:
            add("issued_on", _("成文日期不能早于通报期止。"))
    if len(title or "") > TITLE_MAX:
        add("title", _("标题不能超过 %(n)s 个字。") % {"n": TITLE_MAX})
    if len(issuer or "") > ISSUER_MAX:
        add("issuer", _("发文机关不能超过 %(n)s 个字。") % {"n": ISSUER_MAX})
    return errors


def issue_bulletin(
    actor,
    campaign: Campaign,
    region: Region,
    period_start: date,
    period_end: date,
    *,
    title: str | None = None,
    issuer: str | None = None,
    issued_on: date | None = None,
) -> Bulletin:
    """Issue the bulletin of `campaign` for `region` over the period (both ends included): the
    next serial of the region's year, its number, the figures frozen, the .docx rendered from them
    and stored with its SHA-256, an audit row. All or nothing."""
    if not scope_for(actor, CHANGE).covers_path(region.path):
        raise PermissionDenied(
            _("您没有为%(region)s签发工作通报的权限。") % {"region": region.name}
        )
    title = (title or "").strip()
    issuer = (issuer or "").strip()
    errors = validate_request(
        campaign,
        region,
        period_start,
        period_end,
        issued_on=issued_on,
        title=title,
        issuer=issuer,
    )
    if errors:
        raise ValidationError(errors)
    issued_on = issued_on or timezone.localdate()
    title = title or default_title(campaign)
    issuer = issuer or default_issuer(region)

    with transaction.atomic():
        # One issuer at a time per region, so two bulletins never take the same serial.
        list(Region.objects.select_for_update().filter(pk=region.pk).values_list("pk"))
        year = issued_on.year
        serial = next_serial(region, year)
        # Through JSON and back: the figures exactly as they will be read from the row.
        data = json.loads(json.dumps(bulletin_data(campaign, region, period_start, period_end)))
        bulletin = Bulletin(
            campaign=campaign,
            region=region,
            region_path=region.path,
            period_start=period_start,
            period_end=period_end,
            year=year,
            serial=serial,
            number=document_number(region, year, serial),
            title=title,
            issuer=issuer,
            issued_on=issued_on,
            data=data,
            issued_by=actor if getattr(actor, "pk", None) else None,
        )
        content = render_bulletin(bulletin)
        bulletin.sha256 = hashlib.sha256(content).hexdigest()
        bulletin.document.save(
            f"{region.code}-{year}-{serial:03d}.docx", ContentFile(content), save=False
        )
        try:
            bulletin.save()
            audit.record(
                actor,
                "issue_bulletin",
                bulletin,
                changes={
                    "number": [None, bulletin.number],
                    "period": [None, f"{period_start.isoformat()}/{period_end.isoformat()}"],
                    "sha256": [None, bulletin.sha256],
                },
                note=title,
            )
        except BaseException:
            bulletin.document.storage.delete(bulletin.document.name)
            raise
    return bulletin
