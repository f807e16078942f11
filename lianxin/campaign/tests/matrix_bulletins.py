"""Permission-matrix rows for the campaign's bulletins pages and API (see matrix.py)."""

ENDPOINTS: list = []
WRITES: list = []
