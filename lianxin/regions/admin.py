from django.contrib import admin

from .models import Region, RegionStatus


class StatusInline(admin.TabularInline):
    model = RegionStatus
    extra = 0


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "kind", "kind_corrected", "status"]
    list_filter = ["level", "kind", "status"]
    search_fields = ["code", "name", "initials"]
    raw_id_fields = ["parent"]
    inlines = [StatusInline]
