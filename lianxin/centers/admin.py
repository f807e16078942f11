from django.contrib import admin

from .models import Center, CenterStatusPeriod, Room, RoomType


@admin.register(RoomType)
class RoomTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "sort", "active"]
    list_editable = ["sort", "active"]


class RoomInline(admin.TabularInline):
    model = Room
    extra = 0


class PeriodInline(admin.TabularInline):
    model = CenterStatusPeriod
    extra = 0


@admin.register(Center)
class CenterAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "status", "floor_area", "households", "is_demo"]
    list_filter = ["kind", "status", "is_demo"]
    search_fields = ["name", "region__code"]
    raw_id_fields = ["region"]
    inlines = [RoomInline, PeriodInline]
