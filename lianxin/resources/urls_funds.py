"""Pages of resources: the fund ledger (资金专账) at /resources/funds/."""

from django.urls import path

from . import views_funds as v

urlpatterns = [
    path("funds/", v.fund_list, name="funds"),
    path("funds/export.xlsx", v.fund_export, name="fund_export"),
    path("funds/new/", v.fund_source_new, name="fund_source_new"),
    path("funds/reconciliation/", v.fund_reconciliation, name="fund_reconciliation"),
    path(
        "funds/reconciliation.xlsx",
        v.fund_reconciliation_export,
        name="fund_reconciliation_export",
    ),
    path("funds/<int:pk>/", v.fund_source, name="fund_source"),
    path("funds/<int:pk>/receipt/", v.fund_receipt, name="fund_receipt"),
    path("funds/<int:pk>/allocate/", v.fund_allocate, name="fund_allocate"),
    path("funds/<int:pk>/pay/", v.fund_pay, name="fund_pay"),
    path("funds/entries/<int:pk>/reverse/", v.fund_reverse, name="fund_reverse"),
    path("funds/attachments/<int:pk>/", v.fund_attachment, name="fund_attachment"),
    path("funds/plans/<int:plan_pk>/", v.fund_plan, name="fund_plan"),
]
