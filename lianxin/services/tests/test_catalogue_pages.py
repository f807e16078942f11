"""The catalogue's staff pages: what each level reads, search (pinyin initials too), filters,
sorting, paging and export; create and edit by who may; time-limit versions; materials and
fields edited inline with errors beside the field."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest

from lianxin.core.tests.factories import HEXI, NANKAI
from lianxin.services.models import FormField, Material, ServiceItem
from lianxin.services.tests import factories as f

LIST = "/services/catalogue/"


def shown(body: str) -> set[str]:
    return set(re.findall(r'data-item="(\d+)"', body))


@pytest.fixture
def items(db):
    return {
        "city": f.item(name="老年证办理", category="老龄服务", level="community"),
        "hexi": f.item(name="河西就业登记", category="就业", region_code=HEXI),
        "nankai": f.item(name="南开户籍证明", category="户籍", region_code=NANKAI),
        "off": f.item(name="停用事项", active=False),
    }


def test_each_level_reads_its_own_and_the_citys_items(items, hexi, city, login):
    body = login(hexi).get(LIST).content.decode()
    assert shown(body) >= {str(items["city"].pk), str(items["hexi"].pk)}
    assert str(items["nankai"].pk) not in shown(body)
    assert str(items["nankai"].pk) in shown(login(city).get(LIST).content.decode())


def test_residents_are_redirected(resident, login):
    response = login(resident).get(LIST)
    assert response.status_code == 302 and response["Location"].startswith("/me/")


def test_search_by_name_code_and_pinyin_initials(items, hexi, login):
    client = login(hexi)
    ids = {str(items["city"].pk)}
    assert shown(client.get(LIST + "?q=老年证").content.decode()) == ids
    assert shown(client.get(LIST + f"?q={items['city'].code}").content.decode()) == ids
    assert shown(client.get(LIST + "?q=lnz").content.decode()) == ids


def test_filters_and_the_inactive(items, hexi, login):
    client = login(hexi)
    assert shown(client.get(LIST + "?category=就业").content.decode()) == {str(items["hexi"].pk)}
    assert str(items["city"].pk) in shown(client.get(LIST + "?level=community").content.decode())
    assert str(items["hexi"].pk) not in shown(
        client.get(LIST + "?level=community").content.decode()
    )
    assert str(items["off"].pk) not in shown(client.get(LIST).content.decode())
    assert shown(client.get(LIST + "?active=0").content.decode()) == {str(items["off"].pk)}


def test_sorting_and_paging(hexi, login):
    made = [f.item(name=f"排序事项{i:02d}", region_code=HEXI) for i in range(12)]
    client = login(hexi)
    body = client.get(LIST + "?q=排序事项&sort=-name&per_page=10").content.decode()
    order = re.findall(r'data-item="(\d+)"', body)
    expected = [str(i.pk) for i in sorted(made, key=lambda i: i.name, reverse=True)]
    assert order == expected[:10] and 'data-count="12"' in body
    body = client.get(LIST + "?q=排序事项&sort=-name&per_page=10&page=2").content.decode()
    assert re.findall(r'data-item="(\d+)"', body) == expected[10:]


def test_export_opens_with_openpyxl(items, hexi, login):
    response = login(hexi).get("/services/catalogue/export.xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(book.active.iter_rows(values_only=True))
    names = {r[1] for r in rows[1:]}
    assert rows[0][:2] == ("事项编码", "事项名称")
    assert {"老年证办理", "河西就业登记"} <= names and "南开户籍证明" not in names


def test_item_detail_shows_time_limits_materials_fields(hexi, login):
    item = f.item(
        name="残疾证办理",
        region_code=HEXI,
        fields=({"code": "grade", "label": "残疾等级", "datatype": "string"},),
    )
    body = login(hexi).get(f"/services/catalogue/{item.pk}/").content.decode()
    assert "残疾证办理" in body and "身份证复印件" in body and "残疾等级" in body
    assert 'data-figure="limit">5 个工作日' in body


def test_a_district_creates_its_own_item(hexi, login):
    data = {
        "code": "HX-001",
        "name": "河西助餐补贴",
        "category": "养老",
        "department": "区民政局",
        "level": "community",
        "item_type": "grant",
        "fee": "0",
        "online": "on",
        "active": "on",
        "region": HEXI,
    }
    response = login(hexi).post("/services/catalogue/new/", data)
    assert response.status_code == 302
    item = ServiceItem.objects.get(code="HX-001")
    assert item.region.code == HEXI and "hxzcbt" in item.search_text


def test_the_form_names_the_wrong_field(hexi, login):
    data = {"code": "", "name": "缺编码", "category": "养老", "department": "区民政局"}
    data |= {"level": "community", "item_type": "certificate", "fee": "-1", "region": HEXI}
    response = login(hexi).post("/services/catalogue/new/", data)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-error-for="code"' in body and 'data-error-for="fee"' in body
    assert 'value="缺编码"' in body
    assert not ServiceItem.objects.filter(name="缺编码").exists()


def test_a_district_may_not_edit_the_citys_item(items, hexi, city, login):
    url = f"/services/catalogue/{items['city'].pk}/edit/"
    assert login(hexi).get(url).status_code == 403
    assert login(city).get(url).status_code == 200
    assert login(hexi).get(f"/services/catalogue/{items['nankai'].pk}/edit/").status_code == 404


def test_edit_with_a_stale_version_is_refused(hexi, login):
    item = f.item(name="版本事项", region_code=HEXI)
    data = {
        "code": item.code,
        "name": "改名一",
        "category": item.category,
        "department": item.department,
        "level": item.level,
        "item_type": item.item_type,
        "fee": "0",
        "active": "on",
        "version": item.version,
    }
    client = login(hexi)
    assert client.post(f"/services/catalogue/{item.pk}/edit/", data).status_code == 302
    response = client.post(f"/services/catalogue/{item.pk}/edit/", data | {"name": "改名二"})
    assert response.status_code == 200 and "已被他人修改" in response.content.decode()
    item.refresh_from_db()
    assert item.name == "改名一"


def test_a_new_time_limit_version(hexi, login):
    item = f.item(region_code=HEXI)
    response = login(hexi).post(
        f"/services/catalogue/{item.pk}/time-limits/",
        {"working_days": "3", "valid_from": "2031-01-01"},
    )
    assert response.status_code == 302
    assert list(item.time_limits.order_by("valid_from").values_list("working_days", flat=True)) == [
        5,
        3,
    ]


def test_inline_material_form_and_its_errors(hexi, login):
    item = f.item(region_code=HEXI, materials=())
    client = login(hexi)
    url = f"/services/catalogue/{item.pk}/materials/new/"
    form = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'data-part-form="material"' in form and "<html" not in form
    bad = client.post(
        url, {"name": "", "copies": "0", "source": "applicant", "sort": "1"}, HTTP_HX_REQUEST="true"
    )
    assert (
        'data-error-for="name"' in bad.content.decode()
        and not Material.objects.filter(item=item).exists()
    )
    good = client.post(
        url,
        {"name": "户口簿", "copies": "1", "source": "applicant", "sort": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert good["HX-Retarget"] == "#materials" and "户口簿" in good.content.decode()
    material = Material.objects.get(item=item)
    deleted = client.post(
        f"/services/catalogue/{item.pk}/materials/{material.pk}/delete/", HTTP_HX_REQUEST="true"
    )
    assert deleted.status_code == 200 and not Material.objects.filter(pk=material.pk).exists()


def test_field_choices_are_parsed_and_checked(hexi, login):
    item = f.item(region_code=HEXI, materials=())
    client = login(hexi)
    url = f"/services/catalogue/{item.pk}/fields/new/"
    data = {"code": "grade", "label": "等级", "datatype": "singlevaluelist", "sort": "1"}
    response = client.post(url, data | {"values": "一级"})
    assert 'data-error-for="values"' in response.content.decode()
    assert client.post(url, data | {"values": "1=一级\n2=二级"}).status_code == 302
    field = FormField.objects.get(item=item)
    assert field.values == [{"key": "1", "name": "一级"}, {"key": "2", "name": "二级"}]
