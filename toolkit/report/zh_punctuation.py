"""Chinese pages with Chinese punctuation: the half-width , ; : ( ) that the code's sentences
use next to Chinese characters become the full-width ，；：（） a native reader expects ("typed
by a programmer", a director said of "新用户:下月 ... 10.9%;预计").

Applied to the text of a rendered page (never inside script, style, code or pre, nor to a
tag's attributes), character by character from its neighbours:

* a comma, semicolon or colon becomes full-width when the character before it, or the first
  one after it past a space, is Chinese (a CJK ideograph, or CJK/full-width punctuation), a
  comma or semicolon also when no space follows it (the code's Chinese sentences write them
  so; a list in English or in code puts a space after them), and none when it stands between
  two digits (2,857,105 and 10:30 stay); the space after it goes;
* a pair of parentheses (innermost first) becomes full-width when what it holds, or the
  character before it, is Chinese, or what it holds has no Latin letter ("实际为 59.9%(29,943)");
  spaces just outside it go.  A text without Chinese is left as it is.
"""
from __future__ import annotations

import re

_CJK = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef"
_IS_CJK = re.compile(f"[{_CJK}]")
_FULL = {",": "，", ";": "；", ":": "："}
_SKIP = ("script", "style", "code", "pre", "textarea")
_TAG = re.compile(r"(<[^>]*>)")
_PAIR = re.compile(r"\(([^()]*)\)")


def _cjk(ch: str) -> bool:
    return bool(ch) and bool(_IS_CJK.match(ch))


def _marks(text: str) -> str:
    out = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in _FULL:
            before = out[-1] if out else ""
            j = i + 1
            while j < len(text) and text[j] == " ":
                j += 1
            after = text[j] if j < len(text) else ""
            between_digits = before.isdigit() and i + 1 < len(text) and text[i + 1].isdigit()
            # the code's Chinese sentences write , and ; without a space ("incentive,2026-02");
            # a list in English or in code puts one after them ("[invite_sent, share]")
            tight = ch in ",;" and j == i + 1 and after not in ("", "\n")
            if not between_digits and (_cjk(before) or _cjk(after) or tight):
                out.append(_FULL[ch])
                i = j            # the space after it goes: the full-width mark carries its own
                continue
        out.append(ch)
        i += 1
    return "".join(out)


def _pairs(text: str) -> str:
    def one(m: re.Match) -> str:
        start = m.start()
        before = text_now[start - 1] if start > 0 else ""
        j = start - 1
        while j >= 0 and text_now[j] == " ":
            j -= 1
        if _IS_CJK.search(m.group(1)) or _cjk(text_now[j] if j >= 0 else "") or _cjk(before) or \
                not re.search("[A-Za-z]", m.group(1)):
            return "\x01" + m.group(1) + "\x02"
        return "\x03" + m.group(1) + "\x04"      # kept half-width, out of the way of the outer pair
    text_now = text
    while True:
        new = _PAIR.sub(one, text_now)
        if new == text_now:
            break
        text_now = new
    text_now = re.sub(r" *\x01", "（", text_now)
    text_now = re.sub(r"\x02 *", "）", text_now)
    return text_now.replace("\x03", "(").replace("\x04", ")")


_ENTITY = re.compile(r"&#?\w+;")


def full_width(text: str) -> str:
    """``text`` (plain text, no tags; HTML entities such as &amp; kept) with the half-width
    marks next to Chinese made full-width."""
    if not _IS_CJK.search(text):
        return text
    kept = _ENTITY.findall(text)
    text = _ENTITY.sub("\x05", text)
    text = _marks(_pairs(text))
    for entity in kept:
        text = text.replace("\x05", entity, 1)
    return text


def page(html: str) -> str:
    """``html`` with :func:`full_width` applied to every text between its tags, outside
    ``script``, ``style``, ``code``, ``pre`` and ``textarea``."""
    parts = _TAG.split(html)
    inside = None
    for k, part in enumerate(parts):
        if k % 2:      # a tag
            name = re.match(r"</?\s*([a-zA-Z0-9]+)", part)
            if name:
                tag = name.group(1).lower()
                if inside is None and not part.startswith("</") and tag in _SKIP and not part.endswith("/>"):
                    inside = tag
                elif inside == tag and part.startswith("</"):
                    inside = None
            continue
        if inside is None and part:
            parts[k] = full_width(part)
    return "".join(parts)
