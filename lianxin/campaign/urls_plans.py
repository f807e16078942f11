"""The plans pages: overview, list and export, bulk creation, a plan, its schedule and sign-off."""

from django.urls import path

from . import views_plans as v

urlpatterns = [
    path("", v.campaign_overview, name="campaign_overview"),
    path("plans/", v.plan_list, name="plan_list"),
    path("plans/export.xlsx", v.plan_export, name="plan_export"),
    path("plans/bulk/", v.plan_bulk_create, name="plan_bulk_create"),
    path("plans/<int:pk>/", v.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/edit/", v.plan_edit, name="plan_edit"),
    path("plans/<int:pk>/signoff/", v.signoff_action, name="signoff_action"),
    path("plans/<int:pk>/signoff/photos/", v.signoff_photo, name="signoff_photo"),
    path("milestones/<int:pk>/duration/", v.milestone_duration, name="milestone_duration"),
    path("milestones/<int:pk>/progress/", v.milestone_progress, name="milestone_progress"),
    path("photos/<str:kind>/<int:pk>/", v.campaign_photo, name="campaign_photo"),
]
