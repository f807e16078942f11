"""The residents' site (mounted at /portal/) and the staff's notice pages."""

from django.urls import path

from . import views as v
from . import views_notices as n

urlpatterns = [
    path("", v.home, name="portal_home"),
    path("streets/", v.streets, name="portal_streets"),
    path("centers/<int:pk>/", v.center_page, name="portal_center"),
    path("centers/<int:pk>/activities/", v.activities, name="portal_activities"),
    path("centers/<int:pk>/rooms/<int:room_id>/book/", v.book_room, name="portal_book_room"),
    path("centers/<int:pk>/items/<str:code>/apply/", v.apply, name="portal_apply"),
    path("centers/<int:pk>/notices/print/", n.notice_print, name="portal_notice_print"),
    path("items/<str:code>/", v.item_page, name="portal_item"),
    path("me/", v.my_applications, name="portal_me"),
    path("me/bookings/", v.my_bookings, name="portal_my_bookings"),
    path("me/bookings/<int:pk>/cancel/", v.booking_cancel, name="portal_booking_cancel"),
    path("me/signups/<int:pk>/cancel/", v.sign_up_cancel, name="portal_signup_cancel"),
    path("me/notifications/", v.my_notifications, name="portal_notifications"),
    path(
        "me/notifications/<int:pk>/read/",
        v.my_notification_read,
        name="portal_notification_read",
    ),
    path(
        "me/notifications/read-all/",
        v.my_notifications_read_all,
        name="portal_notifications_read_all",
    ),
    path("activities/<int:pk>/sign-up/", v.activity_sign_up, name="portal_sign_up"),
    path("activities/<int:pk>/check-in/", v.activity_check_in, name="portal_check_in"),
    path("applications/<str:number>/", v.application_page, name="portal_application"),
    path(
        "applications/<str:number>/withdraw/",
        v.application_withdraw,
        name="portal_application_withdraw",
    ),
    path(
        "applications/<str:number>/resubmit/",
        v.application_resubmit,
        name="portal_application_resubmit",
    ),
    path("applications/<str:number>/rate/", v.application_rate, name="portal_application_rate"),
    path("notices/", n.notice_list, name="portal_notice_list"),
    path("notices/new/", n.notice_new, name="portal_notice_new"),
    path("notices/<int:pk>/edit/", n.notice_edit, name="portal_notice_edit"),
    path("notices/<int:pk>/withdraw/", n.notice_withdraw, name="portal_notice_withdraw"),
]
