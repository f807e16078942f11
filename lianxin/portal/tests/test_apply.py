"""Applying online: the item's typed form, every bad input re-rendered with the typed values
kept and the message beside its field, and the idempotency key (a double submit, one case)."""

import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from lianxin.core.tests.factories import HEXI_VILLAGE, region
from lianxin.services.models import Application
from lianxin.services.tests import factories as sf

FIELDS = [
    {"code": "people", "label": "家庭人口", "datatype": "number", "required": True},
    {"code": "since", "label": "居住起始日", "datatype": "datetime", "required": True},
    {
        "code": "needs",
        "label": "需要的帮助",
        "datatype": "multivaluelist",
        "required": False,
        "values": [{"key": "care", "name": "照护"}, {"key": "meal", "name": "助餐"}],
    },
]


@pytest.fixture
def center(make_center):
    return make_center(region(HEXI_VILLAGE), name="九江路社区党群服务中心")


@pytest.fixture
def item():
    return sf.item(name="居家养老服务申请", fields=FIELDS, materials=(("身份证复印件", True),))


def url(center, item):
    return f"/portal/centers/{center.pk}/items/{item.code}/apply/"


def good(item, key=None, **override):
    material = item.materials.get()
    data = {
        "idempotency_key": key or uuid.uuid4().hex,
        "applicant_name": "张居民",
        "id_number": sf.ID_NUMBER,
        "phone": "13812345678",
        "f_people": "3",
        "f_since": "2020-05-01",
        "f_needs": ["care", "meal"],
        "description": "独居老人",
        f"m_{material.pk}": sf.png_file(),
    }
    return data | override


def errors_for(body: str, name: str) -> list[str]:
    return re.findall(rf'data-error-for="{name}">([^<]+)<', body)


def test_get_form_prefills_the_resident(login, resident, center, item):
    body = login(resident).get(url(center, item)).content.decode()
    assert 'name="idempotency_key"' in body
    assert 'value="13812345678"' in body and 'value="张居民"' in body
    assert 'name="f_people"' in body and f'name="m_{item.materials.get().pk}"' in body


def test_success_goes_to_tracking(login, resident, center, item):
    response = login(resident).post(url(center, item), good(item))
    app = Application.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/portal/applications/{app.number}/"
    assert app.applicant == resident and app.channel == "online" and app.center == center
    assert app.form_data == {"people": 3, "since": "2020-05-01", "needs": ["care", "meal"]}
    assert app.attachments.count() == 1


@pytest.mark.parametrize(
    "override,field,message",
    [
        ({"id_number": "110105194912310021"}, "id_number", "校验不通过"),
        ({"f_people": "三口人"}, "f_people", "须为数字"),
        ({"f_since": "去年"}, "f_since", "须为日期"),
        ({"f_needs": ["care", "fly"]}, "f_needs", "不在可选范围内"),
        ({"phone": "12345"}, "phone", "11 位手机号码"),
        ({"applicant_name": ""}, "applicant_name", ""),
    ],
)
def test_bad_input_keeps_typed_values(login, resident, center, item, override, field, message):
    data = good(item, **override)
    response = login(resident).post(url(center, item), data)
    body = response.content.decode()
    assert response.status_code == 200 and not Application.objects.exists()
    found = errors_for(body, field)
    assert found and message in " ".join(found)
    # Everything typed is still there (files aside: browsers never re-send those).
    for name in ("applicant_name", "phone", "f_people", "f_since", "id_number"):
        value = data[name]
        if value:
            assert f'value="{value}"' in body, name
    assert "独居老人" in body
    if field != "f_needs":
        assert re.search(r'value="care"[^>]*checked', body)
    # The same key is carried on, so a corrected resubmission is still one case.
    assert f'value="{data["idempotency_key"]}"' in body


def test_missing_required_material(login, resident, center, item):
    material = item.materials.get()
    data = good(item)
    data.pop(f"m_{material.pk}")
    body = login(resident).post(url(center, item), data).content.decode()
    assert "请上传“身份证复印件”" in " ".join(errors_for(body, f"m_{material.pk}"))
    assert 'value="三口人"' not in body and 'value="3"' in body
    assert not Application.objects.exists()


def test_upload_that_is_not_what_it_claims(login, resident, center, item):
    material = item.materials.get()
    fake = SimpleUploadedFile("photo.png", b"not an image at all", content_type="image/png")
    body = login(resident).post(url(center, item), good(item, **{f"m_{material.pk}": fake}))
    text = body.content.decode()
    assert "不是 JPEG、PNG、WebP 图片或 PDF" in " ".join(errors_for(text, f"m_{material.pk}"))
    assert not Application.objects.exists()


def test_double_submit_with_the_same_key_is_one_application(login, resident, center, item):
    client = login(resident)
    key = uuid.uuid4().hex
    first = client.post(url(center, item), good(item, key))
    second = client.post(url(center, item), good(item, key))
    assert Application.objects.count() == 1
    assert first["Location"] == second["Location"]
    third = client.post(url(center, item), good(item))  # a new form, a new key
    assert third.status_code == 302 and Application.objects.count() == 2


def test_anonymous_is_sent_to_login(login, center, item):
    response = login().get(url(center, item))
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=")


def test_staff_are_sent_to_the_window(login, center_staff, center, item):
    response = login(center_staff).get(url(center, item))
    assert response.status_code == 302
    assert response["Location"] == f"/services/applications/new/?center={center.pk}&item={item.pk}"
    assert not Application.objects.exists()


def test_item_that_cannot_be_applied_online(login, resident, center):
    offline = sf.item(online=False, materials=())
    data = {
        "idempotency_key": uuid.uuid4().hex,
        "applicant_name": "张居民",
        "id_number": sf.ID_NUMBER,
        "phone": "13812345678",
    }
    response = login(resident).post(url(center, offline), data)
    assert response.status_code == 200 and "不能网上申请" in response.content.decode()
    assert not Application.objects.exists()
