"""Builders for the portal's rows (and the permission matrix's factory for notices)."""

from __future__ import annotations

from datetime import date
from itertools import count

from lianxin.core.tests.factories import org_factory

_serial = count(1)


def notice(region_obj, **fields):
    """A notice posted at `region_obj`, written directly (any dates, past ones included)."""
    from django.utils import timezone

    from lianxin.centers.models import Center
    from lianxin.portal.models import Notice

    values = {
        "region": region_obj,
        "region_path": region_obj.path,
        "center": Center.objects.filter(region=region_obj).first(),
        "kind": "service_info",
        "title": f"测试公示{next(_serial)}",
        "body": "第一行\n第二行",
        "valid_from": date(2024, 1, 1),
        "published_at": timezone.now(),
    } | fields
    return Notice.objects.create(**values)


@org_factory("portal.Notice")
def _notice(village):
    return notice(village)
