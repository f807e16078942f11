"""The services app in the Django admin (system administrators): a window on the data, not a back
door. The catalogue, devolution and applications change only through `services` (permission,
validation, version, audit, the status table), so here they are read-only, with a link to the page
that edits them. The two lists of reference data (certificate kinds under Tianjin's 2019 rules,
the rating's standard answers) are edited here, and each save or delete is audited."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from lianxin.core import audit

from .models import (
    Application,
    Attachment,
    CertificateKind,
    Devolution,
    FormField,
    Material,
    Rating,
    ServiceItem,
    StandardAnswer,
    Step,
    TimeLimit,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class TimeLimitInline(ReadOnlyInline):
    model = TimeLimit
    fields = ("working_days", "valid_from", "valid_to", "note")


class MaterialInline(ReadOnlyInline):
    model = Material
    fields = ("name", "required", "copies", "source", "check_points", "sort")


class FormFieldInline(ReadOnlyInline):
    model = FormField
    fields = ("code", "label", "datatype", "required", "values", "sort")


@admin.register(ServiceItem)
class ServiceItemAdmin(ReadOnlyAdmin):
    list_display = (
        "code",
        "name",
        "category",
        "department",
        "level",
        "item_type",
        "active",
        "page",
    )
    list_filter = ("level", "item_type", "active", "online", "is_demo")
    search_fields = ("code", "name", "search_text")
    inlines = [TimeLimitInline, MaterialInline, FormFieldInline]

    @admin.display(description=_("编辑页面"))
    def page(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("services_item_detail", args=[obj.pk]), _("打开")
        )


@admin.register(Devolution)
class DevolutionAdmin(ReadOnlyAdmin):
    list_display = ("district", "item", "level", "handling_mode", "valid_from", "valid_to")
    list_filter = ("level", "handling_mode", "is_demo")
    search_fields = ("item__name", "item__code", "district__name")
    list_select_related = ("district", "item")


class StepInline(ReadOnlyInline):
    model = Step
    fields = ("from_status", "to_status", "actor", "at", "note")


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fields = ("material", "content_type", "size", "uploaded_by", "uploaded_at")


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    """Read-only: status changes only by the table, through `services.transition`. The ID number
    and phone stay encrypted here (only masked values are shown)."""

    list_display = (
        "number",
        "item",
        "center",
        "applicant_name",
        "id_masked",
        "status",
        "deadline",
        "overdue",
        "channel",
    )
    list_filter = ("status", "overdue", "channel", "handling_mode", "is_demo")
    search_fields = ("number", "applicant_name", "external_id")
    list_select_related = ("item", "center")
    exclude = ("id_number_encrypted", "id_number_digest", "phone_encrypted", "idempotency_key")
    readonly_fields = ("id_masked", "phone_masked_display")
    inlines = [StepInline, AttachmentInline]
    date_hierarchy = "submitted_at"

    @admin.display(description=_("身份证号"))
    def id_masked(self, obj):
        return obj.id_number_masked

    @admin.display(description=_("联系电话"))
    def phone_masked_display(self, obj):
        return obj.phone_masked


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdmin):
    list_display = ("application", "score", "reopened", "at")
    list_filter = ("score", "reopened")
    list_select_related = ("application",)


class AuditedAdmin(admin.ModelAdmin):
    """Reference data edited here; every change audited like any other write."""

    def save_model(self, request, obj, form, change):
        fields = list(form.changed_data) or None
        before = audit.snapshot(type(obj).objects.get(pk=obj.pk), fields) if change else {}
        super().save_model(request, obj, form, change)
        audit.record(
            request.user,
            "update" if change else "create",
            obj,
            changes=audit.diff(before, audit.snapshot(obj, fields)),
            note="admin",
        )

    def delete_model(self, request, obj):
        audit.record(request.user, "delete", obj, changes=audit.diff(audit.snapshot(obj), {}))
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(CertificateKind)
class CertificateKindAdmin(AuditedAdmin):
    list_display = ("code", "name", "community_may_issue", "basis")
    list_filter = ("community_may_issue",)
    search_fields = ("code", "name")


@admin.register(StandardAnswer)
class StandardAnswerAdmin(AuditedAdmin):
    list_display = ("text", "text_en", "is_satisfied", "reopens", "sort", "active")
    list_filter = ("is_satisfied", "reopens", "active")
