"""The supervision pages: leaders (联系包保) and "my sites", visits (督导 · 暗访), rectification
items (整改) and meetings (定期例会)."""

from django.urls import path

from . import views_supervision as v

urlpatterns = [
    path("leaders/", v.leader_list, name="leader_list"),
    path("leaders/export.xlsx", v.leader_export, name="leader_export"),
    path("leaders/new/", v.leader_new, name="leader_new"),
    path("leaders/<int:pk>/", v.leader_detail, name="leader_detail"),
    path("leaders/<int:pk>/edit/", v.leader_edit, name="leader_edit"),
    path("leaders/<int:pk>/assign/", v.leader_assign, name="leader_assign"),
    path("assignments/<int:pk>/end/", v.assignment_end, name="assignment_end"),
    path("my-sites/", v.my_sites, name="my_sites"),
    path("visits/", v.visit_list, name="visit_list"),
    path("visits/stats/", v.supervision_stats, name="supervision_stats"),
    path("visits/new/", v.visit_new, name="visit_new"),
    path("visits/<int:pk>/", v.visit_detail, name="visit_detail"),
    path("rectifications/", v.rectification_list, name="rectification_list"),
    path("rectifications/<int:pk>/close/", v.rectification_close, name="rectification_close"),
    path("rectifications/photos/<int:pk>/", v.rectification_photo, name="rectification_photo"),
    path("meetings/", v.meeting_list, name="meeting_list"),
    path("meetings/new/", v.meeting_new, name="meeting_new"),
    path("meetings/<int:pk>/", v.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/edit/", v.meeting_edit, name="meeting_edit"),
    path("meetings/<int:pk>/items/", v.action_item_new, name="action_item_new"),
    path("action-items/<int:pk>/close/", v.action_item_close, name="action_item_close"),
]
