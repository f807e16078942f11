"""联系包保: leaders, their assignments to districts, streets and sites, their statistics, and a
leader's own page "my sites"."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from python_calamine import CalamineWorkbook

from lianxin.campaign import queries_supervision as q
from lianxin.campaign import services
from lianxin.campaign.models import Health, Leader, LeaderAssignment, Milestone, Plan
from lianxin.core.models import AuditLog, Notification
from lianxin.core.tests.factories import (
    HEXI,
    HEXI_STREET,
    HEXI_STREET_2,
    HEXI_VILLAGE,
    NANKAI,
    NANKAI_STREET,
    NANKAI_VILLAGE,
)
from lianxin.regions.models import Region

from . import factories as f

pytestmark = pytest.mark.django_db


def _villages(street_code: str, n: int) -> list[Region]:
    found = list(Region.objects.filter(parent__code=street_code, level=5).order_by("code")[:n])
    assert len(found) == n, f"{street_code} has only {len(found)} villages"
    return found


def _leader(actor, region, **fields):
    data = {"name": "王包保", "position": "区委常委", "region": region} | fields
    return services.save_leader(actor, None, data)


# -- the service ---------------------------------------------------------------------------------


def test_a_district_adds_a_leader_and_it_is_audited(hexi, region):
    audits = AuditLog.objects.count()
    leader = _leader(hexi, region(HEXI), name=" 王包保 ")
    assert leader.name == "王包保" and leader.region_path == region(HEXI).path
    assert AuditLog.objects.count() == audits + 1
    assert AuditLog.objects.latest("id").action == "create"


def test_missing_name_and_position_are_named(hexi, region):
    with pytest.raises(ValidationError) as exc:
        services.save_leader(hexi, None, {"name": "", "position": " ", "region": region(HEXI)})
    errors = exc.value.message_dict
    assert errors["name"] == ["请填写姓名。"] and errors["position"] == ["请填写职务。"]
    assert not Leader.objects.exists()


def test_a_leader_belongs_to_a_city_district_or_street(hexi, region):
    with pytest.raises(ValidationError) as exc:
        _leader(hexi, region(HEXI_VILLAGE))
    assert "region" in exc.value.message_dict


def test_outside_the_scope_or_read_only_is_refused(hexi, inspector, region):
    with pytest.raises(PermissionDenied):
        _leader(hexi, region(NANKAI))
    with pytest.raises(PermissionDenied):
        _leader(inspector, region(HEXI))
    assert not Leader.objects.exists()


def test_moving_a_leader_out_of_ones_district_is_refused(hexi, region):
    leader = _leader(hexi, region(HEXI))
    with pytest.raises(PermissionDenied):
        services.save_leader(hexi, leader, {"region": region(NANKAI)})
    leader.refresh_from_db()
    assert leader.region_path == region(HEXI).path


def test_one_account_one_leader(hexi, street_staff, resident, region):
    _leader(hexi, region(HEXI), user=street_staff)
    with pytest.raises(ValidationError) as exc:
        _leader(hexi, region(HEXI), name="另一位", user=street_staff)
    assert "已关联" in exc.value.message_dict["user"][0]
    with pytest.raises(ValidationError) as exc:
        _leader(hexi, region(HEXI), name="居民", user=resident)
    assert "user" in exc.value.message_dict


def test_assign_and_end(hexi, street_staff, region):
    leader = _leader(hexi, region(HEXI), user=street_staff)
    a = services.assign_leader(hexi, leader, region(HEXI_STREET), date(2019, 3, 1), note="主包")
    assert a.region_path == region(HEXI_STREET).path
    assert Notification.objects.filter(recipient=street_staff).exists()
    # The same unit again while the first runs: refused, naming the unit.
    with pytest.raises(ValidationError) as exc:
        services.assign_leader(hexi, leader, region(HEXI_STREET), date(2020, 1, 1))
    assert "大营门" in exc.value.message_dict["region"][0]
    with pytest.raises(ValidationError) as exc:
        services.end_assignment(hexi, a, date(2019, 3, 1))
    assert "valid_to" in exc.value.message_dict
    services.end_assignment(hexi, a, date(2020, 1, 1))
    assert list(LeaderAssignment.objects.on(date(2019, 12, 31))) == [a]
    assert not LeaderAssignment.objects.on(date(2020, 1, 1)).exists()
    with pytest.raises(ValidationError):
        services.end_assignment(hexi, LeaderAssignment.objects.get(pk=a.pk), date(2021, 1, 1))
    # After it ended, the unit may be assigned again.
    services.assign_leader(hexi, leader, region(HEXI_STREET), date(2020, 1, 1))


def test_assignments_are_to_districts_streets_or_sites_in_scope(hexi, city, region):
    leader = _leader(hexi, region(HEXI))
    with pytest.raises(ValidationError) as exc:
        services.assign_leader(city, leader, region("120000000000"), date(2019, 1, 1))
    assert "region" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        services.assign_leader(hexi, leader, region(NANKAI_STREET), date(2019, 1, 1))
    with pytest.raises(ValidationError) as exc:
        services.assign_leader(hexi, leader, region(HEXI_VILLAGE), None)
    assert exc.value.message_dict["since"] == ["请填写开始日期。"]
    assert not LeaderAssignment.objects.exists()


# -- statistics ----------------------------------------------------------------------------------


def _visits_for(leader, village, n: int, *, unannounced: int = 0):
    for i in range(n):
        v = f.visit(
            village,
            leader=leader,
            kind="unannounced" if i < unannounced else "announced",
            visited_on=date(2019, 6, 1) + timedelta(days=i),
        )
        if i == 0:
            v.rectifications.create(
                region_path=v.region_path, finding="标识不统一", due_on=date(2019, 7, 1)
            )
            v.rectifications.create(
                region_path=v.region_path,
                finding="制度未上墙",
                due_on=date(2099, 7, 1),
                status="closed",
                closed_on=date(2019, 8, 1),
            )


def test_seventeen_leaders_add_up(hexi, nankai, city, region):
    """Per leader and per district, as Beichen reported: 17 leaders and their visits."""
    villages = _villages(HEXI_STREET, 3)
    leaders = [f.leader(region(HEXI), name=f"河西领导{i:02d}") for i in range(17)]
    for i, leader in enumerate(leaders):
        _visits_for(leader, villages[i % 3], i + 1, unannounced=i % 4)
    other = f.leader(region(NANKAI), name="南开领导")
    _visits_for(other, region(NANKAI_VILLAGE), 5, unannounced=5)
    today = date(2025, 1, 1)

    rows = q.leader_stats_rows(hexi, Leader.objects.visible_to(hexi), today)
    assert len(rows) == 17
    assert sum(r.n_visits for r in rows) == sum(range(1, 18)) == 153
    assert sum(r.n_unannounced for r in rows) == sum(i % 4 for i in range(17))
    assert all(r.n_rect_open == 1 and r.n_rect_closed == 1 for r in rows)
    assert all(r.n_rect_overdue == 1 for r in rows)

    by_district = {
        r["region"].code if r["region"] else "total": r for r in q.district_stats(city, today)
    }
    hx = by_district[HEXI]
    assert hx["leaders"] == 17 and hx["visits"] == 153
    assert hx["unannounced"] == sum(i % 4 for i in range(17))
    assert hx["announced"] + hx["unannounced"] == 153 and hx["sites"] == 3
    assert (hx["rects"], hx["open"], hx["closed"], hx["overdue"]) == (34, 17, 17, 17)
    nk = by_district[NANKAI]
    assert (nk["leaders"], nk["visits"], nk["unannounced"]) == (1, 5, 5)
    assert by_district["total"]["visits"] == 158
    assert len(by_district) == 17  # 16 districts and the total

    # The district user's figures are its own: no 南开 row, no 南开 visit counted.
    mine = q.district_stats(hexi, today)
    assert [r["region"].code for r in mine[:-1]] == [HEXI]
    assert mine[-1]["visits"] == 153
    # A period: only the first week's visits.
    week = q.district_stats(hexi, today, date(2019, 6, 1), date(2019, 6, 7))
    assert week[0]["visits"] == sum(min(i + 1, 7) for i in range(17))


def test_stats_count_sites_and_plans_by_colour(hexi, region):
    v1, v2, v3 = _villages(HEXI_STREET, 3)
    p1, p2, p3 = f.plan(v1), f.plan(v2), f.plan(v3)
    leader = f.leader(region(HEXI))
    services.assign_leader(hexi, leader, region(HEXI_STREET), date(2019, 1, 1))
    Plan.objects.filter(pk=p1.pk).update(health=Health.RED)
    Plan.objects.filter(pk=p2.pk).update(health=Health.AMBER)
    named = f.leader(region(HEXI))
    Plan.objects.filter(pk=p3.pk).update(leader=named)
    today = timezone.localdate()
    stats = {s.pk: s for s in q.with_stats(hexi, Leader.objects.all(), today)}
    s = stats[leader.pk]
    assert (s.n_plans, s.n_red, s.n_amber, s.n_green, s.n_done) == (3, 1, 1, 1, 0)
    assert s.n_sites == 3
    # Named on one plan only (no assignment): that site.
    assert (stats[named.pk].n_plans, stats[named.pk].n_sites) == (1, 1)
    # A district assigned as well as the street in it: each site still counts once.
    services.assign_leader(hexi, leader, region(HEXI), date(2019, 1, 1))
    (again,) = q.with_stats(hexi, [leader], today)
    assert (again.n_plans, again.n_red, again.n_sites) == (3, 1, 3)
    # Before the assignment began, it does not count.
    (early,) = q.with_stats(hexi, Leader.objects.filter(pk=leader.pk), date(2018, 1, 1))
    assert early.n_plans == 0


# -- pages ---------------------------------------------------------------------------------------


def test_leader_list_search_and_stats_columns(hexi, region, login):
    leader = f.leader(region(HEXI), name="赵包保", position="副区长")
    f.leader(region(HEXI), name="钱包保")
    f.leader(region(NANKAI), name="孙包保")
    f.visit(region(HEXI_VILLAGE), leader=leader)
    client = login(hexi)
    body = client.get("/campaign/leaders/").content.decode()
    assert "赵包保" in body and "钱包保" in body and "孙包保" not in body
    assert f'data-leader="{leader.pk}"' in body
    body = client.get("/campaign/leaders/?q=副区长", HTTP_HX_REQUEST="true").content.decode()
    assert "赵包保" in body and "钱包保" not in body and "<html" not in body
    row = body.split(f'data-leader="{leader.pk}"')[1]
    assert 'data-figure="visits">1<' in row


def test_leader_export_has_the_statistics(hexi, region, login):
    leader = f.leader(region(HEXI), name="导出领导")
    f.visit(region(HEXI_VILLAGE), leader=leader, kind="unannounced")
    LeaderAssignment.objects.create(
        leader=leader,
        region=region(HEXI_STREET),
        region_path=region(HEXI_STREET).path,
        since=date(2019, 1, 1),
    )
    response = login(hexi).get("/campaign/leaders/export.xlsx")
    assert response.status_code == 200
    book = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))
    rows = book.get_sheet_by_name(book.sheet_names[0]).to_python()
    header, line = rows[0], next(r for r in rows if r and r[0] == "导出领导")
    assert line[header.index("督导次数")] == 1 and line[header.index("暗访次数")] == 1
    assert "大营门" in line[header.index("包保单位")]


def test_leader_pages_new_edit_assign(hexi, region, login):
    client = login(hexi)
    page = client.get("/campaign/leaders/new/")
    assert page.status_code == 200 and "河西区" in page.content.decode()
    bad = client.post("/campaign/leaders/new/", {"name": "", "position": "区委常委"})
    assert bad.status_code == 200 and "请填写姓名" in bad.content.decode()
    ok = client.post(
        f"/campaign/leaders/new/?region={HEXI_STREET}",
        {"name": "李包保", "position": "街道书记", "active": "on"},
    )
    leader = Leader.objects.get(name="李包保")
    assert ok.status_code == 302 and leader.region_path == region(HEXI_STREET).path
    assert client.get(f"/campaign/leaders/new/?region={NANKAI}").status_code == 404

    edited = client.post(
        f"/campaign/leaders/{leader.pk}/edit/",
        {"name": "李包保", "position": "街道党工委书记", "region": HEXI, "username": "nobody"},
    )
    assert "找不到账号" in edited.content.decode()
    client.post(
        f"/campaign/leaders/{leader.pk}/edit/",
        {
            "name": "李包保",
            "position": "街道党工委书记",
            "region": HEXI,
            "username": "street_dym",
            "active": "on",
        },
    )
    leader.refresh_from_db()
    assert leader.position == "街道党工委书记" and leader.user.username == "street_dym"

    refused = client.post(
        f"/campaign/leaders/{leader.pk}/assign/", {"unit": NANKAI_STREET, "since": "2019-01-01"}
    )
    assert refused.status_code == 302 and not leader.assignments.exists()
    detail = client.get(refused["Location"]).content.decode()
    assert "找不到单位" in detail
    client.post(
        f"/campaign/leaders/{leader.pk}/assign/", {"unit": "大营门街道", "since": "2019-01-01"}
    )
    a = leader.assignments.get()
    assert a.region.code == HEXI_STREET
    client.post(f"/campaign/assignments/{a.pk}/end/", {"valid_to": "2020-01-01"})
    a.refresh_from_db()
    assert a.valid_to == date(2020, 1, 1)


def test_read_only_users_see_but_do_not_edit(inspector, region, login):
    leader = f.leader(region(HEXI))
    client = login(inspector)
    assert client.get(f"/campaign/leaders/{leader.pk}/").status_code == 200
    assert client.get(f"/campaign/leaders/{leader.pk}/edit/").status_code == 403
    assert client.get("/campaign/leaders/new/").status_code == 403


# -- my sites ------------------------------------------------------------------------------------


def _my_leader(hexi, street_staff, region, n_sites: int):
    leader = _leader(hexi, region(HEXI), user=street_staff)
    services.assign_leader(hexi, leader, region(HEXI_STREET), date(2019, 1, 1))
    plans = [f.plan(v) for v in _villages(HEXI_STREET, n_sites)]
    return leader, plans


def test_my_sites_shows_colours_overdue_items_and_visits(hexi, street_staff, region, login):
    leader, plans = _my_leader(hexi, street_staff, region, 3)
    Plan.objects.filter(pk=plans[0].pk).update(health=Health.RED)
    Plan.objects.filter(pk=plans[1].pk).update(health=Health.AMBER)
    late = plans[0].milestones.order_by("sort").first()
    Milestone.objects.filter(pk=late.pk).update(due_on=date(2020, 1, 1))
    elsewhere = f.plan(_villages(HEXI_STREET_2, 1)[0])  # not theirs
    visit = f.visit(plans[0].center.region, summary="暗访发现问题")
    visit.rectifications.create(
        region_path=visit.region_path, finding="未挂牌", due_on=date(2020, 1, 1)
    )

    body = login(street_staff).get("/campaign/my-sites/").content.decode()
    figures = body.split('id="colours"')[1]
    assert 'data-figure="total">3<' in figures
    assert 'data-figure="red">1<' in figures and 'data-figure="amber">1<' in figures
    assert 'data-figure="green">1<' in figures
    # Red first, then amber; the other street's site is not theirs.
    table = body.split('id="site-table"')[1].split("</table>")[0]
    order = [p.center.name for p in plans]
    assert table.index(order[0]) < table.index(order[1]) < table.index(order[2])
    assert elsewhere.center.name not in table
    assert f'data-milestone="{late.pk}"' in body.split('id="overdue"')[1]
    assert "未挂牌" in body and f'data-visit="{visit.pk}"' in body


def test_a_staff_user_without_a_leader_sees_a_clear_empty_state(hexi, region, login):
    f.leader(region(HEXI))
    body = login(hexi).get("/campaign/my-sites/").content.decode()
    assert 'id="no-leader"' in body and "没有关联包保领导" in body


def test_administrators_look_at_a_leaders_sites_in_scope(hexi, nankai, street_staff, region, login):
    leader, plans = _my_leader(hexi, street_staff, region, 1)
    body = login(hexi).get(f"/campaign/my-sites/?leader={leader.pk}").content.decode()
    assert plans[0].center.name in body and 'id="no-leader"' not in body
    assert login(nankai).get(f"/campaign/my-sites/?leader={leader.pk}").status_code == 404
    assert login(hexi).get("/campaign/my-sites/?leader=x").status_code == 404


def test_my_sites_query_count_does_not_grow_with_the_sites(hexi, street_staff, region, login):
    leader, plans = _my_leader(hexi, street_staff, region, 2)
    client = login(street_staff)
    client.get("/campaign/my-sites/")  # warm caches (session, content types)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/campaign/my-sites/").status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for v in _villages(HEXI_STREET, 7)[2:]:
        p = f.plan(v)
        f.visit(v, leader=leader).rectifications.create(
            region_path=v.path, finding="问题", due_on=date(2020, 1, 1)
        )
        Milestone.objects.filter(pk=p.milestones.first().pk).update(due_on=date(2020, 1, 1))
    many = count()
    assert Plan.objects.count() == 7
    assert many == few, (few, many)
