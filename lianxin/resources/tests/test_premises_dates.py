"""Date inputs render ISO dates (what <input type=date> takes) in every language: editing a
premises in Chinese keeps its 可用日期, and the 配置日期 box on the detail page is filled."""

from __future__ import annotations

import datetime
import re
from html.parser import HTMLParser

import pytest

from lianxin.core.tests.factories import HEXI_VILLAGE
from lianxin.resources.models import Availability, Premises

from .factories_premises import make_premises

pytestmark = pytest.mark.django_db


class FormValues(HTMLParser):
    """What a browser would submit for the form with `id`: inputs' values, selected options,
    checked boxes, textareas."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id, self.inside, self.values = form_id, False, {}
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name:
            if a.get("type") == "checkbox":
                if "checked" in a:
                    self.values[name] = a.get("value") or "on"
            else:
                self.values[name] = a.get("value") or ""
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select] = a.get("value") or ""
        elif tag == "textarea":
            self._textarea = name
            self.values[name] = ""

    def handle_data(self, data):
        if self.inside and self._textarea:
            self.values[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def form_values(html: str, form_id: str) -> dict:
    parser = FormValues(form_id)
    parser.feed(html)
    return parser.values


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_edit_form_renders_iso_and_keeps_the_date(hexi, login, region, lang):
    obj = make_premises(
        region(HEXI_VILLAGE), code="HX-D1", available_from=datetime.date(2026, 12, 1)
    )
    client = login(hexi, HTTP_ACCEPT_LANGUAGE=lang)
    client.cookies["django_language"] = lang
    html = client.get(f"/resources/premises/{obj.pk}/edit/").content.decode()
    assert 'value="2026-12-01"' in html
    assert "2026/12/01" not in html
    data = form_values(html, "premises-form")
    assert data["available_from"] == "2026-12-01"
    response = client.post(f"/resources/premises/{obj.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    obj.refresh_from_db()
    assert obj.available_from == datetime.date(2026, 12, 1)
    assert obj.version == 1  # nothing changed, nothing written


def test_assign_date_box_is_iso_in_chinese(hexi, login, region):
    obj = make_premises(
        region(HEXI_VILLAGE),
        code="HX-D2",
        availability=Availability.RESERVED,
        reserved_on=datetime.date(2024, 5, 1),
    )
    client = login(hexi)
    html = client.get(f"/resources/premises/{obj.pk}/").content.decode()
    tag = re.search(r'<input[^>]*name="assigned_on"[^>]*>', html).group(0)
    assert 'type="date"' in tag
    today = re.search(r'value="([^"]*)"', tag).group(1)
    datetime.date.fromisoformat(today)  # ISO, not 2024/05/01
    response = client.post(f"/resources/premises/{obj.pk}/assign/", {"assigned_on": today})
    assert response.status_code == 302
    obj = Premises.objects.get(pk=obj.pk)
    assert obj.availability == Availability.ASSIGNED
    assert obj.assigned_on.isoformat() == today
