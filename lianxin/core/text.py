"""Text helpers: pinyin initials for search ('hxq' finds 河西区)."""

from functools import lru_cache

from pypinyin import Style, lazy_pinyin


@lru_cache(maxsize=20000)
def _initial(char: str) -> str:
    letters = lazy_pinyin(char, style=Style.FIRST_LETTER, errors="ignore")
    return letters[0][:1].lower() if letters else ""


def pinyin_initials(text: str) -> str:
    """Initials char by char (with a per-char cache: the national import runs it 660,000 times).
    Latin letters and digits are kept; other symbols dropped."""
    out = []
    for ch in text:
        if ch.isascii():
            if ch.isalnum():
                out.append(ch.lower())
        else:
            out.append(_initial(ch))
    return "".join(out)
