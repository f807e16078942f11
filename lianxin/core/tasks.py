"""Background tasks shared by every app."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django_tasks import task


@task()
def email_notifications(ids: list[int]) -> int:
    """E-mail each notification not yet e-mailed to its recipient; returns how many went out."""
    from .models import Notification

    sent = 0
    rows = Notification.objects.filter(pk__in=ids, emailed_at__isnull=True).select_related(
        "recipient"
    )
    for n in rows:
        if not n.recipient.email:
            continue
        link = f"{settings.SITE_URL.rstrip('/')}{n.url}" if n.url else ""
        send_mail(
            f"[连心桥] {n.title}",
            "\n\n".join(p for p in (n.body, link) if p),
            settings.DEFAULT_FROM_EMAIL,
            [n.recipient.email],
        )
        Notification.objects.filter(pk=n.pk).update(emailed_at=timezone.now())
        sent += 1
    return sent
