"""The demo's accounts: made once each, so a demo built before an account was added gains it on
the next `make demo` and keeps the others; the center's head sits at the `center` account's
center, with the head's role."""

import pytest

from lianxin.accounts.models import User
from lianxin.centers.management.commands.seed_demo import Command

pytestmark = pytest.mark.django_db


def test_the_demo_accounts_are_made_once_and_the_head_is_at_the_center(db):
    Command().accounts()
    User.objects.filter(username="head").delete()  # as if the demo predates the head
    Command().accounts()  # again: the missing one is added, nothing else doubles
    head, center = User.objects.get(username="head"), User.objects.get(username="center")
    assert head.org_unit == center.org_unit
    assert head.has_role("center_head") and not center.has_role("center_head")
    assert User.objects.filter(username__in=["city", "admin", "center"]).count() == 3
