"""Reporting a milestone's progress from a phone: the form, photos, bad photos and bad input
(nothing half-written), the photos served only within scope."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from lianxin.campaign.models import Health, Milestone, ProgressPhoto, ProgressReport
from lianxin.core.tests.factories import HEXI_VILLAGE
from lianxin.core.workdays import calendar

from . import factories as f
from .plan_helpers import png, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def milestone(region):
    return f.plan(region(HEXI_VILLAGE)).milestones.order_by("sort").first()


def _url(m):
    return f"/campaign/milestones/{m.pk}/progress/"


def _nothing_written(m, reports=0):
    m.refresh_from_db()
    assert ProgressReport.objects.filter(milestone=m).count() == reports
    assert ProgressPhoto.objects.count() == 0
    assert m.progress == 0 and m.completed_on is None


def test_the_form_is_made_for_a_phone(milestone, street_staff, login):
    html = login(street_staff).get(_url(milestone)).content.decode()
    photo_input = re.search(r'<input type="file"[^>]*>', html).group(0)
    assert 'accept="image/*"' in photo_input and "capture" in photo_input
    assert "multiple" in photo_input and 'name="photos"' in photo_input
    assert 'name="viewport"' in html and 'inputmode="numeric"' in html
    assert 'enctype="multipart/form-data"' in html
    assert milestone.label in html


def test_report_with_photos(milestone, street_staff, hexi, nankai, login):
    client = login(street_staff)
    today = timezone.localdate()
    response = client.post(
        _url(milestone),
        {
            "progress": "40",
            "reported_on": today.isoformat(),
            "note": "方案已报审",
            "photos": [upload("a.png"), upload("b.png")],
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/campaign/plans/{milestone.plan_id}/#schedule"
    milestone.refresh_from_db()
    assert milestone.progress == 40 and milestone.completed_on is None
    report = ProgressReport.objects.get(milestone=milestone)
    assert report.reported_by == street_staff and report.note == "方案已报审"
    photos = list(report.photos.all())
    assert len(photos) == 2

    page = client.get(response["Location"]).content.decode()
    assert "方案已报审" in page
    assert f"/campaign/photos/progress/{photos[0].pk}/" in page
    served = login(hexi).get(f"/campaign/photos/progress/{photos[0].pk}/")
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content) == png()
    assert login(nankai).get(f"/campaign/photos/progress/{photos[0].pk}/").status_code == 404
    assert login(hexi).get(f"/campaign/photos/other/{photos[0].pk}/").status_code == 404


def test_hundred_percent_completes_the_milestone(milestone, street_staff, login):
    day = timezone.localdate() - timedelta(days=1)
    login(street_staff).post(_url(milestone), {"progress": "100", "reported_on": day.isoformat()})
    milestone.refresh_from_db()
    assert milestone.progress == 100 and milestone.completed_on == day


def test_a_file_that_is_not_an_image(milestone, street_staff, login):
    response = login(street_staff).post(
        _url(milestone),
        {
            "progress": "50",
            "reported_on": timezone.localdate().isoformat(),
            "photos": [upload("a.png"), upload("notes.png", b"%PDF-1.4 not an image", "image/png")],
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    error = re.search(r'data-error="photos">([^<]*)<', html).group(1)
    assert "notes.png" in error and "不是" in error
    assert "需要重新选择" in html
    _nothing_written(milestone)


def test_a_photo_over_ten_megabytes(milestone, street_staff, login):
    big = png() + b"\0" * (10 * 1024 * 1024)
    response = login(street_staff).post(
        _url(milestone),
        {
            "progress": "50",
            "reported_on": timezone.localdate().isoformat(),
            "photos": [upload("big.png", big)],
        },
    )
    assert response.status_code == 200
    assert "超过 10 MB" in re.search(
        r'data-error="photos">([^<]*)<', response.content.decode()
    ).group(1)
    _nothing_written(milestone)


@pytest.mark.parametrize(
    "data,field,message",
    [
        ({"progress": "150"}, "progress", "0 至 100"),
        ({"progress": "-1"}, "progress", "0 至 100"),
        ({"progress": "abc"}, "progress", "0 至 100"),
        ({"progress": ""}, "progress", "请填写进度"),
        ({"progress": "10", "reported_on": "2999-01-01"}, "reported_on", "不能晚于今天"),
    ],
)
def test_bad_input_is_refused_beside_the_field(
    milestone, street_staff, login, data, field, message
):
    data = {"reported_on": timezone.localdate().isoformat()} | data
    html = login(street_staff).post(_url(milestone), data).content.decode()
    assert message in html
    assert re.search(
        rf'name="{field}"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*name="{field}"', html
    )
    _nothing_written(milestone)


def test_too_many_photos(milestone, street_staff, login):
    html = (
        login(street_staff)
        .post(
            _url(milestone),
            {
                "progress": "10",
                "reported_on": timezone.localdate().isoformat(),
                "photos": [upload(f"{i}.png") for i in range(10)],
            },
        )
        .content.decode()
    )
    assert "最多上传 9 张" in html
    _nothing_written(milestone)


def test_progress_recolours_the_plan(region, street_staff, login):
    """A plan whose first milestone is late is red; reporting it done turns it back."""
    deadline = calendar().add_working_days(timezone.localdate(), 40)
    plan = f.plan(region(HEXI_VILLAGE), deadline=deadline)
    assert plan.health == Health.RED
    client = login(street_staff)
    today = timezone.localdate().isoformat()
    for m in plan.milestones.filter(due_on__lt=timezone.localdate()):
        client.post(_url(m), {"progress": "100", "reported_on": today})
    plan.refresh_from_db()
    assert plan.health != Health.RED


def test_read_only_and_other_districts(milestone, inspector, nankai, center_staff, login):
    assert login(inspector).get(_url(milestone)).status_code == 403
    assert login(nankai).get(_url(milestone)).status_code == 404
    response = login(inspector).post(_url(milestone), {"progress": "10"})
    assert response.status_code == 403
    # Center staff work on their own site (九江路社区).
    assert login(center_staff).get(_url(milestone)).status_code == 200
    _nothing_written(milestone)
    assert Milestone.objects.filter(pk=milestone.pk, progress=0).exists()
