"""Helpers shared by the plans pages' tests and their permission-matrix rows."""

from __future__ import annotations

import struct
import zlib
from datetime import date
from decimal import Decimal

from django.core.files.base import ContentFile

PNG = b"\x89PNG\r\n\x1a\n"


def png(width: int = 4, height: int = 3) -> bytes:
    """A real, tiny PNG image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + b"\xcc\x22\x22" * width for _ in range(height))
    return (
        PNG
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def upload(name: str = "photo.png", content: bytes | None = None, content_type="image/png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, png() if content is None else content, content_type)


def make_ready(plan, *, marker: bytes = b"", photos=("signage", "exterior", "hall")):
    """Make every sign-off criterion hold for the plan: area above the rule set's requirement,
    a room in use, every milestone done, evidence photos (one of the signage)."""
    from lianxin.campaign.models import Milestone, SignOff, SignOffPhoto
    from lianxin.centers.models import Center, CenterStatus, Room, RoomType

    center = plan.center
    Center.objects.filter(pk=center.pk).update(
        floor_area=Decimal("500"), households=100, status=CenterStatus.IN_USE
    )
    if not center.rooms.exists():
        Room.objects.create(
            center=center,
            region_path=center.region_path,
            room_type=RoomType.objects.get(code="party_room"),
            name="党员活动室",
            area=Decimal("60"),
        )
    Milestone.objects.filter(plan=plan).update(progress=100, completed_on=date(2024, 5, 1))
    signoff = SignOff.objects.get_or_create(plan=plan, defaults={"region_path": plan.region_path})[
        0
    ]
    for kind in photos:
        photo = SignOffPhoto(signoff=signoff, region_path=plan.region_path, kind=kind)
        photo.image.save(f"{kind}.png", ContentFile(PNG + marker), save=True)
    plan.refresh_from_db()
    plan.center.refresh_from_db()
    return plan
