"""Every translatable string of the services app is written with a name `makemessages` extracts:
an alias such as `gettext_lazy as _l` hides the strings from the catalogue, and the English page
shows Chinese."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[1]
# xgettext's Python defaults and the keywords Django's makemessages adds.
EXTRACTED = {
    "_",
    "gettext",
    "ngettext",
    "pgettext",
    "npgettext",
    "gettext_noop",
    "gettext_lazy",
    "ngettext_lazy",
    "pgettext_lazy",
    "npgettext_lazy",
}


def _sources():
    return sorted(p for p in APP.rglob("*.py") if "migrations" not in p.parts)


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(APP)))
def test_translation_functions_keep_extractable_names(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
            for alias in node.names:
                name = alias.asname or alias.name
                if alias.name in EXTRACTED:
                    assert name in EXTRACTED, (
                        f"{path.name}: {alias.name} as {name} is not extracted by makemessages"
                    )


def test_the_application_forms_labels_are_extracted():
    text = (APP / "itemform.py").read_text(encoding="utf-8")
    assert 'gettext_lazy("申请人姓名")' in text or '_("申请人姓名")' in text
