"""一村一策 in bulk and one by one, and the backward schedule they get (倒排工期)."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from lianxin.campaign import services
from lianxin.campaign.models import Milestone, MilestoneTemplate, Plan, WorksType
from lianxin.centers.models import Level, LevelRecord
from lianxin.core.models import AuditLog, CalendarDay
from lianxin.core.services import ConflictError
from lianxin.core.tests.factories import HEXI_STREET, HEXI_VILLAGE, HEXI_VILLAGE_2, NANKAI_VILLAGE
from lianxin.core.workdays import WorkingCalendar

from . import factories as f

CAL = WorkingCalendar()
TODAY = date(2026, 11, 2)


def _compliant(center, level):
    LevelRecord.objects.create(
        center=center,
        region_path=center.region_path,
        level=level,
        compliant=True,
        effective_on=date(2019, 1, 1),
        source="demo",
    )


def test_bulk_creates_one_plan_per_non_compliant_site_in_scope(hexi, region, make_center):
    small = make_center(region(HEXI_VILLAGE), floor_area=200, households=900)
    empty = make_center(region(HEXI_VILLAGE_2), floor_area=None)
    done = make_center(region("120103002001"), floor_area=800)
    _compliant(done, Level.AREA)
    _compliant(done, Level.RENOVATION)
    theirs = make_center(region(NANKAI_VILLAGE))
    audits = AuditLog.objects.count()

    plans = services.bulk_create_plans(hexi, f.campaign(), today=TODAY)

    sites = {p.center_id: p for p in plans}
    assert small.pk in sites and empty.pk in sites
    assert done.pk not in sites and theirs.pk not in sites
    assert sites[small.pk].works_type == WorksType.EXPAND
    assert sites[empty.pk].works_type == WorksType.BUILD
    assert AuditLog.objects.count() - audits == len(plans)
    # Run again: nothing new, one plan per site.
    assert services.bulk_create_plans(hexi, f.campaign(), today=TODAY) == []
    assert Plan.objects.filter(center=small).count() == 1


def test_bulk_within_a_street_and_the_schedule_is_backward(hexi, region, make_center):
    a = make_center(region(HEXI_VILLAGE))
    b = make_center(region("120103002001"))
    plans = services.bulk_create_plans(
        hexi, f.campaign(), within=region(HEXI_STREET), deadline=date(2027, 6, 30), today=TODAY
    )
    assert [p.center_id for p in plans] == [a.pk]
    assert b.pk not in {p.center_id for p in Plan.objects.all()}
    ms = list(plans[0].milestones.order_by("sort"))
    assert ms[-1].due_on == date(2027, 6, 30)
    for prev, nxt in zip(ms, ms[1:], strict=False):
        assert prev.due_on == nxt.starts_on
    for m in ms:
        assert CAL.working_days_between(m.starts_on, m.due_on) == m.duration_days


def test_a_new_deadline_moves_the_schedule(hexi, region):
    plan = f.plan(region(HEXI_VILLAGE), deadline=date(2027, 6, 30))
    first = plan.milestones.order_by("sort").first()
    services.update_plan(hexi, plan, {"deadline": date(2027, 10, 15)})
    ms = list(plan.milestones.order_by("sort"))
    assert ms[-1].due_on == date(2027, 10, 15)
    assert ms[0].starts_on != first.starts_on
    # Spans over National Day 2027 count only working days.
    assert all(CAL.working_days_between(m.starts_on, m.due_on) == m.duration_days for m in ms)


def test_a_deadline_before_the_start_or_too_short_is_refused_whole(hexi, region):
    plan = f.plan(region(HEXI_VILLAGE), deadline=date(2027, 6, 30))
    before = list(plan.milestones.values_list("pk", "starts_on", "due_on"))
    with pytest.raises(ValidationError) as err:
        services.update_plan(
            hexi, plan, {"starts_on": date(2027, 7, 1), "deadline": date(2027, 6, 30)}
        )
    assert "deadline" in err.value.message_dict
    plan.refresh_from_db()
    with pytest.raises(ValidationError) as err:
        services.update_plan(hexi, plan, {"starts_on": date(2027, 6, 1)})
    assert "工作日" in err.value.message_dict["deadline"][0]
    plan.refresh_from_db()
    assert plan.starts_on is None and plan.version == 1
    assert list(plan.milestones.values_list("pk", "starts_on", "due_on")) == before


def test_changing_a_duration_moves_the_milestones_before_it(hexi, region):
    plan = f.plan(region(HEXI_VILLAGE), deadline=date(2027, 6, 30))
    ms = list(plan.milestones.order_by("sort"))
    construction = next(m for m in ms if m.code == "construction")
    services.set_milestone_duration(hexi, construction, construction.duration_days + 10)
    after = {m.code: m for m in plan.milestones.all()}
    assert after["construction"].due_on == construction.due_on  # the deadline side holds
    assert CAL.working_days_between(after["design"].starts_on, ms[0].starts_on) == 10
    assert after["move_in"].due_on == date(2027, 6, 30)
    with pytest.raises(ValidationError):
        services.set_milestone_duration(hexi, construction, -1)


def test_two_people_editing_the_same_plan(hexi, region):
    plan = f.plan(region(HEXI_VILLAGE))
    other = Plan.objects.get(pk=plan.pk)
    services.update_plan(hexi, plan, {"budget": 100000}, expected_version=1)
    with pytest.raises(ConflictError):
        services.update_plan(hexi, other, {"notes": "后到者"}, expected_version=1)
    other.refresh_from_db()
    assert other.notes == "" and other.budget == 100000


def test_another_district_cannot_plan_or_edit(nankai, hexi, region, make_center, inspector):
    center = make_center(region(HEXI_VILLAGE))
    with pytest.raises(PermissionDenied):
        services.create_plan(
            nankai, f.campaign(), center, {"works_type": "renovate", "deadline": date(2027, 6, 30)}
        )
    plan = f.plan(region(HEXI_VILLAGE))
    for user in (nankai, inspector):
        with pytest.raises(PermissionDenied):
            services.update_plan(user, plan, {"notes": "越权"})
    made = services.bulk_create_plans(nankai, f.campaign(), today=TODAY)
    assert all(p.district_code == "120104000000" for p in made)
    assert not Plan.objects.filter(center=center).exclude(pk=plan.pk).exists()


def test_a_calendar_change_recomputes_every_schedule(region):
    plan = f.plan(region(HEXI_VILLAGE), deadline=date(2027, 6, 30))
    design = plan.milestones.get(code="design")
    # A working day inside the design span becomes a holiday: design starts one day earlier.
    day = CAL.add_working_days(design.starts_on, 2)
    CalendarDay.objects.create(day=day, is_working_day=False, note="临时调整")
    moved = services.recompute_schedules()
    design.refresh_from_db()
    assert moved >= 1
    cal = WorkingCalendar({day: False})
    assert cal.working_days_between(design.starts_on, design.due_on) == design.duration_days


def test_templates_are_data(region):
    t = MilestoneTemplate.objects.get(works_type="renovate", code="construction")
    t.duration_days = 3
    t.save()
    plan = f.plan(region(HEXI_VILLAGE))
    assert Milestone.objects.get(plan=plan, code="construction").duration_days == 3


def test_dates_outside_the_campaigns_years_are_refused(hexi, region):
    """A typo (9999, 1900) would lay a schedule over centuries: refused, naming the field."""
    plan = f.plan(region(HEXI_VILLAGE), deadline=date(2027, 6, 30))
    for field, value in (
        ("deadline", date(9999, 12, 31)),
        ("deadline", date(1900, 1, 1)),
        ("starts_on", date(1900, 1, 1)),
    ):
        with pytest.raises(ValidationError) as err:
            services.update_plan(hexi, plan, {field: value})
        assert field in err.value.message_dict
        plan.refresh_from_db()
        assert plan.version == 1 and plan.deadline == date(2027, 6, 30)
    with pytest.raises(ValidationError):
        services.bulk_create_plans(hexi, f.campaign(), deadline=date(9999, 1, 1), today=TODAY)


def test_only_the_district_moves_the_schedule_the_street_is_measured_against(
    hexi, street_staff, region
):
    plan = f.plan(region(HEXI_VILLAGE), deadline=date(2027, 6, 30))
    construction = plan.milestones.get(code="construction")
    for data in ({"deadline": date(2027, 12, 31)}, {"works_type": "build"}):
        with pytest.raises(PermissionDenied):
            services.update_plan(street_staff, plan, data)
    with pytest.raises(PermissionDenied):
        services.set_milestone_duration(street_staff, construction, 0)
    # The street keeps the rest of the plan up to date.
    services.update_plan(street_staff, plan, {"premises": "村委会二楼", "deadline": plan.deadline})
    plan.refresh_from_db()
    construction.refresh_from_db()
    assert plan.premises == "村委会二楼" and plan.deadline == date(2027, 6, 30)
    assert construction.duration_days == 40


def test_the_schedule_says_when_a_years_holidays_are_not_published(hexi, region, login):
    plan = f.plan(region(HEXI_VILLAGE), deadline=date(2027, 6, 30))
    body = login(hexi).get(f"/campaign/plans/{plan.pk}/").content.decode()
    assert "data-unpublished" in body and "2027" in body


def test_the_street_reports_progress_but_sees_no_duration_inputs(hexi, street_staff, region, login):
    plan = f.plan(region(HEXI_VILLAGE), deadline=date(2027, 6, 30))
    first = plan.milestones.order_by("sort").first()
    street = login(street_staff).get(f"/campaign/plans/{plan.pk}/").content.decode()
    district = login(hexi).get(f"/campaign/plans/{plan.pk}/").content.decode()
    progress = f"/campaign/milestones/{first.pk}/progress/"
    assert progress in street and progress in district
    assert 'name="duration_days"' not in street and 'name="duration_days"' in district
