from django.contrib import admin
from django.urls import include, path

from lianxin.accounts import views as accounts
from lianxin.centers import ledger_views as ledger
from lianxin.centers import standards_views as standards
from lianxin.centers import views as centers
from lianxin.core import views as core
from lianxin.core.api import build_api
from lianxin.dashboard import views as dashboard
from lianxin.regions import views as regions

api = build_api()
api.add_router("/regions/", "lianxin.regions.api.router")
api.add_router("/centers/", "lianxin.centers.api.router")
api.add_router("/centers/ledger/", "lianxin.centers.ledger_api.router")
api.add_router("/stats/", "lianxin.dashboard.api.router")
api.add_router("/standards/", "lianxin.centers.standards_api.router")
api.add_router("/campaign/", "lianxin.campaign.api.router")
api.add_router("/services/", "lianxin.services.api.router")
api.add_router("/open311/", "lianxin.services.open311.router")
api.add_router("/venues/", "lianxin.venues.api.router")
api.add_router("/portal/", "lianxin.portal.api.router")
api.add_router("/resources/", "lianxin.resources.api.router")

urlpatterns = [
    path("", core.home, name="home"),
    path("login/", accounts.login_view, name="login"),
    path("logout/", accounts.logout_view, name="logout"),
    path("me/", accounts.resident_home, name="resident_home"),
    path("account/tokens/", accounts.tokens, name="tokens"),
    path("account/tokens/<int:pk>/revoke/", accounts.revoke_token, name="revoke_token"),
    path("regions/", regions.tree, name="region_tree"),
    path("regions/<str:code>/", regions.detail, name="region_detail"),
    path("regions/<str:code>/children/", regions.children, name="region_children"),
    path("regions/<str:code>/kind/", regions.correct_kind, name="region_kind"),
    path("regions/<str:code>/status/", regions.change_status, name="region_status"),
    path("centers/", centers.center_list, name="center_list"),
    path("centers/export.xlsx", ledger.ledger_export, name="center_export"),
    path("centers/ledger/", ledger.ledger_page, name="ledger"),
    path("centers/ledger/template.xlsx", ledger.ledger_template, name="ledger_template"),
    path("centers/ledger/import/", ledger.ledger_import, name="ledger_import"),
    path("centers/ledger/report/<str:token>.xlsx", ledger.ledger_report, name="ledger_report"),
    path("centers/<int:pk>/", centers.center_detail, name="center_detail"),
    path("centers/<int:pk>/edit/", centers.center_edit, name="center_edit"),
    path("centers/<int:pk>/status/", centers.center_status, name="center_status"),
    path("centers/<int:pk>/rooms/new/", centers.room_form, name="room_new"),
    path("centers/<int:pk>/rooms/<int:room_id>/", centers.room_form, name="room_edit"),
    path("centers/<int:pk>/rooms/<int:room_id>/delete/", centers.room_delete, name="room_delete"),
    path("centers/<int:pk>/levels/", standards.center_levels, name="center_levels"),
    path("centers/<int:pk>/levels/history/", standards.level_history, name="level_history"),
    path(
        "centers/<int:pk>/levels/renovation/", standards.record_renovation, name="record_renovation"
    ),
    path("centers/<int:pk>/levels/assess-area/", standards.assess_area, name="assess_area"),
    path("centers/<int:pk>/inspect/", standards.inspect, name="inspect"),
    path("centers/<int:pk>/inspections/", standards.center_inspections, name="center_inspections"),
    path("standards/", standards.rule_sets, name="rule_sets"),
    path("standards/new/", standards.rule_set_form, name="rule_set_new"),
    path("standards/<int:pk>/edit/", standards.rule_set_form, name="rule_set_edit"),
    path("standards/checklists/", standards.checklists, name="checklists"),
    path("standards/checklists/<int:pk>/", standards.checklist_detail, name="checklist_detail"),
    path(
        "standards/checklists/<int:pk>/items/new/",
        standards.checklist_item_form,
        name="checklist_item_new",
    ),
    path(
        "standards/checklists/<int:pk>/items/<int:item_id>/",
        standards.checklist_item_form,
        name="checklist_item_edit",
    ),
    path(
        "standards/checklists/<int:pk>/items/<int:item_id>/delete/",
        standards.checklist_item_delete,
        name="checklist_item_delete",
    ),
    path("standards/inspections/<int:pk>/", standards.inspection_detail, name="inspection_detail"),
    path("standards/photos/<int:pk>/", standards.inspection_photo, name="inspection_photo"),
    path("standards/follow-ups/", standards.follow_ups, name="follow_ups"),
    path("standards/follow-ups/<int:pk>/close/", standards.follow_up_close, name="follow_up_close"),
    path("audit/", core.audit_log, name="audit_log"),
    path("notifications/", core.notifications, name="notifications"),
    path("notifications/<int:pk>/read/", core.notification_read, name="notification_read"),
    path("notifications/read-all/", core.notifications_read_all, name="notifications_read_all"),
    path("campaign/", include("lianxin.campaign.urls")),
    path("services/", include("lianxin.services.urls")),
    path("venues/", include("lianxin.venues.urls")),
    path("portal/", include("lianxin.portal.urls")),
    path("resources/", include("lianxin.resources.urls")),
    path("battlemap/", dashboard.battlemap, name="battlemap"),
    path("battlemap/export.xlsx", dashboard.battlemap_export, name="battlemap_export"),
    path("geo/<str:province>.json", core.boundaries, name="boundaries"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("sysadmin/", admin.site.urls),
]
