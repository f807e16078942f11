"""Staff pages of rooms and activities (mounted at /venues/)."""

from django.urls import path

from . import views as v

urlpatterns = [
    path("", v.booking_list, name="venues_bookings"),
    path("export.xlsx", v.booking_export, name="venues_booking_export"),
    path("bookings/new/", v.booking_new, name="venues_booking_new"),
    path("bookings/<int:pk>/cancel/", v.booking_cancel, name="venues_booking_cancel"),
    path("bookings/<int:pk>/status/", v.booking_status, name="venues_booking_status"),
    path("activities/", v.activity_list, name="venues_activities"),
    path("activities/new/", v.activity_new, name="venues_activity_new"),
    path("activities/<int:pk>/", v.activity_detail, name="venues_activity_detail"),
    path("activities/<int:pk>/edit/", v.activity_edit, name="venues_activity_edit"),
    path("activities/<int:pk>/cancel/", v.activity_cancel, name="venues_activity_cancel"),
    path("activities/<int:pk>/finish/", v.activity_finish, name="venues_activity_finish"),
    path(
        "activities/<int:pk>/attendance/<int:signup_id>/",
        v.attendance,
        name="venues_attendance",
    ),
    path("hours/<int:center_id>/", v.hours_edit, name="venues_hours"),
    path("stats/", v.stats, name="venues_stats"),
]
