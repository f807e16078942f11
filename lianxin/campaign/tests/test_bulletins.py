"""工作通报: the figures against a known situation, the .docx read back, issued bulletins that never
change, serials per region and year, and bad input refused with nothing written."""

from __future__ import annotations

import hashlib
import io
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, RGBColor
from PIL import Image

from lianxin.campaign import services
from lianxin.campaign.bulletins import bulletin_data, cn_date, period_label, short_name
from lianxin.campaign.docx import (
    bottom_border_color,
    chart_labels,
    cjk_font_path,
    completion_chart_png,
    east_asia_font,
)
from lianxin.campaign.models import Bulletin, Campaign, Commitment, Plan, Rectification, Visit
from lianxin.campaign.services.bulletins import default_issuer, document_number
from lianxin.core.models import AuditLog

from . import factories as f

START, END = date(2019, 5, 1), date(2019, 5, 31)
ISSUED = date(2019, 6, 3)

HEXI, NANKAI, HEPING = "120103000000", "120104000000", "120101000000"
DYM, XWF = "120103001000", "120103002000"  # 河西区 大营门街道, 下瓦房街道


def _plan(region, code, signed_off_on=None):
    plan = f.plan(region(code))
    if signed_off_on:
        Plan.objects.filter(pk=plan.pk).update(signed_off_on=signed_off_on)
        plan.refresh_from_db()
    return plan


def _milestone(plan, sort_index, due_on, completed_on=None):
    m = plan.milestones.order_by("sort", "code")[sort_index]
    type(m).objects.filter(pk=m.pk).update(due_on=due_on, completed_on=completed_on)
    return m


def _visit(region, code, day, kind="unannounced", campaign=True):
    return f.visit(
        region(code), visited_on=day, kind=kind, campaign=f.campaign() if campaign else None
    )


def _rect(visit, due_on, closed_on=None):
    return Rectification.objects.create(
        visit=visit,
        region_path=visit.region_path,
        finding="标识不统一",
        due_on=due_on,
        status="closed" if closed_on else "open",
        closed_on=closed_on,
    )


@pytest.fixture
def situation(db, region):
    """河西区: 4 plans, 1 signed off in May 2019 and 1 before, 3 milestones overdue on 2 plans,
    2 visits in May (1 unannounced), a commitment of 3 by 15 May (missed).
    南开区: 3 plans, 1 signed off in May, 1 in June (after), 1 milestone overdue, 1 visit.
    和平区: 2 plans, 1 signed off in March (50 %, like 河西, but fewer signed off)."""
    campaign = f.campaign()
    h1 = _plan(region, "120103001001", date(2019, 5, 10))
    _plan(region, "120103001004", date(2019, 4, 20))
    h3 = _plan(region, "120103002001")
    h4 = _plan(region, "120103002003")
    _milestone(h1, 0, date(2019, 5, 5))  # signed off: not counted as overdue
    _milestone(h3, 0, date(2019, 5, 20))
    _milestone(h3, 1, date(2019, 5, 25))
    _milestone(h4, 0, date(2019, 5, 15), completed_on=date(2019, 6, 5))  # done only after the end
    _milestone(h4, 1, date(2019, 4, 30), completed_on=date(2019, 4, 28))  # done in time

    _plan(region, "120104001001", date(2019, 5, 20))
    _plan(region, "120104001003", date(2019, 6, 10))
    n3 = _plan(region, "120104002001")
    _milestone(n3, 0, date(2019, 5, 30))
    _milestone(n3, 1, END)  # due on the last day: not overdue yet

    _plan(region, "120101001001", date(2019, 3, 1))
    _plan(region, "120101001002")

    v1 = _visit(region, "120103002001", date(2019, 5, 8))
    _rect(v1, date(2019, 5, 20))  # open and overdue
    _rect(v1, date(2019, 6, 15), closed_on=date(2019, 5, 25))  # closed in the period
    _visit(region, "120103001001", date(2019, 5, 15), kind="announced", campaign=False)
    v0 = _visit(region, "120103001001", date(2019, 4, 10))
    _rect(v0, date(2019, 4, 30), closed_on=date(2019, 6, 2))  # raised before, open at the end
    v2 = _visit(region, "120104001001", date(2019, 5, 28))
    _rect(v2, date(2019, 6, 30))  # open, not yet due
    _visit(region, "120104001001", date(2019, 6, 3))  # after the period
    other = Campaign.objects.create(
        code="other",
        name="另一项攻坚",
        region=region("120000"),
        starts_on=date(2019, 1, 1),
        target_date=date(2020, 1, 1),
    )
    f.visit(region("120104001001"), visited_on=date(2019, 5, 9), campaign=other)

    for code, target, by in ((HEXI, 3, date(2019, 5, 15)), (NANKAI, 2, date(2019, 12, 31))):
        district = region(code)
        Commitment.objects.create(
            campaign=campaign,
            district=district,
            region_path=district.path,
            target_count=target,
            target_date=by,
            secretary="书记",
        )
    return campaign


ROW_FIELDS = [
    "code",
    "rank",
    "plans",
    "signed_off_period",
    "signed_off_to_date",
    "remaining",
    "completion_rate",
    "overdue_milestones",
    "overdue_plans",
    "visits",
    "unannounced",
    "rect_raised",
    "rect_closed",
    "rect_open",
    "rect_overdue",
]


def _row(data, code):
    return next(r for r in data["rows"] if r["code"] == code)


def test_city_figures_and_ranking(situation, region):
    data = bulletin_data(situation, region("120000"), START, END)

    assert [[r[k] for k in ROW_FIELDS] for r in data["rows"]] == [
        [HEXI, 1, 4, 1, 2, 2, 50.0, 3, 2, 2, 1, 2, 1, 2, 2],
        [HEPING, 2, 2, 0, 1, 1, 50.0, 0, 0, 0, 0, 0, 0, 0, 0],
        [NANKAI, 3, 3, 1, 1, 2, 33.3, 1, 1, 1, 1, 1, 0, 1, 0],
    ]
    assert _row(data, HEXI)["name"] == "河西区" and _row(data, HEXI)["short_name"] == "河西"
    t = data["totals"]
    assert [t[k] for k in ROW_FIELDS[2:]] == [9, 2, 4, 5, 44.4, 4, 3, 3, 2, 3, 1, 3, 2]
    assert data["top"] == [HEXI] and data["bottom"] == [NANKAI]
    assert data["period"] == {"start": "2019-05-01", "end": "2019-05-31", "label": "2019年5月"}
    assert data["region"]["code"] == "120000000000" and data["child_level"] == 3


def test_commitments_by_their_date_and_by_the_period_end(situation, region):
    data = bulletin_data(situation, region("120000"), START, END)
    hexi, nankai = _row(data, HEXI)["commitment"], _row(data, NANKAI)["commitment"]
    assert (hexi["target_count"], hexi["done_by_target_date"], hexi["done_by_period_end"]) == (
        3,
        2,
        2,
    )
    assert hexi["status"] == "missed" and hexi["gap"] == 1
    # The commitment date is after the period: counted up to the period's end, not beyond (the
    # sign-off of 10 June is in the bulletin's future).
    assert (nankai["done_by_target_date"], nankai["done_by_period_end"]) == (1, 1)
    assert nankai["status"] == "pending"
    assert _row(data, HEPING)["commitment"] is None
    c = data["totals"]["commitment"]
    assert (c["target_count"], c["done_by_target_date"], c["done_by_period_end"]) == (5, 3, 3)
    assert c["missed"] == [HEXI] and c["pending"] == [NANKAI]
    # A later period sees the June sign-off.
    june = bulletin_data(situation, region("120000"), date(2019, 6, 1), date(2019, 6, 30))
    assert _row(june, NANKAI)["commitment"]["done_by_period_end"] == 2
    assert _row(june, NANKAI)["signed_off_period"] == 1


def test_the_text_names_the_first_and_the_last(situation, region):
    data = bulletin_data(situation, region("120000"), START, END)
    sections = {s["key"]: s for s in data["sections"]}
    assert [s["heading"] for s in data["sections"]] == [
        "一、总体进展",
        "二、进度排名",
        "三、存在问题",
        "四、下步要求",
    ]
    overall = "".join(sections["overall"]["paragraphs"])
    assert "截至2019年5月31日" in overall and "共9个" in overall and "已完成销号4个" in overall
    assert "完成率44.4%" in overall and "本期（2019年5月）新增销号2个" in overall
    ranking = sections["ranking"]["paragraphs"][0]
    assert "河西区（50.0%）进度较快，位列前1名" in ranking
    assert "南开区（33.3%）进度相对滞后，位列后1名" in ranking
    problems = "".join(sections["problems"]["paragraphs"])
    assert "4个工期节点逾期未完成，涉及3个中心" in problems
    assert "河西区（3个）、南开区（1个）" in problems
    assert "实地督导3次，其中暗访2次" in problems
    assert "河西区（承诺3个，完成2个）未在述职承诺日期前完成承诺任务" in problems
    assert "请南开区认真分析" in "".join(sections["next"]["paragraphs"])
    assert data["addressee"] == "各区委组织部："


def test_district_bulletin_ranks_its_streets(situation, region):
    data = bulletin_data(situation, region(HEXI), START, END)
    assert [(r["code"], r["rank"], r["plans"], r["completion_rate"]) for r in data["rows"]] == [
        (DYM, 1, 2, 100.0),
        (XWF, 2, 2, 0.0),
    ]
    assert _row(data, XWF)["overdue_milestones"] == 3 and _row(data, XWF)["visits"] == 1
    assert _row(data, DYM)["visits"] == 1 and _row(data, DYM)["rect_open"] == 1
    assert all(r["commitment"] is None for r in data["rows"])
    assert data["totals"]["commitment"]["missed"] == [HEXI]
    assert data["totals"]["plans"] == 4 and data["child_level"] == 4
    assert data["addressee"] == "各街道（乡镇）党（工）委："


def test_ties_share_a_rank(situation, region):
    # 和平区 catches up with 河西区 on both rate and count: both first, 南开区 third.
    _plan(region, "120101001004", date(2019, 5, 2))
    _plan(region, "120101001005")
    data = bulletin_data(situation, region("120000"), START, END)
    assert [(r["code"], r["rank"]) for r in data["rows"]] == [(HEPING, 1), (HEXI, 1), (NANKAI, 3)]


def test_when_all_are_level_nobody_is_singled_out(situation, region):
    data = bulletin_data(situation, region("120000"), date(2019, 1, 1), date(2019, 1, 31))
    assert [r["rank"] for r in data["rows"]] == [1, 1, 1]
    assert data["top"] == [] and data["bottom"] == []
    ranking = {s["key"]: s for s in data["sections"]}["ranking"]["paragraphs"]
    assert ranking == ["各区完成率均为0.0%，并列第1名。", "本期各区均无新增销号。"]


def test_bulletin_data_is_plain_json(situation, region):
    import json

    data = bulletin_data(situation, region("120000"), START, END)
    assert json.loads(json.dumps(data)) == data


def test_helpers():
    assert cn_date(date(2019, 5, 31)) == "2019年5月31日"
    assert period_label(date(2019, 5, 6), date(2019, 5, 12)) == "2019年5月6日至5月12日"
    assert period_label(date(2019, 12, 30), date(2020, 1, 5)) == "2019年12月30日至2020年1月5日"
    assert period_label(date(2020, 2, 1), date(2020, 2, 29)) == "2020年2月"
    assert short_name("滨海新区") == "滨海" and short_name("大营门街道") == "大营门"


# -- issuing ---------------------------------------------------------------------------------


def _issue(actor, campaign, region_obj, **kw):
    kw.setdefault("issued_on", ISSUED)
    return services.issue_bulletin(actor, campaign, region_obj, START, END, **kw)


def _doc(bulletin):
    with bulletin.document.open("rb") as fh:
        return Document(io.BytesIO(fh.read()))


def _stored_bytes(bulletin):
    with bulletin.document.open("rb") as fh:
        return fh.read()


def test_city_issues_a_bulletin(situation, city, region):
    audits = AuditLog.objects.count()
    b = _issue(city, situation, region("120000"))
    assert (b.year, b.serial, b.number) == (2019, 1, "津组通〔2019〕1号")
    assert b.issuer == "中共天津市委组织部"
    assert b.title == "关于测试攻坚工作进展情况的通报"
    assert b.issued_by == city and b.region_path == region("120000").path
    assert b.data == bulletin_data(situation, region("120000"), START, END)
    assert hashlib.sha256(_stored_bytes(b)).hexdigest() == b.sha256
    log = AuditLog.objects.get(action="issue_bulletin")
    assert AuditLog.objects.count() == audits + 1
    assert log.target_id == str(b.pk) and log.changes["number"] == [None, b.number]


def test_the_document_reads_back(situation, city, region):
    b = _issue(city, situation, region("120000"))
    doc = _doc(b)
    section = doc.sections[0]
    for got, want in (
        (section.page_width, Mm(210)),
        (section.page_height, Mm(297)),
        (section.top_margin, Mm(37)),
        (section.bottom_margin, Mm(35)),
        (section.left_margin, Mm(28)),
        (section.right_margin, Mm(26)),
    ):
        assert abs(got - want) < Mm(0.1)

    paras = [p for p in doc.paragraphs if p.text.strip()]
    mark, kind, number, title = paras[:4]
    assert mark.text == "中共天津市委组织部" and kind.text == "工作通报"
    for p in (mark, kind):
        assert all(r.font.color.rgb == RGBColor(0xFF, 0, 0) for r in p.runs)
        assert east_asia_font(p.runs[0]) == "方正小标宋简体"
        assert p.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert number.text == "津组通〔2019〕1号" and number.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert bottom_border_color(number) == "FF0000"  # the red separator line
    assert title.text == b.title and title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert east_asia_font(title.runs[0]) == "方正小标宋简体" and title.runs[0].font.size.pt == 22
    assert paras[4].text == "各区委组织部："
    heading = next(p for p in paras if p.text == "一、总体进展")
    assert east_asia_font(heading.runs[0]) == "黑体"
    body = paras[paras.index(heading) + 1]
    assert east_asia_font(body.runs[0]) == "仿宋_GB2312" and body.runs[0].font.size.pt == 16
    assert body.paragraph_format.line_spacing.pt == 28

    table = doc.tables[0]
    cells = [[c.text for c in row.cells] for row in table.rows]
    assert cells[0][:3] == ["排名", "区", "任务数"] and len(cells[0]) == 10
    assert cells[1] == ["1", "河西区", "4", "1", "2", "50.0%", "3", "2（1）", "2/1/2", "3/2"]
    assert cells[2] == ["2", "和平区", "2", "0", "1", "50.0%", "0", "0（0）", "0/0/0", "—"]
    assert cells[3] == ["3", "南开区", "3", "1", "1", "33.3%", "1", "1（1）", "1/0/0", "2/1"]
    assert cells[4] == ["", "合计", "9", "2", "4", "44.4%", "4", "3（2）", "3/1/2", "5/3"]

    assert len(doc.inline_shapes) == 1  # the chart
    images = [p for p in doc.part.package.parts if p.content_type == "image/png"]
    assert len(images) == 1 and images[0].blob.startswith(b"\x89PNG")
    assert Image.open(io.BytesIO(images[0].blob)).size == (1800, 900)

    issuer, when = paras[-2:]
    assert (issuer.text, when.text) == ("中共天津市委组织部", "2019年6月3日")
    assert issuer.alignment == when.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    # Without a seal: the date starts two characters right of the issuer's first character.
    ind = (issuer.paragraph_format.right_indent.pt, when.paragraph_format.right_indent.pt)
    assert ind == (32.0, 48.0)

    footer = section.footer.paragraphs[0]
    assert footer.text.startswith("— ") and footer.text.endswith(" —")
    assert "PAGE" in footer._p.xml and footer.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert section.even_page_footer.paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.LEFT
    assert doc.core_properties.title == b.title


def test_a_district_bulletin(situation, hexi, region):
    b = _issue(hexi, situation, region(HEXI))
    assert b.number == "河西组通〔2019〕1号" and b.issuer == "中共天津市河西区委组织部"
    doc = _doc(b)
    paras = [p.text for p in doc.paragraphs if p.text.strip()]
    assert paras[:3] == ["中共天津市河西区委组织部", "工作通报", "河西组通〔2019〕1号"]
    rows = [[c.text for c in row.cells] for row in doc.tables[0].rows]
    assert rows[0][1] == "街镇" and len(rows[0]) == 9  # no commitment column for streets
    assert [r[1] for r in rows[1:]] == ["大营门街道", "下瓦房街道", "合计"]


def test_issued_bulletins_never_change(situation, city, region):
    b = _issue(city, situation, region("120000"))
    frozen, stored = b.data, _stored_bytes(b)
    # Live data moves on: another site signed off in the period, another visit.
    Plan.objects.filter(center__region__code="120101001002").update(signed_off_on=date(2019, 5, 30))
    _visit(region, "120101001001", date(2019, 5, 30))
    assert bulletin_data(situation, region("120000"), START, END) != frozen

    again = Bulletin.objects.get(pk=b.pk)
    assert again.data == frozen
    assert _stored_bytes(again) == stored
    assert hashlib.sha256(stored).hexdigest() == again.sha256
    again.title = "改过的标题"
    with pytest.raises(ValidationError):
        again.save()
    assert Bulletin.objects.get(pk=b.pk).title == b.title


def test_serials_count_per_region_and_year(situation, city, hexi, region):
    city_region = region("120000")
    first = _issue(city, situation, city_region)
    second = _issue(city, situation, city_region)
    district = _issue(hexi, situation, region(HEXI))
    next_year = _issue(city, situation, city_region, issued_on=date(2020, 1, 6))
    assert [first.serial, second.serial, district.serial, next_year.serial] == [1, 2, 1, 1]
    assert second.number == "津组通〔2019〕2号"
    assert next_year.number == "津组通〔2020〕1号"
    assert first.document.name != second.document.name


def test_title_and_issuer_may_be_given(situation, city, region):
    b = _issue(city, situation, region("120000"), title="关于5月份进展的通报", issuer="市攻坚办")
    assert (b.title, b.issuer) == ("关于5月份进展的通报", "市攻坚办")
    paras = [p.text for p in _doc(b).paragraphs if p.text.strip()]
    assert paras[0] == "市攻坚办" and paras[3] == "关于5月份进展的通报" and paras[-2] == "市攻坚办"


@pytest.mark.parametrize(
    "who,code",
    [("hexi", NANKAI), ("hexi", "120000"), ("nankai", HEXI), ("inspector", HEXI), ("norole", HEXI)],
)
def test_issuing_outside_ones_scope_is_refused(request, situation, region, who, code):
    before = (Bulletin.objects.count(), AuditLog.objects.count())
    with pytest.raises(PermissionDenied):
        _issue(request.getfixturevalue(who), situation, region(code))
    assert (Bulletin.objects.count(), AuditLog.objects.count()) == before


@pytest.mark.parametrize(
    "start,end,issued_on,code,field",
    [
        (date(2019, 5, 31), date(2019, 5, 1), ISSUED, "120000", "period_end"),
        (date(2019, 5, 1), date(2099, 5, 31), None, "120000", "period_end"),
        (START, END, date(2019, 5, 30), "120000", "issued_on"),
        (START, END, date(2099, 1, 1), "120000", "issued_on"),
        (START, END, ISSUED, DYM, "region"),  # a street: not a unit bulletins are made for
        (None, END, ISSUED, "120000", "period_start"),
    ],
    ids=[
        "end before start",
        "future end",
        "issued before end",
        "issued in future",
        "street",
        "no start",
    ],
)
def test_bad_input_is_refused_and_nothing_written(
    situation, city, region, start, end, issued_on, code, field
):
    before = (Bulletin.objects.count(), AuditLog.objects.count())
    with pytest.raises(ValidationError) as caught:
        services.issue_bulletin(city, situation, region(code), start, end, issued_on=issued_on)
    assert field in caught.value.message_dict
    assert (Bulletin.objects.count(), AuditLog.objects.count()) == before


def test_a_region_outside_the_campaign_is_refused(situation, city, region):
    hexi_only = Campaign.objects.create(
        code="hexi-only",
        name="河西攻坚",
        region=region(HEXI),
        starts_on=date(2019, 1, 1),
        target_date=date(2020, 1, 1),
    )
    with pytest.raises(ValidationError) as caught:
        _issue(city, hexi_only, region(NANKAI))
    assert "region" in caught.value.message_dict
    assert _issue(city, hexi_only, region("120000")).data["totals"]["plans"] == 0


def test_too_long_title_is_refused(situation, city, region):
    with pytest.raises(ValidationError) as caught:
        _issue(city, situation, region("120000"), title="长" * 201)
    assert "title" in caught.value.message_dict


def test_numbers_and_issuers(region):
    tianjin, binhai = region("120000"), region("120116")
    assert document_number(tianjin, 2019, 5) == "津组通〔2019〕5号"
    assert document_number(binhai, 2020, 12) == "滨海组通〔2020〕12号"
    assert default_issuer(binhai) == "中共天津市滨海新区委组织部"


# -- the chart -------------------------------------------------------------------------------


def test_chart_without_a_cjk_font_uses_pinyin(situation, region):
    data = bulletin_data(situation, region("120000"), START, END)
    assert chart_labels(data, cjk=False) == ["Hexi", "Heping", "Nankai"]
    png = completion_chart_png(data, cjk_font=None)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (1800, 900)
    # The first bar (河西区, 50 %) is drawn in the leaders' red, half the plot's height.
    assert image.getpixel((130 + 1620 // 6, 70 + 640 * 3 // 4)) == (0xC0, 0, 0)


def test_chart_with_a_cjk_font_uses_chinese_names(situation, region):
    if cjk_font_path() is None:
        pytest.skip("no CJK font installed (Debian: fonts-noto-cjk)")
    data = bulletin_data(situation, region("120000"), START, END)
    assert chart_labels(data, cjk=True) == ["河西", "和平", "南开"]
    assert Image.open(io.BytesIO(completion_chart_png(data))).size == (1800, 900)


def test_visits_of_other_campaigns_are_not_counted(situation, region):
    assert Visit.objects.filter(campaign__code="other").count() == 1
    data = bulletin_data(situation, region("120000"), START, END)
    assert _row(data, NANKAI)["visits"] == 1  # the other campaign's visit of 9 May is not
