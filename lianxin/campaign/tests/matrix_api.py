"""Permission-matrix rows for the campaign API (see matrix.py)."""

ENDPOINTS: list = []
WRITES: list = []
