"""In-app notifications, e-mailed after the transaction commits by a background task (Django's
tasks API through django-tasks; `manage.py db_worker` runs them, tests run them at once)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from .models import Notification, NotificationLevel


def notify(
    recipients: Iterable,
    title: str,
    body: str = "",
    *,
    url: str = "",
    level: str = NotificationLevel.INFO,
    target=None,
) -> list[Notification]:
    """One notification per distinct active recipient; the e-mails go out after commit."""
    seen, rows = set(), []
    for user in recipients:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        rows.append(
            Notification(
                recipient=user,
                level=level,
                title=str(title)[:200],
                body=str(body),
                url=url[:300],
                target_type=target._meta.label_lower if target is not None else "",
                target_id=str(target.pk) if target is not None else "",
            )
        )
    created = Notification.objects.bulk_create(rows)
    ids = [n.pk for n in created if n.recipient.email]
    if ids:
        from .tasks import email_notifications

        transaction.on_commit(lambda: email_notifications.enqueue(ids))
    return created


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def mark_read(user, pk: int | None = None) -> int:
    """Mark one of the user's own notifications (or all of them) as read; returns how many
    changed. Someone else's notification is never touched."""
    from django.utils import timezone

    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if pk is not None:
        qs = qs.filter(pk=pk)
    return qs.update(read_at=timezone.now())
