"""Public notices in the permission matrix (see lianxin/core/tests/test_permission_matrix.py):
`populate` posts a notice at each side's village; the tables list the staff's notice pages and
API, and every write through them. The residents' public pages are not scoped data (they show
what centers publish: the center page and the printable notice sheet of an in-use center) and are
tested in this app's own tests."""

from __future__ import annotations

from lianxin.core.tests.test_permission_matrix import Write, api, html

API = "/api/v1/portal"


def _prefix(s):
    return "河西" if s == "mine" else "南开"


def _n(c, s):
    return c.extra["portal"][s]["notice"]


def notice_marker(c, s):
    return [f"{_prefix(s)}矩阵公示"]


def populate(ctx) -> None:
    from . import factories as f

    ctx.extra["portal"] = {
        side: {"notice": f.notice(getattr(ctx, side).region, title=f"{_prefix(side)}矩阵公示")}
        for side in ("mine", "theirs")
    }


ENDPOINTS = [
    html("list", "notices list page", lambda c, s: "/portal/notices/", notice_marker),
    html("list", "notices list, searched", lambda c, s: "/portal/notices/?q=矩阵", notice_marker),
    html(
        "list",
        "notices list, in force",
        lambda c, s: "/portal/notices/?state=current&sort=title",
        notice_marker,
    ),
    html(
        "detail",
        "notice edit page",
        lambda c, s: f"/portal/notices/{_n(c, s).pk}/edit/",
        notice_marker,
    ),
    api("list", "API notices", lambda c, s: f"{API}/notices", notice_marker),
    api("detail", "API notice", lambda c, s: f"{API}/notices/{_n(c, s).pk}", notice_marker),
]


def _form(c, s):
    return {
        "kind": "rules",
        "title": "矩阵写入",
        "body": "矩阵写入的内容",
        "valid_from": "2024-06-01",
        "version": _n(c, s).version,
    }


WRITES = [
    Write(
        "notice publish",
        "post",
        lambda c, s: "/portal/notices/new/",
        lambda c, s: _form(c, s) | {"unit": getattr(c, s).region.code},
    ),
    Write("notice edit", "post", lambda c, s: f"/portal/notices/{_n(c, s).pk}/edit/", _form),
    Write(
        "notice withdraw",
        "post",
        lambda c, s: f"/portal/notices/{_n(c, s).pk}/withdraw/",
        lambda c, s: {},
    ),
    Write(
        "API notice publish",
        "json",
        lambda c, s: f"{API}/notices",
        lambda c, s: {
            "region": getattr(c, s).region.code,
            "kind": "rules",
            "title": "矩阵写入",
            "body": "矩阵写入的内容",
            "valid_from": "2024-06-01",
        },
    ),
    Write(
        "API notice withdraw",
        "json",
        lambda c, s: f"{API}/notices/{_n(c, s).pk}/withdraw",
        lambda c, s: {},
    ),
]


def fingerprint():
    from lianxin.portal.models import Notice

    return sorted(Notice.objects.values_list("pk", "version", "title", "valid_to"))
