"""A bulletin as a Word document laid out like an official document (GB/T 9704-2012 《党政机关
公文格式》), drawn with python-docx from the bulletin's frozen data.

- A4; margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm (版心 156 × 225 mm).
- 版头: the issuing body's mark (发文机关标志) in red 小标宋, "工作通报" under it; the document
  number (发文字号) centred two lines below; a red separator line the width of the text block,
  4 mm under the number.
- 主体: the title in 2号 (22 pt) 小标宋, centred; the addressee (主送机关); the body in 3号
  (16 pt) 仿宋 at a fixed 28 pt line pitch (22 lines a page), first-level headings in 黑体; the
  ranking table and the completion chart; the issuing body (发文机关署名) and the date (成文日期,
  2019年5月31日) at the right, laid out as for a document without a seal.
- 页码: "— 1 —" in 4号 (14 pt) 宋体, odd pages at the right and even pages at the left, one
  character in from the edge.

Fonts are named, not embedded: 方正小标宋简体, 仿宋_GB2312, 黑体 and 宋体 are set as the East Asian
font of each run (w:rFonts/@w:eastAsia), Times New Roman for Latin text; a machine without them
substitutes its own. The chart is a PNG drawn with Pillow (see `completion_chart_png`), with no
network and no web fonts: Chinese labels where a CJK font is installed (Debian's fonts-noto-cjk),
otherwise Pillow's own font with pinyin labels.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

from django.utils import translation
from django.utils.translation import gettext as _
from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from .bulletins import cn_date, doc_language, short_name

RED = RGBColor(0xFF, 0x00, 0x00)
LATIN = "Times New Roman"
XIAOBIAOSONG = "方正小标宋简体"
FANGSONG = "仿宋_GB2312"
HEITI = "黑体"
SONGTI = "宋体"

BODY_PT = 16  # 3号
TITLE_PT = 22  # 2号
PAGE_NO_PT = 14  # 4号
TABLE_PT = 10.5  # 5号
HEADER_PT = 9  # 小五
LINE_PT = 28  # 22 lines in the 225 mm text block
TEXT_WIDTH_MM = 156
TEXT_WIDTH_PT = TEXT_WIDTH_MM * 72 / 25.4

# CJK fonts the chart may use, in order (path, face index in a collection).
CJK_FONTS = [
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),  # Noto Sans CJK SC
    ("/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),
]


# -- runs and paragraphs ---------------------------------------------------------------------


def set_fonts(element, east_asia: str, latin: str = LATIN) -> None:
    """Name the fonts of a run or a style: East Asian text in `east_asia`, the rest in `latin`
    (python-docx's `font.name` sets only the Latin ones)."""
    rpr = element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:cs"), latin)


def east_asia_font(run) -> str | None:
    fonts = run._r.rPr.rFonts if run._r.rPr is not None else None
    return fonts.get(qn("w:eastAsia")) if fonts is not None else None


def _run(paragraph, text: str, font: str, size: float, *, bold=False, color=None):
    run = paragraph.add_run(text)
    set_fonts(run._r, font)
    run.font.size = Pt(size)
    run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color
    return run


def _paragraph(
    doc_or_cell,
    text: str = "",
    *,
    font: str = FANGSONG,
    size: float = BODY_PT,
    align=WD_ALIGN_PARAGRAPH.JUSTIFY,
    indent_chars: float = 0,
    line: float | None = LINE_PT,
    before: float = 0,
    after: float = 0,
    bold=False,
    color=None,
):
    p = doc_or_cell.add_paragraph()
    fmt = p.paragraph_format
    fmt.alignment = align
    fmt.space_before, fmt.space_after = Pt(before), Pt(after)
    if line is None:
        fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    else:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(line)
    if indent_chars:
        fmt.first_line_indent = Pt(indent_chars * size)
    if text:
        _run(p, text, font, size, bold=bold, color=color)
    return p


def _bottom_border(paragraph, color: str = "FF0000", size_eighths: int = 18, space_pt: int = 11):
    """A line under the paragraph as wide as the text block (the red separator line)."""
    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    bottom.set(qn("w:val"), "single")
    bottom.set(qn("w:sz"), str(size_eighths))
    bottom.set(qn("w:space"), str(space_pt))
    bottom.set(qn("w:color"), color)
    borders.append(bottom)
    ppr.insert_element_before(
        borders,
        "w:shd",
        "w:tabs",
        "w:suppressAutoHyphens",
        "w:kinsoku",
        "w:wordWrap",
        "w:overflowPunct",
        "w:topLinePunct",
        "w:autoSpaceDE",
        "w:autoSpaceDN",
        "w:bidi",
        "w:adjustRightInd",
        "w:snapToGrid",
        "w:spacing",
        "w:ind",
        "w:contextualSpacing",
        "w:mirrorIndents",
        "w:suppressOverlap",
        "w:jc",
        "w:textDirection",
        "w:textAlignment",
        "w:textboxTightWrap",
        "w:outlineLvl",
        "w:divId",
        "w:cnfStyle",
        "w:rPr",
        "w:sectPr",
        "w:pPrChange",
    )


def bottom_border_color(paragraph) -> str | None:
    ppr = paragraph._p.pPr
    if ppr is None:
        return None
    found = ppr.find(qn("w:pBdr"))
    bottom = found.find(qn("w:bottom")) if found is not None else None
    return bottom.get(qn("w:color")) if bottom is not None else None


def _field(paragraph, instruction: str, shown: str, font: str, size: float) -> None:
    """A Word field (PAGE) with its last computed value."""

    def char(kind):
        run = _run(paragraph, "", font, size)
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        run._r.append(el)

    char("begin")
    run = _run(paragraph, "", font, size)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run._r.append(instr)
    char("separate")
    _run(paragraph, shown, font, size)
    char("end")


def _page_number(footer, align) -> None:
    p = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
    p.paragraph_format.alignment = align
    if align == WD_ALIGN_PARAGRAPH.RIGHT:
        p.paragraph_format.right_indent = Pt(PAGE_NO_PT)
    else:
        p.paragraph_format.left_indent = Pt(PAGE_NO_PT)
    _run(p, "— ", SONGTI, PAGE_NO_PT)
    _field(p, "PAGE", "1", SONGTI, PAGE_NO_PT)
    _run(p, " —", SONGTI, PAGE_NO_PT)


def _text_width_chars(text: str) -> float:
    """Width in body characters: ASCII digits and letters are half width."""
    return sum(0.5 if ord(ch) < 128 else 1 for ch in text)


# -- the document ----------------------------------------------------------------------------


def render_bulletin(bulletin) -> bytes:
    """The .docx of a bulletin (issued or about to be), from its frozen data and fields."""
    return render(
        number=bulletin.number,
        title=bulletin.title,
        issuer=bulletin.issuer,
        issued_on=bulletin.issued_on,
        data=bulletin.data,
    )


def render(*, number: str, title: str, issuer: str, issued_on: date, data: dict) -> bytes:
    with translation.override(doc_language()):
        return _render(number, title, issuer, issued_on, data)


def _render(number: str, title: str, issuer: str, issued_on: date, data: dict) -> bytes:
    doc = Document()
    _page_setup(doc)

    # 版头: the issuing body's mark in red, then "工作通报".
    mark_size = max(22, min(36, int(TEXT_WIDTH_PT / max(len(issuer), 1))))
    _paragraph(
        doc,
        issuer,
        font=XIAOBIAOSONG,
        size=mark_size,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        line=None,
        color=RED,
    )
    _paragraph(
        doc,
        _("工作通报"),
        font=XIAOBIAOSONG,
        size=48,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        line=None,
        before=6,
        color=RED,
    )
    # 发文字号 two lines under the mark, the red separator line 4 mm under it.
    number_p = _paragraph(doc, number, align=WD_ALIGN_PARAGRAPH.CENTER, before=2 * LINE_PT)
    _bottom_border(number_p)

    # 主体: the title two lines under the separator line.
    _paragraph(
        doc,
        title,
        font=XIAOBIAOSONG,
        size=TITLE_PT,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        line=36,
        before=2 * LINE_PT,
        after=LINE_PT,
    )
    if data.get("addressee"):
        _paragraph(doc, data["addressee"], align=WD_ALIGN_PARAGRAPH.LEFT)
    for section in data.get("sections", []):
        _paragraph(doc, section["heading"], font=HEITI, indent_chars=2)
        for text in section["paragraphs"]:
            _paragraph(doc, text, indent_chars=2)
        if section.get("key") == "ranking":
            _ranking_table(doc, data)
            _chart(doc, data)

    # 发文机关署名 and 成文日期 (no seal): the issuer two characters in from the right, the
    # date under it starting two characters further right (or two in from the right, and the
    # issuer moved left, when the date is the longer).
    when = cn_date(issued_on)
    w_issuer, w_date = _text_width_chars(issuer), _text_width_chars(when)
    date_right = max(2.0, w_issuer - w_date)
    issuer_right = date_right + w_date + 2 - w_issuer
    for text, right, before in ((issuer, issuer_right, LINE_PT), (when, date_right, 0)):
        p = _paragraph(doc, text, align=WD_ALIGN_PARAGRAPH.RIGHT, before=before)
        p.paragraph_format.right_indent = Pt(right * BODY_PT)

    props = doc.core_properties
    props.title, props.author, props.last_modified_by = title, issuer, issuer
    props.subject, props.identifier = number, number
    props.comments, props.keywords, props.category = "", _("工作通报"), _("工作通报")
    moment = datetime(issued_on.year, issued_on.month, issued_on.day)
    props.created = props.modified = moment
    props.revision = 1
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _page_setup(doc) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance, section.footer_distance = Mm(15), Mm(25)
    normal = doc.styles["Normal"]
    set_fonts(normal.element, FANGSONG)
    normal.font.size = Pt(BODY_PT)
    fmt = normal.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(LINE_PT)
    doc.settings.odd_and_even_pages_header_footer = True
    _page_number(section.footer, WD_ALIGN_PARAGRAPH.RIGHT)
    _page_number(section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)


def _with_commitment(data: dict) -> bool:
    return any(r.get("commitment") for r in data.get("rows", []))


def table_columns(data: dict) -> list[tuple[str, float]]:
    """The ranking table's columns (heading, width in mm; a heading's line breaks are kept); the
    commitment column only when a row has a commitment."""
    unit = _("区") if data.get("child_level") == 3 else _("街镇")
    columns = [
        (_("排名"), 11),
        (unit, 18),
        (_("任务数"), 12),
        (_("本期\n销号"), 12),
        (_("累计\n销号"), 12),
        (_("完成率"), 15),
        (_("逾期\n节点"), 12),
        (_("督导\n（暗访）"), 18),
        (_("整改\n发现/完成/逾期"), 26),
    ]
    if _with_commitment(data):
        columns.append((_("承诺\n目标/完成"), 20))
    else:
        columns[1] = (unit, 30)
        columns[-1] = (columns[-1][0], 34)
    return columns


def table_rows(data: dict) -> list[list[str]]:
    """The ranking table's body: one row per unit, then the totals."""
    with_commitment = _with_commitment(data)

    def cells(rank, name, r):
        out = [
            rank,
            name,
            str(r["plans"]),
            str(r["signed_off_period"]),
            str(r["signed_off_to_date"]),
            "—" if r["completion_rate"] is None else f"{r['completion_rate']:.1f}%",
            str(r["overdue_milestones"]),
            f"{r['visits']}（{r['unannounced']}）",
            f"{r['rect_raised']}/{r['rect_closed']}/{r['rect_overdue']}",
        ]
        if with_commitment:
            c = r.get("commitment")
            out.append(f"{c['target_count']}/{c['done_by_target_date']}" if c else "—")
        return out

    body = [
        cells("" if r["rank"] is None else str(r["rank"]), r["name"], r)
        for r in data.get("rows", [])
    ]
    totals = dict(data["totals"])
    if with_commitment:
        ct = totals.get("commitment")
        totals["commitment"] = (
            {"target_count": ct["target_count"], "done_by_target_date": ct["done_by_target_date"]}
            if ct
            else None
        )
    body.append(cells("", _("合计"), totals))
    return body


def _units(data: dict) -> str:
    return _("各区") if data.get("child_level") == 3 else _("各街镇")


def table_caption(data: dict) -> str:
    end = date.fromisoformat(data["period"]["end"])
    return _("表1  %(unit)s攻坚进度排名（截至%(end)s）") % {
        "unit": _units(data),
        "end": cn_date(end),
    }


def chart_caption(data: dict) -> str:
    return _("图1  %(unit)s完成率（%%）") % {"unit": _units(data)}


def _ranking_table(doc, data: dict) -> None:
    _paragraph(
        doc,
        table_caption(data),
        font=HEITI,
        size=14,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        before=LINE_PT / 2,
        after=4,
    )
    columns = table_columns(data)
    rows = table_rows(data)
    table = doc.add_table(rows=1 + len(rows), cols=len(columns))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _cell_margins(table, Mm(1))
    for column, (_heading, width) in zip(table.columns, columns, strict=True):
        column.width = Mm(width)  # the grid (LibreOffice reads it; Word reads the cells')
    header = table.rows[0]
    _repeat_header(header)
    for i, (heading, width) in enumerate(columns):
        _cell(header.cells[i], heading, width, HEITI, size=HEADER_PT)
    for r, values in enumerate(rows, start=1):
        last = r == len(rows)
        for i, value in enumerate(values):
            _cell(table.rows[r].cells[i], value, columns[i][1], HEITI if last else FANGSONG)


def _repeat_header(row) -> None:
    trpr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    trpr.append(el)


def _cell_margins(table, margin) -> None:
    """Narrow left and right cell margins (the default 1.9 mm leaves little room in 12 mm)."""
    tblpr = table._tbl.tblPr
    mar = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), str(int(margin.twips)))
        el.set(qn("w:type"), "dxa")
        mar.append(el)
    tblpr.insert_element_before(
        mar, "w:tblLook", "w:tblCaption", "w:tblDescription", "w:tblPrChange"
    )


def _cell(cell, text: str, width_mm: float, font: str, size: float = TABLE_PT) -> None:
    cell.width = Mm(width_mm)
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    p = cell.paragraphs[0]
    fmt = p.paragraph_format
    fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER
    fmt.first_line_indent = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(16)
    _run(p, text, font, size)


def _chart(doc, data: dict) -> None:
    rows = [r for r in data.get("rows", []) if r.get("completion_rate") is not None]
    if not rows:
        return
    png = completion_chart_png(data)
    p = _paragraph(doc, align=WD_ALIGN_PARAGRAPH.CENTER, line=None, before=LINE_PT / 2)
    p.add_run().add_picture(io.BytesIO(png), width=Mm(150))
    _paragraph(
        doc,
        chart_caption(data),
        font=HEITI,
        size=14,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        after=LINE_PT / 2,
    )


# -- the chart -------------------------------------------------------------------------------


def cjk_font_path() -> tuple[str, int] | None:
    for path, index in CJK_FONTS:
        if Path(path).is_file():
            return path, index
    return None


def _font(size: int, cjk: tuple[str, int] | None):
    from PIL import ImageFont

    if cjk:
        return ImageFont.truetype(cjk[0], size, index=cjk[1])
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow without FreeType: the small bitmap font
        return ImageFont.load_default()


def ascii_label(name: str) -> str:
    """河西区 → Hexi: the short name in pinyin, for a chart drawn without a CJK font."""
    short = short_name(name)
    try:
        from pypinyin import lazy_pinyin

        text = "".join(lazy_pinyin(short))
    except ImportError:  # pragma: no cover - pypinyin is a dependency
        text = ""
    text = "".join(ch for ch in text if ord(ch) < 128)
    return text[:1].upper() + text[1:] if text else name


def chart_labels(data: dict, cjk: bool) -> list[str]:
    rows = [r for r in data.get("rows", []) if r.get("completion_rate") is not None]
    return [r["short_name"] if cjk else ascii_label(r["name"]) for r in rows]


def completion_chart_png(data: dict, *, cjk_font: tuple[str, int] | None | bool = True) -> bytes:
    """A bar chart of the completion rate of each ranked unit, in rank order, the value over each
    bar and the overall rate as a dashed line. `cjk_font`: True = find one on the system, None or
    False = draw without (pinyin labels)."""
    from PIL import Image, ImageDraw

    cjk = cjk_font_path() if cjk_font is True else (cjk_font or None)
    rows = [r for r in data.get("rows", []) if r.get("completion_rate") is not None]
    labels = chart_labels(data, bool(cjk))
    width, height = 1800, 900
    left, right, top = 130, 50, 70
    plot_w = width - left - right
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    axis_font, value_font, label_font = _font(34, cjk), _font(36, cjk), _font(40, cjk)
    n = max(len(rows), 1)
    slot = plot_w / n
    # Labels too wide for their slot are written at 45°, and need more room under the axis.
    rotate = any(draw.textlength(t, font=label_font) > slot * 0.92 for t in labels)
    longest = max((draw.textlength(t, font=label_font) for t in labels), default=0)
    bottom = min(380, int((longest + 60) * 0.71) + 40) if rotate else 80
    plot_h = height - top - bottom

    # The value axis: 0–100 %, a line every 20.
    for pct in range(0, 101, 20):
        y = top + plot_h - plot_h * pct / 100
        draw.line([(left, y), (left + plot_w, y)], fill="#D9D9D9" if pct else "#404040", width=2)
        text = f"{pct}%"
        w = draw.textlength(text, font=axis_font)
        draw.text((left - 14 - w, y - 18), text, fill="#404040", font=axis_font)

    # The overall rate: a dashed line behind the bars, labelled at the right.
    overall = data.get("totals", {}).get("completion_rate")
    mean_y = top + plot_h - plot_h * (overall or 0) / 100
    if overall is not None:
        x = left
        while x < left + plot_w:
            draw.line([(x, mean_y), (min(x + 18, left + plot_w), mean_y)], fill="#1F4E79", width=3)
            x += 30
    bar_w = min(slot * 0.6, 140)
    top_codes, bottom_codes = set(data.get("top", [])), set(data.get("bottom", []))
    for i, (r, label) in enumerate(zip(rows, labels, strict=True)):
        cx = left + slot * (i + 0.5)
        rate = r["completion_rate"]
        y = top + plot_h - plot_h * rate / 100
        colour = "#C00000" if r["code"] in top_codes else "#E07070"
        if r["code"] in bottom_codes:
            colour = "#8C8C8C"
        if rate > 0:
            draw.rectangle([(cx - bar_w / 2, y), (cx + bar_w / 2, top + plot_h)], fill=colour)
        value = f"{rate:.1f}"
        w = draw.textlength(value, font=value_font)
        draw.text((cx - w / 2, y - 46), value, fill="#202020", font=value_font)
        _axis_label(image, draw, label, label_font, cx, top + plot_h + 12, rotate)

    if overall is not None:
        text = (_("平均 %(rate).1f%%") if cjk else "Avg %(rate).1f%%") % {"rate": overall}
        w = draw.textlength(text, font=axis_font)
        draw.text((left + plot_w - w, mean_y - 40), text, fill="#1F4E79", font=axis_font)

    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(300, 300), optimize=True)
    return out.getvalue()


def _axis_label(image, draw, text, font, cx, y, rotate: bool) -> None:
    from PIL import Image, ImageDraw

    w = draw.textlength(text, font=font)
    if not rotate:
        draw.text((cx - w / 2, y), text, fill="#202020", font=font)
        return
    # Too wide for its slot: written at 45°, ending under the bar.
    box = Image.new("RGBA", (int(w) + 8, 56), (255, 255, 255, 0))
    ImageDraw.Draw(box).text((4, 2), text, fill="#202020", font=font)
    turned = box.rotate(45, expand=True, resample=Image.Resampling.BICUBIC)
    image.paste(turned, (int(cx - turned.width + 12), int(y)), turned)
