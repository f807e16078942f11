"""The plans pages: the campaign overview, the plan list with its filters and export, bulk
creation, a plan's page with its backward schedule, its edit (with two people at once) and the
change of a milestone's duration over HTMX."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from python_calamine import CalamineWorkbook

from lianxin.campaign import services
from lianxin.campaign.health import overdue_level
from lianxin.campaign.models import Health, Milestone, Plan
from lianxin.core.models import AuditLog
from lianxin.core.tests.factories import (
    HEXI,
    HEXI_STREET,
    HEXI_STREET_2,
    HEXI_VILLAGE,
    HEXI_VILLAGE_2,
    NANKAI_VILLAGE,
)
from lianxin.core.workdays import calendar

from . import factories as f
from .plan_helpers import make_ready

pytestmark = pytest.mark.django_db

STREET_2_VILLAGE = "120103002001"  # 河西区 下瓦房街道


def _today():
    return timezone.localdate()


def _late_plan(village, **fields):
    """A plan whose deadline is a few working days away: its early milestones are already due."""
    deadline = calendar().add_working_days(_today(), 5)
    return f.plan(village, deadline=deadline, **fields)


def _sign_off(plan):
    from lianxin.accounts.models import User

    make_ready(plan)
    services.submit_signoff(User.objects.get(username="hexi"), plan)
    services.verify_signoff(User.objects.get(username="city"), plan)
    plan.refresh_from_db()
    return plan


def _body(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# -- overview ----------------------------------------------------------------------------------


def test_overview_per_street_for_a_district_with_the_commitment(hexi, region, login):
    red = _late_plan(region(HEXI_VILLAGE))
    green = f.plan(region(HEXI_VILLAGE_2))
    done = _sign_off(f.plan(region(STREET_2_VILLAGE)))
    f.plan(region(NANKAI_VILLAGE))  # another district: not counted
    district = region(HEXI)
    services.save_commitment(
        hexi, f.campaign(), district, {"target_count": 2, "target_date": _today()}
    )
    assert {red.health, green.health, done.health} == {Health.RED, Health.GREEN, Health.DONE}

    html = _body(login(hexi).get("/campaign/"))

    rows = dict(re.findall(r'<tr data-unit="(\d+)">(.*?)</tr>', html, re.S))
    assert set(rows) == {HEXI_STREET, HEXI_STREET_2}  # per street, never 南开区

    def figure(text, name):
        return int(re.search(rf'data-figure="{name}">(?:<a[^>]*>)?(\d+)', text).group(1))

    street = rows[HEXI_STREET]
    assert (figure(street, "total"), figure(street, "red"), figure(street, "green")) == (2, 1, 1)
    assert figure(street, "late") >= 1 and figure(street, "signed") == 0
    assert figure(rows[HEXI_STREET_2], "signed") == 1
    assert figure(html, "total") == 3
    commitment = re.search(r'data-commitment="120103000000">(.*?)</tr>', html, re.S).group(1)
    assert figure(commitment, "by_date") == 1 and figure(commitment, "now") == 1
    assert "南开区" not in html


def test_overview_per_district_for_the_city(city, region, login):
    f.plan(region(HEXI_VILLAGE))
    f.plan(region(NANKAI_VILLAGE))
    html = _body(login(city).get(f"/campaign/?campaign={f.campaign().pk}"))
    units = re.findall(r'<tr data-unit="(\d+)">', html)
    assert units == ["120103000000", "120104000000"]
    assert "河西区" in html and "南开区" in html


def test_overview_query_count_does_not_grow_with_plans(hexi, region, make_center, login):
    client = login(hexi)
    campaign = f.campaign()
    services.save_commitment(
        hexi, campaign, region(HEXI), {"target_count": 5, "target_date": date(2030, 1, 1)}
    )
    f.plan(region(HEXI_VILLAGE))
    client.get("/campaign/")  # warm up (session, calendar)
    with CaptureQueriesContext(connection) as one:
        _body(client.get("/campaign/"))
    from lianxin.regions.models import Level, Region

    villages = list(
        Region.objects.filter(path__startswith=region(HEXI).path, level=Level.VILLAGE)
        .exclude(code=HEXI_VILLAGE)
        .order_by("code")[:6]
    )
    for village in villages:
        _late_plan(village)
    _sign_off(Plan.objects.get(center__region=villages[0]))
    with CaptureQueriesContext(connection) as many:
        html = _body(client.get("/campaign/"))
    assert Plan.objects.filter(district_code=HEXI).count() == 7
    assert len(many) == len(one), [q["sql"] for q in many.captured_queries]
    assert len(many) <= 20
    assert 'data-figure="total">7<' in html


def test_overview_without_a_campaign(hexi, login):
    html = _body(login(hexi).get("/campaign/"))
    assert "尚未设置攻坚任务" in html


# -- list and export ---------------------------------------------------------------------------


@pytest.fixture
def three(region):
    """Three plans in 河西区: late (red, 大营门), on time (green, 大营门, 扩建), signed off
    (下瓦房); and one in 南开区."""
    late = _late_plan(region(HEXI_VILLAGE))
    ontime = f.plan(region(HEXI_VILLAGE_2), works_type="expand")
    signed = _sign_off(f.plan(region(STREET_2_VILLAGE)))
    theirs = f.plan(region(NANKAI_VILLAGE))
    return {"late": late, "ontime": ontime, "signed": signed, "theirs": theirs}


def _listed(client, query="") -> list[int]:
    html = _body(client.get(f"/campaign/plans/?{query}"))
    return [int(pk) for pk in re.findall(r'<tr data-plan="(\d+)"', html)]


def test_plan_list_filters(three, hexi, login):
    client = login(hexi)
    ids = {k: p.pk for k, p in three.items()}
    assert sorted(_listed(client)) == sorted([ids["late"], ids["ontime"], ids["signed"]])
    assert _listed(client, "health=red") == [ids["late"]]
    assert _listed(client, "health=done") == [ids["signed"]]
    assert _listed(client, "overdue=1") == [ids["late"]]
    assert _listed(client, "signed=yes") == [ids["signed"]]
    assert sorted(_listed(client, "signed=no")) == sorted([ids["late"], ids["ontime"]])
    assert _listed(client, "works_type=expand") == [ids["ontime"]]
    assert sorted(_listed(client, f"street={HEXI_STREET}")) == sorted([ids["late"], ids["ontime"]])
    assert _listed(client, f"district={HEXI}&street={HEXI_STREET_2}") == [ids["signed"]]
    # Another district's code filters to nothing, never to its rows.
    assert _listed(client, "district=120104000000") == []
    # Unknown values are ignored, not errors.
    assert len(_listed(client, "health=purple&signed=maybe&sort=nonsense")) == 3


def test_plan_list_search_by_name_and_pinyin_initials(three, hexi, login):
    client = login(hexi)
    name = three["late"].center.name  # 九江路社区…
    assert _listed(client, f"q={name[:3]}") == [three["late"].pk]
    assert _listed(client, "q=jjl") == [three["late"].pk]
    assert _listed(client, f"q={three['late'].center.region.code}") == [three["late"].pk]


def test_plan_list_sorts_and_pages(three, hexi, login):
    client = login(hexi)
    by_deadline = _listed(client, "sort=deadline")
    assert by_deadline[0] == three["late"].pk  # the nearest deadline first
    assert _listed(client, "sort=-deadline")[-1] == three["late"].pk
    assert _listed(client, "sort=health")[0] == three["late"].pk  # red first
    html = _body(client.get("/campaign/plans/?per_page=10&page=1"))
    assert 'data-count="3"' in html


def test_plan_list_htmx_partial(three, hexi, login):
    response = login(hexi).get("/campaign/plans/?health=red", HTTP_HX_REQUEST="true")
    html = _body(response)
    assert "<html" not in html and f'data-plan="{three["late"].pk}"' in html


def _export(client, query=""):
    response = client.get(f"/campaign/plans/export.xlsx?{query}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    content = b"".join(response.streaming_content)
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    return book.get_sheet_by_name(book.sheet_names[0]).to_python()


def test_export_is_what_is_listed(three, hexi, login):
    client = login(hexi)
    rows = _export(client)
    header, body = rows[0], [r for r in rows[1:] if r and r[0]]
    assert header[:5] == ["区划代码", "党群服务中心", "区", "街镇", "工程类型"]
    assert "进度状态" in header and "逾期节点数" in header and "销号日期" in header
    codes = {str(r[0]) for r in body if str(r[0]).isdigit()}
    assert codes == {three[k].center.region.code for k in ("late", "ontime", "signed")}
    late = next(r for r in body if str(r[0]) == three["late"].center.region.code)
    assert late[2] == "河西区" and late[3] == "大营门街道"
    assert late[header.index("进度状态")] == "逾期"
    assert late[header.index("逾期节点数")] >= 1
    signed = next(r for r in body if str(r[0]) == three["signed"].center.region.code)
    assert signed[header.index("销号日期")] == three["signed"].signed_off_on.isoformat()

    only_red = _export(client, "health=red")
    assert [str(r[0]) for r in only_red[1:] if r and str(r[0]).isdigit()] == [
        three["late"].center.region.code
    ]


# -- bulk creation ------------------------------------------------------------------------------


def test_bulk_create_preview_then_post(hexi, region, make_center, login):
    client = login(hexi)
    for code in (HEXI_VILLAGE, HEXI_VILLAGE_2, STREET_2_VILLAGE):
        make_center(region(code), floor_area=100, households=500)
    make_center(region(NANKAI_VILLAGE))
    campaign = f.campaign()

    html = _body(client.get(f"/campaign/plans/bulk/?campaign={campaign.pk}&within={HEXI_STREET}"))
    assert re.search(r'data-figure="sites">2<', html)
    html = _body(client.get(f"/campaign/plans/bulk/?campaign={campaign.pk}&within="))
    assert re.search(r'data-figure="sites">3<', html)

    audits = AuditLog.objects.count()
    response = client.post(
        "/campaign/plans/bulk/",
        {"campaign": campaign.pk, "within": HEXI_STREET, "deadline": "2030-03-29"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/campaign/plans/?campaign={campaign.pk}"
    made = Plan.objects.filter(campaign=campaign)
    assert made.count() == 2 and all(p.street_code == HEXI_STREET for p in made)
    assert {p.deadline for p in made} == {date(2030, 3, 29)}
    assert AuditLog.objects.count() - audits == 2
    followed = client.get(response["Location"])
    assert "已为 2 个党群服务中心生成一村一策" in followed.content.decode()
    # Once made, the preview says so and a second post makes nothing.
    html = _body(client.get(f"/campaign/plans/bulk/?campaign={campaign.pk}&within={HEXI_STREET}"))
    assert re.search(r'data-figure="sites">0<', html)
    client.post("/campaign/plans/bulk/", {"campaign": campaign.pk, "within": HEXI_STREET})
    assert Plan.objects.filter(campaign=campaign).count() == 2


def test_bulk_create_refuses_a_past_deadline_and_other_units(hexi, inspector, region, login):
    from lianxin.core.tests.factories import make_center

    make_center(region(HEXI_VILLAGE))
    client = login(hexi)
    campaign = f.campaign()
    yesterday = (_today() - timedelta(days=1)).isoformat()
    response = client.post(
        "/campaign/plans/bulk/", {"campaign": campaign.pk, "deadline": yesterday}
    )
    assert response.status_code == 200
    assert "完成期限须晚于今天" in response.content.decode()
    assert not Plan.objects.exists()
    # A unit of another district: not even shown to exist.
    other = client.post(
        "/campaign/plans/bulk/", {"campaign": campaign.pk, "within": "120104001000"}
    )
    assert other.status_code == 404
    # Read-only: refused.
    assert login(inspector).get("/campaign/plans/bulk/").status_code == 403
    assert (
        login(inspector).post("/campaign/plans/bulk/", {"campaign": campaign.pk}).status_code == 403
    )
    assert not Plan.objects.exists()


def test_bulk_preview_matches_what_is_created(hexi, region, make_center, login):
    from lianxin.centers.models import Level, LevelRecord

    made = [make_center(region(c)) for c in (HEXI_VILLAGE, HEXI_VILLAGE_2, STREET_2_VILLAGE)]
    for level in (Level.AREA, Level.RENOVATION):  # the first is already compliant: skipped
        LevelRecord.objects.create(
            center=made[0],
            region_path=made[0].region_path,
            level=level,
            compliant=True,
            effective_on=date(2019, 1, 1),
            source="demo",
        )
    client = login(hexi)
    campaign = f.campaign()
    html = _body(client.get(f"/campaign/plans/bulk/?campaign={campaign.pk}"))
    shown = int(re.search(r'data-figure="sites">(\d+)<', html).group(1))
    client.post("/campaign/plans/bulk/", {"campaign": campaign.pk})
    assert shown == Plan.objects.count() == 2


# -- a plan's page -------------------------------------------------------------------------------


def test_detail_shows_the_schedule_with_overdue_milestones_flagged(hexi, inspector, region, login):
    plan = _late_plan(region(HEXI_VILLAGE), notes="先改造大厅")
    html = _body(login(hexi).get(f"/campaign/plans/{plan.pk}/"))
    ms = list(plan.milestones.order_by("sort"))
    for m in ms:
        assert f'data-milestone="{m.code}"' in html  # never hidden
    late = [m for m in ms if overdue_level(m, _today(), calendar())]
    assert late
    for m in late:
        row = re.search(rf'<tr data-milestone="{m.code}"[^>]*>', html).group(0)
        assert 'data-overdue="1"' in row
    assert "已逾期" in html and "先改造大厅" in html
    assert 'id="signoff"' in html and 'data-criterion="area"' in html
    assert f"/campaign/plans/{plan.pk}/edit/" in html
    assert 'name="duration_days"' in html
    # Read-only: the same page, without a single write control.
    ro = _body(login(inspector).get(f"/campaign/plans/{plan.pk}/"))
    assert 'data-milestone="design"' in ro
    for control in (
        'name="duration_days"',
        "/edit/",
        'name="action"',
        "/progress/",
        'name="image"',
    ):
        assert control not in ro, control


def test_detail_of_another_district_is_404(nankai, region, login):
    plan = f.plan(region(HEXI_VILLAGE))
    assert login(nankai).get(f"/campaign/plans/{plan.pk}/").status_code == 404
    assert login(nankai).get(f"/campaign/plans/{plan.pk}/edit/").status_code == 404


# -- edit ------------------------------------------------------------------------------------------


def _form(plan, **changes):
    data = {
        "version": plan.version,
        "works_type": plan.works_type,
        "target_area": plan.target_area or "",
        "budget": plan.budget or "",
        "premises": plan.premises,
        "starts_on": plan.starts_on.isoformat() if plan.starts_on else "",
        "deadline": plan.deadline.isoformat(),
        "leader": plan.leader_id or "",
        "notes": plan.notes,
    }
    return data | changes


def test_edit_a_deadline_moves_the_schedule(hexi, region, login):
    plan = f.plan(region(HEXI_VILLAGE), deadline=date(2027, 6, 30))
    leader = f.leader(region(HEXI), name="王包保")
    client = login(hexi)
    assert "王包保" in _body(client.get(f"/campaign/plans/{plan.pk}/edit/"))
    response = client.post(
        f"/campaign/plans/{plan.pk}/edit/",
        _form(plan, deadline="2027-10-15", leader=leader.pk, budget="350000.50"),
    )
    assert response.status_code == 302 and response["Location"] == f"/campaign/plans/{plan.pk}/"
    plan.refresh_from_db()
    assert plan.deadline == date(2027, 10, 15) and plan.leader == leader and plan.version == 2
    assert str(plan.budget) == "350000.50"
    last = plan.milestones.order_by("sort").last()
    assert last.due_on == date(2027, 10, 15)
    html = _body(client.get(response["Location"]))
    assert 'data-due="2027-10-15"' in html and "王包保" in html


def test_edit_conflict_keeps_the_typed_input(hexi, street_staff, region, login):
    plan = f.plan(region(HEXI_VILLAGE))
    first, second = login(hexi), login(street_staff)
    stale = _form(plan)  # both opened the form at version 1
    assert (
        first.post(f"/campaign/plans/{plan.pk}/edit/", stale | {"notes": "先到者"}).status_code
        == 302
    )
    response = second.post(
        f"/campaign/plans/{plan.pk}/edit/", stale | {"notes": "后到者的说明", "budget": "99"}
    )
    html = _body(response)
    assert "该记录已被他人修改" in html
    assert "后到者的说明" in html and 'value="99"' in html  # nothing typed is lost
    assert "先到者" in html  # the other person's saved value is shown
    plan.refresh_from_db()
    assert plan.notes == "先到者" and plan.budget is None and plan.version == 2


def test_edit_errors_beside_the_field_and_nothing_written(hexi, region, login):
    plan = f.plan(region(HEXI_VILLAGE), deadline=date(2027, 6, 30))
    before = list(plan.milestones.values_list("pk", "starts_on", "due_on"))
    client = login(hexi)
    # The durations do not fit between the start and the deadline.
    response = client.post(f"/campaign/plans/{plan.pk}/edit/", _form(plan, starts_on="2027-06-01"))
    html = _body(response)
    field = re.search(r'<input[^>]*name="deadline"[^>]*>(.*?)</div>\s*</div>', html, re.S)
    assert "工作日" in html and 'aria-invalid="true"' in field.group(0)
    # A deadline before the start.
    html = _body(
        client.post(
            f"/campaign/plans/{plan.pk}/edit/",
            _form(plan, starts_on="2027-07-01", deadline="2027-06-30"),
        )
    )
    assert "完成期限不能早于开工日期" in html
    plan.refresh_from_db()
    assert plan.version == 1 and plan.starts_on is None
    assert list(plan.milestones.values_list("pk", "starts_on", "due_on")) == before


def test_edit_page_refused_to_read_only_roles(inspector, region, login):
    plan = f.plan(region(HEXI_VILLAGE))
    assert login(inspector).get(f"/campaign/plans/{plan.pk}/edit/").status_code == 403


# -- a milestone's duration ---------------------------------------------------------------------


def test_duration_change_over_htmx_returns_the_moved_schedule(hexi, region, login):
    plan = f.plan(region(HEXI_VILLAGE), deadline=date(2027, 6, 30))
    construction = plan.milestones.get(code="construction")
    design_before = plan.milestones.get(code="design").starts_on
    response = login(hexi).post(
        f"/campaign/milestones/{construction.pk}/duration/",
        {"duration_days": str(construction.duration_days + 10)},
        HTTP_HX_REQUEST="true",
    )
    html = _body(response)
    assert html.lstrip().startswith('<div class="card mb-3" id="schedule">')
    design = plan.milestones.get(code="design")
    assert calendar().working_days_between(design.starts_on, design_before) == 10
    assert f'data-start="{design.starts_on.isoformat()}"' in html
    assert 'data-due="2027-06-30"' in html  # the deadline holds
    assert f'value="{construction.duration_days + 10}"' in html


def test_duration_errors_come_back_in_the_table(hexi, region, login):
    plan = f.plan(region(HEXI_VILLAGE))
    m = plan.milestones.first()
    before = list(Milestone.objects.filter(plan=plan).values_list("duration_days", "starts_on"))
    client = login(hexi)
    for bad in ("-3", "abc", "9999", ""):
        html = _body(
            client.post(
                f"/campaign/milestones/{m.pk}/duration/",
                {"duration_days": bad},
                HTTP_HX_REQUEST="true",
            )
        )
        assert "data-schedule-error" in html and "工期须为" in html
    # Without HTMX: back to the plan with the message.
    response = client.post(f"/campaign/milestones/{m.pk}/duration/", {"duration_days": "-1"})
    assert response.status_code == 302
    assert list(Milestone.objects.filter(plan=plan).values_list("duration_days", "starts_on")) == (
        before
    )


def test_duration_refused_when_signed_off(hexi, region, login):
    plan = _sign_off(f.plan(region(HEXI_VILLAGE)))
    m = plan.milestones.first()
    html = _body(
        login(hexi).post(
            f"/campaign/milestones/{m.pk}/duration/", {"duration_days": "3"}, HTTP_HX_REQUEST="true"
        )
    )
    assert "已销号" in html
    m.refresh_from_db()
    assert m.duration_days != 3
