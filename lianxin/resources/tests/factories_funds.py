"""Factories for resources: funds."""

from __future__ import annotations

__all__: list[str] = []
