from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .forms import AdminLoginForm
from .models import ApiToken, Role, RoleAssignment, User

# The admin's own login would bypass the lockout and the audit of failed attempts.
admin.site.login_form = AdminLoginForm


class AssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    raw_id_fields = ["region"]
    filter_horizontal = ["custom_regions"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "display_name", "kind", "org_unit", "is_active", "locked_until"]
    list_filter = ["kind", "is_active", "is_superuser"]
    raw_id_fields = ["org_unit"]
    fieldsets = BaseUserAdmin.fieldsets + (
        (
            "Lianxin",
            {"fields": ("kind", "display_name", "org_unit", "failed_logins", "locked_until")},
        ),
    )
    inlines = [AssignmentInline]


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "can_write", "can_admin_users", "default_scope"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["key_hash"]
