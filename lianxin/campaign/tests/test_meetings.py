"""定期例会: agenda, attendees, decisions and action items with owners and deadlines, tracked to
closure and carried into the next meeting's agenda of the same unit until they are done."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from lianxin.campaign import queries_supervision as q
from lianxin.campaign import services
from lianxin.campaign.models import ActionItem, ActionStatus, Meeting
from lianxin.core.models import AuditLog, Notification
from lianxin.core.services import ConflictError
from lianxin.core.tests.factories import HEXI, HEXI_STREET, HEXI_VILLAGE, NANKAI

pytestmark = pytest.mark.django_db


def _meeting(actor, region, items=(), held_on=date(2024, 5, 6), **fields):
    data = {"title": "攻坚推进例会", "attendees": "区委组织部、各街道", "decisions": "倒排工期"}
    return services.record_meeting(
        actor, region, held_on=held_on, action_items=list(items), **(data | fields)
    )


def _item(text, due=date(2024, 6, 1), **extra):
    return {"text": text, "owner_name": "张科长", "due_on": due} | extra


def test_a_meeting_with_its_action_items(hexi, inspector, street_staff, region):
    audits = AuditLog.objects.count()
    meeting = _meeting(
        hexi,
        region(HEXI),
        [
            _item("落实房源"),
            {"text": "联合审批", "owner": inspector, "due_on": date(2024, 5, 30)},
        ],
    )
    items = list(meeting.action_items.order_by("id"))
    assert [(i.text, i.owner_name, i.status) for i in items] == [
        ("落实房源", "张科长", ActionStatus.OPEN),
        ("联合审批", "inspector", ActionStatus.OPEN),
    ]
    assert AuditLog.objects.count() == audits + 3
    assert Notification.objects.filter(recipient=inspector, title__contains="联合审批").exists()
    # An account that would not see the district's meeting cannot own its item.
    with pytest.raises(ValidationError) as exc:
        _meeting(
            hexi, region(HEXI), [{"text": "x", "owner": street_staff, "due_on": date(2024, 6, 1)}]
        )
    assert "请改填姓名" in exc.value.message_dict["action_items.0.owner"][0]


@pytest.mark.parametrize(
    "fields,items,key",
    [
        ({"title": ""}, [], "title"),
        ({"held_on": None}, [], "held_on"),
        ({"held_on": timezone.localdate() + timedelta(days=1)}, [], "held_on"),
        ({}, [_item("落实房源", due=date(2024, 5, 1))], "action_items.0.due_on"),
        ({}, [_item("")], "action_items.0.text"),
        ({}, [_item("落实房源", owner_name="")], "action_items.0.owner"),
    ],
    ids=["no title", "no date", "future date", "deadline before", "empty item", "no owner"],
)
def test_bad_meetings_are_refused_whole(hexi, region, fields, items, key):
    audits = AuditLog.objects.count()
    with pytest.raises(ValidationError) as exc:
        _meeting(hexi, region(HEXI), items, **fields)
    assert key in exc.value.message_dict, exc.value.message_dict
    assert not Meeting.objects.exists() and AuditLog.objects.count() == audits


def test_meetings_are_convened_by_units_in_scope(hexi, inspector, region):
    with pytest.raises(PermissionDenied):
        _meeting(hexi, region(NANKAI))
    with pytest.raises(PermissionDenied):
        _meeting(inspector, region(HEXI))
    with pytest.raises(ValidationError) as exc:
        _meeting(hexi, region(HEXI_VILLAGE))
    assert "region" in exc.value.message_dict


def test_open_items_are_carried_until_closed(hexi, region, login):
    """The next meeting of the same unit opens its agenda with the items still open; an item
    closed drops out; another unit's items never appear."""
    first = _meeting(hexi, region(HEXI), [_item("落实房源"), _item("完成方案设计")])
    housing, design = first.action_items.order_by("id")
    _meeting(hexi, region(HEXI_STREET), [_item("街道自己的事项")])
    client = login(hexi)

    body = client.get(f"/campaign/meetings/new/?region={HEXI}").content.decode()
    agenda = body.split('name="agenda"')[1].split("</textarea>")[0]
    assert "落实房源" in agenda and "完成方案设计" in agenda and "上次例会遗留事项" in agenda
    assert "街道自己的事项" not in body
    carried = body.split('id="carried"')[1]
    assert f'data-carried="{housing.pk}"' in carried and f'data-carried="{design.pk}"' in carried

    services.close_action_item(hexi, housing, date(2024, 5, 20), "房源已确定")
    body = client.get(f"/campaign/meetings/new/?region={HEXI}").content.decode()
    agenda = body.split('name="agenda"')[1].split("</textarea>")[0]
    assert "落实房源" not in agenda and "完成方案设计" in agenda

    second = _meeting(
        hexi, region(HEXI), held_on=date(2024, 6, 3), agenda=q.carried_agenda([design])
    )
    shown = {i.pk for i in q.carried_into(hexi, second)}
    assert shown == {design.pk}  # closed before the second meeting: not carried
    # Closed after the second meeting: still shown there (as carried, now done), and no longer
    # carried into a third.
    services.close_action_item(hexi, ActionItem.objects.get(pk=design.pk), date(2024, 6, 10))
    assert {i.pk for i in q.carried_into(hexi, second)} == {design.pk}
    assert not q.open_items_of_unit(hexi, region(HEXI)).exists()
    detail = client.get(f"/campaign/meetings/{second.pk}/").content.decode()
    assert f'data-carried="{design.pk}"' in detail
    first_page = client.get(f"/campaign/meetings/{first.pk}/").content.decode()
    assert f"/campaign/meetings/{second.pk}/" in first_page  # "next meeting"


def test_recording_a_meeting_on_the_page(hexi, region, login):
    client = login(hexi)
    data = {
        "title": "第12次例会",
        "held_on": "2024-05-06",
        "attendees": "区委组织部",
        "agenda": "议程",
        "decisions": "决定",
        "a-TOTAL_FORMS": "3",
        "a-INITIAL_FORMS": "0",
        "a-MIN_NUM_FORMS": "0",
        "a-MAX_NUM_FORMS": "50",
        "a-0-text": "落实房源",
        "a-0-owner": "inspector",
        "a-0-due_on": "2024-06-01",
        "a-1-text": "联合审批",
        "a-1-owner": "张科长",
        "a-1-due_on": "2024-04-01",  # before the meeting
        "a-2-text": "",
        "a-2-owner": "",
        "a-2-due_on": "",
    }
    bad = client.post(f"/campaign/meetings/new/?region={HEXI}", data)
    assert bad.status_code == 200 and "期限不能早于会议日期 2024-05-06" in bad.content.decode()
    assert not Meeting.objects.exists()
    ok = client.post(f"/campaign/meetings/new/?region={HEXI}", data | {"a-1-due_on": "2024-06-10"})
    meeting = Meeting.objects.get()
    assert ok.status_code == 302 and ok["Location"] == f"/campaign/meetings/{meeting.pk}/"
    assert meeting.action_items.count() == 2
    assert meeting.action_items.get(text="落实房源").owner.username == "inspector"
    assert client.get(f"/campaign/meetings/new/?region={NANKAI}").status_code == 404


def test_two_people_editing_the_minutes(hexi, city, region, login):
    meeting = _meeting(hexi, region(HEXI))
    services.update_meeting(hexi, meeting, {"decisions": "第一次修改"}, expected_version=1)
    with pytest.raises(ConflictError):
        services.update_meeting(city, meeting, {"decisions": "第二次"}, expected_version=1)
    meeting.refresh_from_db()
    assert meeting.decisions == "第一次修改" and meeting.version == 2
    form = {
        "title": meeting.title,
        "held_on": "2024-05-06",
        "agenda": "",
        "attendees": "",
        "decisions": "页面修改",
        "version": "1",
    }
    stale = login(city).post(f"/campaign/meetings/{meeting.pk}/edit/", form)
    assert stale.status_code == 200 and "已被他人修改" in stale.content.decode()
    ok = login(city).post(f"/campaign/meetings/{meeting.pk}/edit/", form | {"version": "2"})
    assert ok.status_code == 302
    meeting.refresh_from_db()
    assert meeting.decisions == "页面修改" and meeting.version == 3


def test_the_meeting_date_cannot_pass_its_items_deadlines(hexi, region):
    meeting = _meeting(hexi, region(HEXI), [_item("落实房源", due=date(2024, 5, 10))])
    with pytest.raises(ValidationError) as exc:
        services.update_meeting(hexi, meeting, {"held_on": date(2024, 5, 11)}, expected_version=1)
    assert "最早期限" in exc.value.message_dict["held_on"][0]


def test_closing_an_action_item(hexi, inspector, region, login):
    meeting = _meeting(hexi, region(HEXI), [_item("落实房源")])
    item = meeting.action_items.get()
    with pytest.raises(PermissionDenied):
        services.close_action_item(inspector, item, date(2024, 5, 20))
    with pytest.raises(ValidationError) as exc:
        services.close_action_item(hexi, item, date(2024, 5, 1))
    assert "不能早于会议日期" in exc.value.message_dict["done_on"][0]
    client = login(hexi)
    url = f"/campaign/action-items/{item.pk}/close/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"done_on": "2024-05-20", "done_note": "已落实"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.done_on, item.done_note) == (
        ActionStatus.DONE,
        date(2024, 5, 20),
        "已落实",
    )
    with pytest.raises(ValidationError):
        services.close_action_item(hexi, item, date(2024, 5, 21))
    assert login(inspector).get(url).status_code == 403


def test_adding_an_item_on_the_meeting_page(hexi, region, login):
    meeting = _meeting(hexi, region(HEXI))
    client = login(hexi)
    bad = client.post(
        f"/campaign/meetings/{meeting.pk}/items/",
        {"text": "补充事项", "owner": "张科长", "due_on": "2024-01-01"},
    )
    assert bad.status_code == 302 and not meeting.action_items.exists()
    assert "期限不能早于会议日期" in client.get(bad["Location"]).content.decode()
    client.post(
        f"/campaign/meetings/{meeting.pk}/items/",
        {"text": "补充事项", "owner": "张科长", "due_on": "2024-06-01"},
    )
    assert meeting.action_items.get().text == "补充事项"


def test_meeting_list(hexi, region, login):
    mine = _meeting(hexi, region(HEXI), [_item("落实房源", due=date(2024, 5, 7))], title="河西例会")
    body = login(hexi).get("/campaign/meetings/?q=河西").content.decode()
    row = body.split(f'data-meeting="{mine.pk}"')[1].split("</tr>")[0]
    assert "河西例会" in row and "text-red" in row  # one open item, overdue
