from django.contrib import admin
from django.urls import include, path

from lianxin.accounts import views as accounts
from lianxin.centers import views as centers
from lianxin.core import views as core
from lianxin.core.api import build_api
from lianxin.regions import views as regions

api = build_api()
api.add_router("/regions/", "lianxin.regions.api.router")
api.add_router("/centers/", "lianxin.centers.api.router")
api.add_router("/stats/", "lianxin.dashboard.api.router")

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
    path("centers/export.xlsx", centers.center_export, name="center_export"),
    path("centers/<int:pk>/", centers.center_detail, name="center_detail"),
    path("centers/<int:pk>/edit/", centers.center_edit, name="center_edit"),
    path("centers/<int:pk>/status/", centers.center_status, name="center_status"),
    path("centers/<int:pk>/rooms/new/", centers.room_form, name="room_new"),
    path("centers/<int:pk>/rooms/<int:room_id>/", centers.room_form, name="room_edit"),
    path("centers/<int:pk>/rooms/<int:room_id>/delete/", centers.room_delete, name="room_delete"),
    path("audit/", core.audit_log, name="audit_log"),
    path("geo/<str:province>.json", core.boundaries, name="boundaries"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("sysadmin/", admin.site.urls),
]
