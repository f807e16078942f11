"""Pages of resources: the premises ledgers (库存房源 · 配套用房) and matching."""

from django.urls import path

from . import views_premises as v

urlpatterns = [
    path("premises/", v.premises_list, name="premises_list"),
    path("premises/export.xlsx", v.premises_export, name="premises_export"),
    path("premises/new/", v.premises_new, name="premises_new"),
    path("premises/ledger/", v.premises_ledger, name="premises_ledger"),
    path("premises/ledger/template.xlsx", v.premises_template, name="premises_template"),
    path("premises/ledger/import/", v.premises_import, name="premises_import"),
    path("premises/ledger/reports/<str:token>/", v.premises_report, name="premises_report"),
    path("premises/<int:pk>/", v.premises_detail, name="premises_detail"),
    path("premises/<int:pk>/edit/", v.premises_edit, name="premises_edit"),
    path("premises/<int:pk>/release/", v.premises_release, name="premises_release"),
    path("premises/<int:pk>/assign/", v.premises_assign, name="premises_assign"),
    path("matching/", v.matching, name="matching"),
    path("matching/runs/<int:pk>/", v.matching_run, name="matching_run"),
    path("matching/proposals/<int:pk>/accept/", v.proposal_accept, name="proposal_accept"),
    path("matching/proposals/<int:pk>/reject/", v.proposal_reject, name="proposal_reject"),
]
