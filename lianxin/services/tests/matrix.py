"""The services pages' rows in the permission matrix (lianxin/core/tests/test_permission_matrix.py):
`populate` gives each side (河西 "mine", 南开 "theirs") a catalogue item published by its district
(with two materials and a form field), that item devolved to community level in the district, and
an application received at the side's center with a PDF material; the tables list every page,
export and write of the catalogue, devolution, the workbench, applications and statistics."""

from __future__ import annotations

from lianxin.core.tests.test_permission_matrix import Endpoint, Write, html

S = "/services"


def _prefix(s):
    return "河西" if s == "mine" else "南开"


def _x(c, s, name):
    return c.extra["services"][s][name]


def _pk(c, s, name):
    return _x(c, s, name).pk


def _district(s):
    return "120103000000" if s == "mine" else "120104000000"


def item_marker(c, s):
    return [f"{_prefix(s)}矩阵事项"]


def applicant_marker(c, s):
    return [f"{_prefix(s)}矩阵申请人"]


def center_name(c, s):
    return [getattr(c, s).name]


def material_marker(s):
    return f"{s.upper()}-SERVICES-MATERIAL"


def populate(ctx) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from . import factories as f

    for side in ("mine", "theirs"):
        center = getattr(ctx, side)
        district = f.district_of(center.region)
        item = f.item(
            region_code=district.code,
            name=f"{_prefix(side)}矩阵事项",
            materials=(("身份证复印件", True), ("矩阵可删材料", False)),
            fields=({"code": "household", "label": "矩阵户籍地", "datatype": "string"},),
        )
        devolution = f.devolution(district, item)
        required = item.materials.get(required=True)
        scan = SimpleUploadedFile(
            "scan.pdf", b"%PDF-1.4\n" + material_marker(side).encode() + b"\n%%EOF\n"
        )
        application = f.application(
            center,
            item_obj=item,
            applicant_name=f"{_prefix(side)}矩阵申请人",
            form_data={"household": "天津"},
            files={required.pk: [scan]},
        )
        ctx.extra.setdefault("services", {})[side] = {
            "item": item,
            "material": required,
            "spare_material": item.materials.get(required=False),
            "field": item.fields.get(),
            "devolution": devolution,
            "application": application,
            "attachment": application.attachments.get(),
        }


ENDPOINTS: list = [
    # the catalogue
    html("list", "services catalogue", lambda c, s: f"{S}/catalogue/", item_marker),
    html("list", "services catalogue, HTMX", lambda c, s: f"{S}/catalogue/?hx=1", item_marker),
    html(
        "list",
        "services catalogue, searched and sorted",
        lambda c, s: f"{S}/catalogue/?q=矩阵&active=&sort=-name",
        item_marker,
    ),
    Endpoint(
        "services catalogue export",
        "list",
        "xlsx",
        lambda c, s: f"{S}/catalogue/export.xlsx",
        item_marker,
    ),
    html(
        "detail",
        "services item detail",
        lambda c, s: f"{S}/catalogue/{_pk(c, s, 'item')}/",
        lambda c, s: item_marker(c, s) + ["矩阵户籍地", "矩阵可删材料"],
    ),
    html(
        "detail",
        "services item edit page",
        lambda c, s: f"{S}/catalogue/{_pk(c, s, 'item')}/edit/",
        item_marker,
    ),
    html(
        "detail",
        "services material edit page",
        lambda c, s: f"{S}/catalogue/{_pk(c, s, 'item')}/materials/{_pk(c, s, 'material')}/",
        item_marker,
    ),
    html(
        "detail",
        "services field edit page",
        lambda c, s: f"{S}/catalogue/{_pk(c, s, 'item')}/fields/{_pk(c, s, 'field')}/",
        lambda c, s: ["矩阵户籍地"],
    ),
    html(
        "detail",
        "services item materials card",
        lambda c, s: f"{S}/catalogue/{_pk(c, s, 'item')}/material/card/",
        lambda c, s: ["矩阵可删材料"],
    ),
    html(
        "detail",
        "services item new page for a district",
        lambda c, s: f"{S}/catalogue/new/?region={_district(s)}",
        lambda c, s: ["河西区" if s == "mine" else "南开区"],
    ),
    # devolution
    html(
        "list",
        "services devolution page",
        lambda c, s: f"{S}/devolution/",
        item_marker,
        city_sees_both=False,  # the city gets the summary per district until it picks one
    ),
    html(
        "detail",
        "services devolution of a district",
        lambda c, s: f"{S}/devolution/?district={_district(s)}&level=community",
        item_marker,
    ),
    html(
        "detail",
        "services devolve page",
        lambda c, s: f"{S}/devolution/{_district(s)}/items/{_pk(c, s, 'item')}/",
        item_marker,
    ),
    Endpoint(
        "services devolution export",
        "list",
        "xlsx",
        lambda c, s: f"{S}/devolution/export.xlsx",
        item_marker,
    ),
    # the window
    html("list", "services workbench", lambda c, s: f"{S}/workbench/", applicant_marker),
    html(
        "list",
        "services workbench, filtered",
        lambda c, s: f"{S}/workbench/?status=all&q=矩阵&channel=window&sort=-submitted",
        applicant_marker,
    ),
    html("list", "services workbench, HTMX", lambda c, s: f"{S}/workbench/?hx=1", applicant_marker),
    Endpoint(
        "services workbench export",
        "list",
        "xlsx",
        lambda c, s: f"{S}/workbench/export.xlsx",
        applicant_marker,
    ),
    html(
        "detail",
        "services application detail",
        lambda c, s: f"{S}/applications/{_pk(c, s, 'application')}/",
        lambda c, s: applicant_marker(c, s) + ["矩阵户籍地"],
    ),
    Endpoint(
        "services application material",
        "detail",
        "bin",
        lambda c, s: f"{S}/attachments/{_pk(c, s, 'attachment')}/",
        lambda c, s: [material_marker(s)],
    ),
    html("list", "services receive page", lambda c, s: f"{S}/applications/new/", center_name),
    # statistics
    # Per center (the default level is the one below the user: districts for the city).
    html("list", "services statistics", lambda c, s: f"{S}/stats/?level=center", center_name),
    Endpoint(
        "services statistics export, by center",
        "list",
        "xlsx",
        lambda c, s: f"{S}/stats/export.xlsx?table=center",
        center_name,
    ),
]


def _item_data(c, s):
    return {
        "code": f"MX-{s}",
        "name": f"{_prefix(s)}矩阵写入事项",
        "category": "矩阵",
        "department": "区民政局",
        "level": "street",
        "item_type": "public_service",
        "fee": "0",
        "online": "on",
        "active": "on",
        "region": _district(s),
    }


def _item_edit_data(c, s):
    item = _x(c, s, "item")
    return {
        "code": item.code,
        "name": "矩阵改名",
        "category": item.category,
        "department": item.department,
        "level": item.level,
        "item_type": item.item_type,
        "fee": "0",
        "active": "on",
        "version": item.version,
    }


def _receive_data(c, s):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {
        "center": getattr(c, s).pk,
        "item": _pk(c, s, "item"),
        "idempotency_key": f"matrix-{s}",
        "applicant_name": "矩阵写入申请人",
        "id_number": "11010519491231002X",
        "phone": "13900001111",
        "f_household": "天津",
        f"m_{_pk(c, s, 'material')}": SimpleUploadedFile("id.pdf", b"%PDF-1.4\n%%EOF\n"),
    }


def _item_url(c, s, tail=""):
    return f"{S}/catalogue/{_pk(c, s, 'item')}/{tail}"


WRITES: list = [
    Write(
        "services item new",
        "post",
        lambda c, s: f"{S}/catalogue/new/?region={_district(s)}",
        _item_data,
    ),
    Write("services item edit", "post", lambda c, s: _item_url(c, s, "edit/"), _item_edit_data),
    Write(
        "services time limit",
        "post",
        lambda c, s: _item_url(c, s, "time-limits/"),
        lambda c, s: {"working_days": "7", "valid_from": "2030-01-01", "note": "矩阵"},
    ),
    Write(
        "services material new",
        "post",
        lambda c, s: _item_url(c, s, "materials/new/"),
        lambda c, s: {"name": "矩阵新材料", "copies": "1", "source": "applicant", "sort": "1"},
    ),
    Write(
        "services material edit",
        "post",
        lambda c, s: _item_url(c, s, f"materials/{_pk(c, s, 'spare_material')}/"),
        lambda c, s: {"name": "矩阵改材料", "copies": "2", "source": "applicant", "sort": "1"},
    ),
    Write(
        "services material delete",
        "post",
        lambda c, s: _item_url(c, s, f"materials/{_pk(c, s, 'spare_material')}/delete/"),
        lambda c, s: {},
    ),
    Write(
        "services field new",
        "post",
        lambda c, s: _item_url(c, s, "fields/new/"),
        lambda c, s: {
            "code": "size",
            "label": "矩阵人数",
            "datatype": "number",
            "sort": "2",
        },
    ),
    Write(
        "services field edit",
        "post",
        lambda c, s: _item_url(c, s, f"fields/{_pk(c, s, 'field')}/"),
        lambda c, s: {
            "code": "household",
            "label": "矩阵改字段",
            "datatype": "singlevaluelist",
            "values": "a=甲\nb=乙",
            "sort": "1",
        },
    ),
    Write(
        "services field delete",
        "post",
        lambda c, s: _item_url(c, s, f"fields/{_pk(c, s, 'field')}/delete/"),
        lambda c, s: {},
    ),
    Write(
        "services devolve",
        "post",
        lambda c, s: f"{S}/devolution/{_district(s)}/items/{_pk(c, s, 'item')}/",
        lambda c, s: {
            "level": "street",
            "handling_mode": "concluded_here",
            "valid_from": "2030-01-01",
        },
    ),
    Write(
        "services end devolution",
        "post",
        lambda c, s: f"{S}/devolution/{_pk(c, s, 'devolution')}/end/",
        lambda c, s: {"valid_to": "2030-01-01"},
    ),
    Write(
        "services accept application",
        "post",
        lambda c, s: f"{S}/applications/{_pk(c, s, 'application')}/transition/",
        lambda c, s: {"to_status": "accepted", "version": "1"},
    ),
    Write(
        "services return application",
        "post",
        lambda c, s: f"{S}/applications/{_pk(c, s, 'application')}/transition/",
        lambda c, s: {"to_status": "returned", "note": "矩阵补正", "version": "1"},
    ),
    Write(
        "services reveal ID number",
        "post",
        lambda c, s: f"{S}/applications/{_pk(c, s, 'application')}/reveal/",
        lambda c, s: {},
    ),
    Write("services receive", "post", lambda c, s: f"{S}/applications/new/", _receive_data),
]


def fingerprint():
    from lianxin.services.models import (
        Application,
        Attachment,
        Devolution,
        FormField,
        Material,
        ServiceItem,
        TimeLimit,
    )

    return (
        sorted(ServiceItem.objects.values_list("pk", "version", "name")),
        TimeLimit.objects.count(),
        sorted(Material.objects.values_list("pk", "name", "copies")),
        sorted(FormField.objects.values_list("pk", "label", "datatype")),
        sorted(Devolution.objects.values_list("pk", "level", "valid_to")),
        sorted(Application.objects.values_list("pk", "status", "version")),
        Attachment.objects.count(),
    )


# The JSON API's rows (/api/v1/services/ and Open311) share this module's populate.
from .matrix_api import ENDPOINTS as _api_endpoints  # noqa: E402
from .matrix_api import WRITES as _api_writes  # noqa: E402

ENDPOINTS += _api_endpoints
WRITES += _api_writes
