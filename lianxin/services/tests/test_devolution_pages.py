"""Devolution pages (权下放): each district sees its own matrix, the city a summary and any
district; devolving and ending go through the services, and a certificate communities may not
issue is refused beside the level field."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest

from lianxin.core.tests.factories import HEXI, NANKAI, region
from lianxin.services.models import CertificateKind, Devolution
from lianxin.services.tests import factories as f

URL = "/services/devolution/"


@pytest.fixture
def item(db):
    return f.item(name="老年证办理", materials=())


def test_a_district_sees_its_own_matrix(item, hexi, login):
    f.devolution(region(HEXI), item)
    body = login(hexi).get(URL).content.decode()
    assert f'data-district="{HEXI}"' in body
    row = re.search(rf'<tr id="item-{item.pk}".*?</tr>', body, re.S).group(0)
    assert 'data-level="community"' in row and "本级办结" in row
    assert login(hexi).get(f"{URL}?district={NANKAI}").status_code == 404


def test_the_city_sees_a_summary_and_any_district(item, city, login):
    f.devolution(region(NANKAI), item)
    client = login(city)
    body = client.get(URL).content.decode()
    summary = re.search(rf'<tr data-district="{NANKAI}">.*?</tr>', body, re.S).group(0)
    assert re.findall(r'text-end">(\d+)</td>', summary) == ["1", "0"]
    body = client.get(f"{URL}?district={NANKAI}&level=community").content.decode()
    assert f'id="item-{item.pk}"' in body
    body = client.get(f"{URL}?district={NANKAI}&level=none").content.decode()
    assert f'id="item-{item.pk}"' not in body


def test_devolve_and_end(item, hexi, login):
    client = login(hexi)
    response = client.post(
        f"{URL}{HEXI}/items/{item.pk}/",
        {"level": "street", "handling_mode": "concluded_here", "valid_from": "2030-01-01"},
    )
    assert response.status_code == 302
    dev = Devolution.objects.get(district__code=HEXI, item=item)
    assert dev.level == "street"
    response = client.post(f"{URL}{dev.pk}/end/", {"valid_to": "2031-01-01"})
    assert response.status_code == 302
    dev.refresh_from_db()
    assert str(dev.valid_to) == "2031-01-01"


def test_a_banned_certificate_is_refused_beside_the_level(hexi, login):
    banned = CertificateKind.objects.filter(community_may_issue=False).first()
    item = f.item(
        name="亲属关系证明", materials=(), item_type="certificate", certificate_kind=banned
    )
    response = login(hexi).post(
        f"{URL}{HEXI}/items/{item.pk}/",
        {"level": "community", "handling_mode": "concluded_here", "valid_from": "2030-01-01"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-error-for="level"' in body and "不能下放到村（社区）" in body
    assert not Devolution.objects.filter(item=item).exists()


def test_read_only_roles_cannot_devolve(item, inspector, login):
    response = login(inspector).post(
        f"{URL}{HEXI}/items/{item.pk}/", {"level": "street", "handling_mode": "concluded_here"}
    )
    assert response.status_code == 403 and not Devolution.objects.filter(item=item).exists()


def test_export_lists_devolutions_in_scope(item, hexi, login):
    f.devolution(region(HEXI), item)
    other = f.item(name="南开独有", materials=())
    f.devolution(region(NANKAI), other)
    response = login(hexi).get(URL + "export.xlsx")
    rows = list(
        openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(
            values_only=True
        )
    )
    names = [r[2] for r in rows[1:]]
    assert names == ["老年证办理"]


@pytest.mark.parametrize("who", ["street_staff", "center_staff"])
def test_streets_and_centers_read_their_districts_devolution(item, request, login, who):
    """Street and center staff have no district in scope, yet they must know what was devolved
    to them: their district's matrix, read-only."""
    f.devolution(region(HEXI), item)
    client = login(request.getfixturevalue(who))
    body = client.get(URL).content.decode()
    assert "您的数据范围内没有区" not in body
    assert f'data-district="{HEXI}"' in body and 'id="read-only"' in body
    row = re.search(rf'<tr id="item-{item.pk}".*?</tr>', body, re.S).group(0)
    assert 'data-level="community"' in row
    assert f"/services/devolution/{HEXI}/items/" not in body  # no devolve buttons
    assert client.get(f"{URL}?district={NANKAI}").status_code == 404
    assert client.get(f"{URL}{HEXI}/items/{item.pk}/").status_code == 403
    export = client.get(f"{URL}export.xlsx")
    assert export.status_code == 200
    rows = list(
        openpyxl.load_workbook(io.BytesIO(b"".join(export.streaming_content))).active.iter_rows(
            values_only=True
        )
    )
    assert any(item.name in (r or ()) for r in rows)
