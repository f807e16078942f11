"""Inspections on a phone: weighted scores (n.a. left out), items that must pass, evidence photos
checked by content, follow-ups on failed items only, closing them, the 规范使用 level (only while
the center is in use), who may inspect, and photos that only the center's scope can read."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from lianxin.centers import services
from lianxin.centers.models import (
    CenterStatus,
    CenterStatusPeriod,
    FollowUp,
    Inspection,
    InspectionItem,
    InspectionPhoto,
    Level,
    LevelRecord,
)
from lianxin.core.models import AuditLog
from lianxin.core.tests.factories import HEXI_VILLAGE, NANKAI_VILLAGE, make_center, region

from .conftest import PNG

pytestmark = pytest.mark.django_db

DAY = date(2024, 5, 10)


@pytest.fixture
def center():
    """A 河西区 community center (九江路社区), in use since 2020."""
    made = make_center(region(HEXI_VILLAGE), floor_area=Decimal("400"), households=900)
    CenterStatusPeriod.objects.create(
        center=made, status=CenterStatus.IN_USE, valid_from=date(2020, 1, 1)
    )
    return made


def inspect(actor, center, checklist, results, photos=(), follow_ups=None, day=DAY, **kw):
    return services.record_inspection(
        actor,
        center,
        checklist,
        day,
        {code: (r, "") for code, r in results.items()},
        signature=kw.pop("signature", "王检查"),
        photos=photos,
        follow_ups=follow_ups,
        **kw,
    )


def counts():
    return (
        Inspection.objects.count(),
        InspectionItem.objects.count(),
        InspectionPhoto.objects.count(),
        FollowUp.objects.count(),
        LevelRecord.objects.filter(level=Level.USE).count(),
    )


# --- scoring --------------------------------------------------------------------------------


def test_score_is_weighted_and_leaves_out_not_applicable(hexi, center, checklist, photo):
    # a 3 pass, b 1 fail, c n.a. (not scored), d 2 pass → 5 / 6 = 83.3 ≥ 80
    done = inspect(hexi, center, checklist, {"a": "pass", "b": "fail", "c": "na", "d": "pass"})
    assert done.score == Decimal("83.3")
    assert done.passed is True
    # c counted as a failure instead would give 5 / 7 = 71.4: n.a. really is left out
    other = inspect(hexi, center, checklist, {"a": "pass", "b": "fail", "c": "fail", "d": "pass"})
    assert other.score == Decimal("71.4") and other.passed is False


def test_weights_decide_not_the_number_of_items(hexi, center, checklist, photo):
    # three of four items pass (75 by count), but the heavy one fails: 4 / 7 = 57.1
    done = inspect(
        hexi,
        center,
        checklist,
        {"a": "fail", "b": "pass", "c": "pass", "d": "pass"},
        photos=[("c", photo())],
    )
    assert done.score == Decimal("57.1")


def test_a_required_item_failing_fails_the_inspection_whatever_the_score(
    hexi, center, checklist, photo
):
    checklist.pass_score = Decimal("40")
    checklist.save()
    done = inspect(
        hexi,
        center,
        checklist,
        {"a": "fail", "b": "pass", "c": "pass", "d": "pass"},
        photos=[("c", photo())],
    )
    assert done.score == Decimal("57.1") and done.score >= checklist.pass_score
    assert done.passed is False


def test_every_item_must_be_answered(hexi, center, checklist):
    before = counts()
    with pytest.raises(ValidationError) as exc:
        inspect(hexi, center, checklist, {"a": "pass", "b": "pass"})
    assert "检查项C" in str(exc.value.message_dict["results"])
    assert counts() == before


# --- evidence photos --------------------------------------------------------------------------


def test_a_passed_item_that_needs_evidence_needs_a_photo(hexi, center, checklist, photo):
    before = counts()
    with pytest.raises(ValidationError) as exc:
        inspect(hexi, center, checklist, {"a": "pass", "b": "pass", "c": "pass", "d": "pass"})
    assert "检查项C" in exc.value.message_dict["photos"][0]
    assert counts() == before
    done = inspect(
        hexi,
        center,
        checklist,
        {"a": "pass", "b": "pass", "c": "pass", "d": "pass"},
        photos=[("c", photo())],
    )
    saved = done.photos.get()
    assert saved.item.code == "c" and saved.region_path == center.region_path
    assert saved.image.read() == PNG


@pytest.mark.parametrize(
    "name,content",
    [
        ("scan.jpg", b"%PDF-1.7 not a photo at all"),
        ("evil.png", b"<script>alert(1)</script>"),
        ("anim.png", b"GIF89a" + b"\x00" * 20),
        ("empty.jpg", b""),
    ],
)
def test_a_file_that_is_not_an_image_is_refused_by_its_content(
    hexi, center, checklist, photo, name, content
):
    before = counts()
    with pytest.raises(ValidationError) as exc:
        inspect(
            hexi,
            center,
            checklist,
            {"a": "pass", "b": "pass", "c": "pass", "d": "pass"},
            photos=[("c", photo(name, content, "image/png"))],
        )
    assert name in exc.value.message_dict["photos"][0]
    assert counts() == before


def _encoded(fmt: str) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 6), (200, 30, 30)).save(out, fmt)
    return out.getvalue()


def test_webp_and_jpeg_are_accepted(hexi, center, checklist, photo):
    webp, jpeg = _encoded("WEBP"), _encoded("JPEG")
    done = inspect(
        hexi,
        center,
        checklist,
        {"a": "pass", "b": "pass", "c": "pass", "d": "pass"},
        photos=[("c", photo("a.webp", webp, "image/webp")), ("c", photo("b.jpg", jpeg))],
    )
    assert done.photos.count() == 2


# --- follow-ups --------------------------------------------------------------------------------


def test_follow_ups_only_on_failed_items(hexi, center, checklist):
    before = counts()
    with pytest.raises(ValidationError) as exc:
        inspect(
            hexi,
            center,
            checklist,
            {"a": "pass", "b": "fail", "c": "na", "d": "pass"},
            follow_ups={"a": None},
        )
    assert "a" in exc.value.message_dict["follow_ups"][0]
    assert counts() == before
    done = inspect(
        hexi,
        center,
        checklist,
        {"a": "pass", "b": "fail", "c": "na", "d": "pass"},
        follow_ups={"b": date(2024, 6, 30)},
    )
    follow_up = FollowUp.objects.get()
    assert follow_up.inspection_item.inspection == done
    assert follow_up.inspection_item.item.code == "b"
    assert follow_up.description == "检查项B"  # no note on the item: its text
    assert (follow_up.status, follow_up.due_on) == ("open", date(2024, 6, 30))
    assert follow_up.region_path == center.region_path


def test_a_follow_up_cannot_be_due_before_the_inspection(hexi, center, checklist):
    with pytest.raises(ValidationError) as exc:
        inspect(
            hexi,
            center,
            checklist,
            {"a": "pass", "b": "fail", "c": "na", "d": "pass"},
            follow_ups={"b": DAY - timedelta(days=1)},
        )
    assert "follow_ups" in exc.value.message_dict


@pytest.fixture
def follow_up(hexi, center, checklist):
    inspect(
        hexi,
        center,
        checklist,
        {"a": "pass", "b": "fail", "c": "na", "d": "pass"},
        follow_ups={"b": date(2024, 6, 30)},
    )
    return FollowUp.objects.get()


def test_closing_a_follow_up(hexi, follow_up, login):
    client = login(hexi)
    page = client.get(f"/standards/follow-ups/{follow_up.pk}/close/")
    assert page.status_code == 200 and "检查项B" in page.content.decode()
    # A note is required, and the date cannot be in the future.
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = client.post(
        f"/standards/follow-ups/{follow_up.pk}/close/",
        {"closed_on": tomorrow.isoformat(), "closed_note": ""},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "请说明整改情况。" in html and "整改完成日期不能晚于今天。" in html
    follow_up.refresh_from_db()
    assert follow_up.status == "open"

    response = client.post(
        f"/standards/follow-ups/{follow_up.pk}/close/",
        {"closed_on": "2024-06-20", "closed_note": "标识已更换"},
    )
    assert response.status_code == 302
    follow_up.refresh_from_db()
    assert (follow_up.status, follow_up.closed_on, follow_up.closed_note) == (
        "closed",
        date(2024, 6, 20),
        "标识已更换",
    )
    assert AuditLog.objects.filter(action="close_follow_up", target_id=str(follow_up.pk)).exists()
    # Closing twice is refused (the service's conditional update).
    with pytest.raises(ValidationError):
        services.close_follow_up(hexi, follow_up, date(2024, 6, 21), "再次关闭")


def test_a_follow_up_is_not_closed_before_it_was_opened(hexi, follow_up, login):
    response = login(hexi).post(
        f"/standards/follow-ups/{follow_up.pk}/close/",
        {"closed_on": "2024-05-01", "closed_note": "已整改"},
    )
    assert "整改完成日期不能早于检查日期 2024-05-10。" in response.content.decode()
    follow_up.refresh_from_db()
    assert follow_up.status == "open"


def test_the_read_only_inspector_and_other_districts_cannot_close(
    inspector, nankai, follow_up, login
):
    url = f"/standards/follow-ups/{follow_up.pk}/close/"
    assert login(inspector).get(url).status_code == 403
    assert (
        login(inspector).post(url, {"closed_on": "2024-06-01", "closed_note": "x"}).status_code
        == 403
    )
    assert (
        login(nankai).post(url, {"closed_on": "2024-06-01", "closed_note": "x"}).status_code == 404
    )
    follow_up.refresh_from_db()
    assert follow_up.status == "open"


def test_follow_up_list_filters_and_scope(hexi, nankai, city, follow_up, login):
    follow_up.center.name = "河西整改中心"
    follow_up.center.save()
    other = make_center(region(NANKAI_VILLAGE), name="南开整改中心")
    inspection = Inspection.objects.create(
        center=other,
        region_path=other.region_path,
        checklist=follow_up.inspection_item.inspection.checklist,
        inspected_on=DAY,
        score=Decimal("50"),
        passed=False,
        signature="x",
    )
    item = InspectionItem.objects.create(
        inspection=inspection, item=follow_up.inspection_item.item, result="fail"
    )
    FollowUp.objects.create(
        center=other, region_path=other.region_path, inspection_item=item, description="南开问题"
    )
    mine = login(hexi).get("/standards/follow-ups/").content.decode()
    assert "检查项B" in mine and "南开问题" not in mine
    everything = login(city).get("/standards/follow-ups/").content.decode()
    assert "检查项B" in everything and "南开问题" in everything
    hexi_only = login(city).get("/standards/follow-ups/?district=120103000000").content.decode()
    assert "检查项B" in hexi_only and "南开问题" not in hexi_only
    # open by default; closed ones under their filter
    services.close_follow_up(hexi, follow_up, date(2024, 6, 1), "已整改")
    assert "检查项B" not in login(hexi).get("/standards/follow-ups/").content.decode()
    closed = login(hexi).get("/standards/follow-ups/?status=closed").content.decode()
    assert "检查项B" in closed and "已整改" in closed
    # nankai's own list never shows 河西
    theirs = login(nankai).get("/standards/follow-ups/?status=").content.decode()
    assert "南开问题" in theirs and "河西整改中心" not in theirs


# --- the 规范使用 level --------------------------------------------------------------------------


def test_use_level_record_is_compliant_only_while_the_center_is_in_use(hexi, checklist):
    center = make_center(region(HEXI_VILLAGE), status=CenterStatus.IN_USE)
    CenterStatusPeriod.objects.create(
        center=center,
        status=CenterStatus.RENOVATING,
        valid_from=date(2019, 1, 1),
        valid_to=date(2020, 1, 1),
    )
    CenterStatusPeriod.objects.create(
        center=center, status=CenterStatus.IN_USE, valid_from=date(2020, 1, 1)
    )
    results = {"a": "pass", "b": "pass", "c": "na", "d": "pass"}
    during = inspect(hexi, center, checklist, results, day=date(2019, 6, 1))
    after = inspect(hexi, center, checklist, results, day=date(2020, 6, 1))
    failed = inspect(hexi, center, checklist, results | {"a": "fail"}, day=date(2020, 7, 1))
    assert during.passed and after.passed and not failed.passed
    records = {
        r.inspection_id: r for r in LevelRecord.objects.filter(center=center, level=Level.USE)
    }
    assert len(records) == 3
    assert records[during.pk].compliant is False
    assert records[during.pk].note == "中心当日未在使用"
    assert records[after.pk].compliant is True
    assert records[after.pk].effective_on == date(2020, 6, 1)
    assert records[after.pk].score == after.score
    assert records[after.pk].source == "inspection"
    assert records[failed.pk].compliant is False


def test_a_checklist_not_in_force_that_day_is_refused(hexi, center, checklist):
    with pytest.raises(ValidationError) as exc:
        inspect(
            hexi,
            center,
            checklist,
            {"a": "pass", "b": "pass", "c": "na", "d": "pass"},
            day=date(2018, 6, 1),
        )
    assert "checklist" in exc.value.message_dict


# --- who may inspect -----------------------------------------------------------------------------


def test_the_inspector_role_may_record_inspections_in_its_scope(inspector, center, checklist):
    """Read-only for the registry, but inspecting is its job (INSPECT scope)."""
    done = inspect(inspector, center, checklist, {"a": "pass", "b": "pass", "c": "na", "d": "pass"})
    assert done.inspector == inspector
    assert Inspection.objects.visible_to(inspector).filter(pk=done.pk).exists()
    # ... but still may not edit the registry
    with pytest.raises(PermissionDenied):
        services.assess_area(inspector, center)


@pytest.mark.parametrize("who", ["nankai", "norole", "resident"])
def test_outside_the_scope_no_inspection(request, who, center, checklist):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        inspect(user, center, checklist, {"a": "pass", "b": "pass", "c": "na", "d": "pass"})
    assert not Inspection.objects.exists()


def test_center_staff_may_inspect_their_own_center(center_staff, center, checklist):
    done = inspect(
        center_staff, center, checklist, {"a": "pass", "b": "pass", "c": "na", "d": "pass"}
    )
    assert done.pk


# --- the page --------------------------------------------------------------------------------


def form_data(checklist, day=DAY, **fields):
    data = {"checklist": checklist.pk, "inspected_on": day.isoformat(), "signature": "王检查"}
    for item in checklist.items.all():
        data[f"r_{item.code}"] = "pass"
        data[f"n_{item.code}"] = ""
    return data | fields


def test_inspect_page_is_made_for_a_phone(hexi, center, checklist, login):
    html = login(hexi).get(f"/centers/{center.pk}/inspect/?checklist={checklist.pk}")
    html = html.content.decode()
    assert 'name="viewport"' in html
    assert 'type="radio" class="btn-check" name="r_a"' in html
    # a photo input only where evidence is needed, opening the camera
    assert 'name="p_c"' in html and 'name="p_a"' not in html
    assert 'accept="image/*"' in html and 'capture="environment"' in html
    assert 'name="f_b"' in html and 'name="d_b"' in html  # 发起整改 + due date
    assert 'name="signature"' in html
    assert 'enctype="multipart/form-data"' in html
    assert f'value="{timezone.localdate().isoformat()}"' in html  # today by default


def test_inspect_page_defaults_to_the_checklist_in_force(hexi, center, login):
    from lianxin.centers.models import Checklist

    html = login(hexi).get(f"/centers/{center.pk}/inspect/").content.decode()
    in_force = Checklist.objects.in_force(timezone.localdate())
    assert f'<option value="{in_force.pk}" selected>' in html


def test_inspect_through_the_page(hexi, center, checklist, photo, login):
    data = form_data(
        checklist,
        r_b="fail",
        n_b="标识褪色",
        f_b="on",
        d_b="2024-06-30",
        r_c="pass",
        p_c=photo(),
    )
    response = login(hexi).post(f"/centers/{center.pk}/inspect/", data)
    inspection = Inspection.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/standards/inspections/{inspection.pk}/"
    assert inspection.score == Decimal("85.7")  # (3 + 1 + 2) / 7
    assert inspection.passed and inspection.signature == "王检查"
    follow_up = FollowUp.objects.get()
    assert follow_up.description == "标识褪色" and follow_up.due_on == date(2024, 6, 30)
    detail = login(hexi).get(response["Location"]).content.decode()
    assert "85.7" in detail and "王检查" in detail and "标识褪色" in detail
    photo_id = inspection.photos.get().pk
    assert f"/standards/photos/{photo_id}/" in detail
    assert "/media/" not in detail


def test_errors_are_shown_per_field_in_chinese_and_nothing_is_saved(
    hexi, center, checklist, photo, login
):
    before, audits = counts(), AuditLog.objects.count()
    data = form_data(
        checklist,
        signature="",
        n_a="门口标识已更新",
        r_c="pass",  # no photo
        r_d="fail",
        f_d="on",
        d_d="2024-01-01",  # before the inspection
        p_c=photo("fake.jpg", b"not an image"),
    )
    del data["r_b"]
    response = login(hexi).post(f"/centers/{center.pk}/inspect/", data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "未保存" in html
    assert "请签名（填写检查人姓名）。" in html
    assert "请选择检查结果。" in html  # item b
    assert "“fake.jpg”不是 JPEG、PNG 或 WebP 图片，或图片已损坏。" in html
    assert "整改期限不能早于检查日期。" in html
    assert "已选择的照片需要重新选择" in html
    # what was entered comes back
    assert 'value="门口标识已更新"' in html
    assert 'id="id_r_d_1" value="fail" autocomplete="off" checked' in html
    assert 'value="2024-01-01"' in html
    assert counts() == before and AuditLog.objects.count() == audits


def test_a_future_date_is_refused(hexi, center, checklist, login):
    tomorrow = timezone.localdate() + timedelta(days=1)
    data = form_data(checklist, day=tomorrow, r_c="na")
    html = login(hexi).post(f"/centers/{center.pk}/inspect/", data).content.decode()
    assert "检查日期不能晚于今天。" in html
    assert not Inspection.objects.exists()


def test_a_ticked_follow_up_on_a_passed_item_is_ignored_by_the_page(hexi, center, checklist, login):
    """The box only shows for a failed item; ticked before the result changed, it means nothing."""
    data = form_data(checklist, r_c="na", f_a="on", d_a="2024-06-30")
    assert login(hexi).post(f"/centers/{center.pk}/inspect/", data).status_code == 302
    assert not FollowUp.objects.exists()


def test_errors_in_english(hexi, center, checklist, login):
    from django.conf import settings

    client = login(hexi)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.post(
        f"/centers/{center.pk}/inspect/", form_data(checklist, signature="")
    ).content.decode()
    assert "Please sign (enter the name of the inspector)." in html
    assert "A photo as evidence is required to mark it as passed." in html


@pytest.mark.parametrize(
    "who,status",
    [("inspector", 200), ("center_staff", 200), ("nankai", 404), ("norole", 404)],
)
def test_who_gets_the_inspect_page(request, who, status, center, checklist, login):
    user = request.getfixturevalue(who)
    assert login(user).get(f"/centers/{center.pk}/inspect/").status_code == status


def test_inspector_records_through_the_page(inspector, center, checklist, login):
    response = login(inspector).post(
        f"/centers/{center.pk}/inspect/", form_data(checklist, r_c="na")
    )
    assert response.status_code == 302
    assert Inspection.objects.get().inspector == inspector


def test_history_per_center(hexi, center, checklist, login):
    inspect(hexi, center, checklist, {"a": "pass", "b": "pass", "c": "na", "d": "pass"})
    inspect(
        hexi,
        center,
        checklist,
        {"a": "fail", "b": "pass", "c": "na", "d": "pass"},
        day=date(2024, 6, 1),
    )
    html = login(hexi).get(f"/centers/{center.pk}/inspections/").content.decode()
    assert html.index("2024-06-01") < html.index("2024-05-10")  # newest first
    assert "50" in html and "100" in html


# --- photos ----------------------------------------------------------------------------------


@pytest.fixture
def evidence(hexi, center, checklist, photo):
    done = inspect(
        hexi,
        center,
        checklist,
        {"a": "pass", "b": "pass", "c": "pass", "d": "pass"},
        photos=[("c", photo())],
    )
    return done.photos.get()


def test_photos_are_served_to_the_centers_scope(hexi, inspector, city, evidence, login):
    for user in (hexi, inspector, city):
        response = login(user).get(f"/standards/photos/{evidence.pk}/")
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content) == PNG


def test_photos_are_not_readable_from_another_district(nankai, norole, resident, evidence, login):
    url = f"/standards/photos/{evidence.pk}/"
    assert login(nankai).get(url).status_code == 404
    assert login(norole).get(url).status_code == 404
    assert login(resident).get(url)["Location"].startswith("/me/")
    assert login(None).get(url)["Location"].startswith("/login/")


def test_photos_are_not_under_a_public_url(client, evidence):
    from django.conf import settings

    assert client.get(f"/{settings.MEDIA_URL}{evidence.image.name}").status_code == 404


def test_a_file_that_only_starts_like_an_image_is_refused(hexi, center, checklist, photo):
    before = counts()
    truncated = _encoded("PNG")[:40]  # the PNG signature and header, no pixels
    with pytest.raises(ValidationError) as exc:
        inspect(
            hexi,
            center,
            checklist,
            {"a": "pass", "b": "pass", "c": "pass", "d": "pass"},
            photos=[("c", photo("cut.png", truncated))],
        )
    assert "“cut.png”不是 JPEG、PNG 或 WebP 图片，或图片已损坏。" in exc.value.messages
    assert counts() == before
