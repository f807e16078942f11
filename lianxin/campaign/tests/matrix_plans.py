"""Permission-matrix rows for the campaign's plans pages and API (see matrix.py)."""

ENDPOINTS: list = []
WRITES: list = []
