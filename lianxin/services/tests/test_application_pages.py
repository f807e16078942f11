"""An application's page (scope, form answers with labels, materials, timeline, the actions the
table allows and nothing else, the audited reveal of an ID number, attachments through the scope)
and receiving an application at the window (代办): routing shown, input kept on error, one
application however many times the same form is sent."""

from __future__ import annotations

import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from lianxin.core.models import AuditLog
from lianxin.core.tests.factories import HEXI, HEXI_VILLAGE, NANKAI_VILLAGE, region
from lianxin.services import services
from lianxin.services.models import Application, Status, Step
from lianxin.services.tests import factories as f

FIELDS = (
    {
        "code": "grade",
        "label": "残疾等级",
        "datatype": "singlevaluelist",
        "values": [{"key": "1", "name": "一级"}, {"key": "2", "name": "二级"}],
    },
    {"code": "people", "label": "家庭人口", "datatype": "number", "required": True},
)


@pytest.fixture
def item(db):
    return f.item(fields=FIELDS, materials=(("身份证复印件", True),), name="残疾证办理")


@pytest.fixture
def hexi_center(db):
    return f.center_of(region(HEXI_VILLAGE))


@pytest.fixture
def app(item, hexi_center):
    return f.application(
        hexi_center,
        item_obj=item,
        applicant_name="李居民",
        form_data={"grade": "2", "people": "3"},
        files={item.materials.get().pk: [f.pdf_file()]},
    )


def url(app, tail=""):
    return f"/services/applications/{app.pk}/{tail}"


def actions(body: str) -> list[str]:
    return re.findall(r'data-action="(\w+)"', body)


# -- the page ------------------------------------------------------------------------------------


def test_another_districts_staff_get_404(app, nankai, login):
    assert login(nankai).get(url(app)).status_code == 404


def test_residents_are_redirected(app, resident, login):
    response = login(resident).get(url(app))
    assert response.status_code == 302 and response["Location"].startswith("/me/")


def test_the_page_shows_answers_with_labels_materials_and_timeline(app, hexi, login):
    body = login(hexi).get(url(app)).content.decode()
    assert "残疾等级" in body and "二级" in body and "家庭人口" in body
    assert app.id_number_masked in body and f.ID_NUMBER not in body
    assert f.PHONE not in body and app.phone_masked in body
    attachment = app.attachments.get()
    assert f'data-attachment="{attachment.pk}"' in body
    assert 'data-step="submitted"' in body


def test_only_the_allowed_changes_are_offered(app, hexi, inspector, login):
    assert actions(login(hexi).get(url(app)).content.decode()) == ["accept", "return", "reject"]
    # Read-only: sees the case, may not act on it.
    body = login(inspector).get(url(app)).content.decode()
    assert actions(body) == [] and 'id="no-actions"' in body


def test_accept_changes_the_status_and_records_a_step(app, hexi, login):
    response = login(hexi).post(url(app, "transition/"), {"to_status": "accepted", "version": 1})
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == Status.ACCEPTED
    assert Step.objects.filter(application=app, to_status="accepted").exists()
    body = login(hexi).get(url(app)).content.decode()
    assert actions(body) == ["start", "transfer"]  # received here, concluded by the street


def test_a_refused_change_says_why_and_changes_nothing(app, hexi, login):
    response = login(hexi).post(url(app, "transition/"), {"to_status": "concluded", "version": 1})
    assert response.status_code == 400
    body = response.content.decode()
    assert "不能从“已提交”变为“已办结”" in body
    app.refresh_from_db()
    assert app.status == Status.SUBMITTED and app.version == 1


def test_return_needs_a_note_beside_the_note_field(app, hexi, login):
    response = login(hexi).post(url(app, "transition/"), {"to_status": "returned", "version": 1})
    assert response.status_code == 400
    assert 'data-error-for="note"' in response.content.decode()
    app.refresh_from_db()
    assert app.status == Status.SUBMITTED


def test_a_stale_version_is_a_conflict(app, hexi, login):
    services.transition(f.root(), app, "accepted")
    response = login(hexi).post(url(app, "transition/"), {"to_status": "in_progress", "version": 1})
    assert response.status_code == 400
    assert "已被他人修改" in response.content.decode()
    app.refresh_from_db()
    assert app.status == Status.ACCEPTED


def test_the_street_concludes_what_the_window_passed_up(app, street_staff, center_staff, login):
    for status in ("accepted", "in_progress"):
        services.transition(f.root(), app, status)
    services.transition(f.root(), app, "transferred", note="转街道")
    # The center's own staff (the window only) cannot conclude it; the street can.
    assert actions(login(center_staff).get(url(app)).content.decode()) == []
    assert actions(login(street_staff).get(url(app)).content.decode()) == ["conclude"]
    response = login(street_staff).post(
        url(app, "transition/"),
        {"to_status": "concluded", "result": "已发证", "version": app.version},
    )
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == Status.CONCLUDED and app.result == "已发证"


def test_reveal_shows_the_full_number_and_is_audited(app, hexi, login):
    before = AuditLog.objects.filter(action="view").count()
    response = login(hexi).post(url(app, "reveal/"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and f.ID_NUMBER in response.content.decode()
    assert AuditLog.objects.filter(action="view").count() == before + 1


def test_reveal_is_refused_to_read_only_roles(app, inspector, login):
    body = login(inspector).get(url(app)).content.decode()
    assert "reveal/" not in body
    response = login(inspector).post(url(app, "reveal/"))
    assert response.status_code == 403 and f.ID_NUMBER not in response.content.decode()


def test_attachments_are_served_in_scope_only(app, hexi, nankai, login):
    attachment = app.attachments.get()
    response = login(hexi).get(f"/services/attachments/{attachment.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert login(nankai).get(f"/services/attachments/{attachment.pk}/").status_code == 404


# -- receiving at the window ---------------------------------------------------------------------

NEW = "/services/applications/new/"


def _post(item, center, key, **overrides):
    data = {
        "center": center.pk,
        "item": item.pk,
        "idempotency_key": key,
        "applicant_name": "赵居民",
        "id_number": f.ID_NUMBER,
        "phone": f.PHONE,
        "f_grade": "1",
        "f_people": "4",
        "description": "窗口代办",
        f"m_{item.materials.get().pk}": f.png_file(),
    }
    return data | overrides


def test_the_form_shows_the_routing(item, hexi_center, center_staff, login):
    client = login(center_staff)
    body = client.get(f"{NEW}?center={hexi_center.pk}&item={item.pk}").content.decode()
    assert 'data-mode="received_here"' in body and "转街道办理" in body
    assert 'name="f_people"' in body and f'name="m_{item.materials.get().pk}"' in body
    key = re.search(r'name="idempotency_key" value="(\w+)"', body)
    assert key and len(key.group(1)) == 32
    f.devolution(region(HEXI), item)
    body = client.get(f"{NEW}?center={hexi_center.pk}&item={item.pk}").content.decode()
    assert 'data-mode="concluded_here"' in body and "本中心办结" in body


def test_a_double_post_creates_one_application(item, hexi_center, center_staff, login):
    client = login(center_staff)
    key = uuid.uuid4().hex
    first = client.post(NEW, _post(item, hexi_center, key))
    second = client.post(NEW, _post(item, hexi_center, key))
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    made = Application.objects.filter(idempotency_key=key)
    assert made.count() == 1
    app = made.get()
    assert app.channel == "window" and app.received_by == center_staff
    assert app.form_data == {"grade": "1", "people": 4} and app.attachments.count() == 1


def test_errors_keep_what_was_typed(item, hexi_center, center_staff, login):
    data = _post(item, hexi_center, uuid.uuid4().hex, id_number="110105194912310021")
    data["f_people"] = "很多"
    response = login(center_staff).post(NEW, data)
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-error-for="id_number"' in body and "校验不通过" in body
    assert 'data-error-for="f_people"' in body
    assert 'value="赵居民"' in body and "窗口代办" in body and 'value="110105194912310021"' in body
    assert f'value="{data["idempotency_key"]}"' in body  # the retry keeps its key
    assert not Application.objects.filter(applicant_name="赵居民").exists()


def test_a_missing_material_is_named(item, hexi_center, center_staff, login):
    data = _post(item, hexi_center, uuid.uuid4().hex)
    del data[f"m_{item.materials.get().pk}"]
    response = login(center_staff).post(NEW, data)
    assert response.status_code == 400
    assert "请上传“身份证复印件”" in response.content.decode()


def test_another_districts_center_is_not_found(item, center_staff, login):
    theirs = f.center_of(region(NANKAI_VILLAGE))
    response = login(center_staff).post(NEW, _post(item, theirs, uuid.uuid4().hex))
    assert response.status_code == 404
    assert not Application.objects.filter(center=theirs).exists()


def test_read_only_roles_cannot_receive(inspector, login):
    assert login(inspector).get(NEW).status_code == 403


def test_an_upload_that_is_not_what_it_claims_is_refused(item, hexi_center, center_staff, login):
    fake = SimpleUploadedFile("photo.png", b"not a picture at all", content_type="image/png")
    data = _post(item, hexi_center, uuid.uuid4().hex, **{f"m_{item.materials.get().pk}": fake})
    response = login(center_staff).post(NEW, data)
    assert response.status_code == 400
    assert f'data-error-for="m_{item.materials.get().pk}"' in response.content.decode()


def test_the_window_is_told_why_it_may_not_conclude_for_the_street(app, center_staff, login):
    for status in ("accepted", "in_progress"):
        services.transition(f.root(), app, status)
    services.transition(f.root(), app, "transferred", note="转街道")
    response = login(center_staff).post(
        url(app, "transition/"),
        {"to_status": "concluded", "result": "已办", "version": app.version},
    )
    assert response.status_code == 403
    assert "您不能将办件从“已转上级办理”变为“已办结”" in response.content.decode()
    app.refresh_from_db()
    assert app.status == Status.TRANSFERRED
