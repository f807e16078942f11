"""Resources in the permission matrix: premises, matching runs and proposals (pages, API,
exports) and every write on them (see lianxin/core/tests/test_permission_matrix.py).

`populate(ctx)` adds, for each side, a free premises, a reserved one, and a run with a proposal
for a short center of the side's street (not the matrix's own center)."""

from __future__ import annotations

import io
from decimal import Decimal

from lianxin.core.tests.test_permission_matrix import Endpoint, Write, api, html


def _prefix(side):
    return "河西" if side == "mine" else "南开"


def _x(c, side, key):
    return c.extra[side][key]


def _district(side):
    return "120103000000" if side == "mine" else "120104000000"


def populate(ctx) -> None:
    from lianxin.regions.models import Level, Region

    from .factories_premises import make_premises, make_proposal, make_run, short_center

    for side in ("mine", "theirs"):
        rows = ctx.extra.setdefault(side, {})
        street = getattr(ctx, side).region.parent
        # The street's third village: the matrix's own center sits at the first, the
        # campaign's new plans at the second and fourth, its sign-off sites (whose area must
        # stay compliant) at the last three.
        village = Region.objects.filter(parent=street, level=Level.VILLAGE).order_by("code")[2]
        center = short_center(village, name=f"{_prefix(side)}矩阵缺面积中心")
        rows["premises"] = make_premises(
            village, code=f"{side[:2].upper()}-M1", name=f"{_prefix(side)}矩阵房源", offset=1
        )
        rows["reserved"] = make_premises(
            village,
            code=f"{side[:2].upper()}-M2",
            name=f"{_prefix(side)}矩阵预留房源",
            availability="reserved",
            reserved_on="2024-05-01",
            offset=2,
        )
        run = make_run(village)
        rows["run"] = run
        rows["proposal"] = make_proposal(
            village, run=run, premises=rows["premises"], area_added=Decimal("200.00")
        )
        rows["center"] = center


def _premises_markers(c, s):
    return [f"{_prefix(s)}矩阵房源"]


def _proposal_markers(c, s):
    return [f"{_prefix(s)}矩阵缺面积中心"]


ENDPOINTS: list = [
    html("list", "premises list", lambda c, s: "/resources/premises/", _premises_markers),
    html(
        "list",
        "premises list, searched and sorted",
        lambda c, s: "/resources/premises/?q=矩阵&sort=-area&availability=free",
        _premises_markers,
    ),
    html(
        "list",
        "premises list, HTMX partial",
        lambda c, s: "/resources/premises/?hx=1",
        _premises_markers,
    ),
    Endpoint(
        "premises export",
        "list",
        "xlsx",
        lambda c, s: "/resources/premises/export.xlsx",
        _premises_markers,
    ),
    Endpoint(
        "premises template, pre-filled",
        "list",
        "xlsx",
        lambda c, s: "/resources/premises/ledger/template.xlsx?prefill=1",
        _premises_markers,
    ),
    html(
        "list", "premises ledger page", lambda c, s: "/resources/premises/ledger/", lambda c, s: []
    ),
    html("list", "matching page", lambda c, s: "/resources/matching/", lambda c, s: []),
    html(
        "detail",
        "premises detail page",
        lambda c, s: f"/resources/premises/{_x(c, s, 'premises').pk}/",
        _premises_markers,
    ),
    html(
        "detail",
        "premises edit page",
        lambda c, s: f"/resources/premises/{_x(c, s, 'premises').pk}/edit/",
        _premises_markers,
    ),
    html(
        "detail",
        "matching run page",
        lambda c, s: f"/resources/matching/runs/{_x(c, s, 'run').pk}/",
        _proposal_markers,
    ),
    html(
        "detail",
        "proposal reject page",
        lambda c, s: f"/resources/matching/proposals/{_x(c, s, 'proposal').pk}/reject/",
        _proposal_markers,
    ),
    api("list", "API premises", lambda c, s: "/api/v1/resources/premises", _premises_markers),
    api(
        "detail",
        "API premises detail",
        lambda c, s: f"/api/v1/resources/premises/{_x(c, s, 'premises').pk}",
        _premises_markers,
    ),
    api(
        "list",
        "API matching runs",
        lambda c, s: "/api/v1/resources/matching/runs",
        lambda c, s: [_district(s)],
    ),
    api(
        "detail",
        "API matching run",
        lambda c, s: f"/api/v1/resources/matching/runs/{_x(c, s, 'run').pk}",
        _proposal_markers,
    ),
    api(
        "list",
        "API proposals",
        lambda c, s: "/api/v1/resources/matching/proposals",
        _proposal_markers,
    ),
]


def _point(c, s):
    p = _x(c, s, "premises")
    return float(p.longitude), float(p.latitude)


def _create_data(c, s):
    lon, lat = _point(c, s)
    return {
        "region": getattr(c, s).region.parent.code,
        "kind": "supporting",
        "code": "MATRIX-NEW",
        "name": "矩阵写入",
        "address": "矩阵路 1 号",
        "latitude": lat,
        "longitude": lon,
        "floor_area": 150,
    }


def _edit_data(c, s):
    p = _x(c, s, "premises")
    return {
        "version": p.version,
        "kind": p.kind,
        "code": p.code,
        "name": "矩阵写入",
        "address": p.address,
        "region": p.region_id,
        "longitude": str(p.longitude),
        "latitude": str(p.latitude),
        "floor_area": "210",
        "owner": p.owner,
        "condition": p.condition,
        "available_from": "",
        "note": "",
    }


def _ledger_file(c, s):
    import openpyxl
    from django.core.files.uploadedfile import SimpleUploadedFile

    lon, lat = _point(c, s)
    book = openpyxl.Workbook()
    book.active.append(["所属单位代码", "编号", "类别", "名称", "地址", "经度", "纬度", "建筑面积"])
    book.active.append(
        [
            getattr(c, s).region.parent.code,
            "MATRIX-IMP",
            "库存房源",
            "矩阵导入",
            "矩阵路 2 号",
            lon,
            lat,
            180,
        ]
    )
    out = io.BytesIO()
    book.save(out)
    return {"file": SimpleUploadedFile("premises.xlsx", out.getvalue())}


WRITES: list = [
    Write("API premises create", "json", lambda c, s: "/api/v1/resources/premises", _create_data),
    Write(
        "premises edit",
        "post",
        lambda c, s: f"/resources/premises/{_x(c, s, 'premises').pk}/edit/",
        _edit_data,
    ),
    Write(
        "API premises patch",
        "patch",
        lambda c, s: f"/api/v1/resources/premises/{_x(c, s, 'premises').pk}",
        lambda c, s: {"version": 1, "name": "矩阵写入"},
    ),
    Write(
        "premises release",
        "post",
        lambda c, s: f"/resources/premises/{_x(c, s, 'reserved').pk}/release/",
        lambda c, s: {"reason": "矩阵写入"},
    ),
    Write(
        "premises assign",
        "post",
        lambda c, s: f"/resources/premises/{_x(c, s, 'reserved').pk}/assign/",
        lambda c, s: {"assigned_on": "2024-06-01"},
    ),
    Write(
        "API premises release",
        "json",
        lambda c, s: f"/api/v1/resources/premises/{_x(c, s, 'reserved').pk}/release",
        lambda c, s: {"reason": "矩阵写入"},
    ),
    Write(
        "API premises assign",
        "json",
        lambda c, s: f"/api/v1/resources/premises/{_x(c, s, 'reserved').pk}/assign",
        lambda c, s: {"assigned_on": "2024-06-01"},
    ),
    Write(
        "premises ledger import",
        "post",
        lambda c, s: "/resources/premises/ledger/import/",
        _ledger_file,
        bulk=True,
    ),
    Write(
        "API premises ledger import",
        "post",
        lambda c, s: "/api/v1/resources/premises/import",
        _ledger_file,
        bulk=True,
    ),
    Write(
        "API matching run",
        "json",
        lambda c, s: "/api/v1/resources/matching/runs",
        lambda c, s: {"region": _district(s), "max_distance_m": 2000},
    ),
    Write(
        "proposal accept",
        "post",
        lambda c, s: f"/resources/matching/proposals/{_x(c, s, 'proposal').pk}/accept/",
        lambda c, s: {},
    ),
    Write(
        "proposal reject",
        "post",
        lambda c, s: f"/resources/matching/proposals/{_x(c, s, 'proposal').pk}/reject/",
        lambda c, s: {"reason": "矩阵写入"},
    ),
    Write(
        "API proposal accept",
        "json",
        lambda c, s: f"/api/v1/resources/matching/proposals/{_x(c, s, 'proposal').pk}/accept",
        lambda c, s: {},
    ),
    Write(
        "API proposal reject",
        "json",
        lambda c, s: f"/api/v1/resources/matching/proposals/{_x(c, s, 'proposal').pk}/reject",
        lambda c, s: {"reason": "矩阵写入"},
    ),
]


def fingerprint():
    from lianxin.resources.models import MatchRun, Premises, Proposal

    return (
        sorted(Premises.objects.values_list("pk", "version", "name", "availability", "floor_area")),
        sorted(Proposal.objects.values_list("pk", "status", "reason")),
        MatchRun.objects.count(),
    )
