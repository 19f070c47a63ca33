"""Texts given in several languages as {"en": ..., "az": ..., "ru": ...}: the reader's, else a fallback."""

from __future__ import annotations

from flask import has_request_context
from flask_babel import get_locale

FALLBACK = "en"


def pick(texts: dict | str | None, language: str | None = None) -> str:
    if not texts:
        return ""
    if isinstance(texts, str):
        return texts
    if language is None:
        language = str(get_locale()) if has_request_context() else FALLBACK
    return texts.get(language) or texts.get(FALLBACK) or next((t for t in texts.values() if t), "")
