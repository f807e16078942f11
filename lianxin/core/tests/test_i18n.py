"""The English catalogue is complete, compiled, and used when the user picks English.

Chinese is the source language and the default (whatever the browser's Accept-Language says);
English comes from lianxin/locale/en/LC_MESSAGES/django.po, compiled to django.mo and committed.
Refresh after adding strings:

    cd lianxin && LIANXIN_DEBUG=1 ../.venv/bin/python ../manage.py makemessages -l en --no-obsolete
    (translate the new msgstr entries)
    LIANXIN_DEBUG=1 ../.venv/bin/python ../manage.py compilemessages -l en
"""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings

CATALOGUE = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES"
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
PLACEHOLDER = re.compile(r"%\(\w+\)[sdifr]|%[sdifr]|\{\{\s*\w+\s*\}\}")


def _po_entries(path: Path) -> list[dict]:
    """Entries of a .po file: msgctxt, msgid, msgstr and flags (the header is skipped). A plural
    entry also has msgid_plural and `forms` (msgstr[0], msgstr[1] …); its msgstr is the first
    form, or empty when any form is."""
    entries, entry, key = [], None, None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if entry and entry.get("msgid"):
                forms = [entry[k] for k in sorted(entry) if k.startswith("msgstr[")]
                if forms:
                    entry["forms"] = forms
                    entry["msgstr"] = forms[0] if all(f.strip() for f in forms) else ""
                entries.append(entry)
            entry, key = None, None
            continue
        entry = entry if entry is not None else {"flags": set(), "msgctxt": None}
        if line.startswith("#,"):
            entry["flags"].update(f.strip() for f in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith(("msgctxt ", "msgid ", "msgid_plural ", "msgstr ", "msgstr[")):
            key, _, rest = line.partition(" ")
            entry[key] = ast.literal_eval(rest)
        elif line.startswith('"') and key:
            entry[key] += ast.literal_eval(line)
    return entries


def test_catalogue_is_complete_and_compiled():
    entries = _po_entries(CATALOGUE / "django.po")
    assert len(entries) > 100
    untranslated = [e["msgid"] for e in entries if not e.get("msgstr", "").strip()]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert not untranslated, f"untranslated: {untranslated}"
    assert not fuzzy, f"fuzzy: {fuzzy}"
    assert "#, fuzzy" not in (CATALOGUE / "django.po").read_text(encoding="utf-8")

    for e in entries:
        for msgstr in e.get("forms", [e["msgstr"]]):
            assert sorted(PLACEHOLDER.findall(e["msgid"])) == sorted(PLACEHOLDER.findall(msgstr)), (
                f"placeholders differ: {e['msgid']!r} → {msgstr!r}"
            )
            assert not CJK.search(msgstr), f"Chinese left in the English: {msgstr!r}"

    # The committed .mo is the compiled .po (a machine without gettext still gets English).
    with (CATALOGUE / "django.mo").open("rb") as fh:
        mo = gettext.GNUTranslations(fh)

    def compiled(e, n=None):
        if n is None:
            return mo.pgettext(e["msgctxt"], e["msgid"]) if e["msgctxt"] else mo.gettext(e["msgid"])
        if e["msgctxt"]:
            return mo.npgettext(e["msgctxt"], e["msgid"], e["msgid_plural"], n)
        return mo.ngettext(e["msgid"], e["msgid_plural"], n)

    stale = [
        e["msgid"]
        for e in entries
        if (
            [compiled(e, 1), compiled(e, 2)] != e["forms"][:2]
            if "forms" in e
            else compiled(e) != e["msgstr"]
        )
    ]
    assert not stale, f"django.mo is out of date (run compilemessages -l en): {stale[:10]}"


def _labels(html: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", m).strip()
        for m in re.findall(r"<label[^>]*>(.*?)</label>", html, re.S)
    ]


def _visible_text(html: str) -> str:
    """The page's text, without scripts, styles, tags, and elements marked lang="zh" (the
    language switch names Chinese in Chinese on purpose)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    html = re.sub(r"<(\w+)[^>]*\blang=\"zh[^\"]*\"[^>]*>.*?</\1>", "", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


@pytest.mark.django_db
def test_login_page_in_english_with_the_language_cookie(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/login/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    assert '<html lang="en">' in html
    labels = _labels(html)
    assert labels == ["Username or mobile number", "Password"], labels
    assert not any(CJK.search(label) for label in labels)
    assert "Sign in to Lianxin" in html
    assert not CJK.search(_visible_text(html)), CJK.findall(_visible_text(html))


@pytest.mark.django_db
@pytest.mark.parametrize("accept", ["en-US,en;q=0.9", "", "fr"])
def test_login_page_in_chinese_by_default(client, accept):
    response = client.get("/login/", HTTP_ACCEPT_LANGUAGE=accept)
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Language"] == "zh-hans"
    assert '<html lang="zh-hans">' in html
    assert _labels(html) == ["账号或手机号", "密码"]
    assert "登录连心桥" in html
    assert "Sign in to Lianxin" not in html


@pytest.mark.django_db
def test_unknown_language_cookie_falls_back_to_chinese(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    html = client.get("/login/").content.decode()
    assert '<html lang="zh-hans">' in html
    assert "登录连心桥" in html


@pytest.mark.django_db
def test_the_language_of_a_request_does_not_outlive_it(client):
    """A visitor's English stays with their request: what runs next on the thread (a task, the
    next test) speaks the default language again."""
    from django.utils import translation

    before = translation.get_language()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/login/")
    assert response.headers["Content-Language"] == "en"
    assert translation.get_language() == before != "en"
    assert translation.gettext("登录") == "登录"
