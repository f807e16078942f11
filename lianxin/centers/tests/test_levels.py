"""The three levels of a center as of a date: the latest record on or before the day, since when it
has been so, shown on the center page (an HTMX card with a date input), its history, and the two
buttons for editors (改造验收, 重新评估面积)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from lianxin.centers import services
from lianxin.centers.models import Level, LevelRecord, RuleSet
from lianxin.centers.queries import levels_of
from lianxin.core.models import AuditLog
from lianxin.core.tests.factories import HEXI_VILLAGE, make_center, region

pytestmark = pytest.mark.django_db


@pytest.fixture
def center():
    return make_center(
        region(HEXI_VILLAGE), name="九江路测试中心", floor_area=Decimal("400"), households=1000
    )


def record(center, level, day, compliant, **extra):
    return LevelRecord.objects.create(
        center=center,
        region_path=center.region_path,
        level=level,
        compliant=compliant,
        effective_on=day,
        source=extra.pop("source", "computed"),
        **extra,
    )


@pytest.fixture
def history(center):
    """面积: no 2019-03-01, yes 2019-09-01, yes again 2020-01-01, no 2021-05-01.
    改造: yes 2020-04-01. 规范使用: none."""
    rule = RuleSet.objects.get(code="tj-current")
    record(center, Level.AREA, date(2019, 3, 1), False, rule_set=rule, required_area=Decimal("450"))
    record(center, Level.AREA, date(2019, 9, 1), True, rule_set=rule, floor_area=Decimal("460"))
    record(center, Level.AREA, date(2020, 1, 1), True, rule_set=rule, floor_area=Decimal("460"))
    record(
        center,
        Level.AREA,
        date(2021, 5, 1),
        False,
        rule_set=rule,
        required_area=Decimal("450"),
        note="面积缩减",
    )
    record(center, Level.RENOVATION, date(2020, 4, 1), True, source="campaign")
    return center


@pytest.mark.parametrize(
    "day,compliant,since",
    [
        (date(2019, 2, 28), None, None),  # nothing recorded yet: 未评估
        (date(2019, 3, 1), False, date(2019, 3, 1)),
        (date(2019, 8, 31), False, date(2019, 3, 1)),
        (date(2019, 9, 1), True, date(2019, 9, 1)),
        (date(2020, 6, 1), True, date(2019, 9, 1)),  # re-assessed, still true since September
        (date(2021, 4, 30), True, date(2019, 9, 1)),
        (date(2021, 5, 1), False, date(2021, 5, 1)),
        (date(2030, 1, 1), False, date(2021, 5, 1)),
    ],
)
def test_area_level_as_of_a_date(history, day, compliant, since):
    area = levels_of(history, day)["area"]
    assert (area["compliant"], area["since"]) == (compliant, since)


def test_each_level_is_asked_on_its_own(history):
    levels = levels_of(history, date(2020, 3, 31))
    assert levels["area"]["compliant"] is True
    assert levels["renovation"]["compliant"] is None
    assert levels["use"]["compliant"] is None
    levels = levels_of(history, date(2020, 4, 1))
    assert (levels["renovation"]["compliant"], levels["renovation"]["since"]) == (
        True,
        date(2020, 4, 1),
    )


def test_two_records_on_one_day_the_later_one_counts(center):
    record(center, Level.USE, date(2022, 1, 1), True)
    record(center, Level.USE, date(2022, 1, 1), False)
    assert levels_of(center, date(2022, 1, 1))["use"]["compliant"] is False


# --- the card on the center page ----------------------------------------------------------------


def test_center_page_loads_the_card_by_htmx(hexi, center, login):
    html = login(hexi).get(f"/centers/{center.pk}/").content.decode()
    assert f'hx-get="/centers/{center.pk}/levels/"' in html and 'hx-trigger="load"' in html


def card(client, center, on=None):
    url = f"/centers/{center.pk}/levels/" + (f"?on={on}" if on else "")
    return client.get(url, HTTP_HX_REQUEST="true").content.decode()


def state(html, level):
    part = html[html.index(f'data-level="{level}"') :]
    return part.split('data-state="', 1)[1].split('"', 1)[0]


def test_card_as_of_a_date(hexi, history, login):
    client = login(hexi)
    html = card(client, history, "2020-06-01")
    assert html.startswith('\n<div id="center-levels"') or 'id="center-levels"' in html[:200]
    assert "<html" not in html  # a partial
    assert 'value="2020-06-01"' in html
    assert state(html, "area") == "yes" and "自 2019-09-01 起" in html
    assert state(html, "renovation") == "yes" and "自 2020-04-01 起" in html
    assert state(html, "use") == "none" and "未评估" in html
    assert "村和社区党群服务中心面积标准" in html and "460 ㎡" in html
    html = card(client, history, "2021-06-01")
    assert state(html, "area") == "no" and "面积缩减" in html
    html = card(client, history, "2019-01-01")
    assert state(html, "area") == "none"


def test_card_defaults_to_today_and_survives_a_bad_date(hexi, history, login):
    today = timezone.localdate().isoformat()
    assert f'value="{today}"' in card(login(hexi), history)
    html = card(login(hexi), history, "2020-13-45")
    assert f'value="{today}"' in html and "日期无法识别" in html


def test_card_opened_directly_is_a_page(hexi, history, login):
    html = login(hexi).get(f"/centers/{history.pk}/levels/").content.decode()
    assert "<html" in html and 'id="center-levels"' in html and history.name in html


def test_card_links_and_buttons_by_role(hexi, inspector, history, login):
    editor = card(login(hexi), history)
    assert f"/centers/{history.pk}/levels/history/" in editor
    assert f"/centers/{history.pk}/inspections/" in editor
    assert f"/centers/{history.pk}/inspect/" in editor
    assert "记录改造验收" in editor and "重新评估面积" in editor
    reader = card(login(inspector), history)
    assert f"/centers/{history.pk}/inspect/" in reader  # inspectors inspect
    assert "记录改造验收" not in reader and "重新评估面积" not in reader


def test_level_history_newest_first(hexi, history, login):
    html = login(hexi).get(f"/centers/{history.pk}/levels/history/").content.decode()
    days = ["2021-05-01", "2020-04-01", "2020-01-01", "2019-09-01", "2019-03-01"]
    positions = [html.index(d) for d in days]
    assert positions == sorted(positions)
    only_area = login(hexi).get(f"/centers/{history.pk}/levels/history/?level=area")
    assert "2020-04-01" not in only_area.content.decode()


# --- the editors' buttons -----------------------------------------------------------------------


def test_record_renovation(hexi, center, login):
    response = login(hexi).post(
        f"/centers/{center.pk}/levels/renovation/",
        {"accepted_on": "2023-03-15", "compliant": "1", "note": "区住建委验收"},
    )
    assert response.status_code == 302 and response["Location"] == f"/centers/{center.pk}/"
    saved = LevelRecord.objects.get(center=center, level=Level.RENOVATION)
    assert (saved.compliant, saved.effective_on, saved.note, saved.recorded_by) == (
        True,
        date(2023, 3, 15),
        "区住建委验收",
        hexi,
    )
    renovation = levels_of(center, date(2023, 3, 15))["renovation"]
    assert renovation["compliant"] is True and renovation["since"] == date(2023, 3, 15)
    assert AuditLog.objects.filter(action="record_renovation").exists()
    # found wanting later
    login(hexi).post(
        f"/centers/{center.pk}/levels/renovation/",
        {"accepted_on": "2023-06-01", "compliant": "0", "note": "复查不合格"},
    )
    assert levels_of(center, date(2023, 6, 1))["renovation"]["compliant"] is False


def test_record_renovation_refuses_a_future_date_and_read_only_roles(
    hexi, inspector, nankai, center, login
):
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    url = f"/centers/{center.pk}/levels/renovation/"
    response = login(hexi).post(url, {"accepted_on": tomorrow, "compliant": "1"}, follow=True)
    assert "验收日期不能晚于今天。" in response.content.decode()
    data = {"accepted_on": "2023-01-01", "compliant": "1"}
    assert login(inspector).post(url, data).status_code == 403
    assert login(nankai).post(url, data).status_code == 404
    assert not LevelRecord.objects.filter(center=center).exists()


def test_reassess_area_uses_today_and_the_rule_in_force(hexi, inspector, center, login):
    url = f"/centers/{center.pk}/levels/assess-area/"
    response = login(hexi).post(url, follow=True)
    assert "已按现行标准重新评估：面积达标。" in response.content.decode()
    saved = LevelRecord.objects.get(center=center, level=Level.AREA)
    assert saved.effective_on == timezone.localdate()
    assert saved.rule_set == RuleSet.objects.in_force(timezone.localdate())
    assert saved.required_area == Decimal("300.00") and saved.compliant
    assert login(inspector).post(url).status_code == 403
    assert login(hexi).get(url).status_code == 405
    assert LevelRecord.objects.filter(center=center).count() == 1


def test_services_set_the_since_dates(hexi, center, checklist):
    """Levels written by the services read back with their since-dates."""
    from lianxin.centers.models import CenterStatus, CenterStatusPeriod

    CenterStatusPeriod.objects.create(
        center=center, status=CenterStatus.IN_USE, valid_from=date(2020, 1, 1)
    )
    services.assess_area(hexi, center, date(2021, 1, 1))
    services.assess_area(hexi, center, date(2022, 1, 1))
    services.record_renovation(hexi, center, date(2021, 3, 1))
    services.record_inspection(
        hexi,
        center,
        checklist,
        date(2021, 9, 1),
        {"a": ("pass", ""), "b": ("pass", ""), "c": ("na", ""), "d": ("pass", "")},
        signature="王检查",
    )
    levels = levels_of(center, date(2022, 6, 1))
    assert {k: (v["compliant"], v["since"]) for k, v in levels.items()} == {
        "area": (True, date(2021, 1, 1)),
        "renovation": (True, date(2021, 3, 1)),
        "use": (True, date(2021, 9, 1)),
    }
    assert levels["use"]["score"] == Decimal("100.0")
