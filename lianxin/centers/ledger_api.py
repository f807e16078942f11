"""The ledger over the API: the same export, template and import as the pages, scope-enforced."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from . import ledger
from .ledger_views import can_import, ledger_file

router = Router(tags=["ledger"])
XLSX_RESPONSE = {
    "responses": {
        200: {
            "description": "An .xlsx workbook",
            "content": {ledger.XLSX: {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


class ProblemOut(Schema):
    row: int | None
    column: str | None
    letter: str
    header: str
    message: str


class ImportOut(Schema):
    applied: bool
    dry_run: bool
    rows: int
    skipped: int
    duplicates: int
    changed: int
    unchanged: int
    field_changes: int
    status_changes: int
    renovations: int
    ignored_columns: list[str]
    problems: list[ProblemOut]


def _params(**kw) -> dict:
    return {k: v for k, v in kw.items() if v}


@router.get(
    "/export.xlsx",
    summary="The ledger (工作台账) of the centers listed with these filters, in your scope",
    openapi_extra=XLSX_RESPONSE,
)
def export_ledger(
    request,
    region: str = "",
    q: str = "",
    kind: str = "",
    status: str = "",
    district: str = "",
    street: str = "",
    sort: str = "code",
):
    params = _params(
        region=region, q=q, kind=kind, status=status, district=district, street=street, sort=sort
    )
    return ledger_file(request.user, params)


@router.get(
    "/template.xlsx",
    summary="The import template, with dropdowns; prefill=true fills it with your centers",
    openapi_extra=XLSX_RESPONSE,
)
def ledger_template(request, prefill: bool = False, district: str = "", street: str = ""):
    params = _params(district=district, street=street)
    return ledger_file(request.user, params, template=True, prefill=prefill)


@router.post(
    "/import",
    response={200: ImportOut, 422: ImportOut},
    summary="Import a ledger: updates centers by 区划代码, all or nothing",
    description=(
        "Every problem is returned with its row and column; if there is any, nothing is written "
        "(status 422). dry_run=true checks without writing."
    ),
)
def import_ledger(request, file: UploadedFile = File(...), dry_run: bool = Form(False)):  # noqa: B008
    if not can_import(request.user):
        raise PermissionDenied(_("您没有编辑党群服务中心的权限。"))
    result = ledger.import_ledger(request.user, file, filename=file.name or "", dry_run=dry_run)
    body = {
        "applied": result.applied,
        "dry_run": result.dry_run,
        "rows": result.rows,
        "skipped": result.skipped,
        "duplicates": result.duplicates,
        "changed": result.changed,
        "unchanged": result.unchanged,
        "field_changes": result.field_changes,
        "status_changes": result.status_changes,
        "renovations": result.renovations,
        "ignored_columns": result.ignored_columns,
        "problems": [
            {
                "row": p.row,
                "column": p.column,
                "letter": p.letter,
                "header": p.header,
                "message": p.message,
            }
            for p in result.problems
        ],
    }
    return Status(422 if result.problems else 200, body)
