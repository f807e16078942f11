"""Double submits at the same instant, on PostgreSQL with real threads: the same idempotency key
gives one application; different keys get distinct numbers.

The threads need committed rows (each has its own connection), while the test itself runs in
the usual rolled-back transaction: so this module writes its own item and center from another
thread (its own connection, autocommitted) and removes everything it wrote afterwards, the same
way — without flushing the session's division tree (see conftest.py)."""

import threading

import pytest
from django.db import connection

from lianxin.core.tests.factories import make_center, region

# A village no other test builds a center for.
VILLAGE = "120103001012"  # 蚌埠道社区
THREADS = 8


@pytest.fixture
def committed(db):
    if connection.vendor != "postgresql":
        pytest.skip(
            "concurrent double submit needs PostgreSQL: SQLite serialises writers, so two "
            "threads never race (run with LIANXIN_DATABASE_URL=postgres://…)"
        )
    from conftest import RESIDENT_PHONE
    from lianxin.accounts.models import User
    from lianxin.core import crypto
    from lianxin.core.models import AuditLog, Notification
    from lianxin.services.models import Application, ServiceItem
    from lianxin.services.tests import factories as f

    def setup():
        return make_center(region(VILLAGE)), f.item(materials=())

    def cleanup():
        apps = Application.objects.filter(center=center)
        ids = [str(pk) for pk in apps.values_list("pk", flat=True)]
        Notification.objects.filter(target_type="services.application", target_id__in=ids).delete()
        AuditLog.objects.filter(target_type="services.application", target_id__in=ids).delete()
        AuditLog.objects.filter(target_type="services.serviceitem", target_id=str(item.pk)).delete()
        apps.delete()
        ServiceItem.objects.filter(pk=item.pk).delete()
        center.delete()

    center, item = in_thread(setup)
    try:
        yield {
            "center": center,
            "item": item,
            "root": User.objects.get(username="root"),
            "resident": User.objects.get(phone_digest=crypto.digest(RESIDENT_PHONE)),
        }
    finally:
        in_thread(cleanup)


def in_thread(fn):
    """fn() on a connection of its own, outside the test's transaction (so it commits)."""
    result = race(lambda i: fn(), n=1)[0]
    if isinstance(result, BaseException):
        raise result
    return result


def race(fn, n=THREADS):
    """Run fn(i) in n threads released together; returns results (or raised exceptions)."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i):
        try:
            barrier.wait()
            results[i] = fn(i)
        except BaseException as exc:  # reported by the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def submit(data, actor, channel, key):
    from lianxin.services import services
    from lianxin.services.tests import factories as f

    return services.submit_application(
        actor,
        item=data["item"],
        center=data["center"],
        applicant_name="并发测试",
        id_number=f.ID_NUMBER,
        phone=f.PHONE,
        form_data={},
        channel=channel,
        idempotency_key=key,
    )


def test_the_same_key_at_the_same_instant_gives_one_application(committed):
    from lianxin.services.models import Application

    results = race(lambda i: submit(committed, committed["resident"], "online", "double-click"))
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    assert {app.pk for app, _ in results} == {
        Application.objects.get(idempotency_key="double-click").pk
    }
    assert sum(created for _, created in results) == 1
    assert Application.objects.filter(center=committed["center"]).count() == 1


def test_different_keys_at_the_same_instant_get_distinct_numbers(committed):
    from lianxin.services.models import Application

    results = race(lambda i: submit(committed, committed["root"], "window", f"k{i}"))
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    numbers = sorted(
        Application.objects.filter(center=committed["center"]).values_list("number", flat=True)
    )
    assert len(numbers) == THREADS and len(set(numbers)) == THREADS
    assert all(n.startswith("SQ") and not n.startswith("T") for n in numbers)
