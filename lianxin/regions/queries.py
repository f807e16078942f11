"""Reads of the tree, always through visible_to(user)."""

from django.db.models import Count, Q

from lianxin.centers.models import Center, CenterStatus
from lianxin.core.scoping import scope_for

from .models import Kind, Level, Region

# Which denormalised code on Center groups the children of a unit at this level.
CHILD_CODE_FIELD = {
    Level.PROVINCE: "district_code",
    Level.PREFECTURE: "district_code",
    Level.COUNTY: "street_code",
}


def root_regions(user):
    """The top units of the user's scope (a city user: Tianjin; a district user: the district)."""
    scope = scope_for(user)
    if scope.everything:
        return Region.objects.filter(level=Level.PROVINCE)
    paths = set(scope.subtree) | set(scope.exact)
    tops = [p for p in paths if not any(p != o and p.startswith(o) for o in paths)]
    return Region.objects.filter(path__in=tops).order_by("code")


def child_summaries(user, region: Region):
    """The unit's visible children, each with its centers counted by kind and status."""
    children = list(Region.objects.visible_to(user).filter(parent=region).order_by("code"))
    field = CHILD_CODE_FIELD.get(region.level)
    counts = {}
    if field and children:
        rows = (
            Center.objects.visible_to(user)
            .filter(region_path__startswith=region.path)
            .values(field)
            .annotate(
                total=Count("id"),
                villages=Count("id", filter=Q(kind=Kind.VILLAGE)),
                communities=Count("id", filter=Q(kind=Kind.COMMUNITY)),
                in_use=Count(
                    "id",
                    filter=Q(status=CenterStatus.IN_USE, kind__in=[Kind.VILLAGE, Kind.COMMUNITY]),
                ),
            )
        )
        counts = {r[field]: r for r in rows}
    for child in children:
        child.summary = counts.get(child.code)
    return children


def visible_ancestors(user, region: Region) -> tuple[list[Region], set[str]]:
    """The unit's ancestors, and the paths of those the user may open (for breadcrumbs)."""
    ancestors = region.ancestors()
    paths = set(
        Region.objects.visible_to(user)
        .filter(code__in=[a.code for a in ancestors])
        .values_list("path", flat=True)
    )
    return ancestors, paths
