"""Fixtures for the standards tests: uploads kept out of var/, a small image, a weighted checklist."""

from __future__ import annotations

import struct
import zlib
from datetime import date
from decimal import Decimal

import pytest


def _png(width: int = 4, height: int = 3) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + b"\xcc\x22\x22" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


PNG = _png()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Evidence photos go to a temporary directory, never to var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def photo():
    """photo(name="x.png", content=PNG) → an uploaded file."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    def make(name: str = "evidence.png", content: bytes = PNG, content_type: str = "image/png"):
        return SimpleUploadedFile(name, content, content_type=content_type)

    return make


@pytest.fixture
def checklist(db):
    """A checklist valid from 2019 with four weighted items, 80 points to pass:
    a (weight 3, must pass), b (1), c (1, evidence required), d (2)."""
    from lianxin.centers.models import Checklist, ChecklistItem

    made = Checklist.objects.create(
        code="test-list", name="测试清单", valid_from=date(2019, 1, 1), pass_score=Decimal("80")
    )
    for sort, (code, weight, required, evidence) in enumerate(
        [
            ("a", 3, True, False),
            ("b", 1, False, False),
            ("c", 1, False, True),
            ("d", 2, False, False),
        ]
    ):
        ChecklistItem.objects.create(
            checklist=made,
            code=code,
            group="甲组" if code in "ab" else "乙组",
            text=f"检查项{code.upper()}",
            weight=Decimal(weight),
            required=required,
            evidence_required=evidence,
            sort=sort,
        )
    return made
