"""The window's workbench page: one queue in scope ordered by deadline, its filters, sorting,
paging, colours for overdue and due today, counts by status, and the export with masked IDs."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import openpyxl
import pytest
from django.utils import timezone

from lianxin.core.tests.factories import HEXI_VILLAGE, HEXI_VILLAGE_2, NANKAI_VILLAGE
from lianxin.services import services
from lianxin.services.tests import factories as f

URL = "/services/workbench/"


@pytest.fixture
def item(db):
    return f.item(materials=(), name="老年证办理")


@pytest.fixture
def hexi_center(region):
    return f.center_of(region(HEXI_VILLAGE))


@pytest.fixture
def nankai_center(region):
    return f.center_of(region(NANKAI_VILLAGE))


def numbers(body: str) -> list[str]:
    return re.findall(r'data-application="(\d+)"', body)


def test_the_queue_is_in_scope_and_ordered_by_deadline(
    hexi, login, item, hexi_center, nankai_center
):
    today = timezone.localdate()
    later = f.application(hexi_center, item_obj=item, applicant_name="后到期", now=f.at(today))
    sooner = f.application(
        hexi_center, item_obj=item, applicant_name="先到期", now=f.at(today - timedelta(days=3))
    )
    theirs = f.application(nankai_center, item_obj=item, applicant_name="南开申请人")
    body = login(hexi).get(URL).content.decode()
    assert numbers(body) == [str(sooner.pk), str(later.pk)]
    assert "南开申请人" not in body and str(theirs.number) not in body


def test_residents_and_strangers_are_sent_away(resident, login):
    response = login(resident).get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/me/")
    response = login(None).get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_filters_by_status_item_channel_and_search(hexi, login, item, hexi_center):
    other = f.item(materials=(), name="低保申请")
    a = f.application(hexi_center, item_obj=item, applicant_name="甲居民")
    b = f.application(hexi_center, item_obj=other, applicant_name="乙居民")
    services.transition(f.root(), b, "accepted")
    client = login(hexi)

    def shown(query):
        return set(numbers(client.get(URL + query).content.decode()))

    assert shown("?status=accepted") == {str(b.pk)}
    assert shown("?status=submitted") == {str(a.pk)}
    assert shown(f"?item={other.pk}") == {str(b.pk)}
    assert shown("?q=甲居") == {str(a.pk)}
    assert shown(f"?q={b.number}") == {str(b.pk)}
    assert shown("?channel=online") == set()
    assert shown("?status=nonsense") == {str(a.pk), str(b.pk)}  # unknown → the open queue


def test_counts_by_status_at_the_top(hexi, login, item, hexi_center):
    a = f.application(hexi_center, item_obj=item)
    f.application(hexi_center, item_obj=item)
    services.transition(f.root(), a, "accepted")
    body = login(hexi).get(URL).content.decode()
    counts = dict(re.findall(r'data-status-count="(\w+)">[^<]*<span[^>]*>(\d+)</span>', body))
    assert counts["open"] == "2" and counts["submitted"] == "1" and counts["accepted"] == "1"


def test_overdue_colours(hexi, login, item, hexi_center):
    today = timezone.localdate()
    grave = f.application(hexi_center, item_obj=item, now=f.at(today - timedelta(days=60)))
    fresh = f.application(hexi_center, item_obj=item, now=f.at(today))
    body = login(hexi).get(URL).content.decode()
    row = re.search(rf'<tr data-application="{grave.pk}" data-overdue="(\d)"([^>]*)>', body)
    assert row.group(1) == "3" and "table-danger" in row.group(2)
    row = re.search(rf'<tr data-application="{fresh.pk}" data-overdue="(\d)"([^>]*)>', body)
    assert row.group(1) == "0" and "table-danger" not in row.group(2)
    assert set(numbers(login(hexi).get(URL + "?overdue=3").content.decode())) == {str(grave.pk)}


def test_sorting_and_paging(hexi, login, item, region):
    center = f.center_of(region(HEXI_VILLAGE_2))
    made = [f.application(center, item_obj=item, applicant_name=f"居民{i:02d}") for i in range(11)]
    client = login(hexi)
    first = client.get(URL + "?per_page=10")
    body = first.content.decode()
    assert len(numbers(body)) == 10 and 'data-count="11"' in body
    second = numbers(client.get(URL + "?per_page=10&page=2").content.decode())
    assert len(second) == 1
    newest_first = numbers(client.get(URL + "?sort=-number&per_page=50").content.decode())
    assert newest_first == [str(a.pk) for a in sorted(made, key=lambda a: a.number, reverse=True)]
    # A sort link replaces the sort in force (it used to append one more sort= each click).
    body = client.get(URL + "?sort=-submitted&status=all&per_page=10&page=2").content.decode()
    links = re.findall(r'aria-sort="\w+"><a href="\?([^"]*)"', body.replace("&amp;", "&"))
    assert len(links) == 5 and all(link.count("sort=") == 1 for link in links)
    assert all("status=all" in link and not re.search(r"(^|&)page=", link) for link in links)
    assert "sort=submitted" in " ".join(links)  # the column sorted descending flips


def test_htmx_returns_the_queue_alone(hexi, login, item, hexi_center):
    f.application(hexi_center, item_obj=item)
    body = login(hexi).get(URL, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="queue-table"' in body and "<html" not in body


def test_export_opens_and_masks_id_numbers(hexi, login, item, hexi_center, nankai_center):
    f.application(hexi_center, item_obj=item, applicant_name="导出居民")
    f.application(nankai_center, item_obj=item, applicant_name="南开居民")
    response = login(hexi).get("/services/workbench/export.xlsx?status=all")
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    rows = [[c for c in r] for r in sheet.iter_rows(values_only=True)]
    text = "\n".join(str(c) for r in rows for c in r if c is not None)
    assert rows[0][0] == "办件编号"
    assert "导出居民" in text and "南开居民" not in text
    assert f.ID_NUMBER not in text and f.PHONE not in text
    assert f.ID_NUMBER[:6] + "********" + f.ID_NUMBER[-4:] in text
