from django.shortcuts import get_object_or_404, render

from lianxin.core.permissions import staff_required

from . import queries
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
    return render(request, "regions/detail.html", {
        "region": region,
        "ancestors": ancestors,
        "visible_paths": visible_paths,
        "children": queries.child_summaries(request.user, region),
        "history": region.statuses.order_by("valid_from"),
        "center": getattr(region, "center", None),
    })
