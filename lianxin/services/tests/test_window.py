"""Receiving at the window (代办): the center is preselected when the clerk has one, the message
says what happened (收件 = 已提交; 当场受理 accepts in the same request), a paper original checked
by the clerk stands in for a scan (原件已核验, window only, audited, shown on the case), uploads
keep their original file names, and the case's title keeps its number apart."""

from __future__ import annotations

import re
import uuid

import pytest
from django.core.exceptions import ValidationError

from lianxin.core.models import AuditLog
from lianxin.core.tests.factories import HEXI_VILLAGE, region
from lianxin.services import services
from lianxin.services.models import Application, Status
from lianxin.services.tests import factories as f

NEW = "/services/applications/new/"


@pytest.fixture
def item(db):
    return f.item(
        materials=(("户口簿原件", True), ("其他材料", False)), name="老年证办理", fields=()
    )


@pytest.fixture
def hexi_center(db):
    return f.center_of(region(HEXI_VILLAGE))


def required(item):
    return item.materials.get(required=True)


def _post(item, center, **overrides):
    data = {
        "center": center.pk,
        "item": item.pk,
        "idempotency_key": uuid.uuid4().hex,
        "applicant_name": "赵居民",
        "id_number": f.ID_NUMBER,
        "phone": f.PHONE,
        f"m_{required(item).pk}": f.png_file("我的户口簿.png"),
    }
    return {k: v for k, v in (data | overrides).items() if v is not None}


def _messages(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


# -- the center is preselected --------------------------------------------------------------------


def test_a_clerk_with_one_center_has_it_preselected(item, hexi_center, center_staff, login):
    body = login(center_staff).get(NEW).content.decode()
    assert re.search(rf'<option value="{hexi_center.pk}" selected>', body)


def test_a_clerk_with_many_centers_picks_one(item, hexi_center, street_staff, login):
    f.center_of(region("120103001004"))
    body = login(street_staff).get(NEW).content.decode()
    assert not re.search(r'<option value="\d+" selected>', body)


# -- 收件 or 当场受理 -----------------------------------------------------------------------------


def test_without_accept_now_the_case_is_received_and_the_message_says_so(
    item, hexi_center, center_staff, login
):
    response = login(center_staff).post(NEW, _post(item, hexi_center), follow=True)
    app = Application.objects.get(applicant_name="赵居民")
    assert app.status == Status.SUBMITTED
    [text] = _messages(response)
    assert text.startswith("已收件：" + app.number) and "已提交" in text and "已受理" not in text


def test_accept_now_accepts_in_the_same_request(item, hexi_center, center_staff, login):
    response = login(center_staff).post(NEW, _post(item, hexi_center, accept_now="on"), follow=True)
    app = Application.objects.get(applicant_name="赵居民")
    assert app.status == Status.ACCEPTED and app.accepted_at is not None
    assert list(app.steps.values_list("to_status", flat=True)) == ["submitted", "accepted"]
    [text] = _messages(response)
    assert text.startswith("已受理：" + app.number)
    assert AuditLog.objects.filter(action="accept", target_id=str(app.pk)).exists()


def test_the_form_offers_accept_now_ticked(item, hexi_center, center_staff, login):
    body = login(center_staff).get(f"{NEW}?center={hexi_center.pk}&item={item.pk}").content
    assert re.search(rb'<input type="checkbox" name="accept_now"[^>]*checked', body)


# -- 原件已核验（窗口） -------------------------------------------------------------------------


def test_the_clerk_may_mark_a_paper_original_as_checked(item, hexi_center, center_staff, login):
    material = required(item)
    client = login(center_staff)
    body = client.get(f"{NEW}?center={hexi_center.pk}&item={item.pk}").content.decode()
    assert f'name="v_{material.pk}"' in body and "原件已核验（窗口）" in body
    data = _post(item, hexi_center, **{f"m_{material.pk}": None, f"v_{material.pk}": "on"})
    response = client.post(NEW, data)
    assert response.status_code == 302
    app = Application.objects.get(applicant_name="赵居民")
    assert app.verified_materials == [material.pk] and not app.attachments.exists()
    entry = AuditLog.objects.get(action="submit", target_id=str(app.pk))
    assert entry.changes["verified_materials"] == [None, ["户口簿原件"]]
    detail = client.get(f"/services/applications/{app.pk}/").content.decode()
    assert f'data-verified="{material.pk}"' in detail


def test_without_the_tick_the_scan_is_still_required(item, hexi_center, center_staff, login):
    data = _post(item, hexi_center, **{f"m_{required(item).pk}": None})
    response = login(center_staff).post(NEW, data)
    assert response.status_code == 400 and "请上传“户口簿原件”" in response.content.decode()


def test_residents_online_must_upload(item, hexi_center, resident):
    with pytest.raises(ValidationError) as exc:
        services.submit_application(
            resident,
            item=item,
            center=hexi_center,
            applicant_name="王居民",
            id_number=f.ID_NUMBER,
            phone=f.PHONE,
            form_data={},
            files={},
            channel="online",
            verified_materials=[required(item).pk],
        )
    assert "verified_materials" in exc.value.message_dict
    assert not Application.objects.exists()


def test_only_the_items_materials_can_be_checked(item, hexi_center, center_staff):
    stranger = f.item().materials.get()
    with pytest.raises(ValidationError) as exc:
        services.submit_application(
            center_staff,
            item=item,
            center=hexi_center,
            applicant_name="王居民",
            id_number=f.ID_NUMBER,
            phone=f.PHONE,
            form_data={},
            channel="window",
            verified_materials=[stranger.pk],
        )
    assert "verified_materials" in exc.value.message_dict


def test_the_portal_form_has_no_tick_box(item):
    from lianxin.services.itemform import application_form

    form = application_form(item, data={f"v_{required(item).pk}": "on"})
    assert not any(name.startswith("v_") for name in form.fields)
    assert form.fields[f"m_{required(item).pk}"].required


# -- names and the title ---------------------------------------------------------------------------


def test_attachments_keep_and_show_their_original_names(item, hexi_center, center_staff, login):
    client = login(center_staff)
    client.post(NEW, _post(item, hexi_center))
    app = Application.objects.get(applicant_name="赵居民")
    attachment = app.attachments.get()
    assert attachment.original_name == "我的户口簿.png"
    body = client.get(f"/services/applications/{app.pk}/").content.decode()
    assert "我的户口簿.png</a>" in body
    assert attachment.file.name.split("/")[-1] not in body.replace("我的户口簿.png", "")
    download = client.get(f"/services/attachments/{attachment.pk}/")
    assert "filename*=utf-8''%E6%88%91%E7%9A%84" in download["Content-Disposition"]


def test_the_title_keeps_the_item_and_the_number_apart(item, hexi_center, center_staff, login):
    app = f.application(hexi_center, item_obj=item)
    body = login(center_staff).get(f"/services/applications/{app.pk}/").content.decode()
    title = re.search(r'<h1 class="page-title([^"]*)" id="app-title">(.*?)</h1>', body, re.S)
    # .page-title is display:flex, where a plain space between two children collapses.
    assert title and "gap-" in title.group(1)
    assert re.fullmatch(
        rf"\s*<span>{item.name}</span>\s*<span [^>]*>{app.number}</span>\s*", title.group(2)
    )
