"""Admin registrations, read-only: every change goes through venues.services (audited)."""

from django.contrib import admin

from .models import Activity, Booking, BookingSlot, OpeningHours, SignUp


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OpeningHours)
class OpeningHoursAdmin(ReadOnly):
    list_display = ["center", "valid_from", "weekday", "opens", "closes"]
    list_filter = ["weekday"]
    raw_id_fields = ["center"]


@admin.register(Booking)
class BookingAdmin(ReadOnly):
    list_display = ["room_name", "center", "starts_at", "ends_at", "party_size", "status"]
    list_filter = ["status"]
    search_fields = ["purpose", "room_name", "center__name"]
    date_hierarchy = "day"
    raw_id_fields = ["room", "center", "resident", "booked_by", "cancelled_by"]


@admin.register(BookingSlot)
class BookingSlotAdmin(ReadOnly):
    list_display = ["room", "starts_at", "booking", "activity"]
    raw_id_fields = ["room", "booking", "activity"]


class SignUpInline(admin.TabularInline):
    model = SignUp
    extra = 0
    can_delete = False
    raw_id_fields = ["resident", "signed_up_by"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Activity)
class ActivityAdmin(ReadOnly):
    list_display = ["title", "center", "kind", "starts_at", "capacity", "status"]
    list_filter = ["kind", "status"]
    search_fields = ["title", "center__name"]
    raw_id_fields = ["center", "room", "created_by"]
    inlines = [SignUpInline]


@admin.register(SignUp)
class SignUpAdmin(ReadOnly):
    list_display = ["activity", "resident", "status", "created_at"]
    list_filter = ["status"]
    raw_id_fields = ["activity", "resident", "signed_up_by"]
