"""Pages of resources: joint review (联合审查审批 · 以函代证)."""

from django.urls import path

from . import views_approvals as v

urlpatterns: list = [
    path("approvals/", v.approval_list, name="approvals"),
    path("approvals/export.xlsx", v.approval_export, name="approval_export"),
    path("approvals/queue/", v.approval_queue, name="approval_queue"),
    path("approvals/new/", v.approval_new, name="approval_new"),
    path("approvals/<int:pk>/", v.approval_detail, name="approval_detail"),
    path("approvals/<int:pk>/resubmit/", v.approval_resubmit, name="approval_resubmit"),
    path("approvals/<int:pk>/withdraw/", v.approval_withdraw, name="approval_withdraw"),
    path("approvals/opinions/<int:pk>/", v.opinion_give, name="opinion_give"),
    path("approvals/attachments/<int:pk>/", v.opinion_attachment, name="opinion_attachment"),
]
