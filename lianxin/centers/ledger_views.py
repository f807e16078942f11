"""The ledger's pages (工作台账): export as on screen, the import template, import with a problem
report. The work is in `ledger.py`; these views read the request and show the result."""

from __future__ import annotations

import secrets
import tempfile
from datetime import timedelta
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lianxin.core.permissions import staff_required
from lianxin.core.scoping import CHANGE, scope_for

from . import ledger
from .queries import visible_centers

PROBLEMS_SHOWN = 50
REPORT_DIR = "ledger-reports"
REPORT_KEEP = timedelta(days=1)


def _xlsx(tmp, filename: str) -> FileResponse:
    tmp.seek(0)
    response = FileResponse(tmp, content_type=ledger.XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def ledger_file(user, params, *, template: bool = False, prefill: bool = False) -> FileResponse:
    """The ledger of the centers listed with `params` (exactly the list page's filter, inside the
    user's scope), or the import template (empty, or pre-filled with the same rows)."""
    _flt, qs = visible_centers(user, params)
    today = timezone.localdate()
    tmp = tempfile.TemporaryFile(suffix=".xlsx")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if template:
        ledger.write_template(tmp, ledger.ledger_rows(qs, today) if prefill else ())
        name = _("党群服务中心台账导入模板-%(stamp)s.xlsx") % {"stamp": stamp}
    else:
        ledger.write_ledger(tmp, ledger.ledger_rows(qs, today))
        name = _("党群服务中心台账-%(stamp)s.xlsx") % {"stamp": stamp}
    return _xlsx(tmp, name)


@staff_required
def ledger_export(request):
    """ "导出 Excel" on the centers list: the ledger of exactly what is listed."""
    return ledger_file(request.user, request.GET)


@staff_required
def ledger_template(request):
    prefill = request.GET.get("prefill") in ("1", "true", "on")
    return ledger_file(request.user, request.GET, template=True, prefill=prefill)


def can_import(user) -> bool:
    return not scope_for(user, CHANGE).is_empty()


@staff_required
def ledger_page(request):
    return render(request, "centers/ledger.html", _context(request, None))


def _context(request, result, report_token: str = "") -> dict:
    columns = [
        {"label": str(c.label), "editable": c.editable, "note": str(c.note)} for c in ledger.COLUMNS
    ]
    context = {
        "can_import": can_import(request.user),
        "columns": columns,
        "explanations": ledger._explanations(),
        "result": result,
        "report_token": report_token,
    }
    if result is not None:
        context["problems_shown"] = result.problems[:PROBLEMS_SHOWN]
        context["problems_more"] = max(0, len(result.problems) - PROBLEMS_SHOWN)
    return context


@staff_required
@require_POST
def ledger_import(request):
    if not can_import(request.user):
        raise PermissionDenied(_("您没有编辑党群服务中心的权限。"))
    upload = request.FILES.get("file")
    dry_run = request.POST.get("dry_run") in ("1", "on", "true")
    if upload is None:
        messages.error(request, _("请选择要导入的台账文件（.xlsx）。"))
        return redirect("ledger")
    result = ledger.import_ledger(request.user, upload, filename=upload.name or "", dry_run=dry_run)
    if result.problems:
        token = save_report(request.user, result)
        context = _context(request, result, token)
        return render(request, "centers/ledger.html", context, status=422)
    if dry_run:
        return render(request, "centers/ledger.html", _context(request, result))
    if not result.changed:
        messages.info(
            request,
            _("没有变化：文件“%(name)s”的 %(rows)d 行与系统中的数据一致，未写入任何数据。")
            % {"name": result.filename, "rows": result.rows},
        )
    else:
        messages.success(request, summary(result))
    return redirect("ledger")


def summary(result) -> str:
    text = _(
        "已导入“%(name)s”：更新 %(changed)d 个中心（字段 %(fields)d 项，状态 %(status)d 项，"
        "改造验收 %(renovations)d 项），%(unchanged)d 行无变化。"
    ) % {
        "name": result.filename,
        "changed": result.changed,
        "fields": result.field_changes,
        "status": result.status_changes,
        "renovations": result.renovations,
        "unchanged": result.unchanged,
    }
    if result.duplicates:
        text += " " + _("%(n)d 行与前面的行完全相同，按一行处理。") % {"n": result.duplicates}
    return text


def report_path(user, token: str) -> str:
    return f"{REPORT_DIR}/{user.pk}/{token}.xlsx"


def save_report(user, result) -> str:
    """Keep the problem report for its owner (default storage: local files or the object
    store), under an unguessable token; reports older than a day are removed on the way."""
    token = secrets.token_urlsafe(18)
    tmp = tempfile.TemporaryFile(suffix=".xlsx")
    result.write_report(tmp)
    tmp.seek(0)
    default_storage.save(report_path(user, token), ContentFile(tmp.read()))
    _clean_reports(user)
    return token


def _clean_reports(user) -> None:
    folder = f"{REPORT_DIR}/{user.pk}"
    try:
        _dirs, files = default_storage.listdir(folder)
    except (FileNotFoundError, NotImplementedError, OSError):
        return
    cutoff = timezone.now() - REPORT_KEEP
    for name in files:
        path = f"{folder}/{name}"
        try:
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
        except (FileNotFoundError, NotImplementedError, OSError):
            continue


@staff_required
def ledger_report(request, token: str):
    """A problem report, to the user who made it only."""
    if not token.replace("-", "").replace("_", "").isalnum() or len(token) > 64:
        raise Http404
    path = report_path(request.user, token)
    if not default_storage.exists(path):
        raise Http404
    response = FileResponse(default_storage.open(path, "rb"), content_type=ledger.XLSX)
    name = _("台账问题报告-%(stamp)s.xlsx") % {
        "stamp": timezone.localtime().strftime("%Y%m%d-%H%M")
    }
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response
