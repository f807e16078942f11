"""The campaign in the Django admin (/sysadmin/, system administrators): a window on the data,
not a back door (卡死后门).

- Plans, campaigns and commitments are saved through `campaign.services` (validated, scheduled,
  version-checked, audited) like everywhere else.
- A sign-off's status changes only by the steps of `workflow.TRANSITIONS`, each run by its
  service: every criterion re-checked, two different people, a reason to return or reopen,
  audited. The criteria are shown read-only; the people, dates and evidence cannot be edited.
  `SignOff.save()` re-checks as well, so nothing in the admin can sign off a failing site.
- A refusal (a failing criterion, the same person, a step not in the table) is shown as an
  error message on the page and nothing is saved — never a server error.
- Milestones change only through progress reports and durations (services), bulletins never
  change once issued, milestone templates are edited here by system administrators.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lianxin.core import audit
from lianxin.core.services import ConflictError

from . import criteria, services, workflow
from .models import (
    ActionItem,
    Bulletin,
    Campaign,
    Commitment,
    Leader,
    LeaderAssignment,
    Meeting,
    Milestone,
    MilestoneTemplate,
    Plan,
    ProgressPhoto,
    ProgressReport,
    Rectification,
    SignOff,
    SignOffPhoto,
    Visit,
)


class Refused(Exception):
    """A save the services or a model guard refused: shown as a message, nothing written."""


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return "；".join(str(m) for errs in exc.message_dict.values() for m in errs)
        return "；".join(str(m) for m in exc.messages)
    return str(exc) or _("没有权限")


def refusing(fn, *args, **kwargs):
    """Run a service; its refusal becomes `Refused` (the change view turns it into a message)."""
    try:
        return fn(*args, **kwargs)
    except (ValidationError, PermissionDenied, ConflictError) as exc:
        raise Refused(_message(exc)) from exc


class RefusalsAsMessages:
    """A refused save rolls back whole (the change view's transaction) and the page comes back
    with the reason as an error message."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except Refused as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except Refused as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


class AuditedAdmin(RefusalsAsMessages, admin.ModelAdmin):
    """Rows without a service of their own: saved by the admin, audited like every write, and a
    model's own refusal (a ValidationError from save()) shown as a message."""

    def save_model(self, request, obj, form, change):
        fields = [f for f in form.changed_data if f in {x.name for x in obj._meta.fields}]
        before = {}
        if change:
            before = audit.snapshot(type(obj).objects.get(pk=obj.pk), _attnames(obj, fields))
        self.prepare(obj)
        refusing(obj.save)
        after = audit.snapshot(obj, _attnames(obj, fields))
        audit.record(
            request.user,
            "update" if change else "create",
            obj,
            changes=audit.diff(before, after),
            note=_("系统管理后台"),
        )

    def delete_model(self, request, obj):
        audit.record(request.user, "delete", obj, note=_("系统管理后台"))
        refusing(obj.delete)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)

    def prepare(self, obj) -> None:
        """Derived fields (the region path) before the row is saved."""
        region = getattr(obj, "region", None) if getattr(obj, "region_id", None) else None
        if region is not None and hasattr(obj, "region_path"):
            obj.region_path = region.path


def _attnames(obj, names) -> list[str]:
    return [obj._meta.get_field(n).attname for n in names]


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    max_num = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _criteria_html(items) -> str:
    if not items:
        return "—"
    return format_html(
        "<ul style='margin:0;padding-left:1.2em'>{}</ul>",
        format_html_join(
            "",
            "<li>{} <strong>{}</strong>：{}</li>",
            (("✔" if c["passed"] else "✘", c.get("label", c["code"]), c["detail"]) for c in items),
        ),
    )


# -- campaigns and commitments ------------------------------------------------------------------

CAMPAIGN_FIELDS = [
    "code",
    "name",
    "description",
    "region",
    "kinds",
    "starts_on",
    "target_date",
    "is_demo",
]


@admin.register(Campaign)
class CampaignAdmin(RefusalsAsMessages, admin.ModelAdmin):
    list_display = ["name", "code", "region", "starts_on", "target_date", "is_demo"]
    search_fields = ["name", "code"]
    raw_id_fields = ["region"]
    fields = CAMPAIGN_FIELDS

    def save_model(self, request, obj, form, change):
        data = {f: form.cleaned_data[f] for f in form.changed_data if f in CAMPAIGN_FIELDS}
        current = Campaign.objects.get(pk=obj.pk) if change else None
        saved = refusing(services.save_campaign, request.user, current, data)
        obj.pk, obj._state.adding = saved.pk, False

    def has_delete_permission(self, request, obj=None):
        return False  # plans, commitments and bulletins hang on it


@admin.register(Commitment)
class CommitmentAdmin(RefusalsAsMessages, admin.ModelAdmin):
    list_display = ["campaign", "district", "secretary", "target_count", "target_date"]
    list_filter = ["campaign"]
    raw_id_fields = ["district"]
    fields = ["campaign", "district", "secretary", "target_count", "target_date", "note"]
    DATA = ["secretary", "target_count", "target_date", "note"]

    def get_readonly_fields(self, request, obj=None):
        return ["campaign", "district"] if obj else []

    def save_model(self, request, obj, form, change):
        data = {f: form.cleaned_data[f] for f in self.DATA if f in form.cleaned_data}
        if change:
            data = {f: v for f, v in data.items() if f in form.changed_data}
        saved = refusing(services.save_commitment, request.user, obj.campaign, obj.district, data)
        obj.pk, obj._state.adding = saved.pk, False

    def has_delete_permission(self, request, obj=None):
        return False


# -- plans and milestones -------------------------------------------------------------------------


class MilestoneInline(ReadOnlyInline):
    """Dates come from the schedule, progress from the reports: shown, never typed in."""

    model = Milestone
    fields = [
        "sort",
        "code",
        "name",
        "duration_days",
        "starts_on",
        "due_on",
        "progress",
        "completed_on",
        "escalation",
    ]
    readonly_fields = fields


PLAN_FORM_FIELDS = [
    "works_type",
    "target_area",
    "budget",
    "premises",
    "starts_on",
    "deadline",
    "leader",
    "notes",
]


@admin.register(Plan)
class PlanAdmin(RefusalsAsMessages, admin.ModelAdmin):
    list_display = [
        "center",
        "campaign",
        "works_type",
        "deadline",
        "health",
        "signed_off_on",
        "leader",
    ]
    list_filter = ["campaign", "works_type", "health", "is_demo"]
    search_fields = ["center__name", "center__region__code"]
    raw_id_fields = ["center", "leader"]
    inlines = [MilestoneInline]
    derived = [
        "region_path",
        "district_code",
        "street_code",
        "health",
        "signed_off_on",
        "version",
        "created_by",
        "created_at",
        "updated_at",
    ]

    def get_fields(self, request, obj=None):
        return ["campaign", "center", *PLAN_FORM_FIELDS, *(self.derived if obj else [])]

    def get_readonly_fields(self, request, obj=None):
        # Health and the sign-off date are the services' to set (卡死后门).
        return ["campaign", "center", *self.derived] if obj else []

    def save_model(self, request, obj, form, change):
        data = {}
        for name in form.changed_data if change else form.cleaned_data:
            if name in PLAN_FORM_FIELDS:
                value = form.cleaned_data[name]
                if name == "leader":
                    data["leader_id"] = value.pk if value else None
                else:
                    data[name] = value
        if change:
            current = Plan.objects.get(pk=obj.pk)
            refusing(
                services.update_plan,
                request.user,
                current,
                data,
                expected_version=current.version,
            )
        else:
            plan = refusing(
                services.create_plan,
                request.user,
                form.cleaned_data["campaign"],
                form.cleaned_data["center"],
                data,
            )
            obj.pk, obj._state.adding = plan.pk, False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MilestoneTemplate)
class MilestoneTemplateAdmin(AuditedAdmin):
    """The milestones of each works type and their durations (working days): data the city
    edits. Plans copy them when scheduled."""

    list_display = ["works_type", "sort", "code", "name", "name_en", "duration_days", "active"]
    list_editable = ["sort", "duration_days", "active"]
    list_filter = ["works_type", "active"]
    ordering = ["works_type", "sort"]

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


class ProgressPhotoInline(ReadOnlyInline):
    model = ProgressPhoto
    fields = ["image", "uploaded_at"]
    readonly_fields = fields


@admin.register(ProgressReport)
class ProgressReportAdmin(admin.ModelAdmin):
    """Reports are what the streets said, when: kept as they were."""

    list_display = ["milestone", "progress", "reported_on", "reported_by"]
    list_filter = ["reported_on"]
    search_fields = ["plan__center__name"]
    inlines = [ProgressPhotoInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# -- sign-off -------------------------------------------------------------------------------------


class SignOffPhotoInline(ReadOnlyInline):
    model = SignOffPhoto
    fields = ["kind", "image", "uploaded_by", "uploaded_at"]
    readonly_fields = fields


class SignOffForm(forms.ModelForm):
    class Meta:
        model = SignOff
        fields = ["status", "reason"]
        help_texts = {
            "status": gettext_lazy(
                "只能按流程办理：待提交→待核验（提交）、待核验→已销号（核验，须另一人且全部条件满足）"
                "或已退回（退回，须填原因）、已销号→已重新打开（须填原因）。"
            ),
            "reason": gettext_lazy("退回或重新打开时必填；提交时作为说明。"),
        }


def step_for(before: str, after: str) -> str | None:
    """The workflow action that takes a sign-off from `before` to `after`, if there is one."""
    for (frm, action), to in workflow.TRANSITIONS.items():
        if frm == before and to == after:
            return action
    return None


@admin.register(SignOff)
class SignOffAdmin(RefusalsAsMessages, admin.ModelAdmin):
    form = SignOffForm
    list_display = ["plan", "status", "submitted_by", "verified_by", "signed_off_on"]
    list_filter = ["status"]
    search_fields = ["plan__center__name", "plan__center__region__code"]
    inlines = [SignOffPhotoInline]
    readonly_fields = [
        "plan",
        "criteria_today",
        "criteria_recorded",
        "submitted_by",
        "submitted_at",
        "verified_by",
        "verified_at",
        "signed_off_on",
        "version",
    ]
    fields = ["plan", "status", "reason", *readonly_fields[1:]]

    @admin.display(description=gettext_lazy("销号条件（今日）"))
    def criteria_today(self, obj):
        plan = Plan.objects.select_related("center").get(pk=obj.plan_id)
        plan.signoff = obj
        return _criteria_html([c.as_dict() for c in criteria.evaluate(plan)])

    @admin.display(description=gettext_lazy("销号条件（上一步办理时）"))
    def criteria_recorded(self, obj):
        return _criteria_html(obj.criteria)

    def save_model(self, request, obj, form, change):
        """A status change is the workflow step that makes it, run by its service; anything
        else is refused. (The form only carries the status and the reason.)"""
        current = SignOff.objects.select_related("plan__center").get(pk=obj.pk)
        if obj.status == current.status:
            if "reason" in form.changed_data:
                raise Refused(_("退回或重新打开的原因随状态变更一起填写，不能单独修改。"))
            return
        action = step_for(current.status, obj.status)
        if action is None:
            raise Refused(
                _("销号状态不能从“%(a)s”直接改为“%(b)s”：只能按流程逐步办理。")
                % {"a": current.get_status_display(), "b": obj.get_status_display()}
            )
        plan, actor, reason = current.plan, request.user, form.cleaned_data.get("reason", "")
        if action == workflow.SUBMIT:
            refusing(services.submit_signoff, actor, plan, note=reason)
        elif action == workflow.VERIFY:
            refusing(services.verify_signoff, actor, plan)
        elif action == workflow.RETURN:
            refusing(services.return_signoff, actor, plan, reason)
        else:
            refusing(services.reopen_signoff, actor, plan, reason)
        obj.refresh_from_db()

    def has_add_permission(self, request):
        return False  # made by the services when a site is first worked on

    def has_delete_permission(self, request, obj=None):
        return False


# -- bulletins: issued once, never changed --------------------------------------------------------


@admin.register(Bulletin)
class BulletinAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "region", "issued_on", "issued_by"]
    list_filter = ["year", "issued_on"]
    search_fields = ["number", "title"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# -- leaders, visits, meetings ------------------------------------------------------------------


class AssignmentInline(admin.TabularInline):
    model = LeaderAssignment
    extra = 0
    raw_id_fields = ["region"]
    exclude = ["region_path"]


@admin.register(Leader)
class LeaderAdmin(AuditedAdmin):
    list_display = ["name", "position", "region", "user", "active"]
    list_filter = ["active", "is_demo"]
    search_fields = ["name", "position"]
    raw_id_fields = ["region", "user"]
    exclude = ["region_path"]
    inlines = [AssignmentInline]

    def save_formset(self, request, form, formset, change):
        rows = formset.save(commit=False)
        for row in rows:
            row.region_path = row.region.path
            row.save()
            audit.record(request.user, "update", row, note=_("系统管理后台"))
        for row in formset.deleted_objects:
            audit.record(request.user, "delete", row, note=_("系统管理后台"))
            row.delete()


class RectificationInline(admin.TabularInline):
    model = Rectification
    extra = 0
    fields = ["finding", "owner_name", "due_on", "status", "closed_on", "closed_note"]


class ParentPathInlines:
    """Inline rows carry their parent's region path."""

    def save_formset(self, request, form, formset, change):
        rows = formset.save(commit=False)
        for row in rows:
            row.region_path = form.instance.region_path
            row.save()
            audit.record(request.user, "update", row, note=_("系统管理后台"))
        for row in formset.deleted_objects:
            audit.record(request.user, "delete", row, note=_("系统管理后台"))
            row.delete()


@admin.register(Visit)
class VisitAdmin(ParentPathInlines, AuditedAdmin):
    list_display = ["visited_on", "kind", "region", "leader", "team"]
    list_filter = ["kind", "is_demo"]
    search_fields = ["region__name", "team", "summary"]
    raw_id_fields = ["region", "center", "leader", "organizer", "created_by"]
    exclude = ["region_path"]
    inlines = [RectificationInline]


class ActionItemInline(admin.TabularInline):
    model = ActionItem
    extra = 0
    fields = ["text", "owner_name", "due_on", "status", "done_on", "done_note"]


@admin.register(Meeting)
class MeetingAdmin(ParentPathInlines, AuditedAdmin):
    list_display = ["held_on", "title", "region"]
    list_filter = ["is_demo"]
    search_fields = ["title", "region__name"]
    raw_id_fields = ["region", "created_by"]
    exclude = ["region_path", "version"]
    inlines = [ActionItemInline]
