"""Permission-matrix rows for the campaign's bulletins pages and API (see matrix.py).

Each side's issued bulletin (`ctx.extra[side]["bulletin"]`, at the side's village, with a
placeholder document) is told apart by its unit's name on pages and its code in the API. The
preview is asked for each side's district and shows that district's streets (the side's plan sits
in one). The download's bytes are the same placeholder for both sides: only who gets them (200 /
404 / redirect / 401) is checked there."""

from lianxin.core.tests.test_permission_matrix import (
    Endpoint,
    Write,
    api,
    district_of,
    html,
    street_markers,
)

MAY = "start=2024-05-01&end=2024-05-31"


def _b(c, s):
    return c.extra[s]["bulletin"]


def _unit_name(c, s):
    return [_b(c, s).region.name]


def _unit_code(c, s):
    return [_b(c, s).region.code]


def _campaign(c, s):
    return c.extra[s]["plan"].campaign_id


def _preview(c, s):
    return f"?campaign={_campaign(c, s)}&region={district_of(s)}&{MAY}"


ENDPOINTS: list = [
    html("list", "bulletins archive page", lambda c, s: "/campaign/bulletins/", _unit_name),
    html(
        "list",
        "bulletins archive, filtered by year",
        lambda c, s: "/campaign/bulletins/?year=2019",
        _unit_name,
    ),
    html(
        "detail",
        "bulletin detail page",
        lambda c, s: f"/campaign/bulletins/{_b(c, s).pk}/",
        _unit_name,
    ),
    Endpoint(
        "bulletin download",
        "detail",
        "bin",
        lambda c, s: f"/campaign/bulletins/{_b(c, s).pk}.docx",
        lambda c, s: [],
    ),
    html(
        "detail",
        "bulletin preview page",
        lambda c, s: f"/campaign/bulletins/preview/{_preview(c, s)}",
        street_markers,
    ),
    api("list", "API bulletins", lambda c, s: "/api/v1/campaign/bulletins", _unit_code),
    api(
        "list",
        "API bulletins, filtered by year",
        lambda c, s: "/api/v1/campaign/bulletins?year=2019",
        _unit_code,
    ),
    api(
        "detail",
        "API bulletin",
        lambda c, s: f"/api/v1/campaign/bulletins/{_b(c, s).pk}",
        _unit_code,
    ),
    Endpoint(
        "API bulletin download",
        "detail",
        "bin",
        lambda c, s: f"/api/v1/campaign/bulletins/{_b(c, s).pk}/document.docx",
        lambda c, s: [],
        staff_only_page=False,
    ),
    api(
        "detail",
        "API bulletin preview",
        lambda c, s: f"/api/v1/campaign/bulletins/preview{_preview(c, s)}",
        street_markers,
    ),
]


def _issue_form(c, s):
    return {
        "campaign": _campaign(c, s),
        "region": district_of(s),
        "start": "2024-05-01",
        "end": "2024-05-31",
    }


def _issue_json(c, s):
    return {
        "campaign": _campaign(c, s),
        "region": district_of(s),
        "period_start": "2024-05-01",
        "period_end": "2024-05-31",
    }


WRITES: list = [
    Write("bulletin issue", "post", lambda c, s: "/campaign/bulletins/issue/", _issue_form),
    Write("API bulletin issue", "json", lambda c, s: "/api/v1/campaign/bulletins", _issue_json),
]
