"""Pages for leaders (联系包保), supervision visits (督导 · 暗访), rectification items (整改) and
meetings (定期例会). Thin views: every read goes through `visible_to`, every write through one
function in `services`. A row outside the user's scope is a 404; a row the user sees but may not
change is a 403."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db.models import Count, F, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from lianxin.centers.models import Center
from lianxin.core.files import photo_response
from lianxin.core.permissions import paginate, staff_required
from lianxin.core.scoping import CHANGE, scope_for
from lianxin.core.services import ConflictError
from lianxin.core.tabular import xlsx_response
from lianxin.regions.models import Level, Region

from . import queries_supervision as q
from . import services
from .forms_supervision import (
    ActionFormSet,
    ActionItemCloseForm,
    ActionItemForm,
    AssignForm,
    EndAssignmentForm,
    FindingFormSet,
    LeaderForm,
    MeetingForm,
    RectificationCloseForm,
    VisitForm,
    put_row_errors,
    rows_of,
)
from .models import (
    ActionItem,
    ActionStatus,
    Leader,
    LeaderAssignment,
    Meeting,
    Rectification,
    RectificationPhoto,
    RectificationStatus,
    Visit,
    VisitKind,
)

T = "campaign/supervision/"


def _errors(exc: ValidationError) -> dict[str, list[str]]:
    return exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}


def _flash(request, exc: ValidationError, labels: dict | None = None) -> None:
    for field, msgs in _errors(exc).items():
        label = (labels or {}).get(field)
        text = " ".join(msgs)
        messages.error(request, _("%(l)s：%(e)s") % {"l": label, "e": text} if label else text)


def _flash_form(request, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        text = " ".join(errors)
        messages.error(request, _("%(l)s：%(e)s") % {"l": label, "e": text} if label else text)


def _can_change(user, model, pk: int) -> bool:
    return model.objects.visible_to(user, CHANGE).filter(pk=pk).exists()


def _require_change(user, model, pk: int) -> None:
    if not _can_change(user, model, pk):
        raise PermissionDenied(_("该记录不在您的数据范围内，或您没有编辑权限。"))


def _require_unit(user, region: Region) -> None:
    if not scope_for(user, CHANGE).covers_path(region.path):
        raise PermissionDenied(_("该单位不在您的数据范围内，或您没有编辑权限。"))


def _visible_region(request, code: str) -> Region:
    code = (code or "").strip()
    if not (code.isdigit() and len(code) <= 12):
        raise Http404
    return get_object_or_404(Region.objects.visible_to(request.user), code=code.ljust(12, "0"))


def _districts(user):
    return Region.objects.visible_to(user).filter(level=Level.COUNTY).order_by("code")


def writable_units(user, max_level: int = Level.TOWNSHIP) -> list[Region]:
    """The units the user may write for, at most `max_level` deep: the top units of their
    writing scope and the children of those (a city user: the city and its districts; a district
    user: the district and its streets)."""
    scope = scope_for(user, CHANGE)
    if scope.everything:
        tops = list(Region.objects.filter(level=Level.PROVINCE).order_by("code"))
    else:
        paths = set(scope.subtree) | set(scope.exact)
        outer = [p for p in paths if not any(p != o and p.startswith(o) for o in paths)]
        tops = list(Region.objects.filter(path__in=outer).order_by("code"))
    kids = list(
        Region.objects.filter(
            parent__in=[t for t in tops if t.path in scope.subtree or scope.everything]
        )
        .filter(level__lte=max_level)
        .order_by("code")
    )
    return [t for t in tops if t.level <= max_level] + kids


def _today() -> date:
    return timezone.localdate()


# -- leaders -------------------------------------------------------------------------------------


def _attach_stats(request, leaders: list, flt) -> None:
    for x in q.with_stats(request.user, leaders, _today(), flt.since, flt.until):
        x.stats = x


@staff_required
def leader_list(request):
    flt, qs = q.visible_leaders(request.user, request.GET)
    page = paginate(request, qs)
    _attach_stats(request, page.object_list, flt)
    context = {
        "page": page,
        "flt": flt,
        "districts": _districts(request.user),
        "can_add": bool(writable_units(request.user)),
        "tab": "leaders",
    }
    if request.headers.get("HX-Request"):
        return render(request, T + "_leader_table.html", context)
    return render(request, T + "leader_list.html", context)


@staff_required
def leader_export(request):
    flt, qs = q.visible_leaders(request.user, request.GET)
    today = _today()
    rows = q.with_stats(
        request.user,
        qs.prefetch_related(
            Prefetch(
                "assignments",
                queryset=LeaderAssignment.objects.visible_to(request.user)
                .on(today)
                .select_related("region"),
                to_attr="current",
            )
        ),
        today,
        flt.since,
        flt.until,
    )
    headers = [
        _("姓名"),
        _("职务"),
        _("所在单位"),
        _("包保单位"),
        _("登录账号"),
        _("在岗"),
        _("督导次数"),
        _("暗访次数"),
        _("包保站点"),
        _("一村一策"),
        _("逾期"),
        _("滞后"),
        pgettext("health", "正常"),
        _("已销号"),
        _("整改中"),
        _("已整改"),
        _("整改逾期"),
    ]

    def lines():
        for x in rows:
            yield [
                x.name,
                x.position,
                x.region.name,
                "、".join(a.region.name for a in x.current),
                x.user.get_username() if x.user_id else "",
                _("是") if x.active else _("否"),
                x.n_visits,
                x.n_unannounced,
                x.n_sites,
                x.n_plans,
                x.n_red,
                x.n_amber,
                x.n_green,
                x.n_done,
                x.n_rect_open,
                x.n_rect_closed,
                x.n_rect_overdue,
            ]

    period = ""
    if flt.since or flt.until:
        period = _("督导统计期间：%(a)s 至 %(b)s") % {
            "a": flt.since or "…",
            "b": flt.until or "…",
        }
    return xlsx_response(
        f"包保领导-{today.isoformat()}.xlsx", _("包保领导"), headers, lines(), note=period
    )


def _leader(request, pk: int) -> Leader:
    return get_object_or_404(
        Leader.objects.visible_to(request.user).select_related("region", "user"), pk=pk
    )


@staff_required
def leader_detail(request, pk: int):
    leader = _leader(request, pk)
    today = _today()
    (stats,) = q.with_stats(request.user, [leader], today)
    assignments = (
        LeaderAssignment.objects.visible_to(request.user)
        .filter(leader=leader)
        .select_related("region")
        .order_by(F("valid_to").desc(nulls_first=True), "-since", "region_path")
    )
    sites = q.sites_of(request.user, leader, today)
    can_edit = _can_change(request.user, Leader, pk)
    return render(
        request,
        T + "leader_detail.html",
        {
            "leader": leader,
            "stats": stats,
            "assignments": assignments,
            "sites": sites,
            "plans": sites["plans"][:20],
            "visits": sites["visits"][:10],
            "today": today,
            "can_edit": can_edit,
            "assign_form": AssignForm(user=request.user, initial={"since": today}),
            "end_form": EndAssignmentForm(initial={"valid_to": today}),
            "unit_options": writable_units(request.user) if can_edit else [],
            "tab": "leaders",
        },
    )


@staff_required
def leader_new(request):
    units = writable_units(request.user)
    if not units:
        raise PermissionDenied(_("您没有编辑权限。"))
    wanted = request.GET.get("region")
    region = _visible_region(request, wanted) if wanted else units[0]
    _require_unit(request.user, region)
    form = LeaderForm(request.POST or None, with_region=False, initial={"active": True})
    if request.method == "POST" and form.is_valid():
        try:
            leader = services.save_leader(
                request.user, None, form.service_data() | {"region": region}
            )
        except ValidationError as exc:
            form.add_service_errors(_errors(exc))
        else:
            messages.success(request, _("包保领导“%(n)s”已添加。") % {"n": leader.name})
            return redirect("leader_detail", pk=leader.pk)
    return render(
        request,
        T + "leader_form.html",
        {"form": form, "region": region, "units": units, "leader": None, "tab": "leaders"},
    )


@staff_required
def leader_edit(request, pk: int):
    leader = _leader(request, pk)
    _require_change(request.user, Leader, pk)
    units = writable_units(request.user)
    if leader.region not in units:
        units = [leader.region, *units]
    initial = {
        "name": leader.name,
        "position": leader.position,
        "region": leader.region.code,
        "username": leader.user.get_username() if leader.user_id else "",
        "active": leader.active,
    }
    form = LeaderForm(request.POST or None, units=units, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_leader(request.user, Leader.objects.get(pk=pk), form.service_data())
        except ValidationError as exc:
            form.add_service_errors(_errors(exc))
        except PermissionDenied as exc:
            form.add_error("region", str(exc))
        else:
            messages.success(request, _("已保存。"))
            return redirect("leader_detail", pk=pk)
    return render(
        request,
        T + "leader_form.html",
        {"form": form, "leader": leader, "saved_name": leader.name, "tab": "leaders"},
    )


@staff_required
@require_POST
def leader_assign(request, pk: int):
    leader = _leader(request, pk)
    _require_change(request.user, Leader, pk)
    form = AssignForm(request.POST, user=request.user)
    if not form.is_valid():
        _flash_form(request, form)
        return redirect("leader_detail", pk=pk)
    d = form.cleaned_data
    try:
        services.assign_leader(request.user, leader, d["unit"], d["since"], note=d["note"])
    except ValidationError as exc:
        _flash(request, exc, {"region": _("包保单位"), "since": _("开始日期")})
    else:
        messages.success(
            request, _("已安排包保：%(l)s → %(r)s") % {"l": leader.name, "r": d["unit"].name}
        )
    return redirect("leader_detail", pk=pk)


@staff_required
@require_POST
def assignment_end(request, pk: int):
    assignment = get_object_or_404(
        LeaderAssignment.objects.visible_to(request.user).select_related("leader", "region"),
        pk=pk,
    )
    _require_change(request.user, LeaderAssignment, pk)
    form = EndAssignmentForm(request.POST)
    if not form.is_valid():
        _flash_form(request, form)
    else:
        try:
            services.end_assignment(request.user, assignment, form.cleaned_data["valid_to"])
        except ValidationError as exc:
            _flash(request, exc, {"valid_to": _("结束日期")})
        else:
            messages.success(request, _("包保关系已结束。"))
    return redirect("leader_detail", pk=assignment.leader_id)


@staff_required
def my_sites(request):
    """A leader's own page: their sites by colour, overdue items and recent visits. Someone in
    whose scope the leader is may look at it with ?leader=<id>."""
    wanted = (request.GET.get("leader") or "").strip()
    if wanted:
        if not wanted.isdigit():
            raise Http404
        leader = _leader(request, int(wanted))
    else:
        leader = Leader.objects.filter(user=request.user).select_related("region").first()
    today = _today()
    context = {"leader": leader, "today": today, "tab": "my_sites", "own": not wanted}
    if leader is not None:
        sites = q.sites_of(request.user, leader, today)
        context |= {
            "sites": sites,
            "page": paginate(request, sites["plans"], per_page=50),
            "overdue": sites["overdue"][:30],
            "visits": sites["visits"][:10],
            "rectifications": sites["rectifications"][:20],
            "query": f"leader={leader.pk}" if wanted else "",
        }
    else:
        context["n_leaders"] = Leader.objects.visible_to(request.user).count()
    return render(request, T + "my_sites.html", context)


# -- visits --------------------------------------------------------------------------------------


@staff_required
def visit_list(request):
    flt, qs = q.visible_visits(request.user, request.GET)
    today = _today()
    counts = qs.order_by().aggregate(
        total=Count("id", distinct=True),
        unannounced=Count("id", filter=Q(kind=VisitKind.UNANNOUNCED), distinct=True),
    )
    rects = q.rectification_counts(
        Rectification.objects.filter(visit__in=flt.apply(Visit.objects.visible_to(request.user))),
        today,
    )
    context = {
        "page": paginate(request, qs),
        "flt": flt,
        "counts": counts,
        "rects": rects,
        "districts": _districts(request.user),
        "leaders": Leader.objects.visible_to(request.user).only("pk", "name").order_by("name"),
        "kinds": VisitKind.choices,
        "can_add": bool(writable_units(request.user)),
        "today": today,
        "tab": "visits",
    }
    return render(request, T + "visit_list.html", context)


@staff_required
def supervision_stats(request):
    params = request.GET
    since, until = q._day(params, "from"), q._day(params, "to")
    today = _today()
    leaders = q.with_stats(
        request.user,
        Leader.objects.visible_to(request.user).select_related("region"),
        today,
        since,
        until,
    )
    leaders.sort(key=lambda x: (-x.n_visits, x.region_path, x.name))
    return render(
        request,
        T + "stats.html",
        {
            "districts": q.district_stats(request.user, today, since, until),
            "organizers": q.organizer_stats(request.user, since, until),
            "leaders": leaders[:200],
            "since": since,
            "until": until,
            "today": today,
            "tab": "stats",
        },
    )


def _organizers(user, region: Region) -> list[Region]:
    """Who may have sent a visit to `region`: the city, its district and street — those of them
    the user records for (a district does not record the city department's visits)."""
    scope = scope_for(user, CHANGE)
    above = [r for r in region.ancestors() if r.level != Level.PREFECTURE] + (
        [region] if region.level == Level.TOWNSHIP else []
    )
    return [r for r in above if scope.covers_path(r.path)]


@staff_required
def visit_new(request):
    """Record a visit on a phone: first the site (?site=<code>), then the visit and its findings,
    one row each (rows are added on the page)."""
    code = request.GET.get("site") or ""
    if not code:
        return _site_picker(request)
    region = _visible_region(request, code)
    _require_unit(request.user, region)
    center = Center.objects.filter(region=region).first()
    today = _today()
    leaders = Leader.objects.visible_to(request.user).filter(active=True).order_by("name")
    mine = Leader.objects.filter(user=request.user, active=True).first()
    form = VisitForm(
        request.POST or None,
        leaders=leaders,
        organizers=_organizers(request.user, region),
        today=today,
        initial={"visited_on": today, "kind": VisitKind.ANNOUNCED, "leader": mine},
    )
    findings = FindingFormSet(request.POST or None, prefix="f")
    if request.method == "POST" and form.is_valid() & findings.is_valid():
        items, where = rows_of(findings, "finding")
        try:
            visit = services.record_visit(
                request.user, region, center=center, findings=items, **form.service_args()
            )
        except ValidationError as exc:
            rest = put_row_errors(findings, where, _errors(exc), "findings", "finding")
            form.add_service_errors(rest)
        else:
            n = visit.rectifications.count()
            messages.success(
                request,
                _("督导已记录，发现问题 %(n)s 条，已转为整改事项。") % {"n": n}
                if n
                else _("督导已记录。"),
            )
            return redirect("visit_detail", pk=visit.pk)
    return render(
        request,
        T + "visit_form.html",
        {
            "form": form,
            "findings": findings,
            "region": region,
            "center": center,
            "today": today,
            "tab": "visits",
        },
    )


def _site_picker(request):
    text = (request.GET.get("q") or "").strip()[:60]
    found = []
    if text:
        qs = Center.objects.visible_to(request.user, CHANGE).select_related("region")
        if text.isdigit():
            qs = qs.filter(region__code__startswith=text)
        else:
            qs = qs.filter(search_text__icontains=text.lower())
        found = list(qs.order_by("region__code")[:30])
    units = writable_units(request.user)
    if not units:
        raise PermissionDenied(_("您没有编辑权限。"))
    streets = [u for u in units if u.level == Level.TOWNSHIP]
    return render(
        request,
        T + "site_picker.html",
        {"q": text, "found": found, "streets": streets, "tab": "visits"},
    )


@staff_required
def visit_detail(request, pk: int):
    visit = get_object_or_404(
        Visit.objects.visible_to(request.user).select_related(
            "region", "center", "leader", "organizer", "created_by"
        ),
        pk=pk,
    )
    items = (
        Rectification.objects.visible_to(request.user)
        .filter(visit=visit)
        .select_related("closed_by")
        .prefetch_related(
            Prefetch("photos", queryset=RectificationPhoto.objects.visible_to(request.user))
        )
    )
    closable = set(
        Rectification.objects.visible_to(request.user, CHANGE)
        .filter(visit=visit, status=RectificationStatus.OPEN)
        .values_list("pk", flat=True)
    )
    return render(
        request,
        T + "visit_detail.html",
        {
            "visit": visit,
            "items": items,
            "closable": closable,
            "today": _today(),
            "tab": "visits",
        },
    )


# -- rectifications ------------------------------------------------------------------------------


@staff_required
def rectification_list(request):
    today = _today()
    flt, qs = q.visible_rectifications(request.user, request.GET, today)
    counts = q.rectification_counts(
        q.RectificationFilter(status="", district=flt.district, q=flt.q).apply(
            Rectification.objects.visible_to(request.user), today
        ),
        today,
    )
    page = paginate(request, qs)
    closable = set(
        Rectification.objects.visible_to(request.user, CHANGE)
        .filter(pk__in=[r.pk for r in page], status=RectificationStatus.OPEN)
        .values_list("pk", flat=True)
    )
    return render(
        request,
        T + "rectification_list.html",
        {
            "page": page,
            "flt": flt,
            "counts": counts,
            "closable": closable,
            "districts": _districts(request.user),
            "statuses": RectificationStatus.choices,
            "today": today,
            "tab": "rectifications",
        },
    )


@staff_required
def rectification_close(request, pk: int):
    item = get_object_or_404(
        Rectification.objects.visible_to(request.user).select_related(
            "visit__region", "visit__center", "visit__leader"
        ),
        pk=pk,
    )
    _require_change(request.user, Rectification, pk)
    today = _today()
    photos = list(RectificationPhoto.objects.visible_to(request.user).filter(rectification=item))
    form = None
    if item.status == RectificationStatus.OPEN:
        form = RectificationCloseForm(
            request.POST or None,
            request.FILES or None,
            today=today,
            visited_on=item.visit.visited_on,
            initial={"closed_on": today},
        )
        if request.method == "POST" and form.is_valid():
            d = form.cleaned_data
            try:
                services.close_rectification(
                    request.user, item, d["closed_on"], d["closed_note"], photos=d["photos"]
                )
            except ValidationError as exc:
                form.add_service_errors(_errors(exc))
            else:
                messages.success(request, _("整改事项已销项。"))
                return redirect("visit_detail", pk=item.visit_id)
    return render(
        request,
        T + "rectification_close.html",
        {
            "item": item,
            "visit": item.visit,
            "photos": photos,
            "form": form,
            "today": today,
            "photos_dropped": request.method == "POST" and bool(request.FILES),
            "tab": "rectifications",
        },
    )


@staff_required
def rectification_photo(request, pk: int):
    return photo_response(RectificationPhoto.objects.visible_to(request.user), pk)


# -- meetings ------------------------------------------------------------------------------------


@staff_required
def meeting_list(request):
    today = _today()
    flt, qs = q.visible_meetings(request.user, request.GET, today)
    return render(
        request,
        T + "meeting_list.html",
        {
            "page": paginate(request, qs),
            "flt": flt,
            "districts": _districts(request.user),
            "can_add": bool(writable_units(request.user)),
            "today": today,
            "tab": "meetings",
        },
    )


@staff_required
def meeting_new(request):
    """A unit's meeting; its agenda opens with the open items of the unit's earlier meetings."""
    units = writable_units(request.user)
    wanted = request.GET.get("region")
    if not wanted and not units:
        raise PermissionDenied(_("您没有编辑权限。"))
    region = _visible_region(request, wanted) if wanted else units[0]
    _require_unit(request.user, region)
    today = _today()
    carried = list(q.open_items_of_unit(request.user, region))
    form = MeetingForm(
        request.POST or None,
        today=today,
        initial={"held_on": today, "agenda": q.carried_agenda(carried)},
    )
    items = ActionFormSet(request.POST or None, prefix="a")
    if request.method == "POST" and form.is_valid() & items.is_valid():
        rows, where = rows_of(items, "text")
        try:
            meeting = services.record_meeting(
                request.user, region, action_items=rows, **form.service_data()
            )
        except ValidationError as exc:
            rest = put_row_errors(items, where, _errors(exc), "action_items", "text")
            form.add_service_errors(rest)
        else:
            messages.success(request, _("例会已记录。"))
            return redirect("meeting_detail", pk=meeting.pk)
    return render(
        request,
        T + "meeting_form.html",
        {
            "form": form,
            "items": items,
            "region": region,
            "units": units,
            "carried": carried,
            "meeting": None,
            "today": today,
            "tab": "meetings",
        },
    )


def _meeting(request, pk: int) -> Meeting:
    return get_object_or_404(
        Meeting.objects.visible_to(request.user).select_related("region", "created_by"), pk=pk
    )


@staff_required
def meeting_detail(request, pk: int):
    meeting = _meeting(request, pk)
    today = _today()
    items = (
        ActionItem.objects.visible_to(request.user)
        .filter(meeting=meeting)
        .select_related("owner")
        .order_by("status", "due_on", "id")
    )
    closable = set(
        ActionItem.objects.visible_to(request.user, CHANGE)
        .filter(meeting=meeting, status=ActionStatus.OPEN)
        .values_list("pk", flat=True)
    )
    later = (
        Meeting.objects.visible_to(request.user)
        .filter(region_id=meeting.region_id)
        .filter(Q(held_on__gt=meeting.held_on) | Q(held_on=meeting.held_on, pk__gt=meeting.pk))
        .order_by("held_on", "id")
        .first()
    )
    return render(
        request,
        T + "meeting_detail.html",
        {
            "meeting": meeting,
            "items": items,
            "closable": closable,
            "carried": q.carried_into(request.user, meeting),
            "next_meeting": later,
            "can_edit": _can_change(request.user, Meeting, pk),
            "item_form": ActionItemForm(),
            "today": today,
            "tab": "meetings",
        },
    )


@staff_required
def meeting_edit(request, pk: int):
    meeting = _meeting(request, pk)
    _require_change(request.user, Meeting, pk)
    initial = {
        "title": meeting.title,
        "held_on": meeting.held_on,
        "attendees": meeting.attendees,
        "agenda": meeting.agenda,
        "decisions": meeting.decisions,
        "version": meeting.version,
    }
    form = MeetingForm(request.POST or None, today=_today(), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_meeting(
                request.user,
                Meeting.objects.get(pk=pk),
                form.service_data(),
                expected_version=form.cleaned_data.get("version"),
            )
        except ValidationError as exc:
            form.add_service_errors(_errors(exc))
        except ConflictError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已保存。"))
            return redirect("meeting_detail", pk=pk)
    return render(
        request,
        T + "meeting_form.html",
        {"form": form, "meeting": meeting, "region": meeting.region, "tab": "meetings"},
    )


@staff_required
@require_POST
def action_item_new(request, pk: int):
    meeting = _meeting(request, pk)
    _require_change(request.user, Meeting, pk)
    form = ActionItemForm(request.POST)
    if not form.is_valid():
        _flash_form(request, form)
        return redirect("meeting_detail", pk=pk)
    try:
        services.add_action_item(request.user, meeting, form.item())
    except ValidationError as exc:
        _flash(request, exc, {"text": _("事项"), "owner": _("责任人"), "due_on": _("完成期限")})
    else:
        messages.success(request, _("会议事项已添加。"))
    return redirect("meeting_detail", pk=pk)


@staff_required
def action_item_close(request, pk: int):
    item = get_object_or_404(
        ActionItem.objects.visible_to(request.user).select_related("meeting__region", "owner"),
        pk=pk,
    )
    _require_change(request.user, ActionItem, pk)
    today = _today()
    form = None
    if item.status == ActionStatus.OPEN:
        form = ActionItemCloseForm(
            request.POST or None,
            today=today,
            held_on=item.meeting.held_on,
            initial={"done_on": today},
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.close_action_item(
                    request.user, item, form.cleaned_data["done_on"], form.cleaned_data["done_note"]
                )
            except ValidationError as exc:
                form.add_service_errors(_errors(exc))
            else:
                messages.success(request, _("会议事项已完成。"))
                return redirect("meeting_detail", pk=item.meeting_id)
    return render(
        request,
        T + "action_item_close.html",
        {"item": item, "meeting": item.meeting, "form": form, "today": today, "tab": "meetings"},
    )
