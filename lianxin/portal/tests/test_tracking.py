"""My applications and the tracking page: only one's own (others → 404), every step with its
time and note, withdraw, re-submit after a return, rating and the reopen path."""

import pytest

from lianxin.core.tests.factories import HEXI_VILLAGE, region
from lianxin.services import services
from lianxin.services.models import StandardAnswer, Status
from lianxin.services.tests import factories as sf
from lianxin.venues.tests.factories import another_resident


@pytest.fixture
def center(make_center):
    return make_center(region(HEXI_VILLAGE), name="九江路社区党群服务中心")


@pytest.fixture
def app(resident, center):
    return sf.application(
        center, item_obj=sf.item(name="老年证办理", materials=()), actor=resident, channel="online"
    )


def page(client, app):
    return client.get(f"/portal/applications/{app.number}/")


def test_my_list_newest_first_with_status(login, resident, center):
    first = sf.application(
        center, item_obj=sf.item(name="先办的", materials=()), actor=resident, channel="online"
    )
    second = sf.application(
        center, item_obj=sf.item(name="后办的", materials=()), actor=resident, channel="online"
    )
    sf.application(
        center, item_obj=sf.item(name="别人代办的", materials=())
    )  # at the window, no account
    body = login(resident).get("/portal/me/").content.decode()
    assert body.index(second.number) < body.index(first.number)
    assert "别人代办的" not in body
    assert 'data-status="submitted"' in body


def test_tracking_shows_steps_deadline_and_masked_id(login, resident, app, center_staff):
    services.transition(center_staff, app, "returned", note="请补充户口本")
    body = page(login(resident), app).content.decode()
    assert "请补充户口本" in body and "退回补正" in body
    assert app.deadline.strftime("%Y-%m-%d") in body
    assert sf.ID_NUMBER not in body and app.id_number_masked in body
    step = app.steps.order_by("at").last()
    from django.utils import timezone

    local = timezone.localtime(step.at).strftime("%Y-%m-%d %H:%M")
    assert local in body  # shown in Asia/Shanghai


def test_another_residents_application_is_404(login, app):
    other = another_resident("13700000001")
    client = login(other)
    assert page(client, app).status_code == 404
    assert client.get(f"/portal/applications/{app.pk}/").status_code == 404
    assert client.post(f"/portal/applications/{app.number}/withdraw/").status_code == 404
    app.refresh_from_db()
    assert app.status == Status.SUBMITTED


def test_anonymous_and_staff_do_not_get_the_tracking_page(login, app, center_staff):
    assert page(login(), app)["Location"].startswith("/login/")
    assert page(login(center_staff), app)["Location"] == "/"


def test_withdraw_while_allowed(login, resident, app):
    client = login(resident)
    assert 'id="withdraw"' in page(client, app).content.decode()
    response = client.post(f"/portal/applications/{app.number}/withdraw/", {"note": "不需要了"})
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == Status.WITHDRAWN
    assert 'id="withdraw"' not in page(client, app).content.decode()


def test_withdraw_refused_after_acceptance(login, resident, app, center_staff):
    services.transition(center_staff, app, "accepted")
    client = login(resident)
    assert 'id="withdraw"' not in page(client, app).content.decode()
    response = client.post(f"/portal/applications/{app.number}/withdraw/", follow=True)
    app.refresh_from_db()
    assert app.status == Status.ACCEPTED
    assert "alert-danger" in response.content.decode()


def test_resubmit_after_return_with_a_material(login, resident, center, center_staff):
    item = sf.item(materials=(("户口本", False),))
    app = sf.application(center, item_obj=item, actor=resident, channel="online")
    services.transition(center_staff, app, "returned", note="请补充户口本")
    client = login(resident)
    assert 'id="resubmit"' in page(client, app).content.decode()
    material = item.materials.get()
    response = client.post(
        f"/portal/applications/{app.number}/resubmit/",
        {"note": "已补充", f"m_{material.pk}": sf.png_file()},
    )
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == Status.SUBMITTED and app.attachments.count() == 1


def _conclude(app, staff):
    services.transition(staff, app, "accepted")
    services.transition(staff, app, "in_progress")
    if app.handling_mode in ("received_here", "proxy"):
        services.transition(staff, app, "transferred", note="转街道")
        from lianxin.accounts.models import User

        services.transition(User.objects.get(username="root"), app, "concluded", result="已办结")
    else:
        services.transition(staff, app, "concluded", result="已办结")
    app.refresh_from_db()
    return app


def test_rating_form_after_conclusion_keyboard_radios(login, resident, app, center_staff):
    client = login(resident)
    assert 'id="rate"' not in page(client, app).content.decode()
    _conclude(app, center_staff)
    body = page(client, app).content.decode()
    assert 'id="rate"' in body
    assert len(__import__("re").findall(r'type="radio" name="score"', body)) == 5


def test_happy_rating_closes(login, resident, app, center_staff):
    _conclude(app, center_staff)
    happy = StandardAnswer.objects.create(text="态度热情", is_satisfied=True)
    client = login(resident)
    response = client.post(
        f"/portal/applications/{app.number}/rate/",
        {"score": "5", "answers": [str(happy.pk)], "comment": "很好"},
    )
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == Status.RATED and app.rating.score == 5
    body = page(client, app).content.decode()
    assert 'id="my-rating"' in body and "态度热情" in body and 'id="rate"' not in body


def test_unhappy_rating_reopens_the_case(login, resident, app, center_staff):
    _conclude(app, center_staff)
    client = login(resident)
    client.post(f"/portal/applications/{app.number}/rate/", {"score": "1", "comment": "跑了三趟"})
    app.refresh_from_db()
    assert app.status == Status.REOPENED and app.rating.reopened
    body = page(client, app).content.decode()
    assert "重新办理" in body and "跑了三趟" in body


def test_rating_without_a_score_keeps_the_comment(login, resident, app, center_staff):
    _conclude(app, center_staff)
    client = login(resident)
    response = client.post(f"/portal/applications/{app.number}/rate/", {"comment": "忘了打分"})
    body = response.content.decode()
    assert response.status_code == 200 and "请选择 1–5 星" in body and "忘了打分" in body
    app.refresh_from_db()
    assert app.status == Status.CONCLUDED


def test_notifications_page_works_for_residents(login, resident, app):
    body = login(resident).get("/notifications/").content.decode()
    assert app.number in body
