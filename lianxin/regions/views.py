from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import F
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lianxin.core.permissions import admin_required, can_admin, staff_required
from lianxin.core.scoping import CHANGE

from . import queries, services
from .forms import KindForm, StatusForm
from .models import Region


@staff_required
def tree(request):
    return render(request, "regions/tree.html", {"roots": queries.root_regions(request.user)})


@staff_required
def children(request, code: str):
    """HTMX partial: one level of the tree, loaded when a node is opened."""
    region = get_object_or_404(Region.objects.visible_to(request.user), code=code)
    kids = Region.objects.visible_to(request.user).filter(parent=region).order_by("code")
    return render(request, "regions/_children.html", {"children": kids})


@staff_required
def detail(request, code: str):
    region = get_object_or_404(Region.objects.visible_to(request.user), code=code)
    ancestors, visible_paths = queries.visible_ancestors(request.user, region)
    return render(
        request,
        "regions/detail.html",
        {
            "region": region,
            "ancestors": ancestors,
            "visible_paths": visible_paths,
            "children": queries.child_summaries(request.user, region),
            "history": region.statuses.order_by(F("valid_from").asc(nulls_first=True)),
            "center": getattr(region, "center", None),
            "can_manage": can_admin(request.user)
            and Region.objects.visible_to(request.user, CHANGE).filter(pk=region.pk).exists(),
            "kind_form": KindForm(initial={"kind": region.kind}),
            "status_form": StatusForm(),
        },
    )


def _manage(request, code: str, form_class, apply):
    """POST a kind correction or status change; errors come back on the detail page."""
    region = get_object_or_404(Region.objects.visible_to(request.user), code=code)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            apply(region, form.cleaned_data)
        except ValidationError as exc:
            for msgs in exc.message_dict.values():
                messages.error(request, " ".join(msgs))
        else:
            messages.success(request, _("已保存。"))
    else:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(
                request,
                _("%(label)s：%(errors)s") % {"label": label, "errors": " ".join(errors)}
                if label
                else " ".join(errors),
            )
    return redirect("region_detail", code=code)


@admin_required
@require_POST
def correct_kind(request, code: str):
    return _manage(
        request,
        code,
        KindForm,
        lambda r, d: services.correct_kind(request.user, r, d["kind"], d["note"]),
    )


@admin_required
@require_POST
def change_status(request, code: str):
    return _manage(
        request,
        code,
        StatusForm,
        lambda r, d: services.change_status(
            request.user, r, d["status"], d["valid_from"], kind=d["kind"] or None, note=d["note"]
        ),
    )
