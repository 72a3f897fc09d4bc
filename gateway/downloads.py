"""The Content-Disposition of a file the gateway hands out.

A file's name comes from whoever uploaded it. Control characters (a newline,
a vertical tab) in a header make the HTTP server refuse the whole answer, so
the name is cleaned before it reaches a header: RFC 6266's `filename*` carries
it in UTF-8, percent-encoded, and `filename` an ASCII stand-in for old clients.
"""
import unicodedata
from urllib.parse import quote

FALLBACK = "download"


def clean_filename(name: str | None, fallback: str = FALLBACK) -> str:
    """`name` without control or format characters and path separators, at
    most 200 characters; `fallback` when nothing is left."""
    kept = "".join("_" if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp")
                   or char in "/\\" else char for char in (name or ""))
    kept = kept.strip().strip(".")[:200]
    return kept or fallback


def attachment(name: str | None, fallback: str = FALLBACK) -> str:
    """`attachment; filename="…"; filename*=UTF-8''…` for `name`: always a
    download, never a page of ours."""
    cleaned = clean_filename(name, fallback)
    ascii_name = "".join(char if 0x20 <= ord(char) < 0x7f and char not in '"\\' else "_"
                         for char in cleaned)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(cleaned, safe='')}"
