"""The joint-review pages: list with filters, sort, export; a case with its opinions, letters in
lieu and timeline; the reviewer's queue; applying from a plan; giving an opinion with a letter
and an attachment; resubmitting; the panel for the plan's page; scope on every page."""

from __future__ import annotations

import io
from datetime import date

import pytest
from python_calamine import CalamineWorkbook

from lianxin.core.tests.factories import HEXI, region
from lianxin.resources.models import ApprovalCase, Opinion
from lianxin.resources.queries_approvals import plan_approval
from lianxin.resources.services import approvals as svc

from .approval_helpers import *  # noqa: F403 (the fixtures)
from .factories_approvals import approval_case, pdf

pytestmark = pytest.mark.django_db


def _op(case, code) -> Opinion:
    return case.opinions.get(department__code=code)


def test_list_filters_sort_and_scope(login, nankai, hexi, nankai_case, hexi_plan, reviewers):
    mine = approval_case(hexi_plan, ["planning"], actor=hexi, title="河西改造联审")
    client = login(nankai)
    page = client.get("/resources/approvals/").content.decode()
    assert nankai_case.title in page and "河西改造联审" not in page
    assert (
        client.get("/resources/approvals/?status=approved").content.decode().count('data-case="')
        == 0
    )
    assert (
        nankai_case.title
        in client.get(
            "/resources/approvals/?status=open&department=planning&sort=-due&q=光明"
        ).content.decode()
    )
    # Overdue: due dates of 2025-06 are long past.
    overdue = client.get("/resources/approvals/?overdue=1", HTTP_HX_REQUEST="true")
    assert f'data-case="{nankai_case.pk}"' in overdue.content.decode()
    assert "<html" not in overdue.content.decode()  # the HTMX partial
    for sort in ("title", "-center", "status", "due", "-overdue", "submitted", "concluded", "bad"):
        assert client.get(f"/resources/approvals/?sort={sort}").status_code == 200
    city_page = login(hexi).get("/resources/approvals/").content.decode()
    assert "河西改造联审" in city_page and nankai_case.title not in city_page
    assert mine.pk


def test_export_lists_one_row_per_opinion(login, nankai, nankai_case, reviewers):
    svc.give_opinion(
        reviewers["planning"],
        _op(nankai_case, "planning"),
        "approve",
        letter_in_lieu=True,
        letter_no="南规函〔2025〕3号",
        today=date(2025, 6, 20),
    )
    response = login(nankai).get("/resources/approvals/export.xlsx?letter=1")
    assert response.status_code == 200
    book = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))
    rows = book.get_sheet_by_name(book.sheet_names[0]).to_python()
    assert rows[0][0] == "编号" and len([r for r in rows[1:] if r[0] == nankai_case.pk]) == 5
    assert any("南规函〔2025〕3号" in [str(c) for c in r] for r in rows)


def test_case_page_shows_opinions_overdue_letters_and_timeline(
    login, nankai, nankai_case, reviewers
):
    svc.give_opinion(
        reviewers["planning"],
        _op(nankai_case, "planning"),
        "approve",
        "同意",
        letter_in_lieu=True,
        letter_no="南规函〔2025〕9号",
        attachments=[pdf("函.pdf")],
        today=date(2025, 6, 20),
    )
    page = login(nankai).get(f"/resources/approvals/{nankai_case.pk}/").content.decode()
    assert 'id="letters"' in page and "南规函〔2025〕9号" in page and "建设工程规划许可证" in page
    assert "data-overdue" in page  # the other departments' opinions are long overdue
    assert "函.pdf" in page
    assert 'data-action="approval_submit"' in page and 'data-action="approval_opinion"' in page
    attachment = _op(nankai_case, "planning").attachments.get()
    download = login(nankai).get(f"/resources/approvals/attachments/{attachment.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")


def test_pages_of_another_district_are_404(login, hexi, nankai_case, hexi_planner):
    client = login(hexi)
    assert client.get(f"/resources/approvals/{nankai_case.pk}/").status_code == 404
    opinion = _op(nankai_case, "planning")
    assert client.get(f"/resources/approvals/opinions/{opinion.pk}/").status_code == 404
    assert (
        login(hexi_planner).get(f"/resources/approvals/opinions/{opinion.pk}/").status_code == 404
    )
    assert client.get(f"/resources/approvals/new/?plan={nankai_case.plan_id}").status_code == 404
    assert client.post(f"/resources/approvals/{nankai_case.pk}/withdraw/").status_code == 404


def test_queue_and_giving_an_opinion(login, nankai_case, reviewers, nankai):
    planner = reviewers["planning"]
    client = login(planner)
    queue = client.get("/resources/approvals/queue/").content.decode()
    opinion = _op(nankai_case, "planning")
    assert f'data-opinion="{opinion.pk}"' in queue
    assert f'data-opinion="{_op(nankai_case, "housing").pk}"' not in queue
    # Another department's member may not open it; the district admin neither.
    assert (
        login(reviewers["housing"]).get(f"/resources/approvals/opinions/{opinion.pk}/").status_code
        == 403
    )
    assert login(nankai).get(f"/resources/approvals/opinions/{opinion.pk}/").status_code == 403
    form = client.get(f"/resources/approvals/opinions/{opinion.pk}/").content.decode()
    assert 'name="letter_in_lieu"' in form and "建设工程规划许可证" in form
    # A letter without its number: the field is named, nothing written.
    bad = client.post(
        f"/resources/approvals/opinions/{opinion.pk}/",
        {"decision": "approve", "letter_in_lieu": "on", "permit_replaced": "建设工程规划许可证"},
    )
    assert bad.status_code == 200 and "以函代证须填写函件文号" in bad.content.decode()
    opinion.refresh_from_db()
    assert opinion.decision == "pending"
    ok = client.post(
        f"/resources/approvals/opinions/{opinion.pk}/",
        {
            "decision": "approve",
            "comment": "同意",
            "letter_in_lieu": "on",
            "letter_no": "南规资函〔2025〕21号",
            "permit_replaced": "建设工程规划许可证",
            "attachments": [pdf()],
        },
    )
    assert ok.status_code == 302
    opinion.refresh_from_db()
    assert opinion.decision == "approve" and opinion.letter_no == "南规资函〔2025〕21号"
    assert opinion.attachments.count() == 1
    assert (
        f'data-opinion="{opinion.pk}"'
        not in client.get("/resources/approvals/queue/").content.decode()
    )
    # Given: the form sends back to the case.
    assert client.get(f"/resources/approvals/opinions/{opinion.pk}/").status_code == 302
    # A department without letters has no letter fields.
    finance_form = (
        login(reviewers["finance"])
        .get(f"/resources/approvals/opinions/{_op(nankai_case, 'finance').pk}/")
        .content.decode()
    )
    assert 'name="letter_in_lieu"' not in finance_form


def test_apply_from_a_plan(login, nankai, nankai_plan, reviewers, inspector, hexi_plan):
    client = login(nankai)
    picker = client.get("/resources/approvals/new/").content.decode()
    assert f'data-plan="{nankai_plan.pk}"' in picker
    form = client.get(f"/resources/approvals/new/?plan={nankai_plan.pk}").content.decode()
    assert 'name="departments"' in form
    none = client.post("/resources/approvals/new/", {"plan": nankai_plan.pk, "title": "x"})
    assert none.status_code == 200 and "请至少选择一个联审部门" in none.content.decode()
    from lianxin.resources.models import Department

    ids = list(
        Department.objects.filter(code__in=["planning", "housing"]).values_list("pk", flat=True)
    )
    response = client.post(
        "/resources/approvals/new/",
        {
            "plan": nankai_plan.pk,
            "departments": ids,
            "title": "光明路改造联审",
            "description": "改造",
        },
    )
    case = ApprovalCase.objects.get(plan=nankai_plan)
    assert (
        response.status_code == 302 and response["Location"] == f"/resources/approvals/{case.pk}/"
    )
    assert case.opinions.count() == 2
    # Not in the picker any more; a second application is refused with the reason.
    assert (
        f'data-plan="{nankai_plan.pk}"'
        not in client.get("/resources/approvals/new/").content.decode()
    )
    again = client.post("/resources/approvals/new/", {"plan": nankai_plan.pk, "departments": ids})
    assert "已有办理中的联合审批" in again.content.decode()
    # The inspector sees its plans but may not apply.
    assert login(inspector).get(f"/resources/approvals/new/?plan={hexi_plan.pk}").status_code == 403
    assert login(nankai).get("/resources/approvals/new/?plan=abc").status_code == 404


def test_resubmit_and_withdraw_pages(login, nankai, nankai_case, reviewers):
    svc.give_opinion(reviewers["planning"], _op(nankai_case, "planning"), "return", "补充图纸")
    client = login(nankai)
    page = client.get(f"/resources/approvals/{nankai_case.pk}/").content.decode()
    assert 'id="resubmit-form"' in page
    empty = client.post(
        f"/resources/approvals/{nankai_case.pk}/resubmit/", {"note": ""}, follow=True
    )
    assert "请说明按意见作了哪些修改" in empty.content.decode()
    client.post(f"/resources/approvals/{nankai_case.pk}/resubmit/", {"note": "已补充图纸"})
    nankai_case.refresh_from_db()
    assert nankai_case.round == 2 and nankai_case.status == "reviewing"
    assert (
        login(reviewers["planning"])
        .post(f"/resources/approvals/{nankai_case.pk}/withdraw/")
        .status_code
        == 403
    )
    client.post(f"/resources/approvals/{nankai_case.pk}/withdraw/", {"note": "撤回"})
    nankai_case.refresh_from_db()
    assert nankai_case.status == "withdrawn"


def test_plan_panel(rf, nankai, nankai_case, inspector, hexi_plan):
    from django.template.loader import render_to_string

    data = plan_approval(nankai, nankai_case.plan)
    assert data["latest"] == nankai_case and not data["can_apply"]
    html = render_to_string("resources/_plan_approval.html", {"approval": data})
    assert f'data-case="{nankai_case.pk}"' in html
    fresh = plan_approval(inspector, hexi_plan)
    assert fresh["cases"] == [] and not fresh["can_apply"]
    assert plan_approval(nankai, nankai_case.plan)["milestone"].code == "approval"
    assert region(HEXI)
