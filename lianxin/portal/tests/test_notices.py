"""Public notices: in force by date and by the region's ancestry, the services' permission
checks and audit, the staff's pages and the printable sheet."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from lianxin.core.models import AuditLog
from lianxin.core.tests.factories import (
    HEXI,
    HEXI_STREET,
    HEXI_STREET_2,
    HEXI_VILLAGE,
    HEXI_VILLAGE_2,
    NANKAI_VILLAGE,
    TIANJIN,
)
from lianxin.portal import queries, services
from lianxin.portal.models import Notice

from .factories import notice


@pytest.fixture
def center(region, make_center):
    return make_center(region(HEXI_VILLAGE), name="九江路测试中心")


def _data(region_obj, **kw):
    return {
        "region": region_obj,
        "kind": "rules",
        "title": "功能室使用制度",
        "body": "一、爱护公物\n二、保持安静",
        "valid_from": date(2025, 1, 1),
        "valid_to": None,
    } | kw


def test_in_force_by_date_boundaries(center, region):
    n = notice(region(HEXI_VILLAGE), valid_from=date(2025, 3, 1), valid_to=date(2025, 3, 10))
    shown = lambda day: n in queries.notices_at(center, day)  # noqa: E731
    assert not shown(date(2025, 2, 28))
    assert shown(date(2025, 3, 1))  # valid_from inclusive
    assert shown(date(2025, 3, 9))
    assert not shown(date(2025, 3, 10))  # valid_to exclusive


def test_open_ended_notice_stays(center, region):
    n = notice(region(HEXI_VILLAGE), valid_from=date(2025, 3, 1), valid_to=None)
    assert n in queries.notices_at(center, date(2099, 1, 1))


def test_notices_of_units_above_show_below_but_not_sideways(center, region, make_center):
    city = notice(region(TIANJIN), title="全市")
    district = notice(region(HEXI), title="河西区")
    street = notice(region(HEXI_STREET), title="大营门街道")
    own = notice(region(HEXI_VILLAGE), title="本社区")
    sibling = notice(region(HEXI_VILLAGE_2), title="兄弟社区")
    other_street = notice(region(HEXI_STREET_2), title="下瓦房街道")
    other_district = notice(region(NANKAI_VILLAGE), title="南开")
    shown = queries.notices_at(center, date(2025, 6, 1))
    assert shown == [own, street, district, city]  # nearest unit first
    for n in (sibling, other_street, other_district):
        assert n not in shown


def test_on_duty_is_picked_from_the_notices(center, region):
    duty = notice(region(HEXI_VILLAGE), kind="on_duty", title="本周值班")
    notice(region(HEXI_VILLAGE), kind="rules")
    assert queries.on_duty(queries.notices_at(center, date(2025, 6, 1))) == [duty]


# -- services ---------------------------------------------------------------------------------


def test_center_staff_publishes_for_own_center_audited(center_staff, center, region):
    n = services.publish_notice(center_staff, _data(region(HEXI_VILLAGE)))
    assert n.center == center and n.region_path == region(HEXI_VILLAGE).path
    assert n.published_by == center_staff
    log = AuditLog.objects.get(action="create", target_id=str(n.pk), target_type="portal.notice")
    assert log.actor == center_staff


@pytest.mark.parametrize(
    "who,code",
    [
        ("center_staff", HEXI_STREET),  # above their own unit
        ("center_staff", HEXI_VILLAGE_2),  # a sibling
        ("hexi", NANKAI_VILLAGE),  # another district
        ("inspector", HEXI_VILLAGE),  # read-only
        ("resident", HEXI_VILLAGE),
        ("norole", HEXI_VILLAGE),
    ],
)
def test_publish_refused_outside_writing_scope(request, who, code, region):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        services.publish_notice(user, _data(region(code)))
    assert not Notice.objects.exists()


def test_street_notice_by_street_staff_has_no_center(street_staff, region):
    n = services.publish_notice(street_staff, _data(region(HEXI_STREET)))
    assert n.center is None and n.region.code == HEXI_STREET


@pytest.mark.parametrize(
    "change,field",
    [
        ({"title": "  "}, "title"),
        ({"title": "长" * 121}, "title"),
        ({"body": ""}, "body"),
        ({"kind": "gossip"}, "kind"),
        ({"valid_from": None}, "valid_from"),
        ({"valid_to": date(2024, 12, 31)}, "valid_to"),
        ({"valid_to": date(2025, 1, 1)}, "valid_to"),
    ],
)
def test_bad_notice_names_the_field(hexi, region, change, field):
    with pytest.raises(ValidationError) as exc:
        services.publish_notice(hexi, _data(region(HEXI_VILLAGE), **change))
    assert field in exc.value.message_dict
    assert not Notice.objects.exists()


def test_update_checks_version_and_audits(hexi, region):
    from lianxin.core.services import ConflictError

    n = services.publish_notice(hexi, _data(region(HEXI_VILLAGE)))
    services.update_notice(hexi, n, {"title": "新标题"}, expected_version=1)
    n.refresh_from_db()
    assert n.title == "新标题" and n.version == 2
    with pytest.raises(ConflictError):
        services.update_notice(hexi, n, {"title": "旧页面"}, expected_version=1)
    assert AuditLog.objects.filter(action="update", target_id=str(n.pk)).count() == 1


def test_update_refused_for_read_only_and_other_district(inspector, nankai, region):
    n = notice(region(HEXI_VILLAGE))
    for user in (inspector, nankai):
        with pytest.raises(PermissionDenied):
            services.update_notice(user, n, {"title": "x"})
    n.refresh_from_db()
    assert n.title.startswith("测试公示")


def test_withdraw_ends_validity_today(hexi, center, region):
    today = timezone.localdate()
    n = notice(region(HEXI_VILLAGE), valid_from=today - timedelta(days=5))
    assert n in queries.notices_at(center, today)
    services.withdraw_notice(hexi, n)
    n.refresh_from_db()
    assert n.valid_to == today and n.withdrawn_by == hexi
    assert n not in queries.notices_at(center, today)
    assert n in queries.notices_at(center, today - timedelta(days=1))  # history kept
    with pytest.raises(ValidationError):
        services.withdraw_notice(hexi, n)
    assert AuditLog.objects.filter(action="status", target_id=str(n.pk)).count() == 1


def test_withdrawing_a_future_notice_means_it_never_shows(hexi, center, region):
    today = timezone.localdate()
    n = notice(region(HEXI_VILLAGE), valid_from=today + timedelta(days=3))
    services.withdraw_notice(hexi, n)
    n.refresh_from_db()
    assert n.valid_to == n.valid_from
    assert n not in queries.notices_at(center, today + timedelta(days=3))


# -- pages --------------------------------------------------------------------------------------


def test_staff_list_filters_and_sorts(hexi, login, region):
    today = timezone.localdate()
    notice(region(HEXI_VILLAGE), title="甲现行", valid_from=today - timedelta(days=1))
    notice(region(HEXI_VILLAGE), title="乙将来", valid_from=today + timedelta(days=3))
    notice(
        region(HEXI_VILLAGE), title="丙过期", valid_from=date(2020, 1, 1), valid_to=date(2021, 1, 1)
    )
    notice(region(NANKAI_VILLAGE), title="南开的")
    client = login(hexi)
    body = client.get("/portal/notices/").content.decode()
    assert "甲现行" in body and "乙将来" in body and "丙过期" in body and "南开的" not in body
    current = client.get("/portal/notices/?state=current").content.decode()
    assert "甲现行" in current and "乙将来" not in current and "丙过期" not in current
    future = client.get("/portal/notices/?state=future").content.decode()
    assert "乙将来" in future and "甲现行" not in future
    searched = client.get("/portal/notices/?q=过期").content.decode()
    assert "丙过期" in searched and "甲现行" not in searched
    oldest_first = client.get("/portal/notices/?sort=valid_from").content.decode()
    assert (
        oldest_first.index("丙过期") < oldest_first.index("甲现行") < oldest_first.index("乙将来")
    )
    newest_first = client.get("/portal/notices/?sort=-valid_from").content.decode()
    assert (
        newest_first.index("乙将来") < newest_first.index("甲现行") < newest_first.index("丙过期")
    )


def test_publish_page_keeps_values_on_error_and_creates(hexi, login, center):
    client = login(hexi)
    bad = client.post(
        "/portal/notices/new/",
        {
            "unit": HEXI_VILLAGE,
            "kind": "rules",
            "title": "保留我",
            "body": "",
            "valid_from": "2025-01-01",
        },
    )
    body = bad.content.decode()
    assert bad.status_code == 200 and 'value="保留我"' in body and "invalid-feedback" in body
    ok = client.post(
        "/portal/notices/new/",
        {
            "unit": HEXI_VILLAGE,
            "kind": "on_duty",
            "title": "本周值班",
            "body": "周一 张三",
            "valid_from": "2025-01-01",
        },
    )
    assert ok.status_code == 302
    assert Notice.objects.get(title="本周值班").center == center


def test_publish_page_unknown_unit_is_a_field_error(hexi, login):
    response = login(hexi).post(
        "/portal/notices/new/",
        {
            "unit": "120103999999",
            "kind": "rules",
            "title": "t",
            "body": "b",
            "valid_from": "2025-01-01",
        },
    )
    assert response.status_code == 200 and "没有这个区划代码" in response.content.decode()


def test_withdraw_page(hexi, login, region):
    n = notice(region(HEXI_VILLAGE), valid_from=date(2024, 1, 1))
    response = login(hexi).post(f"/portal/notices/{n.pk}/withdraw/")
    assert response.status_code == 302
    n.refresh_from_db()
    assert n.valid_to == timezone.localdate()


def test_printable_page(hexi, login, center, region):
    today = timezone.localdate()
    notice(region(HEXI_STREET), title="街道服务信息", body="第一行\n第二行")
    notice(
        region(HEXI_VILLAGE), title="已撤下", valid_from=date(2020, 1, 1), valid_to=date(2021, 1, 1)
    )
    response = login(hexi).get(f"/portal/centers/{center.pk}/notices/print/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "九江路测试中心" in body and "街道服务信息" in body and "已撤下" not in body
    assert f"打印日期：{today:%Y-%m-%d}" in body
    assert "@page" in body and "A4" in body
    assert "cdn" not in body.lower()


@pytest.mark.parametrize("url", ["/portal/notices/", "/portal/notices/new/"])
def test_residents_get_no_staff_notice_pages(resident, login, url):
    response = login(resident).get(url)
    assert response.status_code == 302 and response["Location"] == "/me/"


# -- the new-user walk: date inputs, the public sheet, the last day in force ---------------------


def test_publish_page_date_input_carries_an_iso_value(hexi, login):
    """`<input type=date>` takes only YYYY-MM-DD; the locale's 2026/11/28 renders an empty box
    and the first publish fails with 必填."""
    body = login(hexi).get("/portal/notices/new/").content.decode()
    today = timezone.localdate()
    assert f'type="date" name="valid_from" value="{today:%Y-%m-%d}"' in body


def test_edit_page_date_inputs_carry_iso_values(hexi, login, region):
    n = notice(region(HEXI_VILLAGE), valid_from=date(2026, 11, 28), valid_to=date(2026, 12, 2))
    body = login(hexi).get(f"/portal/notices/{n.pk}/edit/").content.decode()
    assert 'name="valid_from" value="2026-11-28"' in body
    assert 'name="valid_to" value="2026-12-02"' in body
    assert "2026/11/28" not in body


@pytest.mark.parametrize("who", [None, "resident"])
def test_printable_page_is_public_for_in_use_centers(request, who, login, center, region):
    notice(region(HEXI_VILLAGE), title="本中心服务信息")
    user = request.getfixturevalue(who) if who else None
    response = login(user).get(f"/portal/centers/{center.pk}/notices/print/")
    body = response.content.decode()
    assert response.status_code == 200 and "本中心服务信息" in body
    # The way back is the public center page, not the staff's list.
    assert f'href="/portal/centers/{center.pk}/"' in body and "/portal/notices/" not in body


def test_printable_page_of_a_center_not_in_use_is_404_for_the_public(login, make_center, region):
    from lianxin.centers.models import CenterStatus

    closed = make_center(region(HEXI_VILLAGE_2), status=CenterStatus.RENOVATING)
    assert login().get(f"/portal/centers/{closed.pk}/notices/print/").status_code == 404


def test_staff_keep_their_printable_link(hexi, login, center):
    body = login(hexi).get(f"/portal/centers/{center.pk}/notices/print/").content.decode()
    assert f"/portal/notices/?unit={center.region.code}" in body


def test_last_day_in_force_is_shown_not_the_exclusive_end(hexi, login, center, region):
    """valid_to is the first day no longer shown: the pages say the day before, 含."""
    today = timezone.localdate()
    end = today + timedelta(days=5)
    notice(region(HEXI_VILLAGE), title="限期公示", valid_from=today, valid_to=end)
    last = f"有效期至 {end - timedelta(days=1):%Y-%m-%d}（含）"
    pages = [
        login().get(f"/portal/centers/{center.pk}/").content.decode(),
        login().get(f"/portal/centers/{center.pk}/notices/print/").content.decode(),
        login(hexi).get("/portal/notices/").content.decode(),
    ]
    for body in pages:
        assert last in body
        assert f"{end:%Y-%m-%d}" not in body


def test_notice_withdrawn_before_it_started_says_so_in_the_list(hexi, login, region):
    start = timezone.localdate() + timedelta(days=3)
    notice(region(HEXI_VILLAGE), title="未及公示", valid_from=start, valid_to=start)
    body = login(hexi).get("/portal/notices/").content.decode()
    assert "生效前已撤回" in body


def test_staff_print_a_center_of_their_scope_not_yet_in_use(hexi, nankai, login, make_center):
    from lianxin.centers.models import CenterStatus
    from lianxin.core.tests.factories import region as get_region

    building = make_center(get_region(HEXI_VILLAGE_2), status=CenterStatus.RENOVATING)
    url = f"/portal/centers/{building.pk}/notices/print/"
    assert login(hexi).get(url).status_code == 200
    assert login(nankai).get(url).status_code == 404
