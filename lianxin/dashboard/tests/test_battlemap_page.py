"""The battle map page (挂图作战): who may open it, which region it starts on (the user's own
top region), what it hands its script, and the Excel file of its table."""

from __future__ import annotations

import io
import json
import re
from datetime import date

import pytest
from django.conf import settings
from python_calamine import CalamineWorkbook

from lianxin.centers.models import CenterStatus, CenterStatusPeriod, Level, LevelRecord
from lianxin.core.tests.factories import HEXI_VILLAGE, NANKAI_VILLAGE, make_center, region

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u3400-\u9fff]")


def config(response) -> dict:
    found = re.search(
        r'<script id="bm-config" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    assert found, "the page carries no bm-config"
    return json.loads(found.group(1))


@pytest.mark.parametrize(
    ("user", "root", "name", "level"),
    [
        ("city", "120000000000", "天津市", 1),
        ("hexi", "120103000000", "河西区", 3),
        ("street_staff", "120103001000", "大营门街道", 4),
    ],
)
def test_the_page_starts_at_the_users_top_region(request, login, user, root, name, level):
    response = login(request.getfixturevalue(user)).get("/battlemap/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-root="{root}"' in html
    cfg = config(response)
    assert cfg["root"] == {"code": root, "name": name, "level": level}
    # The boundaries come from the app itself (no tiles, no CDN).
    assert cfg["geo"] == "/geo/12.json"
    assert 'href="/battlemap/"' in html  # the nav link
    assert "cdn" not in html.lower() and "https://" not in html


def test_the_page_hands_its_script_the_controls_and_strings(login, city):
    cfg = config(login(city).get("/battlemap/"))
    assert cfg["indicators"][0]["key"] == "completion.rate"
    keys = {i["key"] for i in cfg["indicators"]}
    assert {"levels.area.rate", "levels.renovation.rate", "levels.use.rate"} <= keys
    assert "levels.area.on_time_rate" in keys
    assert {s["value"] for s in cfg["statuses"]} == set(CenterStatus.values)
    assert cfg["start"] == "2019-01"
    assert date.fromisoformat(cfg["today"])
    assert cfg["central"] == ["120101", "120102", "120103", "120104", "120105", "120106"]
    assert cfg["center_url"] == "/centers/0/"
    assert all(cfg["t"].values())


def test_the_page_in_english(login, city):
    client = login(city)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/battlemap/")
    assert response.status_code == 200
    cfg = config(response)
    shown = [*cfg["t"].values(), *(i["label"] for i in cfg["indicators"])]
    shown += [s["label"] for s in cfg["statuses"]]
    assert not [s for s in shown if CJK.search(s)], "untranslated strings for the script"
    assert "Battle map" in response.content.decode()


def test_a_resident_is_sent_to_the_residents_pages(login, resident):
    response = login(resident).get("/battlemap/")
    assert response.status_code == 302
    assert response["Location"] == "/me/"


def test_an_anonymous_visitor_is_sent_to_login(login):
    response = login().get("/battlemap/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/battlemap/")
    assert login().get("/battlemap/export.xlsx").status_code == 302


def test_a_user_without_a_role_sees_no_map(login, norole):
    response = login(norole).get("/battlemap/")
    assert response.status_code == 200
    assert 'id="bm-config"' not in response.content.decode()
    assert response.context["root"] is None


@pytest.fixture
def renovated():
    """A 河西区 and a 南开区 community, in use since 2015, renovation accepted on 2019-05-01."""
    for code in (HEXI_VILLAGE, NANKAI_VILLAGE):
        center = make_center(region(code))
        CenterStatusPeriod.objects.create(
            center=center, status=CenterStatus.IN_USE, valid_from=date(2015, 1, 1)
        )
        for which in (Level.AREA, Level.RENOVATION):
            LevelRecord.objects.create(
                center=center,
                region_path=center.region_path,
                level=which,
                compliant=True,
                effective_on=date(2019, 5, 1),
                source="campaign",
            )


def sheet(response) -> list[list]:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))
    return book.get_sheet_by_index(0).to_python()


def test_the_export_is_the_table_of_the_day(login, city, renovated):
    client = login(city)
    rows = sheet(client.get("/battlemap/export.xlsx?region=120000&as_of=2019-06-30"))
    assert rows[0][:2] == ["区划代码", "名称"]
    assert rows[0][-1] == "完成率 (%)"
    by_name = {r[1]: r for r in rows[1:] if r[1]}
    assert by_name["河西区"][5:9] == [1, 0, 1, 100]  # communities, demolished, in use, rate
    assert by_name["南开区"][5:9] == [1, 0, 1, 100]
    assert by_name["合计（天津市）"][5:8] == [2, 0, 2]

    before = sheet(client.get("/battlemap/export.xlsx?region=120000&as_of=2019-04-30"))
    assert {r[1]: r for r in before[1:] if r[1]}["河西区"][7:9] == [0, 0]

    area = sheet(client.get("/battlemap/export.xlsx?as_of=2019-06-30&indicator=levels.area.rate"))
    assert area[0][-1] == "面积达标率 (%)"


def test_the_export_stays_in_scope(login, hexi, renovated):
    client = login(hexi)
    rows = sheet(client.get("/battlemap/export.xlsx?as_of=2019-06-30"))
    names = [r[1] for r in rows[1:] if r[1]]
    assert "大营门街道" in names and "合计（河西区）" in names
    assert not any("南开" in n or "长虹" in n for n in names)
    assert client.get("/battlemap/export.xlsx?region=120104").status_code == 404


def test_the_export_names_a_bad_date(login, city):
    response = login(city).get("/battlemap/export.xlsx?as_of=2019-13-45")
    assert response.status_code == 400
    assert "YYYY-MM-DD" in response.content.decode()
