"""Permission-matrix rows for the campaign's supervision pages and API (see matrix.py)."""

ENDPOINTS: list = []
WRITES: list = []
