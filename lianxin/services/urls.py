"""The staff pages of the services app, mounted at /services/: the catalogue, devolution, the
window's workbench and applications, statistics."""

from django.urls import path

from . import views_applications as apps
from . import views_catalogue as cat
from . import views_devolution as dev
from . import views_stats as st

urlpatterns = [
    # the catalogue
    path("catalogue/", cat.item_list, name="services_item_list"),
    path("catalogue/export.xlsx", cat.item_export, name="services_item_export"),
    path("catalogue/new/", cat.item_new, name="services_item_new"),
    path("catalogue/<int:pk>/", cat.item_detail, name="services_item_detail"),
    path("catalogue/<int:pk>/edit/", cat.item_edit, name="services_item_edit"),
    path("catalogue/<int:pk>/time-limits/", cat.time_limit_add, name="services_time_limit_add"),
    path("catalogue/<int:pk>/materials/new/", cat.material_edit, name="services_material_new"),
    path(
        "catalogue/<int:pk>/materials/<int:material_pk>/",
        cat.material_edit,
        name="services_material_edit",
    ),
    path(
        "catalogue/<int:pk>/materials/<int:material_pk>/delete/",
        cat.material_delete,
        name="services_material_delete",
    ),
    path("catalogue/<int:pk>/fields/new/", cat.field_edit, name="services_field_new"),
    path("catalogue/<int:pk>/fields/<int:field_pk>/", cat.field_edit, name="services_field_edit"),
    path(
        "catalogue/<int:pk>/fields/<int:field_pk>/delete/",
        cat.field_delete,
        name="services_field_delete",
    ),
    path("catalogue/<int:pk>/<str:kind>/card/", cat.part_card, name="services_part_card"),
    # devolution
    path("devolution/", dev.devolution_matrix, name="services_devolution"),
    path("devolution/export.xlsx", dev.devolution_export, name="services_devolution_export"),
    path("devolution/<str:code>/items/<int:item_pk>/", dev.devolve, name="services_devolve"),
    path("devolution/<int:pk>/end/", dev.devolution_end, name="services_devolution_end"),
    # the window
    path("workbench/", apps.workbench, name="services_workbench"),
    path("workbench/export.xlsx", apps.workbench_export, name="services_workbench_export"),
    path("applications/new/", apps.application_new, name="services_application_new"),
    path("applications/<int:pk>/", apps.application_detail, name="services_application_detail"),
    path(
        "applications/<int:pk>/transition/",
        apps.application_transition,
        name="services_application_transition",
    ),
    path(
        "applications/<int:pk>/reveal/", apps.application_reveal, name="services_application_reveal"
    ),
    path("attachments/<int:pk>/", apps.attachment_download, name="services_attachment_download"),
    # statistics
    path("stats/", st.stats, name="services_stats"),
    path("stats/export.xlsx", st.stats_export, name="services_stats_export"),
]
