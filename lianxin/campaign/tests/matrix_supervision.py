"""Permission-matrix rows for the campaign's supervision pages and API (see matrix.py): leaders
and their assignments, "my sites", visits, rectification items and their photos, meetings and
action items, the statistics; every write, through the pages and the API."""

from __future__ import annotations

from lianxin.core.tests.test_permission_matrix import Endpoint, Write, api, html

API = "/api/v1/campaign"


def _x(c, s, name):
    return c.extra[s][name]


def _prefix(s):
    return "河西" if s == "mine" else "南开"


def _village(c, s):
    return getattr(c, s).region


def _street(c, s):
    return _village(c, s).parent


def _district(s):
    return "120103000000" if s == "mine" else "120104000000"


def leader_marker(c, s):
    return [f"{_prefix(s)}矩阵领导"]


def visit_markers(c, s):
    return [f"{_prefix(s)}矩阵督导"]


def rect_marker(c, s):
    return [f"{_prefix(s)}矩阵整改项"]


def visit_detail_markers(c, s):
    return visit_markers(c, s) + rect_marker(c, s)


def item_marker(c, s):
    return [f"{_prefix(s)}矩阵会议事项"]


def meeting_unit_marker(c, s):
    return [_village(c, s).name]


def district_marker(c, s):
    return [_district(s)]


def center_name(c, s):
    return [getattr(c, s).name]


def photo_marker(s):
    return f"{s.upper()}-RECTIFICATION-PHOTO"


def _rect_photo(c, s):
    """A photo of the side's rectification item, made the first time it is asked for."""
    from django.core.files.base import ContentFile

    from lianxin.campaign.models import RectificationPhoto

    if "rectification_photo" not in c.extra[s]:
        r = _x(c, s, "rectification")
        photo = RectificationPhoto(rectification=r, region_path=r.region_path)
        photo.image.save(
            "r.png", ContentFile(b"\x89PNG\r\n\x1a\n" + photo_marker(s).encode()), save=True
        )
        c.extra[s]["rectification_photo"] = photo
    return c.extra[s]["rectification_photo"]


def _assignment(c, s):
    """An assignment of the side's leader to its site, made the first time it is asked for."""
    from datetime import date

    from lianxin.campaign.models import LeaderAssignment

    if "assignment" not in c.extra[s]:
        village = _village(c, s)
        c.extra[s]["assignment"] = LeaderAssignment.objects.create(
            leader=_x(c, s, "leader"),
            region=village,
            region_path=village.path,
            since=date(2019, 1, 7),
        )
    return c.extra[s]["assignment"]


def _pk(c, s, name):
    return _x(c, s, name).pk


ENDPOINTS: list = [
    # leaders
    html("list", "leader list page", lambda c, s: "/campaign/leaders/", leader_marker),
    html(
        "list", "leader list, HTMX partial", lambda c, s: "/campaign/leaders/?hx=1", leader_marker
    ),
    html("list", "leader list, searched", lambda c, s: "/campaign/leaders/?q=矩阵", leader_marker),
    Endpoint(
        "leader export", "list", "xlsx", lambda c, s: "/campaign/leaders/export.xlsx", leader_marker
    ),
    html(
        "detail",
        "leader detail page",
        lambda c, s: f"/campaign/leaders/{_pk(c, s, 'leader')}/",
        leader_marker,
    ),
    html(
        "detail",
        "leader edit page",
        lambda c, s: f"/campaign/leaders/{_pk(c, s, 'leader')}/edit/",
        leader_marker,
    ),
    html(
        "detail",
        "a leader's sites",
        lambda c, s: f"/campaign/my-sites/?leader={_pk(c, s, 'leader')}",
        leader_marker,
    ),
    html(
        "detail",
        "leader new page for a unit",
        lambda c, s: f"/campaign/leaders/new/?region={_street(c, s).code}",
        lambda c, s: [_street(c, s).name],
    ),
    # visits and rectifications
    html("list", "visit list page", lambda c, s: "/campaign/visits/", visit_markers),
    html(
        "list",
        "visit list, filtered",
        lambda c, s: "/campaign/visits/?kind=unannounced&from=2024-01-01",
        visit_markers,
    ),
    html(
        "list",
        "supervision statistics page",
        lambda c, s: "/campaign/visits/stats/",
        lambda c, s: [f'data-district="{_district(s)}"', f"{_prefix(s)}矩阵领导"],
    ),
    html(
        "detail",
        "visit detail page",
        lambda c, s: f"/campaign/visits/{_pk(c, s, 'visit')}/",
        visit_detail_markers,
    ),
    html(
        "detail",
        "visit new page for a site",
        lambda c, s: f"/campaign/visits/new/?site={_village(c, s).code}",
        center_name,
    ),
    html(
        "list",
        "visit site picker, searched",
        lambda c, s: "/campaign/visits/new/?q=矩阵中心",
        center_name,
    ),
    html("list", "rectification list page", lambda c, s: "/campaign/rectifications/", rect_marker),
    html(
        "list",
        "rectification list, all",
        lambda c, s: "/campaign/rectifications/?status=&district=",
        rect_marker,
    ),
    html(
        "detail",
        "rectification close page",
        lambda c, s: f"/campaign/rectifications/{_pk(c, s, 'rectification')}/close/",
        rect_marker,
    ),
    Endpoint(
        "rectification photo",
        "detail",
        "bin",
        lambda c, s: f"/campaign/rectifications/photos/{_rect_photo(c, s).pk}/",
        lambda c, s: [photo_marker(s)],
    ),
    # meetings
    html("list", "meeting list page", lambda c, s: "/campaign/meetings/", meeting_unit_marker),
    html(
        "detail",
        "meeting detail page",
        lambda c, s: f"/campaign/meetings/{_pk(c, s, 'meeting')}/",
        item_marker,
    ),
    html(
        "detail",
        "meeting edit page",
        lambda c, s: f"/campaign/meetings/{_pk(c, s, 'meeting')}/edit/",
        meeting_unit_marker,
    ),
    html(
        "detail",
        "meeting new page, carrying the unit's open items",
        lambda c, s: f"/campaign/meetings/new/?region={_village(c, s).code}",
        item_marker,
    ),
    html(
        "detail",
        "action item close page",
        lambda c, s: f"/campaign/action-items/{_pk(c, s, 'action_item')}/close/",
        item_marker,
    ),
    # the API
    api("list", "API leaders", lambda c, s: f"{API}/leaders", leader_marker),
    api("detail", "API leader", lambda c, s: f"{API}/leaders/{_pk(c, s, 'leader')}", leader_marker),
    api(
        "children",
        "API assignments of a leader",
        lambda c, s: f"{API}/assignments?leader={_assignment(c, s).leader_id}",
        lambda c, s: [_village(c, s).code],
    ),
    api("list", "API visits", lambda c, s: f"{API}/visits", visit_markers),
    api(
        "detail",
        "API visit",
        lambda c, s: f"{API}/visits/{_pk(c, s, 'visit')}",
        visit_detail_markers,
    ),
    api("list", "API rectifications", lambda c, s: f"{API}/rectifications", rect_marker),
    api(
        "detail",
        "API rectification",
        lambda c, s: f"{API}/rectifications/{_pk(c, s, 'rectification')}",
        rect_marker,
    ),
    api("list", "API meetings", lambda c, s: f"{API}/meetings", meeting_unit_marker),
    api(
        "detail",
        "API meeting",
        lambda c, s: f"{API}/meetings/{_pk(c, s, 'meeting')}",
        item_marker,
    ),
    api(
        "detail",
        "API carried agenda of a unit",
        lambda c, s: f"{API}/meetings/carried?region={_village(c, s).code}",
        item_marker,
    ),
    api("list", "API action items", lambda c, s: f"{API}/action-items", item_marker),
    api(
        "list",
        "API leader statistics",
        lambda c, s: f"{API}/supervision-stats/leaders",
        leader_marker,
    ),
    api(
        "list",
        "API district statistics",
        lambda c, s: f"{API}/supervision-stats/districts",
        district_marker,
    ),
    # The matrix's visits name no organizing unit: the rows are checked for scope, not content.
    api(
        "list",
        "API organizer statistics",
        lambda c, s: f"{API}/supervision-stats/organizers",
        lambda c, s: [],
    ),
]


def _visit_form(c, s):
    return {
        "kind": "announced",
        "visited_on": "2024-06-01",
        "team": "矩阵督导组",
        "f-TOTAL_FORMS": "1",
        "f-INITIAL_FORMS": "0",
        "f-MIN_NUM_FORMS": "0",
        "f-MAX_NUM_FORMS": "50",
        "f-0-text": "矩阵写入问题",
        "f-0-owner": "矩阵责任人",
        "f-0-due_on": "2024-07-01",
    }


def _meeting_form(c, s):
    return {
        "title": "矩阵写入例会",
        "held_on": "2024-06-01",
        "a-TOTAL_FORMS": "1",
        "a-INITIAL_FORMS": "0",
        "a-MIN_NUM_FORMS": "0",
        "a-MAX_NUM_FORMS": "50",
        "a-0-text": "矩阵写入事项",
        "a-0-owner": "矩阵责任人",
        "a-0-due_on": "2024-07-01",
    }


def _png(c, s):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from .factories import png

    upload = png("matrix.png")
    return {"image": SimpleUploadedFile(upload.name, upload.read(), content_type="image/png")}


WRITES: list = [
    Write(
        "leader new",
        "post",
        lambda c, s: f"/campaign/leaders/new/?region={_street(c, s).code}",
        lambda c, s: {"name": "矩阵写入领导", "position": "街道书记", "active": "on"},
    ),
    Write(
        "leader edit",
        "post",
        lambda c, s: f"/campaign/leaders/{_pk(c, s, 'leader')}/edit/",
        lambda c, s: {
            "name": "矩阵写入",
            "position": "改任",
            "region": _street(c, s).code,
            "active": "on",
        },
    ),
    Write(
        "leader assign",
        "post",
        lambda c, s: f"/campaign/leaders/{_pk(c, s, 'leader')}/assign/",
        lambda c, s: {"unit": _village(c, s).code, "since": "2024-01-01"},
    ),
    Write(
        "assignment end",
        "post",
        lambda c, s: f"/campaign/assignments/{_assignment(c, s).pk}/end/",
        lambda c, s: {"valid_to": "2024-06-01"},
    ),
    Write(
        "visit new",
        "post",
        lambda c, s: f"/campaign/visits/new/?site={_village(c, s).code}",
        _visit_form,
    ),
    Write(
        "rectification close",
        "post",
        lambda c, s: f"/campaign/rectifications/{_pk(c, s, 'rectification')}/close/",
        lambda c, s: {"closed_on": "2024-06-01", "closed_note": "矩阵写入"},
    ),
    Write(
        "meeting new",
        "post",
        lambda c, s: f"/campaign/meetings/new/?region={_street(c, s).code}",
        _meeting_form,
    ),
    Write(
        "meeting edit",
        "post",
        lambda c, s: f"/campaign/meetings/{_pk(c, s, 'meeting')}/edit/",
        lambda c, s: {
            "title": "矩阵例会",
            "held_on": "2024-05-01",
            "decisions": "矩阵写入",
            "version": "1",
        },
    ),
    Write(
        "action item new",
        "post",
        lambda c, s: f"/campaign/meetings/{_pk(c, s, 'meeting')}/items/",
        lambda c, s: {"text": "矩阵写入事项", "owner": "矩阵责任人", "due_on": "2024-07-01"},
    ),
    Write(
        "action item close",
        "post",
        lambda c, s: f"/campaign/action-items/{_pk(c, s, 'action_item')}/close/",
        lambda c, s: {"done_on": "2024-06-01", "done_note": "矩阵写入"},
    ),
    # the API
    Write(
        "API leader create",
        "json",
        lambda c, s: f"{API}/leaders",
        lambda c, s: {"name": "矩阵写入", "position": "街道书记", "region": _street(c, s).code},
    ),
    Write(
        "API leader patch",
        "patch",
        lambda c, s: f"{API}/leaders/{_pk(c, s, 'leader')}",
        lambda c, s: {"position": "矩阵写入"},
    ),
    Write(
        "API assign",
        "json",
        lambda c, s: f"{API}/leaders/{_pk(c, s, 'leader')}/assignments",
        lambda c, s: {"region": _village(c, s).code, "since": "2024-01-01"},
    ),
    Write(
        "API assignment end",
        "json",
        lambda c, s: f"{API}/assignments/{_assignment(c, s).pk}/end",
        lambda c, s: {"valid_to": "2024-06-01"},
    ),
    Write(
        "API visit create",
        "json",
        lambda c, s: f"{API}/visits",
        lambda c, s: {
            "region": _village(c, s).code,
            "kind": "unannounced",
            "visited_on": "2024-06-01",
            "team": "矩阵暗访组",
            "findings": [
                {"finding": "矩阵写入问题", "owner_name": "矩阵责任人", "due_on": "2024-07-01"}
            ],
        },
    ),
    Write(
        "API rectification close",
        "json",
        lambda c, s: f"{API}/rectifications/{_pk(c, s, 'rectification')}/close",
        lambda c, s: {"closed_on": "2024-06-01", "note": "矩阵写入"},
    ),
    Write(
        "API rectification photo",
        "post",
        lambda c, s: f"{API}/rectifications/{_pk(c, s, 'rectification')}/photos",
        _png,
    ),
    Write(
        "API meeting create",
        "json",
        lambda c, s: f"{API}/meetings",
        lambda c, s: {
            "region": _street(c, s).code,
            "title": "矩阵写入例会",
            "held_on": "2024-06-01",
            "action_items": [
                {"text": "矩阵写入事项", "owner_name": "矩阵责任人", "due_on": "2024-07-01"}
            ],
        },
    ),
    Write(
        "API meeting patch",
        "patch",
        lambda c, s: f"{API}/meetings/{_pk(c, s, 'meeting')}",
        lambda c, s: {"version": 1, "decisions": "矩阵写入"},
    ),
    Write(
        "API action item add",
        "json",
        lambda c, s: f"{API}/meetings/{_pk(c, s, 'meeting')}/action-items",
        lambda c, s: {"text": "矩阵写入事项", "owner_name": "矩阵责任人", "due_on": "2024-07-01"},
    ),
    Write(
        "API action item close",
        "json",
        lambda c, s: f"{API}/action-items/{_pk(c, s, 'action_item')}/close",
        lambda c, s: {"done_on": "2024-06-01", "note": "矩阵写入"},
    ),
]
