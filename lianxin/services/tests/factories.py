"""Builders for the services app's rows (and the permission matrix's factories for them).

Everything goes through `lianxin.services.services`, as the pages and the API would."""

from __future__ import annotations

import io
from datetime import date, datetime
from itertools import count

from django.core.files.uploadedfile import SimpleUploadedFile

from lianxin.core.tests.factories import make_center, org_factory

_serial = count(1)

# A real, valid GB 11643 number (the check digit computed), for the test applicants.
ID_NUMBER = "11010519491231002X"
PHONE = "13900001111"


def root():
    from lianxin.accounts.models import User

    return User.objects.get(username="root")


def center_of(village):
    from lianxin.centers.models import Center

    return Center.objects.filter(region=village).first() or make_center(village)


def district_of(region_obj):
    from lianxin.regions.models import Level

    return next(r for r in [*region_obj.ancestors(), region_obj] if r.level == Level.COUNTY)


def png_file(name="photo.png", size=(4, 4)) -> SimpleUploadedFile:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, "PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def pdf_file(name="scan.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")


def item(
    *,
    time_limit: int = 5,
    valid_from: date | None = date(2000, 1, 1),
    materials=(("身份证复印件", True),),
    fields=(),
    region_code: str = "120000000000",
    **data,
):
    """A catalogue item published by `region_code` (default the city), with a time limit in
    force from `valid_from`, materials [(name, required)], and form fields [dict(code, label,
    datatype, required, values)]."""
    from lianxin.core.tests.factories import region
    from lianxin.services import services

    n = next(_serial)
    values = {
        "code": f"T{n:05d}",
        "name": f"测试事项{n}",
        "category": "社会保障",
        "department": "区民政局",
        "level": "street",
        "item_type": "public_service",
    } | data
    obj = services.save_item(root(), None, values | {"region": region(region_code)})
    if time_limit:
        services.set_time_limit(root(), obj, working_days=time_limit, valid_from=valid_from)
    for name, required in materials:
        services.save_material(root(), obj, None, {"name": name, "required": required})
    for f in fields:
        services.save_field(root(), obj, None, dict(f))
    return obj


def devolution(district_region, item_obj, *, level="community", mode="concluded_here", **kw):
    from lianxin.services import services

    return services.devolve(
        root(),
        district_region,
        item_obj,
        level=level,
        handling_mode=mode,
        valid_from=kw.pop("valid_from", date(2000, 1, 1)),
        **kw,
    )


def files_for(item_obj) -> dict:
    """A PNG for every required material."""
    return {m.pk: [png_file()] for m in item_obj.materials.filter(required=True)}


def application(center, *, item_obj=None, actor=None, channel="window", now=None, **kw):
    """An application submitted through `submit_application` (at the window by root unless an
    actor and channel are given)."""
    from lianxin.services import services

    item_obj = item_obj or item()
    values = {
        "applicant_name": "王小明",
        "id_number": ID_NUMBER,
        "phone": PHONE,
        "form_data": {},
        "files": files_for(item_obj),
    } | kw
    if now is not None and isinstance(now, date) and not isinstance(now, datetime):
        from django.utils import timezone

        now = timezone.make_aware(datetime(now.year, now.month, now.day, 10, 0))
    app, _created = services.submit_application(
        actor or root(), item=item_obj, center=center, channel=channel, now=now, **values
    )
    return app


@org_factory("services.ServiceItem")
def _item(village):
    return item(region_code=district_of(village).code, materials=())


@org_factory("services.Devolution")
def _devolution(village):
    return devolution(district_of(village), item(materials=()))


@org_factory("services.Application")
def _application(village):
    return application(center_of(village), item_obj=item(materials=()))


@org_factory("services.Step")
def _step(village):
    return _application(village).steps.first()


@org_factory("services.Attachment")
def _attachment(village):
    app = application(center_of(village), item_obj=item())
    return app.attachments.first()


@org_factory("services.Rating")
def _rating(village):
    from lianxin.accounts import services as accounts
    from lianxin.services import services

    resident = accounts.create_resident(
        None, phone=f"137{next(_serial):08d}", password="Lianxin-test-2025!"
    )
    app = application(
        center_of(village), item_obj=item(materials=()), actor=resident, channel="online"
    )
    app = services.transition(root(), app, "accepted")
    app = services.transition(root(), app, "in_progress")
    app = services.transition(root(), app, "transferred", note="转街道")
    app = services.transition(root(), app, "concluded", result="已办结")
    return services.rate(resident, app, score=5, answer_ids=[])


def street_unit_staff():
    """A street's staff member whose scope is the street's own unit only: the level above the
    九江路 center (UPPER) without being its window."""
    from lianxin.accounts import services as accounts
    from lianxin.accounts.models import User
    from lianxin.core.tests.factories import HEXI_STREET, region

    existing = User.objects.filter(username="street_unit_dym").first()
    if existing:
        return existing
    user = accounts.create_staff(
        None,
        username="street_unit_dym",
        password="Lianxin-test-2025!",
        org_unit=region(HEXI_STREET),
    )
    accounts.assign_role(None, user, "street_staff", region(HEXI_STREET), "unit")
    return User.objects.get(pk=user.pk)


def at(day: date, hour: int = 10):
    """An aware datetime on `day` in the local time zone."""
    from django.utils import timezone

    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, 0))
