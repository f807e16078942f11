"""The window's pages: the workbench (one queue in scope ordered by deadline, with filters, counts
by status and export), an application with its actions, the audited reveal of an ID number,
attachments served through the scope, and receiving an application on a resident's behalf
(代办). Reads through `queries.workbench` / `visible_to`; writes through `services`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, QuerySet
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lianxin.centers.models import Center
from lianxin.core import audit
from lianxin.core.permissions import paginate, staff_required
from lianxin.core.scoping import CHANGE
from lianxin.core.services import ConflictError
from lianxin.core.tabular import xlsx_response

from . import itemform, queries, services, workflow
from .forms import ReceiveForm, TransitionForm, add_service_errors, style
from .models import (
    CLOSED,
    Application,
    Attachment,
    Channel,
    Datatype,
    HandlingMode,
    Status,
)
from .views_common import (
    clip,
    day,
    errors_of,
    is_htmx,
    items_for,
    next_statuses,
    pk_param,
)

T = "services/applications/"

SORTS = {
    "deadline": ("deadline", "submitted_at"),
    "submitted": ("submitted_at",),
    "number": ("number",),
    "status": ("status", "deadline"),
    "center": ("center__name", "deadline"),
}
STATUS_CHOICES = ("open", "all", *Status.values)
OVERDUE_CHOICES = ("", "0", "1", "3", "today")


@dataclass
class QueueFilter:
    status: str = "open"
    item: int | None = None
    center: int | None = None
    overdue: str = ""  # "" any, "0" not overdue, "1" overdue (1× or 3×), "3" 3×, "today" due today
    channel: str = ""
    since: date | None = None  # submitted from… (inclusive)
    until: date | None = None  # …to (inclusive)
    q: str = ""
    sort: str = "deadline"

    @classmethod
    def from_params(cls, params) -> QueueFilter:
        flt = cls(
            status=clip(params, "status", 12) or "open",
            item=pk_param(params, "item"),
            center=pk_param(params, "center"),
            overdue=clip(params, "overdue", 6),
            channel=clip(params, "channel", 10),
            since=day(params, "from"),
            until=day(params, "to"),
            q=clip(params, "q", 40),
            sort=clip(params, "sort", 12) or "deadline",
        )
        if flt.status not in STATUS_CHOICES:
            flt.status = "open"
        if flt.overdue not in OVERDUE_CHOICES:
            flt.overdue = ""
        if flt.channel not in Channel.values:
            flt.channel = ""
        if flt.sort.lstrip("-") not in SORTS:
            flt.sort = "deadline"
        return flt

    def as_filters(self, **override) -> dict:
        """What `queries.workbench` takes."""
        values = {
            "status": self.status,
            "item": self.item,
            "center": self.center,
            "channel": self.channel,
            "overdue": self.overdue if self.overdue in ("0", "1", "3") else "",
            "q": self.q,
        }
        return values | override

    def narrow(self, qs: QuerySet, today: date) -> QuerySet:
        """What the shared queue does not filter itself: the dates and due today."""
        if self.since:
            qs = qs.filter(submitted_at__date__gte=self.since)
        if self.until:
            qs = qs.filter(submitted_at__date__lte=self.until)
        if self.overdue == "today":
            qs = qs.filter(deadline=today).exclude(status__in=CLOSED)
        return qs

    def order(self, qs: QuerySet) -> QuerySet:
        key = self.sort.lstrip("-")
        direction = "-" if self.sort.startswith("-") else ""
        return qs.order_by(*(direction + f for f in SORTS[key]), "id")

    def querystring(self, **override) -> str:
        values = {
            "status": self.status,
            "item": self.item or "",
            "center": self.center or "",
            "overdue": self.overdue,
            "channel": self.channel,
            "from": self.since.isoformat() if self.since else "",
            "to": self.until.isoformat() if self.until else "",
            "q": self.q,
            "sort": self.sort,
        } | override
        return urlencode({k: v for k, v in values.items() if v})


def _queue(user, params, today):
    flt = QueueFilter.from_params(params)
    qs = flt.order(flt.narrow(queries.workbench(user, flt.as_filters(), today), today))
    return flt, qs


def _mark(apps, today) -> None:
    for a in apps:
        a.due_today = a.deadline == today and a.status not in CLOSED


def _status_counts(user, flt: QueueFilter, today) -> list[dict]:
    qs = flt.narrow(queries.workbench(user, flt.as_filters(status="all"), today), today)
    by = dict(qs.order_by().values_list("status").annotate(n=Count("id")))
    rows = [
        {"status": s.value, "label": s.label, "count": by.get(s.value, 0), "closed": s in CLOSED}
        for s in Status
    ]
    open_total = sum(r["count"] for r in rows if not r["closed"])
    return [{"status": "open", "label": _("未办结"), "count": open_total, "closed": False}] + [
        r for r in rows if r["count"]
    ]


@staff_required
def workbench(request):
    today = timezone.localdate()
    flt, qs = _queue(request.user, request.GET, today)
    page = paginate(request, qs)
    _mark(page.object_list, today)
    context = {
        "page": page,
        "flt": flt,
        "today": today,
        "counts": _status_counts(request.user, flt, today),
        "statuses": Status.choices,
        "channels": Channel.choices,
        "items": items_for(request.user).filter(active=True).order_by("category", "code"),
        "centers": Center.objects.visible_to(request.user).order_by("region__code")[:500],
        "can_receive": Center.objects.visible_to(request.user, CHANGE).exists(),
        "tab": "workbench",
    }
    if is_htmx(request):
        return render(request, T + "_queue.html", context)
    return render(request, T + "workbench.html", context)


@staff_required
def workbench_export(request):
    today = timezone.localdate()
    flt, qs = _queue(request.user, request.GET, today)
    headers = [
        _("办件编号"),
        _("服务事项"),
        _("受理中心"),
        _("申请人"),
        _("身份证号"),
        _("联系电话"),
        _("渠道"),
        _("办理方式"),
        _("状态"),
        _("提交时间"),
        _("办结期限"),
        _("超期"),
        _("办结时间"),
        _("按期办结"),
    ]
    labels = dict(deadlines_labels())
    yes, no = _("是"), _("否")

    def rows():
        for a in qs.iterator(chunk_size=500):
            yield [
                a.number,
                a.item.name,
                a.center.name,
                a.applicant_name,
                # Personal data is masked in every export (PIPL); the full number is shown
                # one at a time on the page, audited.
                a.id_number_masked,
                a.phone_masked,
                a.get_channel_display(),
                a.get_handling_mode_display(),
                a.get_status_display(),
                timezone.localtime(a.submitted_at).strftime("%Y-%m-%d %H:%M"),
                a.deadline.isoformat(),
                labels[a.overdue_now],
                timezone.localtime(a.concluded_at).strftime("%Y-%m-%d %H:%M")
                if a.concluded_at
                else "",
                "" if a.on_time is None else (yes if a.on_time else no),
            ]

    return xlsx_response(_("办件清单.xlsx"), _("办件"), headers, rows())


def deadlines_labels():
    from .models import Overdue

    return [(o.value, str(o.label)) for o in Overdue]


# -- an application ------------------------------------------------------------------------------


def _visible_app(request, pk: int) -> Application:
    return get_object_or_404(
        Application.objects.visible_to(request.user).select_related(
            "item", "center", "received_by", "applicant"
        ),
        pk=pk,
    )


def _form_rows(app: Application) -> list[tuple[str, str]]:
    """The form's answers with the item's labels (and the chosen options' names)."""
    rows, seen = [], set()
    for ff in app.item.fields.all():
        if ff.code not in app.form_data:
            continue
        seen.add(ff.code)
        value = app.form_data[ff.code]
        if ff.datatype in (Datatype.SINGLE, Datatype.MULTI):
            names = {str(v.get("key")): v.get("name") or v.get("key") for v in ff.values or []}
            values = value if isinstance(value, list) else [value]
            value = "、".join(str(names.get(str(v), v)) for v in values)
        rows.append((ff.label, str(value)))
    # Answers to fields removed since (the form changed after the application).
    rows += [(code, str(v)) for code, v in app.form_data.items() if code not in seen]
    return rows


def _materials(app: Application) -> list[dict]:
    attachments = list(app.attachments.all())
    verified = set(app.verified_materials or [])
    out = []
    for m in app.item.materials.all():
        files = [a for a in attachments if a.material_id == m.pk]
        out.append({"material": m, "files": files, "verified": m.pk in verified})
    return out


def _detail_context(request, app: Application, form: TransitionForm | None = None) -> dict:
    today = timezone.localdate()
    app.overdue_now = queries.overdue_now(app, today)
    staff_roles = services.roles_of(request.user, app) - {workflow.RESIDENT}
    actions = next_statuses(request.user, app)
    return {
        "app": app,
        "today": today,
        "form_rows": _form_rows(app),
        "materials": _materials(app),
        "steps": app.steps.select_related("actor").order_by("at", "id"),
        "actions": [
            {
                "status": s,
                "label": Status(s).label,
                "verb": workflow.ACTIONS.get(s, s),
                "note_required": s in workflow.NOTE_REQUIRED,
            }
            for s in actions
        ],
        "needs_result": Status.CONCLUDED in actions,
        "form": form or TransitionForm(initial={"version": app.version}),
        "can_reveal": bool(staff_roles),
        "rating": getattr(app, "rating", None)
        if app.status in (Status.RATED, Status.REOPENED)
        else None,
        "transferred": app.handling_mode in (HandlingMode.RECEIVED_HERE, HandlingMode.PROXY),
    }


@staff_required
def application_detail(request, pk: int):
    app = _visible_app(request, pk)
    return render(request, T + "detail.html", _detail_context(request, app))


@staff_required
@require_POST
def application_transition(request, pk: int):
    app = _visible_app(request, pk)
    form = TransitionForm(request.POST)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        to_status = data["to_status"]
        try:
            services.transition(
                request.user,
                app,
                to_status,
                note=data["note"],
                result=data["result"],
                version=data["version"],
            )
        except ValidationError as exc:
            errors = errors_of(exc)
            # A change the table refuses is about the button, not a field: say it on top.
            if "status" in errors:
                errors["__all__"] = errors.pop("status")
            add_service_errors(form, errors)
        except ConflictError as exc:
            form.add_error(None, str(exc))
        except PermissionDenied as exc:
            # Staff of the case whose part the table does not allow (the window concluding what
            # the street concludes) read why on the page; anyone else gets the plain 403.
            if not services.roles_of(request.user, app) - {workflow.RESIDENT}:
                raise
            form.add_error(None, str(exc))
            status = 403
        else:
            messages.success(
                request,
                _("办件 %(n)s 已变为“%(s)s”。") % {"n": app.number, "s": app.get_status_display()},
            )
            return redirect("services_application_detail", app.pk)
    app.refresh_from_db()
    return render(request, T + "detail.html", _detail_context(request, app, form), status=status)


@staff_required
@require_POST
def application_reveal(request, pk: int):
    app = _visible_app(request, pk)
    full = services.reveal_id_number(request.user, app)
    if is_htmx(request):
        return render(request, T + "_id_number.html", {"app": app, "full": full})
    context = _detail_context(request, app) | {"full_id_number": full}
    return render(request, T + "detail.html", context)


@staff_required
def attachment_download(request, pk: int):
    att = get_object_or_404(
        Attachment.objects.visible_to(request.user).select_related("application", "material"),
        pk=pk,
    )
    try:
        handle = att.file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    # Materials are personal documents (ID cards, certificates): who opened which is kept.
    audit.record(
        request.user, "view", att.application, note=_("查看材料：%(m)s") % {"m": att.material.name}
    )
    inline = (
        att.content_type in itemform.IMAGE_FORMATS.values() or att.content_type == "application/pdf"
    )
    name = att.original_name or att.file.name.rsplit("/", 1)[-1]
    response = FileResponse(
        handle,
        content_type=att.content_type or "application/octet-stream",
        as_attachment=not inline,
        filename=name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# -- receiving on a resident's behalf (代办) -------------------------------------------------------


def _receivable_items(user):
    """One window receives every active item the center's district offers."""
    return list(items_for(user).filter(active=True).order_by("category", "code"))


@staff_required
def application_new(request):
    posted = pk_param(request.POST, "center") if request.method == "POST" else None
    if posted and not Center.objects.visible_to(request.user).filter(pk=posted).exists():
        raise Http404  # another district's center: not shown to exist
    centers = list(
        Center.objects.visible_to(request.user, CHANGE)
        .select_related("region")
        .order_by("region__code")[:1000]
    )
    if not centers:
        raise PermissionDenied(_("您的数据范围内没有可受理的党群服务中心。"))
    items = _receivable_items(request.user)
    params = request.POST if request.method == "POST" else request.GET
    receive = ReceiveForm(
        params if request.method == "POST" else None,
        centers=centers,
        items=items,
        initial={
            "center": clip(params, "center", 12)
            or (str(centers[0].pk) if len(centers) == 1 else ""),
            "item": clip(params, "item", 12),
        },
    )
    center = receive.centers.get(clip(params, "center", 12))
    if center is None and len(centers) == 1:
        center = centers[0]
    item = receive.items.get(clip(params, "item", 12))
    routing = queries.offering(center, item) if center and item else None
    form = None
    if item is not None:
        form = itemform.application_form(
            item,
            data=request.POST if request.method == "POST" else None,
            files=request.FILES if request.method == "POST" else None,
            window=True,
        )
        style(form)
    if request.method == "POST" and form is not None:
        receive_ok = receive.is_valid()
        form_ok = form.is_valid()
        if receive_ok and form_ok:
            cleaned = form.cleaned_data
            files = {
                m.pk: request.FILES.getlist(name)
                for name, m in form.material_fields.items()
                if request.FILES.getlist(name)
            }
            try:
                app, created = services.submit_application(
                    request.user,
                    item=receive.cleaned_data["item"],
                    center=receive.cleaned_data["center"],
                    applicant_name=cleaned["applicant_name"],
                    id_number=cleaned["id_number"],
                    phone=cleaned["phone"],
                    form_data=form.cleaned_form_data(),
                    description=cleaned.get("description", ""),
                    files=files,
                    channel=Channel.WINDOW,
                    idempotency_key=receive.cleaned_data["idempotency_key"],
                    verified_materials=form.verified_materials(),
                )
            except ValidationError as exc:
                errors = errors_of(exc)
                add_service_errors(
                    receive, {k: v for k, v in errors.items() if k in receive.fields}
                )
                add_service_errors(
                    form, {k: v for k, v in errors.items() if k not in receive.fields}
                )
            else:
                if created:
                    _received(request, app, accept=receive.cleaned_data["accept_now"])
                else:
                    messages.info(
                        request, _("该申请已提交过（%(n)s），未重复受理。") % {"n": app.number}
                    )
                return redirect("services_application_detail", app.pk)
        # Files cannot be sent back to the browser: say so, keep everything else.
        if request.FILES:
            messages.warning(request, _("请重新选择要上传的材料文件，其余内容已保留。"))
    elif request.method == "POST":
        receive.is_valid()
    context = {
        "receive": receive,
        "form": form,
        "material_rows": [
            (form[name], form[f"v_{m.pk}"]) for name, m in form.material_fields.items()
        ]
        if form is not None
        else [],
        "center": center,
        "item": item,
        "routing": routing,
        "routing_label": _routing_label(routing),
        "limit": item.time_limit_on(timezone.localdate()) if item else None,
        "tab": "workbench",
    }
    if is_htmx(request) and request.method == "GET":
        return render(request, T + "_new_form.html", context)
    status = 400 if request.method == "POST" else 200
    return render(request, T + "new.html", context, status=status)


def _received(request, app: Application, *, accept: bool) -> None:
    """Say what happened at the window: received (已提交, to be accepted on the case's page), or
    — with 当场受理 ticked — received and accepted in the same request."""
    if accept:
        try:
            services.transition(request.user, app, Status.ACCEPTED)
        except (ValidationError, PermissionDenied, ConflictError) as exc:
            text = (
                " ".join(m for msgs in errors_of(exc).values() for m in msgs)
                if isinstance(exc, ValidationError)
                else str(exc)
            )
            messages.warning(
                request,
                _("已收件：%(n)s（已提交），但未能当场受理：%(e)s") % {"n": app.number, "e": text},
            )
            return
        messages.success(
            request,
            _("已受理：%(n)s，办结期限 %(d)s。") % {"n": app.number, "d": app.deadline},
        )
        return
    messages.success(
        request,
        _("已收件：%(n)s（已提交），请核对材料后在本页点击“受理”。办结期限 %(d)s。")
        % {"n": app.number, "d": app.deadline},
    )


def _routing_label(routing) -> str:
    if routing is None:
        return ""
    level, mode = routing
    if mode in (HandlingMode.RECEIVED_HERE, HandlingMode.PROXY):
        return _("本中心受理，转街道办理")
    if mode == HandlingMode.CONCLUDED_HERE:
        return _("本中心办结")
    return HandlingMode(mode).label
