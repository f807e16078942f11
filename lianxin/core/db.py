"""Database housekeeping that both engines understand."""

from django.db import connection


def analyze(*models) -> None:
    """Refresh the planner's statistics after a bulk load (PostgreSQL plans joins from them;
    without them it guesses one row and picks nested loops). SQLite: ANALYZE likewise."""
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
