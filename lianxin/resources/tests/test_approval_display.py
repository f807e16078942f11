"""How a case reads: the banner follows the status (附条件通过 lists its conditions), the status
changes in 办理过程 are the system's on every case, an opinion's texts are joined without doubled
punctuation; the opinion form (以函代证 once, the other opinions in a compact table) and the
department's name in English."""

from __future__ import annotations

from datetime import date

import pytest

from lianxin.resources.queries_approvals import join_sentences, timeline
from lianxin.resources.services import approvals as svc

from .approval_helpers import *  # noqa: F403 (the fixtures)
from .approval_helpers import CODES

pytestmark = pytest.mark.django_db

DAY = date(2025, 6, 20)
CONDITION = "外立面统一标识按全市规范制作，比例 1:12。"


def _conclude(case, reviewers, *, conditions_from="housing"):
    for code in CODES:
        o = case.opinions.get(department__code=code)
        if code == conditions_from:
            svc.give_opinion(
                reviewers[code], o, "conditions", "原则同意。", conditions=CONDITION, today=DAY
            )
        else:
            svc.give_opinion(reviewers[code], o, "approve", today=DAY)
    case.refresh_from_db()
    return case


def _banner(page: str) -> str:
    start = page.index('id="case-outcome"')
    return page[start : page.index("</div>", page.index("</ul>", start))]


def test_the_banner_follows_a_conditional_approval(login, nankai, nankai_case, reviewers):
    case = _conclude(nankai_case, reviewers)
    assert case.status == "conditional"
    page = login(nankai).get(f"/resources/approvals/{case.pk}/").content.decode()
    banner = _banner(page)
    assert 'data-outcome="conditional"' in banner and "附条件通过" in banner
    assert "审批通过。" not in banner
    assert 'data-conditions="housing"' in banner and "1:12" in banner


def test_a_plain_approval_says_approved(login, nankai, nankai_case, reviewers):
    case = _conclude(nankai_case, reviewers, conditions_from=None)
    assert case.status == "approved"
    page = login(nankai).get(f"/resources/approvals/{case.pk}/").content.decode()
    assert 'data-outcome="approved"' in page and "审批通过。" in page
    assert 'id="case-conditions"' not in page


def test_status_changes_are_the_systems_and_texts_join_once(nankai, nankai_case, reviewers):
    from lianxin.core import audit

    case = _conclude(nankai_case, reviewers)
    # A status change recorded without an actor (as the demo writes its history) reads the same.
    audit.record(None, "approval_status", case, changes={"status": ["returned", "reviewing"]})
    entries = timeline(case)
    statuses = [e for e in entries if e["action"] == "approval_status"]
    assert len(statuses) == 2 and {e["who"] for e in statuses} == {"系统"}
    given = next(
        e for e in entries if e["action"] == "approval_opinion" and e["detail"].startswith("外立面")
    )
    assert given["detail"] == "外立面统一标识按全市规范制作，比例 1:12；原则同意"
    assert join_sentences(["甲。", "", "乙；", "以函代证：南规函〔2025〕1号"]) == (
        "甲；乙；以函代证：南规函〔2025〕1号"
    )


def test_the_opinion_form_shows_the_letter_once_and_a_compact_table(login, nankai_case, reviewers):
    planning = nankai_case.opinions.get(department__code="planning")
    page = login(reviewers["planning"]).get(f"/resources/approvals/opinions/{planning.pk}/")
    html = page.content.decode()
    start = html.index('id="opinion-form"')
    form = html[start : html.index("</form>", start)]
    assert form.count("以函代证") == 1
    table = html[html.index('id="opinions"') :]
    table = table[: table.index("</table>")]
    assert 'class="table-responsive"' in table
    assert table[: table.index("</thead>")].count("</th>") == 3


def test_english_shows_the_departments_english_name_and_the_attachment_hint(
    login, nankai_case, reviewers
):
    planning = nankai_case.opinions.get(department__code="planning")
    client = login(reviewers["planning"], HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["django_language"] = "en"
    html = client.get(f"/resources/approvals/opinions/{planning.pk}/").content.decode()
    name_en = planning.department.name_en
    assert name_en and f"Give opinion: {name_en}" in html
    assert "规划和自然资源部门" not in html[: html.index('id="opinions"')]
    assert "PDF、OFD" not in html and "at most 5 files" in html
    case_page = client.get(f"/resources/approvals/{nankai_case.pk}/").content.decode()
    assert name_en in case_page
