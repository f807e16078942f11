"""Fixtures shared by the joint-review tests (imported by their modules)."""

from __future__ import annotations

import pytest

from lianxin.core.tests.factories import HEXI, HEXI_VILLAGE, NANKAI, NANKAI_VILLAGE, region

from .factories_approvals import approval_case, member

__all__ = [
    "hexi_plan",
    "hexi_planner",
    "nankai_case",
    "nankai_plan",
    "reviewers",
]

CODES = ["organization", "civil_affairs", "finance", "planning", "housing"]


def staff(username, role, unit_code, display_name=None):
    from lianxin.accounts import services as accounts
    from lianxin.accounts.models import User

    found = User.objects.filter(username=username).first()
    if found:
        return found
    unit = region(unit_code)
    user = accounts.create_staff(
        None,
        username=username,
        password="Lianxin-test-2025!",
        display_name=display_name or username,
        org_unit=unit,
    )
    if role:
        accounts.assign_role(None, user, role, unit)
    return user


@pytest.fixture
def reviewers(db):
    """One department_reviewer of 南开区 per department, each a member for 南开区."""
    out = {}
    for code in CODES:
        user = staff(f"nk_{code}", "department_reviewer", NANKAI, f"南开{code}")
        member(user, code, region(NANKAI))
        out[code] = user
    return out


@pytest.fixture
def hexi_planner(reviewer):
    """The suite's 河西区 department_reviewer, a planning member for 河西区."""
    member(reviewer, "planning", region(HEXI))
    return reviewer


@pytest.fixture
def nankai_plan(db):
    from lianxin.campaign.tests.factories import plan

    return plan(region(NANKAI_VILLAGE))


@pytest.fixture
def hexi_plan(db):
    from lianxin.campaign.tests.factories import plan

    return plan(region(HEXI_VILLAGE))


@pytest.fixture
def nankai_case(nankai, nankai_plan, reviewers):
    return approval_case(nankai_plan, actor=nankai)
