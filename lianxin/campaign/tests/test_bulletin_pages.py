"""工作通报 pages and API: the preview from live data, issuing, the archive, an issued bulletin drawn
from its frozen figures, and the .docx served exactly as stored."""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta
from urllib.parse import quote

import pytest
from django.utils import timezone

from lianxin.campaign.models import Bulletin, Plan
from lianxin.campaign.services.bulletins import document_number
from lianxin.campaign.views_bulletins import preset_period
from lianxin.core.models import AuditLog

from . import factories as f
from .test_bulletins import END, HEXI, ISSUED, NANKAI, START, situation  # noqa: F401

PREVIEW = "/campaign/bulletins/preview/"
MAY = f"start={START}&end={END}"


def _params(campaign, code="120000", extra=MAY):
    return f"?campaign={campaign.pk}&region={code}&{extra}"


def _issue_post(client, campaign, code="120000", **extra):
    data = {"campaign": campaign.pk, "region": code, "start": str(START), "end": str(END)}
    data["issued_on"] = str(ISSUED)
    return client.post("/campaign/bulletins/issue/", data | extra)


def _body(response):
    return response.content.decode()


# -- preview -------------------------------------------------------------------------------------


def test_city_previews_may(situation, city, login):  # noqa: F811
    response = login(city).get(PREVIEW + _params(situation))
    assert response.status_code == 200
    body = _body(response)
    today = timezone.localdate()
    assert "中共天津市委组织部" in body and "工作通报" in body
    assert document_number(f.campaign().region, today.year, 1) in body
    assert "关于测试攻坚工作进展情况的通报" in body
    assert 'data-code="120103000000"' in body and 'data-code="120104000000"' in body
    assert "44.4%" in body and "各区委组织部：" in body
    assert "vendor/echarts/echarts.min.js" in body and 'id="bulletin-chart"' in body
    chart = json.loads(body.split('id="bulletin-chart" type="application/json">')[1].split("<")[0])
    assert chart["labels"] == ["河西", "和平", "南开"] and chart["values"] == [50.0, 50.0, 33.3]
    assert chart["average"] == 44.4
    assert 'id="bl-issue"' in body  # the city may issue it


def test_default_period_is_this_week_so_far(situation, city, login):  # noqa: F811
    today = timezone.localdate()
    body = _body(login(city).get(PREVIEW))
    monday = today - timedelta(days=today.weekday())
    assert f'value="{monday:%Y-%m-%d}"' in body and f'value="{today:%Y-%m-%d}"' in body
    assert "天津市" in body


@pytest.mark.parametrize(
    "preset,expected",
    [
        ("week", (date(2026, 11, 23), date(2026, 11, 26))),
        ("last_week", (date(2026, 11, 16), date(2026, 11, 22))),
        ("month", (date(2026, 11, 1), date(2026, 11, 26))),
        ("last_month", (date(2026, 10, 1), date(2026, 10, 31))),
        ("", (date(2026, 11, 23), date(2026, 11, 26))),
    ],
)
def test_preset_periods(preset, expected):
    assert preset_period(preset, date(2026, 11, 26)) == expected  # a Thursday


def test_a_preset_link_sets_the_period(situation, city, login):  # noqa: F811
    body = _body(login(city).get(PREVIEW + _params(situation, extra="preset=last_month")))
    start, end = preset_period("last_month", timezone.localdate())
    assert f'value="{start:%Y-%m-%d}"' in body and f'value="{end:%Y-%m-%d}"' in body


def test_a_district_previews_its_streets(situation, hexi, login):  # noqa: F811
    body = _body(login(hexi).get(PREVIEW + "?" + MAY))  # the district is the default region
    assert "中共天津市河西区委组织部" in body and "各街道（乡镇）党（工）委：" in body
    assert 'data-code="120103001000"' in body and 'data-code="120104000000"' not in body


@pytest.mark.parametrize(
    "extra,message",
    [
        ("start=2019-05-31&end=2019-05-01", "通报期止不能早于通报期起"),
        ("start=2019-05-01&end=2099-05-31", "通报期止不能晚于今天"),
        ("start=2019-13-01&end=2019-05-31", "不是有效的日期"),
    ],
)
def test_bad_periods_are_explained_and_cannot_be_issued(situation, city, login, extra, message):  # noqa: F811
    response = login(city).get(PREVIEW + _params(situation, extra=extra))
    assert response.status_code == 200
    body = _body(response)
    assert message in body and "data-errors" in body
    assert 'id="bl-issue"' not in body


def test_preview_outside_the_scope_is_404(situation, hexi, login):  # noqa: F811
    client = login(hexi)
    assert client.get(PREVIEW + _params(situation, NANKAI)).status_code == 404
    assert client.get(PREVIEW + _params(situation, "120000")).status_code == 404
    assert client.get(PREVIEW + _params(situation, "nonsense")).status_code == 404


def test_read_only_roles_preview_but_do_not_issue(situation, inspector, login):  # noqa: F811
    body = _body(login(inspector).get(PREVIEW + _params(situation, HEXI)))
    assert "中共天津市河西区委组织部" in body and 'id="bl-issue"' not in body


def test_street_staff_have_no_unit_to_report_on(situation, street_staff, login):  # noqa: F811
    body = _body(login(street_staff).get(PREVIEW))
    assert "没有可以生成通报的市或区" in body
    body = _body(login(street_staff).get(PREVIEW + _params(situation, "120103001000")))
    assert "只能为市或区生成工作通报" in body and 'id="bl-issue"' not in body


# -- issuing -------------------------------------------------------------------------------------


def test_city_issues_and_lands_on_the_bulletin(situation, city, login):  # noqa: F811
    client = login(city)
    response = _issue_post(client, situation)
    b = Bulletin.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/campaign/bulletins/{b.pk}/"
    assert b.number == "津组通〔2019〕1号" and b.issued_by == city
    body = _body(client.get(response["Location"]))
    assert "津组通〔2019〕1号" in body and b.sha256 in body and "44.4%" in body
    assert 'data-code="120103000000"' in body and f"/campaign/bulletins/{b.pk}.docx" in body


def test_issue_with_a_title_and_issuer(situation, city, login):  # noqa: F811
    _issue_post(login(city), situation, title="五月通报", issuer="市攻坚办")
    b = Bulletin.objects.get()
    assert (b.title, b.issuer) == ("五月通报", "市攻坚办")


@pytest.mark.parametrize(
    "extra,message",
    [
        ({"end": "2019-04-01"}, "通报期止不能早于通报期起"),
        ({"issued_on": "2019-05-02"}, "成文日期不能早于通报期止"),
        ({"issued_on": "yesterday"}, "成文日期不是有效的日期"),
        ({"start": ""}, "请填写通报期起"),
    ],
)
def test_bad_issue_goes_back_with_the_reason(situation, city, login, extra, message):  # noqa: F811
    client = login(city)
    before = (Bulletin.objects.count(), AuditLog.objects.count())
    response = _issue_post(client, situation, **extra)
    assert response.status_code == 302 and response["Location"].startswith(PREVIEW)
    assert (Bulletin.objects.count(), AuditLog.objects.count()) == before
    assert message in _body(client.get(response["Location"]))


def test_issue_refused_outside_the_scope_or_read_only(situation, hexi, inspector, login):  # noqa: F811
    assert _issue_post(login(hexi), situation, NANKAI).status_code == 404
    assert _issue_post(login(inspector), situation, HEXI).status_code == 403
    assert login(hexi).get("/campaign/bulletins/issue/").status_code == 405
    assert Bulletin.objects.count() == 0


# -- an issued bulletin --------------------------------------------------------------------------


def _issued(situation, city, login):  # noqa: F811
    _issue_post(login(city), situation)
    return Bulletin.objects.get()


def test_the_page_shows_the_frozen_figures(situation, city, login):  # noqa: F811
    b = _issued(situation, city, login)
    Plan.objects.filter(center__region__code="120101001002").update(signed_off_on=date(2019, 5, 30))
    body = _body(login(city).get(f"/campaign/bulletins/{b.pk}/"))
    assert "44.4%" in body and "55.6%" not in body
    preview = _body(login(city).get(PREVIEW + _params(situation)))
    assert "55.6%" in preview  # the live figures moved; the archive did not


def test_download_is_the_stored_file(situation, city, login):  # noqa: F811
    b = _issued(situation, city, login)
    response = login(city).get(f"/campaign/bulletins/{b.pk}.docx")
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    with b.document.open("rb") as fh:
        assert content == fh.read()
    assert hashlib.sha256(content).hexdigest() == b.sha256 == response["X-Content-SHA256"]
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="bulletin-120000000000-2019-001.docx"')
    assert "filename*=UTF-8''" + quote(f"{b.number}{b.title}.docx", safe="") in disposition


def test_other_districts_bulletins_are_404(situation, city, hexi, nankai, login):  # noqa: F811
    city_bulletin = _issued(situation, city, login)
    _issue_post(login(hexi), situation, HEXI)
    hexi_bulletin = Bulletin.objects.get(region__code="120103000000")
    for url in (
        f"/campaign/bulletins/{city_bulletin.pk}/",
        f"/campaign/bulletins/{city_bulletin.pk}.docx",
    ):
        # The city's bulletin is addressed to every district: both read it.
        assert login(hexi).get(url).status_code == 200
        assert login(nankai).get(url).status_code == 200
    for url in (
        f"/campaign/bulletins/{hexi_bulletin.pk}/",
        f"/campaign/bulletins/{hexi_bulletin.pk}.docx",
    ):
        assert login(nankai).get(url).status_code == 404
        assert login(hexi).get(url).status_code == 200
        assert login(city).get(url).status_code == 200


def test_a_bulletin_without_figures_still_shows(hexi, region, login):
    b = f._bulletin(region("120103001001"))
    body = _body(login(hexi).get(f"/campaign/bulletins/{b.pk}/"))
    assert "矩阵〔2019〕1号" in body and "没有存档的正文数据" in body


# -- the archive ---------------------------------------------------------------------------------


def test_archive_filters_and_pages(situation, city, hexi, region, login):  # noqa: F811
    _issue_post(login(city), situation)
    _issue_post(login(hexi), situation, HEXI)
    for _ in range(22):
        f._bulletin(region("120103001001"))
    client = login(city)
    body = _body(client.get("/campaign/bulletins/"))
    assert body.count("data-bulletin=") == 20 and 'rel="next"' in body
    assert 'data-count="24"' in body
    page2 = _body(client.get("/campaign/bulletins/?page=2"))
    assert page2.count("data-bulletin=") == 4
    by_region = _body(client.get("/campaign/bulletins/?region=120103000000"))
    assert by_region.count("data-bulletin=") == 1 and "河西组通〔2019〕1号" in by_region
    by_year = _body(client.get("/campaign/bulletins/?year=2019&region=120000000000"))
    assert by_year.count("data-bulletin=") == 1 and "津组通〔2019〕1号" in by_year
    assert _body(client.get("/campaign/bulletins/?year=2018")).count("data-bulletin=") == 0
    # The district sees its own and the city's (addressed to it), none of another district's.
    assert 'data-count="24"' in _body(login(hexi).get("/campaign/bulletins/"))
    # Paging keeps the filters.
    filtered = _body(client.get("/campaign/bulletins/?region=120103001001"))
    assert 'href="?region=120103001001&page=2"' in filtered


# -- API -----------------------------------------------------------------------------------------

API = "/api/v1/campaign/bulletins"


def test_api_issue_read_and_download(situation, city, login):  # noqa: F811
    client = login(city)
    payload = {
        "campaign": situation.pk,
        "region": "120000",
        "period_start": str(START),
        "period_end": str(END),
        "issued_on": str(ISSUED),
    }
    response = client.post(API, payload, content_type="application/json")
    assert response.status_code == 201, response.content
    out = response.json()
    assert out["number"] == "津组通〔2019〕1号" and out["region"] == "120000000000"
    assert out["data"]["totals"]["completion_rate"] == 44.4
    b = Bulletin.objects.get(pk=out["id"])
    assert out["document_url"] == f"{API}/{b.pk}/document.docx"

    listed = client.get(API + "?year=2019").json()
    assert [x["id"] for x in listed] == [b.pk] and "data" not in listed[0]
    assert client.get(API + "?year=2020").json() == []
    detail = client.get(f"{API}/{b.pk}").json()
    assert detail["data"] == b.data and detail["sha256"] == b.sha256

    doc = client.get(out["document_url"])
    content = b"".join(doc.streaming_content)
    assert hashlib.sha256(content).hexdigest() == b.sha256
    assert "filename*=UTF-8''" in doc["Content-Disposition"]


def test_api_preview(situation, hexi, login):  # noqa: F811
    client = login(hexi)
    out = client.get(f"{API}/preview?region={HEXI}&start={START}&end={END}").json()
    assert out["region"] == HEXI and out["campaign"] == "test-campaign"
    assert out["issuable"] is True and out["errors"] == {}
    assert [r["code"] for r in out["data"]["rows"]] == ["120103001000", "120103002000"]
    assert out["number"].startswith("河西组通〔")
    assert client.get(f"{API}/preview?region={NANKAI}&start={START}&end={END}").status_code == 404
    bad = client.get(f"{API}/preview?region={HEXI}&start={END}&end={START}")
    assert bad.status_code == 422 and "period_end" in bad.json()["errors"]


def test_api_refusals(situation, hexi, inspector, login):  # noqa: F811
    def post(user, **kw):
        payload = {
            "campaign": situation.pk,
            "region": HEXI,
            "period_start": str(START),
            "period_end": str(END),
        } | kw
        return login(user).post(API, payload, content_type="application/json")

    assert post(hexi, region=NANKAI).status_code == 404
    assert post(inspector).status_code == 403
    bad = post(hexi, period_end="2099-01-01")
    assert bad.status_code == 422 and "period_end" in bad.json()["errors"]
    assert post(hexi, period_end="not a date").status_code == 422
    assert post(hexi, campaign=999999).status_code == 404
    assert Bulletin.objects.count() == 0
    assert login(None).get(API).status_code == 401
